#!/bin/sh
# xt_pktstat kernel test suite, run inside the test guest:
#   kernel-tests.sh IPT [TEST...]
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft
# (the v6 ones send IPv6 traffic to the device's IPv6 address); or plain
# "iptables" for the original README workflow (readme_workflow) alone.
# TEST: names of the tests to run (default, or "all": every one of ALL
# below, in that order; readme_workflow only runs with plain "iptables"
# unless named):
#   conservation_exact               20000 packets, every one accounted for
#   full_fifo_keeps_oldest           a full FIFO keeps the oldest windows
#   idle_window_readable             a finished window is readable without
#                                    later traffic
#   table_replace_under_traffic      table replacements while traffic flows
#   reader_gives_back_partial_line   tiny, partial and concurrent readers:
#                                    each sample read once, in full
#   shared_name_other_settings_wait  two rules share a name; a third with
#                                    other settings waits
#   netns_isolation_and_teardown     names are per network namespace
#   delete_with_open_file_and_rmmod  a name deleted while its data file is
#                                    open; rmmod after
#   conservation_two_cpus            two CPUs counting into one name
#   process_context_output           OUTPUT from process context and INPUT
#                                    from softirq into one name, exact
#
# Every test starts and ends with empty INPUT/OUTPUT chains (of IPT and,
# where used, of the other family's command of the same back end), uses
# names of its own, and checks the exact numbers: pktgen sends a known
# count of packets of a known size through a dummy device, so
#   packets = what pktgen sent, bytes = packets * (PKT_SIZE - 14)
# (see lib.sh for why).  Traffic comes from pktgen on CPU 0 (kpktgend_0),
# and also CPU 1 in conservation_two_cpus.
#
# Timing assumptions (TCG guest: pktgen alone sends 5k-40k packets/s, but
# only a few hundred per second while user processes keep the other vCPU
# busy under single-threaded TCG): a finished window is readable within a
# few timer ticks; the tests wait 0.5 s after the last packet before the
# final read.  table_replace_under_traffic and reader_gives_back_partial_line
# bound their traffic in time, not count.
#
# Environment: DEV (pkt0), SIZE (pktgen pkt_size, 100), REPLACE_ITER
# (replacements in table_replace_under_traffic, 8), READERS_SECS (seconds
# of traffic in reader_gives_back_partial_line, 4), PROCESS_PINGS (pings
# per CPU in process_context_output, 200).
. "$(dirname "$0")/lib.sh"

IPT=${1:?usage: kernel-tests.sh IPT [TEST...]}
shift
ALL="conservation_exact full_fifo_keeps_oldest idle_window_readable \
table_replace_under_traffic reader_gives_back_partial_line \
shared_name_other_settings_wait netns_isolation_and_teardown \
delete_with_open_file_and_rmmod conservation_two_cpus process_context_output"
pick_tests "$ALL" "$@"
traffic_defaults	# DEV, ADDR4, ADDR6, SIZE, LEN (SIZE >= 78: see lib.sh)
T=/tmp/kt.$$
mkdir -p "$T"

ipt_setup "$IPT" || exit 2

# ------------------------------------------------------------------
# The original README workflow, with the plain iptables command.
readme_workflow() {
	local rc
	test_begin readme_workflow "original README workflow (plain iptables)"
	t_check "$P $TL: modprobe xt_pktstat" modprobe xt_pktstat
	t_check "$P $TL: iptables -m pktstat --period 100 --samples 20 -A INPUT" \
		iptables -m pktstat --period 100 --samples 20 -A INPUT
	# ~0.6 s of traffic (1 packet/ms): 6 or 7 windows of 100 ms
	t_check "$P $TL: traffic" pktgen_send $DEV 600 $SIZE v4 1 1000000
	sleep 0.3
	cat /proc/net/xt_pktstat/0/data > "$T/readme.data"
	rc=$?
	t_eq "$P $TL: cat /proc/net/xt_pktstat/0/data" 0 "$rc"
	t_diag "$(head -5 "$T/readme.data")"
	t_eq "$P $TL: first line is the header" "# timestamp frames bytes" "$(head -1 "$T/readme.data")"
	t_eq "$P $TL: every other line is three integers" "" \
		"$(tail -n +2 "$T/readme.data" | grep -vE '^[0-9]+ [0-9]+ [0-9]+$' | head -3)"
	sum_samples "$T/readme.data" >/dev/null
	t_eq "$P $TL: samples well-formed, increasing" "" "$SUM_ERR"
	[ "${SUM_SAMPLES:-0}" -ge 6 ] && t_ok "$P $TL: at least 6 samples ($SUM_SAMPLES)" ||
		t_fail "$P $TL: at least 6 samples" "got ${SUM_SAMPLES:-0}"
	t_check "$P $TL: timestamps are multiples of 100000000" ts_aligned "$T/readme.data" 100000000
	t_eq "$P $TL: frames read + dropped + pending = sent" 600 \
		"$((SUM_FRAMES + $(stat_get 0 frames_dropped) + $(stat_get 0 frames_pending)))"
	t_eq "$P $TL: bytes read = frames * $LEN" "$((SUM_FRAMES * LEN))" "$SUM_BYTES"
	t_eq "$P $TL: stats name" 0 "$(stat_get 0 name)"
	t_eq "$P $TL: stats period_ns" 100000000 "$(stat_get 0 period_ns)"
	t_eq "$P $TL: stats samples" 20 "$(stat_get 0 samples)"
	t_check "$P $TL: iptables -D INPUT -m pktstat --period 100 --samples 20" \
		iptables -D INPUT -m pktstat --period 100 --samples 20
	test_end 0
}

