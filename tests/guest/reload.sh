#!/bin/sh
# Reloads that change a name's settings, inside the test guest:
#   reload.sh IPT [TEST...]
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft.
# TEST: names of the tests below (default: all, in order).
#
# A reload (iptables-restore, netfilter-persistent reload, iptables -R)
# that changes --period or --samples checks the new rules while the old
# ones still hold the name: the new setting waits, comes into force when
# the old rules go, and the old setting's unread windows are read first,
# after a "# period_ns N samples M" line.  Traffic flows all along, and
# every packet pktgen sent must be read, dropped or pending exactly (plus
# the ones nf_tables evaluated twice during a restore, witnessed).
. "$(dirname "$0")/lib.sh"

ipt_setup "${1:?usage: reload.sh IPT [TEST...]}" || exit 2
shift
ALL="restore_changes_settings_keeps_every_frame replace_rule_changes_settings \
failed_restore_keeps_old_settings other_table_waits_visibly"
pick_tests "$ALL" "$@"

traffic_defaults	# DEV, ADDR4, ADDR6, SIZE, LEN
T=/tmp/reload.$$
mkdir -p "$T"

# the rule under test, with settings PERIOD SAMPLES
rl_rule() { echo "-i $DEV -m pktstat --name rl --period $1 --samples $2"; }

# settings_of NAME: "period_ns samples settings_changes waiting_rules"
settings_of() {
	echo "$(stat_get "$1" period_ns) $(stat_get "$1" samples)" \
		"$(stat_get "$1" settings_changes) $(stat_get "$1" waiting_rules)"
}

# split_by_setting FILE...: the samples after the last "# period_ns P"
# line that announces P = $2 go to $1.new, the others to $1.old
split_at_setting() {
	local out="$1" p="$2"
	shift 2
	awk -v p="$p" -v o="$out" '
		/^# period_ns / { cur = $3; next }
		/^#/ { next }
		{ if (cur == p) print > (o ".new"); else print > (o ".old") }
	' "$@"
	touch "$out.new" "$out.old"
}

# A restore of the whole table with the settings changed, under traffic,
# drained before, during and after.
restore_changes_settings_keeps_every_frame() {
	local n s0 s1 twice ann
	test_begin restore "a restore that changes the settings keeps every frame"
	t_check "$P restore: witness rules" witness_add
	# shellcheck disable=SC2046
	t_check "$P restore: add rule --period 1ms --samples 2000" \
		ipt -A INPUT $(rl_rule 1ms 2000) ||
		{ witness_twice >/dev/null; test_end rl; return; }
	pktgen_setup $DEV 100000000 $SIZE $FAM 1 || t_fail "$P restore: pktgen setup"
	: > "$T/r.data"
	pktgen_start_bg
	sleep 0.3
	data_drain rl "$T/r.data"
	$SAVE -t filter > "$T/r.save"
	sed 's/--period 1ms --samples 2000/--period 2ms --samples 1000/' "$T/r.save" > "$T/r.new"
	t_check "$P restore: the edited rule set has the new settings" \
		grep -q -- '--name rl --period 2ms --samples 1000' "$T/r.new"
	pktgen_count; s0=$PG_SOFAR
	t_check "$P restore: $RESTORE with --period 2ms --samples 1000 succeeds" \
		sh -c "$RESTORE < $T/r.new"
	sleep 0.3
	pktgen_count; s1=$PG_SOFAR
	data_drain rl "$T/r.data"
	pktgen_stop || t_fail "$P restore: pktgen stopped without error"
	n=$PG_SOFAR
	twice=$(witness_twice)
	sleep 0.5
	data_drain rl "$T/r.last"
	cat "$T/r.last" >> "$T/r.data"
	t_diag "$n packets ($((s1 - s0)) around the restore); through INPUT twice: $twice"
	t_flowed "$P restore: traffic flowed across the reload" "$s0" "$s1"
	case $IPT in
	*-legacy) t_eq "$P restore: no packet went through INPUT twice (legacy)" 0 "$twice" ;;
	esac
	t_eq "$P restore: the name has the new settings, changed once, nothing waits" \
		"2000000 1000 1 0" "$(settings_of rl)"
	t_eq "$P restore: the rule shows the new settings" 1 \
		"$($IPT -S INPUT | grep -c -- '--name rl --period 2ms --samples 1000')"
	sum_samples "$T/r.data" >/dev/null
	t_eq "$P restore: samples well-formed, increasing within each setting" "" "$SUM_ERR"
	# announced where the stream changes setting, and again at every open
	# after the change: 1 or 2 times in these two drains after the restore
	ann=$(grep -c '^# period_ns 2000000 samples 1000$' "$T/r.data")
	[ "$ann" -ge 1 ] && [ "$ann" -le 2 ] &&
		t_ok "$P restore: the new setting announced in the stream ($ann)" ||
		t_fail "$P restore: the new setting announced in the stream" "$ann times"
	t_eq "$P restore: a file opened after the change starts with it" \
		"# period_ns 2000000 samples 1000" "$(sed -n '2p' "$T/r.last")"
	split_at_setting "$T/r" 2000000 "$T/r.data"
	t_check "$P restore: samples after the announcement are 2ms windows" \
		ts_aligned "$T/r.new" 2000000
	t_check "$P restore: samples before it are 1ms windows" \
		ts_aligned "$T/r.old" 1000000
	[ "$(awk '{ print $1 % 2000000 }' "$T/r.old" | grep -vc '^0$')" -gt 0 ] &&
		t_ok "$P restore: some samples before it are odd 1ms windows" ||
		t_fail "$P restore: some samples before it are odd 1ms windows" "$(head -3 "$T/r.old")"
	[ -s "$T/r.new" ] && t_ok "$P restore: samples of the new setting were read" ||
		t_fail "$P restore: samples of the new setting were read" "none"
	t_eq "$P restore: nothing dropped" 0 "$(stat_get rl samples_dropped)"
	check_drained "$P restore" rl $((n + ${twice:-0})) "$T/r.data"
	test_end rl
}