# ------------------------------------------------------------------
# flood_one_name NAME COUNT CPUS: what the conservation tests start with:
# a rule counting INPUT from DEV into NAME (1ms windows, 65536 samples:
# room for every window), COUNT packets from each of CPUS pktgen threads,
# and 0.5 s later NAME drained into $T/NAME.data and summed (SUM_*), and
# the rule's counters read (RC_*).  Fails when the rule is refused (the
# test then ends).
flood_one_name() {
	local name="$1" count="$2" cpus="$3" each="" t0
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name "$name" --period 1ms --samples 65536 ||
		return 1
	[ "$cpus" -gt 1 ] && each=" from each of $cpus CPUs"
	t0=$(now_cs)
	t_check "$P $TL: pktgen sends $count x $SIZE bytes$each" pktgen_send $DEV "$count" $SIZE $FAM "$cpus"
	t_diag "$((cpus * count)) packets in $(( ($(now_cs) - t0) * 10 )) ms"
	sleep 0.5
	: > "$T/$name.data"
	data_drain "$name" "$T/$name.data"
	sum_samples "$T/$name.data" >/dev/null
	t_eq "$P $TL: samples well-formed, strictly increasing (one sample per window)" "" "$SUM_ERR"
	rule_counters "$IPT" INPUT >/dev/null 2>&1
}

conservation_exact() {
	local n=20000 fd fp bd bp
	test_begin conservation_exact "exact conservation"
	flood_one_name cons $n 1 || { test_end cons; return; }
	t_check "$P $TL: timestamps are multiples of 1ms" ts_aligned "$T/cons.data" 1000000
	t_eq "$P $TL: rule counter packets = sent" $n "$RC_PKTS"
	t_eq "$P $TL: rule counter bytes = sent * $LEN" $((n * LEN)) "$RC_BYTES"
	fd=$(stat_get cons frames_dropped) fp=$(stat_get cons frames_pending)
	bd=$(stat_get cons bytes_dropped) bp=$(stat_get cons bytes_pending)
	t_eq "$P $TL: frames read + dropped + pending = sent" $n "$((SUM_FRAMES + fd + fp))"
	t_eq "$P $TL: bytes read + dropped + pending = rule bytes" "$RC_BYTES" "$((SUM_BYTES + bd + bp))"
	t_eq "$P $TL: nothing dropped (65536 samples)" 0 "$fd"
	t_eq "$P $TL: nothing pending 0.5 s later" 0 "$fp"
	t_eq "$P $TL: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get cons frames_read)"
	t_eq "$P $TL: stats bytes_read = bytes summed" "$SUM_BYTES" "$(stat_get cons bytes_read)"
	t_eq "$P $TL: stats samples_read = samples summed" "$SUM_SAMPLES" "$(stat_get cons samples_read)"
	check_conservation "$P $TL" cons $n
	t_eq "$P $TL: stats rules" 1 "$(stat_get cons rules)"
	t_eq "$P $TL: stats period_ns" 1000000 "$(stat_get cons period_ns)"
	t_eq "$P $TL: stats samples" 65536 "$(stat_get cons samples)"
	: > "$T/cons.again"
	data_drain cons "$T/cons.again"
	t_eq "$P $TL: a second read returns the header only" "# timestamp frames bytes" "$(cat "$T/cons.again")"
	test_end cons
}

# ------------------------------------------------------------------
# Eight bursts of 11, 12, ... 18 packets, each in windows of its own (a
# burst lasts about a millisecond, the bursts are >100 ms apart), none read
# meanwhile, into a 5-sample FIFO.  The samples kept must be the oldest
# windows: their frame counts, in order, must spell the first bursts (a
# burst that straddles a window boundary shows as two consecutive samples
# adding up to it).  A second rule with a big FIFO would be no exact
# reference: two rules read the clock separately, and under TCG a vCPU can
# stall for milliseconds between them, so one packet can land in different
# windows for the two.
full_fifo_keeps_oldest() {
	local n=0 bursts="" k spell sd fd0
	test_begin full_fifo_keeps_oldest "full FIFO keeps the oldest windows"
	t_check "$P $TL: add rule (--samples 5)" ipt -A INPUT -i $DEV -m pktstat --name full --period 10ms --samples 5 ||
		{ test_end full; return; }
	pktgen_setup $DEV 11 $SIZE $FAM 1 2>>"$T/full.err" || echo "pktgen setup failed" >> "$T/full.err"
	for k in 11 12 13 14 15 16 17 18; do
		pktgen_again $k 2>>"$T/full.err" || echo "burst $k failed" >> "$T/full.err"
		n=$((n + k))
		bursts="$bursts $k"
		sleep 0.1
	done
	t_eq "$P $TL: 8 bursts sent" "" "$(cat "$T/full.err" 2>/dev/null)"
	sleep 0.5
	: > "$T/full.data"
	data_drain full "$T/full.data"
	t_diag "$(grep -v '^#' "$T/full.data" | tr '\n' ';')"
	sum_samples "$T/full.data" >/dev/null
	t_eq "$P $TL: samples well-formed, strictly increasing" "" "$SUM_ERR"
	t_eq "$P $TL: exactly 5 samples" 5 "$SUM_SAMPLES"
	spell=$(grep -v '^#' "$T/full.data" | awk -v b="$bursts" '
		BEGIN { nb = split(b, burst, " "); i = 1; rem = burst[1] }
		{
			if (i > nb || $2 > rem) { print "sample " NR " (" $2 " frames) does not continue burst " i " (" rem " left)"; exit }
			rem -= $2
			if (rem == 0) { i++; rem = burst[i] }
		}')
	t_eq "$P $TL: the samples kept are the oldest windows (frames spell the first bursts)" "" "$spell"
	sd=$(stat_get full samples_dropped)
	[ "${sd:-0}" -ge 3 ] && t_ok "$P $TL: samples_dropped >= 3 ($sd)" || t_fail "$P $TL: samples_dropped >= 3" "got $sd"
	t_eq "$P $TL: frames read + dropped + pending = sent" $n \
		"$((SUM_FRAMES + $(stat_get full frames_dropped) + $(stat_get full frames_pending)))"
	t_eq "$P $TL: bytes read + dropped + pending = sent * $LEN" $((n * LEN)) \
		"$((SUM_BYTES + $(stat_get full bytes_dropped) + $(stat_get full bytes_pending)))"
	t_eq "$P $TL: frames_pending" 0 "$(stat_get full frames_pending)"
	t_eq "$P $TL: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get full frames_read)"
	check_conservation "$P $TL" full $n
	# The FIFO has room again: new traffic is kept.  100 packets take a
	# few windows here; on a slow (debug) kernel they may spread over more
	# windows than the FIFO holds, and the later ones are dropped again,
	# counted: so the first window must be kept, and everything accounted.
	fd0=$(stat_get full frames_dropped)
	t_check "$P $TL: more traffic" pktgen_send $DEV 100 $SIZE $FAM 1
	sleep 0.5
	: > "$T/full.data2"
	data_drain full "$T/full.data2"
	sum_samples "$T/full.data2" >/dev/null
	t_diag "after draining: 100 packets, $SUM_SAMPLES samples read, $(( $(stat_get full frames_dropped) - fd0 )) frames dropped"
	[ "${SUM_FRAMES:-0}" -gt 0 ] && t_ok "$P $TL: after draining, new windows are kept ($SUM_FRAMES frames)" ||
		t_fail "$P $TL: after draining, new windows are kept" "nothing read"
	t_eq "$P $TL: after draining, read + newly dropped + pending = 100" 100 \
		"$((SUM_FRAMES + $(stat_get full frames_dropped) - fd0 + $(stat_get full frames_pending)))"
	test_end full
}

# ------------------------------------------------------------------
idle_window_readable() {
	local n=1000
	test_begin idle_window_readable "a finished window is readable without later traffic"
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name idle --period 100ms --samples 100 ||
		{ test_end idle; return; }
	t_check "$P $TL: one burst of $n" pktgen_send $DEV $n $SIZE $FAM 1
	sleep 0.5
	: > "$T/idle.data"
	data_drain idle "$T/idle.data"
	sum_samples "$T/idle.data" >/dev/null
	t_eq "$P $TL: samples well-formed" "" "$SUM_ERR"
	t_eq "$P $TL: frames read = sent" $n "$SUM_FRAMES"
	t_eq "$P $TL: bytes read = sent * $LEN" $((n * LEN)) "$SUM_BYTES"
	t_eq "$P $TL: frames_pending" 0 "$(stat_get idle frames_pending)"
	t_eq "$P $TL: samples_pending" 0 "$(stat_get idle samples_pending)"
	t_check "$P $TL: timestamps are multiples of 100ms" ts_aligned "$T/idle.data" 100000000
	test_end idle
}

# ------------------------------------------------------------------
# Traffic in table_replace_under_traffic and reader_gives_back_partial_line
# is bounded in time, not count: pktgen gets a count it cannot reach and
# is stopped when the test is done; pkts-sofar is then exactly what was
# sent.  (Under single-threaded TCG, busy user processes on one vCPU slow
# pktgen on the other down to a few hundred packets/s, so a fixed count
# would make these tests last minutes.)
#
# iptables-nft-restore deletes and re-creates the table in one transaction;
# a packet that arrives while the commit flips the generation can run
# through the old INPUT base chain (rules of the old generation) and then
# the new one (new generation): nf_tables evaluates the chain twice, and so
# the pktstat rule counts it twice.  Measured, not guessed: a witness rule
# before the pktstat rule toggles bit 0 of the packet mark
# (-j MARK --set-xmark 0x1/0x0), and a rule of the security table's INPUT
# chain (priority 50, after filter; not replaced: save/restore use -t
# filter) counts packets whose bit is 0, i.e. that went through the filter
# chain twice.  Expected: frames_seen = sent + those.  With iptables-legacy
# (one table blob per packet) there must be none.
table_replace_under_traffic() {
	local iter="${REPLACE_ITER:-8}" it=0 s0 n twice seen
	test_begin table_replace_under_traffic "replacing the table while traffic flows"
	t_check "$P $TL: add witness rules" witness_add
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name repl --period 1ms --samples 65536 ||
		{ $IPT -t security -F INPUT; test_end repl; return; }
	pktgen_setup $DEV 100000000 $SIZE $FAM 1 || t_fail "$P $TL: pktgen setup"
	: > "$T/repl.data"
	: > "$T/repl.err"
	pktgen_start_bg
	sleep 0.2
	pktgen_count; s0=$PG_SOFAR
	while [ $it -lt "$iter" ]; do
		it=$((it + 1))
		{
			$IPT -A INPUT -p udp -m comment --comment "unrelated $it" &&
			$IPT -I INPUT 1 -p tcp --dport 9 &&
			$SAVE -t filter > "$T/repl.save" && $RESTORE < "$T/repl.save" &&
			$IPT -D INPUT -p udp -m comment --comment "unrelated $it" &&
			$IPT -D INPUT -p tcp --dport 9 &&
			$SAVE -t filter | $RESTORE
		} >> "$T/repl.err" 2>&1 || echo "iteration $it failed" >> "$T/repl.err"
		data_drain repl "$T/repl.data"
	done
	t_diag "$iter replace iterations"
	t_stopped_after "the replacements" "$s0"
	n=$PG_SOFAR
	t_no_errors "$P $TL: iptables commands all succeeded" "$T/repl.err"
	twice=$(witness_twice)
	t_diag "packets that went through the filter INPUT chain twice: $twice"
	case $IPT in
	*-legacy) t_eq "$P $TL: no packet went through INPUT twice (legacy)" 0 "$twice" ;;
	esac
	seen=$((n + ${twice:-0}))
	t_eq "$P $TL: pktstat rule still there, alone" 1 "$($IPT -S INPUT 2>/dev/null | grep -c pktstat)"
	sleep 0.5
	data_drain repl "$T/repl.data"
	sum_samples "$T/repl.data" >/dev/null
	t_eq "$P $TL: samples well-formed, strictly increasing, no duplicate" "" "$SUM_ERR"
	t_eq "$P $TL: frames read + dropped + pending = sent (+ twice)" $seen \
		"$((SUM_FRAMES + $(stat_get repl frames_dropped) + $(stat_get repl frames_pending)))"
	t_eq "$P $TL: bytes read + dropped + pending = (sent (+ twice)) * $LEN" $((seen * LEN)) \
		"$((SUM_BYTES + $(stat_get repl bytes_dropped) + $(stat_get repl bytes_pending)))"
	t_eq "$P $TL: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get repl frames_read)"
	check_conservation "$P $TL" repl $seen
	t_eq "$P $TL: stats rules" 1 "$(stat_get repl rules)"
	test_end repl
}