# iptables -R replaces the rule in place (legacy: the whole table; nft:
# one rule), with other settings.
replace_rule_changes_settings() {
	local n
	test_begin replace "iptables -R with other settings"
	# shellcheck disable=SC2046
	t_check "$P replace: add rule --period 1ms --samples 2000" \
		ipt -A INPUT $(rl_rule 1ms 2000) || { test_end rl; return; }
	# (not through t_check: it runs its command in a subshell)
	pktgen_send $DEV 3000 $SIZE $FAM 1 || t_fail "$P replace: traffic"
	n=$PG_SENT
	# shellcheck disable=SC2046
	t_check "$P replace: -R INPUT 1 ... --period 500us --samples 4000" \
		ipt -R INPUT 1 $(rl_rule 500us 4000)
	sleep 0.3
	pktgen_send $DEV 2000 $SIZE $FAM 1 || t_fail "$P replace: more traffic"
	n=$((n + PG_SENT))
	sleep 0.5
	: > "$T/p.data"
	data_drain rl "$T/p.data"
	t_eq "$P replace: the name has the new settings" "500000 4000 1 0" "$(settings_of rl)"
	# opened after the change with old windows unread: both announced
	t_eq "$P replace: the stream announces the old, then the new setting" \
		"# period_ns 1000000 samples 2000|# period_ns 500000 samples 4000" \
		"$(grep '^# period_ns' "$T/p.data" | tr '\n' '|' | sed 's/|$//')"
	split_at_setting "$T/p" 500000 "$T/p.data"
	t_eq "$P replace: the 3000 packets before it in 1ms windows" 3000 \
		"$(awk '{ s += $2 } END { print s + 0 }' "$T/p.old")"
	t_eq "$P replace: the 2000 after it in 500us windows" 2000 \
		"$(awk '{ s += $2 } END { print s + 0 }' "$T/p.new")"
	t_check "$P replace: those are 500us windows" ts_aligned "$T/p.new" 500000
	check_drained "$P replace" rl "$n" "$T/p.data"
	test_end rl
}