# ------------------------------------------------------------------
# reader loops of reader_gives_back_partial_line; they stop when
# $T/rd.stop exists, and count their opens.
reader_cat() {	# OUT
	local opens=0
	while [ ! -e "$T/rd.stop" ]; do
		cat "$PKTSTAT_PROC/rd/data" >> "$1" 2>>"$T/rd.err" || echo "cat failed" >> "$T/rd.err"
		opens=$((opens + 1))
	done
	echo $opens > "$1.opens"
}
reader_dd1() {	# OUT: 1-byte reads to the end
	local opens=0
	while [ ! -e "$T/rd.stop" ]; do
		dd if="$PKTSTAT_PROC/rd/data" bs=1 2>/dev/null >> "$1" || echo "dd failed" >> "$T/rd.err"
		opens=$((opens + 1))
	done
	echo $opens > "$1.opens"
}
reader_partial() {	# OUT: 1-byte reads, closing mid-way
	local opens=0 k
	while [ ! -e "$T/rd.stop" ]; do
		for k in 7 30 41 64 83 100 125; do
			dd if="$PKTSTAT_PROC/rd/data" bs=1 count=$k 2>/dev/null > "$1.part"
			complete_lines "$1.part"	# the rest is given again
			cat "$1.part" >> "$1"
			opens=$((opens + 1))
		done
	done
	echo $opens > "$1.opens"
}

# Two readers with cat, one reading a byte at a time, one closing its file
# in the middle of a line (the module gives that sample again, in full, to
# the next reader), all at once under traffic: every sample is read once.
reader_gives_back_partial_line() {
	local p1 p2 p3 p4 n r
	test_begin reader_gives_back_partial_line "tiny, partial and concurrent readers"
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name rd --period 1ms --samples 65536 ||
		{ test_end rd; return; }
	pktgen_setup $DEV 100000000 $SIZE $FAM 1 || t_fail "$P $TL: pktgen setup"
	rm -f "$T"/rd.*
	: > "$T/rd.err"
	for r in cat1 cat2 dd1 part; do : > "$T/rd.$r"; done
	reader_cat "$T/rd.cat1" & p1=$!
	reader_cat "$T/rd.cat2" & p2=$!
	reader_dd1 "$T/rd.dd1" & p3=$!
	reader_partial "$T/rd.part" & p4=$!
	pktgen_start_bg
	sleep "${READERS_SECS:-4}"
	t_pktgen_stop "$P $TL: pktgen stopped without error"
	n=$PG_SOFAR
	t_diag "$n packets sent"
	sleep 0.5
	touch "$T/rd.stop"
	wait $p1 $p2 $p3 $p4
	: > "$T/rd.final"
	data_drain rd "$T/rd.final"
	echo 1 > "$T/rd.final.opens"
	t_eq "$P $TL: readers had no error" "" "$(head -5 "$T/rd.err")"
	for r in cat1 cat2 dd1 part final; do
		sum_samples -u "$T/rd.$r" >/dev/null
		t_diag "reader $r: $(cat "$T/rd.$r.opens") opens, $SUM_SAMPLES samples, $SUM_FRAMES frames"
		case $r in
		cat1|cat2|dd1|final)
			t_eq "$P $TL: reader $r: one header per open" "$(cat "$T/rd.$r.opens")" "$SUM_HEADERS"
			;;
		esac
	done
	# Each reader's own stream need not increase: a partial reader gives
	# its sample back to the head of the FIFO after others read later ones.
	sum_samples -u "$T/rd.cat1" "$T/rd.cat2" "$T/rd.dd1" "$T/rd.part" "$T/rd.final" >/dev/null 2>&1
	t_eq "$P $TL: all lines well-formed, no timestamp returned twice" "" "$SUM_ERR"
	[ "$SUM_SAMPLES" -ge 20 ] && t_ok "$P $TL: readers got at least 20 samples ($SUM_SAMPLES)" ||
		t_fail "$P $TL: readers got at least 20 samples" "only $SUM_SAMPLES"
	t_eq "$P $TL: frames of all reads + dropped + pending = sent" $n \
		"$((SUM_FRAMES + $(stat_get rd frames_dropped) + $(stat_get rd frames_pending)))"
	t_eq "$P $TL: bytes of all reads + dropped + pending = sent * $LEN" $((n * LEN)) \
		"$((SUM_BYTES + $(stat_get rd bytes_dropped) + $(stat_get rd bytes_pending)))"
	t_eq "$P $TL: stats frames_read = frames of all reads" "$SUM_FRAMES" "$(stat_get rd frames_read)"
	t_eq "$P $TL: stats samples_read = samples of all reads" "$SUM_SAMPLES" "$(stat_get rd samples_read)"
	rule_counters "$IPT" INPUT >/dev/null 2>&1
	t_eq "$P $TL: rule counter packets = sent" "$n" "$RC_PKTS"
	check_conservation "$P $TL" rd $n
	test_end rd
}