# A restore that fails (a rule of it refused) leaves the old setting in
# force: the new setting was created, waited, and went with the failure.
failed_restore_keeps_old_settings() {
	test_begin failed "a failed restore keeps the old settings"
	# shellcheck disable=SC2046
	t_check "$P failed: add rule --period 1ms --samples 2000" \
		ipt -A INPUT $(rl_rule 1ms 2000) || { test_end rl; return; }
	t_check "$P failed: traffic" pktgen_send $DEV 1000 $SIZE $FAM 1
	$SAVE -t filter > "$T/f.save"
	{
		sed '/^COMMIT/d; s/--period 1ms --samples 2000/--period 5ms --samples 100/' "$T/f.save"
		echo "-A INPUT -m pktstat --name bad --samples 1048576"
		echo "COMMIT"
	} > "$T/f.bad"
	if $RESTORE < "$T/f.bad" > "$T/f.out" 2>&1; then
		t_fail "$P failed: a rule set with a refused rule is refused" "it was accepted"
	else
		t_ok "$P failed: a rule set with a refused rule is refused"
	fi
	t_diag "$RESTORE: $(cat "$T/f.out")"
	sleep 0.3
	t_eq "$P failed: the old settings stay, unchanged, nothing waits" \
		"1000000 2000 0 0" "$(settings_of rl)"
	t_eq "$P failed: the old rule stays" 1 \
		"$($IPT -S INPUT | grep -c -- '--name rl --period 1ms --samples 2000')"
	t_check "$P failed: no directory for the refused name" test ! -e "$PKTSTAT_PROC/bad"
	t_check "$P failed: more traffic" pktgen_send $DEV 1000 $SIZE $FAM 1
	sleep 0.5
	: > "$T/f.data"
	data_drain rl "$T/f.data"
	t_eq "$P failed: no setting line in the stream" 0 "$(grep -c '^# period_ns' "$T/f.data")"
	check_drained "$P failed" rl 2000 "$T/f.data"
	test_end rl bad
}

# A rule in another table with other settings: accepted, and waits for
# the rules in force, visibly (stats, log); when they go, it takes over.
other_table_waits_visibly() {
	test_begin tables "other settings in another table wait, visibly"
	# shellcheck disable=SC2046
	t_check "$P tables: add rule to filter (--period 1ms --samples 2000)" \
		ipt -A INPUT $(rl_rule 1ms 2000) || { test_end rl; return; }
	dmesg_mark
	# shellcheck disable=SC2046
	t_check "$P tables: add rule to mangle (--period 3ms --samples 300)" \
		ipt -t mangle -A INPUT $(rl_rule 3ms 300)
	t_eq "$P tables: stats: filter's in force, mangle's waits" "1000000 2000 0 1" "$(settings_of rl)"
	t_eq "$P tables: stats waiting_period_ns, waiting_samples" "3000000 300" \
		"$(stat_get rl waiting_period_ns) $(stat_get rl waiting_samples)"
	case $(dmesg_since) in
	*'name "rl": --period 3ms --samples 300 waits for the rules with --period 1ms --samples 2000 to go'*)
		t_ok "$P tables: the kernel log says it waits, for which rules" ;;
	*) t_fail "$P tables: the kernel log says it waits, for which rules" "$(dmesg_since | tail -3)" ;;
	esac
	t_check "$P tables: traffic" pktgen_send $DEV 1000 $SIZE $FAM 1
	sleep 0.3
	: > "$T/t.data"
	data_drain rl "$T/t.data"
	sum_samples "$T/t.data" >/dev/null
	t_eq "$P tables: readers get the setting in force (filter's count)" 1000 "$SUM_FRAMES"
	t_check "$P tables: delete filter's rule" ipt -F INPUT
	sleep 0.3	# nf_tables releases asynchronously
	t_eq "$P tables: mangle's setting in force" "3000000 300 1 0" "$(settings_of rl)"
	data_drain rl "$T/t.data"
	sum_samples "$T/t.data" >/dev/null
	# every packet was counted by both rules: 2000 frames seen
	check_drained "$P tables" rl 2000 "$T/t.data"
	$IPT -t mangle -F INPUT
	test_end rl
}

t_diag "reload.sh $IPT ($FAM): $TESTS"
setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
grep -q '^xt_pktstat ' /proc/modules || t_check "$P: modprobe xt_pktstat" load_pktstat
run_tests "$ALL"
flush_rules
rm -rf "$T"
t_summary