# ------------------------------------------------------------------
shared_name_other_settings_wait() {
	local n1=3000 n2=2000 fd fp log
	test_begin shared_name_other_settings_wait "two rules sharing a name; a third with other settings waits"
	t_check "$P $TL: add $IPT rule" ipt -A INPUT -i $DEV -m pktstat --name shared --period 10ms --samples 1000 ||
		{ test_end shared; return; }
	t_check "$P $TL: add $SIB rule, same name" $SIB -A INPUT -i $DEV -m pktstat --name shared --period 10ms --samples 1000
	t_eq "$P $TL: stats rules" 2 "$(stat_get shared rules)"
	t_check "$P $TL: $n1 $FAM packets" pktgen_send $DEV $n1 $SIZE $FAM 1
	t_check "$P $TL: $n2 $SIBFAM packets" pktgen_send $DEV $n2 $SIZE $SIBFAM 1
	sleep 0.5
	: > "$T/shared.data"
	data_drain shared "$T/shared.data"
	sum_samples "$T/shared.data" >/dev/null
	t_eq "$P $TL: samples well-formed, strictly increasing" "" "$SUM_ERR"
	fd=$(stat_get shared frames_dropped) fp=$(stat_get shared frames_pending)
	t_eq "$P $TL: frames of both families in one stream" $((n1 + n2)) "$((SUM_FRAMES + fd + fp))"
	t_eq "$P $TL: bytes of both families in one stream" $(((n1 + n2) * LEN)) \
		"$((SUM_BYTES + $(stat_get shared bytes_dropped) + $(stat_get shared bytes_pending)))"
	check_conservation "$P $TL" shared $((n1 + n2))
	# Other settings for the name: not refused, but waiting for the
	# rules in force to go (what a reload does, for an instant), and
	# saying so in stats and the log.
	dmesg_mark
	t_check "$P $TL: a third rule with another --period is accepted" \
		ipt -A OUTPUT -m pktstat --name shared --period 20ms --samples 1000
	t_eq "$P $TL: it waits (stats waiting_rules)" 1 "$(stat_get shared waiting_rules)"
	t_eq "$P $TL: stats waiting_period_ns" 20000000 "$(stat_get shared waiting_period_ns)"
	t_eq "$P $TL: the setting in force stays (period_ns)" 10000000 "$(stat_get shared period_ns)"
	sleep 0.2
	log=$(dmesg_since | grep 'xt_pktstat' | grep 'shared')
	t_diag "$log"
	case $log in
	*'"shared": --period 20ms --samples 1000 waits for the rules with --period 10ms --samples 1000 to go'*)
		t_ok "$P $TL: dmesg names the name, both settings and the wait" ;;
	*) t_fail "$P $TL: dmesg names the name, both settings and the wait" "log: $(dmesg_since | tail -5)" ;;
	esac
	$IPT -F OUTPUT
	sleep 0.3	# nf_tables releases asynchronously
	t_eq "$P $TL: its rule deleted, nothing waits" 0 "$(stat_get shared waiting_rules)"
	t_check "$P $TL: a third rule with another --samples is accepted" \
		ipt -A OUTPUT -m pktstat --name shared --period 10ms --samples 999
	t_eq "$P $TL: it waits" 999 "$(stat_get shared waiting_samples)"
	$IPT -F OUTPUT
	sleep 0.3
	t_eq "$P $TL: settings never changed" 0 "$(stat_get shared settings_changes)"
	t_eq "$P $TL: stats rules still 2" 2 "$(stat_get shared rules)"
	$SIB -F INPUT
	sleep 0.3	# nf_tables releases asynchronously
	t_eq "$P $TL: one rule left" 1 "$(stat_get shared rules)"
	test_end shared
}

# ------------------------------------------------------------------
netns_isolation_and_teardown() {
	local ns
	test_begin netns_isolation_and_teardown "network namespaces"
	rm -f "$T/ns.ready"
	# The namespace lives as long as the sleep that holds data open (fd 3).
	# (the real unshare, not lib.sh's wrapper function: $! must be the
	# process that ends up as the sleep in the new namespace)
	/usr/bin/unshare -n sh -c "
		ip link set lo up
		$IPT -A INPUT -m pktstat --name nsonly --period 10ms --samples 10 || exit 1
		exec 3< /proc/net/xt_pktstat/nsonly/data || exit 1
		touch $T/ns.ready
		exec sleep 600" > "$T/ns.out" 2>&1 &
	ns=$!
	if ! wait_ready 100 "$T/ns.ready" $ns; then
		t_fail "$P $TL: rule added in a new netns" "$(cat "$T/ns.out")"
		kill $ns 2>/dev/null
		test_end nsonly
		return
	fi
	t_ok "$P $TL: rule added in a new netns"
	t_check "$P $TL: it shows in the netns (/proc/PID/net)" test -d "/proc/$ns/net/xt_pktstat/nsonly"
	t_check "$P $TL: it shows in the netns (nsenter)" nsenter -t $ns -n test -r /proc/net/xt_pktstat/nsonly/stats
	t_eq "$P $TL: nsenter reads its stats" "nsonly" "$(nsenter -t $ns -n cat /proc/net/xt_pktstat/nsonly/stats | awk '$1 == "name" {print $2}')"
	t_check "$P $TL: not in the init netns" test ! -e "$PKTSTAT_PROC/nsonly"
	t_eq "$P $TL: no rule in the init netns" 0 "$($IPT -S INPUT 2>/dev/null | grep -c pktstat)"
	# the same name in the init netns is independent (other period is fine)
	t_check "$P $TL: same name, other period, in the init netns" ipt -A INPUT -m pktstat --name nsonly --period 20ms --samples 10
	t_eq "$P $TL: init netns has its own (period)" 20000000 "$(stat_get nsonly period_ns)"
	t_eq "$P $TL: netns keeps its own (period)" 10000000 \
		"$(awk '$1 == "period_ns" {print $2}' /proc/$ns/net/xt_pktstat/nsonly/stats)"
	flush_rules
	# tear the namespace down with its rule and an open data file
	kill $ns
	wait $ns 2>/dev/null
	sleep 1		# netns cleanup runs from a work queue
	t_check "$P $TL: netns gone with its rule and open file" true
	test_end nsonly
}

# ------------------------------------------------------------------
delete_with_open_file_and_rmmod() {
	local rc
	test_begin delete_with_open_file_and_rmmod "deleting the last rule while data is open; rmmod"
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name gone --period 1ms --samples 1000 ||
		{ test_end gone; return; }
	t_check "$P $TL: traffic" pktgen_send $DEV 500 $SIZE $FAM 1
	sleep 0.3
	if ! exec 3< "$PKTSTAT_PROC/gone/data"; then
		t_fail "$P $TL: open data"
		test_end gone
		return
	fi
	# start a sample (the reader then holds it) without finishing it
	dd bs=1 count=30 <&3 > "$T/gone.head" 2>/dev/null
	t_eq "$P $TL: read the header through fd 3" "# timestamp frames bytes" "$(head -1 "$T/gone.head")"
	t_check "$P $TL: rmmod refused while a rule uses the module" sh -c '! /usr/sbin/rmmod xt_pktstat 2>/dev/null'
	t_check "$P $TL: delete the rule" ipt -D INPUT 1
	t_check "$P $TL: directory gone" wait_gone gone
	cat <&3 > "$T/gone.rest" 2>&1
	rc=$?
	t_diag "read after removal: status $rc, $(wc -c < "$T/gone.rest") bytes: $(head -c 100 "$T/gone.rest")"
	t_ok "$P $TL: reading the open file of a removed name returned (status $rc)"
	cat <&3 > /dev/null 2>&1
	exec 3<&-
	t_eq "$P $TL: no crash after removal" "" "$(dmesg_since | grep -E 'BUG:|Oops|general protection' | head -3)"
	# a removed name's file still open while the module goes away
	t_check "$P $TL: add rule 2" ipt -A INPUT -i $DEV -m pktstat --name gone2 --period 1ms --samples 1000
	t_check "$P $TL: traffic 2" pktgen_send $DEV 200 $SIZE $FAM 1
	exec 4< "$PKTSTAT_PROC/gone2/data"
	dd bs=1 count=40 <&4 > /dev/null 2>&1
	t_check "$P $TL: delete rule 2" ipt -D INPUT 1
	t_check "$P $TL: directory 2 gone" wait_gone gone2
	flush_rules
	t_check "$P $TL: rmmod xt_pktstat once all rules are gone (a removed name's file still open)" unload_pktstat
	cat <&4 > /dev/null 2>&1
	t_diag "read after rmmod: status $?"
	exec 4<&-
	t_check "$P $TL: modprobe xt_pktstat again" load_pktstat
	t_check "$P $TL: module usable again" ipt -A INPUT -m pktstat --name again --period 1ms --samples 10
	t_check "$P $TL: its directory exists" test -d "$PKTSTAT_PROC/again"
	test_end gone gone2 again
}

# ------------------------------------------------------------------
conservation_two_cpus() {
	local n=10000
	test_begin conservation_two_cpus "two CPUs into one name"
	if [ "$(nproc)" -lt 2 ]; then
		t_ok "$P $TL: skipped: one CPU # SKIP"
		return
	fi
	flood_one_name cpu2 $n 2 || { test_end cpu2; return; }
	t_eq "$P $TL: rule counter packets = 2N" $((2 * n)) "$RC_PKTS"
	t_eq "$P $TL: frames read + dropped + pending = 2N" $((2 * n)) \
		"$((SUM_FRAMES + $(stat_get cpu2 frames_dropped) + $(stat_get cpu2 frames_pending)))"
	t_eq "$P $TL: frames read = 2N (nothing dropped or pending)" $((2 * n)) "$SUM_FRAMES"
	t_eq "$P $TL: bytes read = 2N * $LEN" $((2 * n * LEN)) "$SUM_BYTES"
	check_conservation "$P $TL" cpu2 $((2 * n))
	test_end cpu2
}

# ------------------------------------------------------------------
# A packet sent by a local process meets OUTPUT in that process's context,
# bottom halves enabled and preemption possible: iptables-legacy turns
# bottom halves off itself, iptables-nft does not, so there the match turns
# them off around its per-CPU update (elsewhere it only checks that they
# are off).  ping, one on each CPU, sends echo requests to the device's own
# address (routed through lo: OUTPUT -o lo, in ping's context), and the
# kernel's echo replies (one per request) pass OUTPUT from the receive
# softirq, while pktgen floods INPUT on CPU 0 into the same name: one
# per-CPU window updated from process context, softirq and pktgen's
# thread.  Exact counts expected.
process_context_output() {
	local np="${PROCESS_PINGS:-200}" dst proto ilen cpus=0 pids="" c tx=0 rx=0 want
	test_begin process_context_output "OUTPUT from process context and INPUT traffic, one name"
	if [ $FAM = v4 ]; then dst=${ADDR4%/*} proto=icmp ilen=84; else dst=${ADDR6%/*} proto=ipv6-icmp ilen=104; fi
	t_check "$P $TL: add INPUT rule" ipt -A INPUT -i $DEV -m pktstat --name proc --period 1ms --samples 65536 ||
		{ test_end proc; return; }
	t_check "$P $TL: add OUTPUT rule (-o lo -p $proto), same name" \
		ipt -A OUTPUT -o lo -p $proto -m pktstat --name proc --period 1ms --samples 65536
	pktgen_setup $DEV 1000000000 $SIZE $FAM 1 || t_fail "$P $TL: pktgen setup"
	pktgen_start_bg
	[ "$(nproc)" -ge 2 ] && cpus="0 1"
	for c in $cpus; do
		taskset -c $c ping -q -A -w 60 -c $np "$dst" > "$T/proc.ping$c" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	t_pktgen_stop "$P $TL: pktgen stopped"
	for c in $cpus; do
		t_diag "ping on CPU $c: $(grep transmitted "$T/proc.ping$c")"
		set -- $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$T/proc.ping$c")
		# busybox ping -A may send one request more than -c (its 1 s
		# timer also sends): the kernel answers that one too
		t_eq "$P $TL: ping on CPU $c: $np replies received" "$np" "${2:-?}"
		tx=$((tx + ${1:-0})) rx=$((rx + ${2:-0}))
	done
	t_diag "pktgen sent $PG_SOFAR into INPUT; ping: $tx requests, $rx replies through OUTPUT"
	[ "$PG_SOFAR" -gt 0 ] && t_ok "$P $TL: pktgen ran meanwhile ($PG_SOFAR packets)" ||
		t_fail "$P $TL: pktgen ran meanwhile" "it sent nothing"
	sleep 0.5
	want=$((PG_SOFAR + 2 * tx))
	t_eq "$P $TL: frames_seen = pktgen + requests + replies" "$want" "$(stat_get proc frames_seen)"
	t_eq "$P $TL: bytes_seen = pktgen * $LEN + (requests + replies) * $ilen" \
		"$((PG_SOFAR * LEN + 2 * tx * ilen))" "$(stat_get proc bytes_seen)"
	t_check "$P $TL: stats invariant seen = read + dropped + pending" stats_invariant proc
	: > "$T/proc.data"
	data_drain proc "$T/proc.data"
	sum_samples "$T/proc.data" >/dev/null
	t_eq "$P $TL: samples well-formed, strictly increasing" "" "$SUM_ERR"
	t_eq "$P $TL: frames read + dropped + pending = seen" "$want" \
		"$((SUM_FRAMES + $(stat_get proc frames_dropped) + $(stat_get proc frames_pending)))"
	test_end proc
}

# ------------------------------------------------------------------ main
[ "$IPT" = iptables ] && TESTS=readme_workflow
t_diag "kernel-tests.sh $IPT ($FAM): tests $TESTS; pktgen pkt_size $SIZE, skb->len $LEN"
setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
if [ "$IPT" = iptables ]; then
	readme_workflow
else
	grep -q '^xt_pktstat ' /proc/modules || t_check "$P: modprobe xt_pktstat" load_pktstat
	run_tests "readme_workflow $ALL"
fi
flush_rules
rm -rf "$T"
t_summary
