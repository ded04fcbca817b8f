#!/bin/sh
# xt_pktstat kernel test suite, run inside the test guest:
#   kernel-tests.sh IPT [TEST...]
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft
# (the v6 ones send IPv6 traffic to the device's IPv6 address); or plain
# "iptables" for the original README workflow (test a) alone.
# TEST: letters of the tests to run (default: all of b..k).
#
# Every test starts and ends with empty INPUT/OUTPUT chains (of IPT and,
# where used, of the other family's command of the same back end), uses
# names of its own, and checks the exact numbers: pktgen sends a known
# count of packets of a known size through a dummy device, so
#   packets = what pktgen sent, bytes = packets * (PKT_SIZE - 14)
# (see lib.sh for why).  Traffic comes from pktgen on CPU 0 (kpktgend_0),
# and also CPU 1 in test j.
#
# Timing assumptions (TCG guest: pktgen alone sends 5k-40k packets/s, but
# only a few hundred per second while user processes keep the other vCPU
# busy under single-threaded TCG): a finished window is readable within a
# few timer ticks; the tests wait 0.5 s after the last packet before the
# final read.  Tests e and f bound their traffic in time, not count.
#
# Environment: DEV (pkt0), SIZE (pktgen pkt_size, 100), E_ITER (replace
# iterations in e, 8), F_SECS (seconds of traffic in f, 4).
. "$(dirname "$0")/lib.sh"

IPT=${1:?usage: kernel-tests.sh IPT [TEST...]}
shift
TESTS=${*:-b c d e f g h i j k}

DEV=${DEV:-pkt0}
ADDR4=192.0.2.1/24
ADDR6=2001:db8::1/64
SIZE=${SIZE:-100}			# pktgen pkt_size (Ethernet header included)
LEN=$((SIZE - 14))			# skb->len at INPUT, v4 and v6 (SIZE >= 78)
T=/tmp/kt.$$
mkdir -p "$T"

ipt_setup "$IPT" || exit 2

# ------------------------------------------------------------------ a
test_a_readme() {
	test_begin a "original README workflow (plain iptables)"
	t_check "$P a: modprobe xt_pktstat" modprobe xt_pktstat
	t_check "$P a: iptables -m pktstat --period 100 --samples 20 -A INPUT" \
		iptables -m pktstat --period 100 --samples 20 -A INPUT
	# ~0.6 s of traffic (1 packet/ms): 6 or 7 windows of 100 ms
	t_check "$P a: traffic" pktgen_send $DEV 600 $SIZE v4 1 1000000
	sleep 0.3
	cat /proc/net/xt_pktstat/0/data > "$T/a.data"
	_rc=$?
	t_eq "$P a: cat /proc/net/xt_pktstat/0/data" 0 "$_rc"
	t_diag "$(head -5 "$T/a.data")"
	t_eq "$P a: first line is the header" "# timestamp frames bytes" "$(head -1 "$T/a.data")"
	t_eq "$P a: every other line is three integers" "" \
		"$(tail -n +2 "$T/a.data" | grep -vE '^[0-9]+ [0-9]+ [0-9]+$' | head -3)"
	sum_samples "$T/a.data" >/dev/null
	t_eq "$P a: samples well-formed, increasing" "" "$SUM_ERR"
	[ "${SUM_SAMPLES:-0}" -ge 6 ] && t_ok "$P a: at least 6 samples ($SUM_SAMPLES)" ||
		t_fail "$P a: at least 6 samples" "got ${SUM_SAMPLES:-0}"
	t_check "$P a: timestamps are multiples of 100000000" ts_aligned "$T/a.data" 100000000
	t_eq "$P a: frames read + dropped + pending = sent" 600 \
		"$((SUM_FRAMES + $(stat_get 0 frames_dropped) + $(stat_get 0 frames_pending)))"
	t_eq "$P a: bytes read = frames * $LEN" "$((SUM_FRAMES * LEN))" "$SUM_BYTES"
	t_eq "$P a: stats name" 0 "$(stat_get 0 name)"
	t_eq "$P a: stats period_ns" 100000000 "$(stat_get 0 period_ns)"
	t_eq "$P a: stats samples" 20 "$(stat_get 0 samples)"
	t_check "$P a: iptables -D INPUT -m pktstat --period 100 --samples 20" \
		iptables -D INPUT -m pktstat --period 100 --samples 20
	test_end 0
}

# ------------------------------------------------------------------ b
test_b_conservation() {
	test_begin b "exact conservation"
	N=20000
	t_check "$P b: add rule" ipt -A INPUT -i $DEV -m pktstat --name cons --period 1ms --samples 65536 ||
		{ test_end cons; return; }
	_t0=$(now_cs)
	t_check "$P b: pktgen sends $N x $SIZE bytes" pktgen_send $DEV $N $SIZE $FAM 1
	t_diag "$N packets in $(( ($(now_cs) - _t0) * 10 )) ms"
	sleep 0.5
	: > "$T/b.data"
	data_drain cons "$T/b.data"
	sum_samples "$T/b.data" >/dev/null
	t_eq "$P b: samples well-formed, strictly increasing" "" "$SUM_ERR"
	t_check "$P b: timestamps are multiples of 1ms" ts_aligned "$T/b.data" 1000000
	rule_counters "$IPT" INPUT >/dev/null 2>&1
	t_eq "$P b: rule counter packets = sent" $N "$RC_PKTS"
	t_eq "$P b: rule counter bytes = sent * $LEN" $((N * LEN)) "$RC_BYTES"
	_fd=$(stat_get cons frames_dropped) _fp=$(stat_get cons frames_pending)
	_bd=$(stat_get cons bytes_dropped) _bp=$(stat_get cons bytes_pending)
	t_eq "$P b: frames read + dropped + pending = sent" $N "$((SUM_FRAMES + _fd + _fp))"
	t_eq "$P b: bytes read + dropped + pending = rule bytes" "$RC_BYTES" "$((SUM_BYTES + _bd + _bp))"
	t_eq "$P b: nothing dropped (65536 samples)" 0 "$_fd"
	t_eq "$P b: nothing pending 0.5 s later" 0 "$_fp"
	t_eq "$P b: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get cons frames_read)"
	t_eq "$P b: stats bytes_read = bytes summed" "$SUM_BYTES" "$(stat_get cons bytes_read)"
	t_eq "$P b: stats samples_read = samples summed" "$SUM_SAMPLES" "$(stat_get cons samples_read)"
	check_conservation "$P b" cons $N
	t_eq "$P b: stats rules" 1 "$(stat_get cons rules)"
	t_eq "$P b: stats period_ns" 1000000 "$(stat_get cons period_ns)"
	t_eq "$P b: stats samples" 65536 "$(stat_get cons samples)"
	: > "$T/b.again"
	data_drain cons "$T/b.again"
	t_eq "$P b: a second read returns the header only" "# timestamp frames bytes" "$(cat "$T/b.again")"
	test_end cons
}

# ------------------------------------------------------------------ c
# Eight bursts of 11, 12, ... 18 packets, each in windows of its own (a
# burst lasts about a millisecond, the bursts are >100 ms apart), none read
# meanwhile, into a 5-sample FIFO.  The samples kept must be the oldest
# windows: their frame counts, in order, must spell the first bursts (a
# burst that straddles a window boundary shows as two consecutive samples
# adding up to it).  A second rule with a big FIFO would be no exact
# reference: two rules read the clock separately, and under TCG a vCPU can
# stall for milliseconds between them, so one packet can land in different
# windows for the two.
test_c_full_fifo() {
	test_begin c "full FIFO keeps the oldest windows"
	t_check "$P c: add rule (--samples 5)" ipt -A INPUT -i $DEV -m pktstat --name full --period 10ms --samples 5 ||
		{ test_end full; return; }
	N=0
	_bursts=
	pktgen_setup $DEV 11 $SIZE $FAM 1 2>>"$T/c.err" || echo "pktgen setup failed" >> "$T/c.err"
	for _k in 11 12 13 14 15 16 17 18; do
		pktgen_again $_k 2>>"$T/c.err" || echo "burst $_k failed" >> "$T/c.err"
		N=$((N + _k))
		_bursts="$_bursts $_k"
		sleep 0.1
	done
	t_eq "$P c: 8 bursts sent" "" "$(cat "$T/c.err" 2>/dev/null)"
	sleep 0.5
	: > "$T/c.data"
	data_drain full "$T/c.data"
	t_diag "$(grep -v '^#' "$T/c.data" | tr '\n' ';')"
	sum_samples "$T/c.data" >/dev/null
	t_eq "$P c: samples well-formed, strictly increasing" "" "$SUM_ERR"
	t_eq "$P c: exactly 5 samples" 5 "$SUM_SAMPLES"
	_spell=$(grep -v '^#' "$T/c.data" | awk -v b="$_bursts" '
		BEGIN { nb = split(b, burst, " "); i = 1; rem = burst[1] }
		{
			if (i > nb || $2 > rem) { print "sample " NR " (" $2 " frames) does not continue burst " i " (" rem " left)"; exit }
			rem -= $2
			if (rem == 0) { i++; rem = burst[i] }
		}')
	t_eq "$P c: the samples kept are the oldest windows (frames spell the first bursts)" "" "$_spell"
	_sd=$(stat_get full samples_dropped)
	[ "${_sd:-0}" -ge 3 ] && t_ok "$P c: samples_dropped >= 3 ($_sd)" || t_fail "$P c: samples_dropped >= 3" "got $_sd"
	t_eq "$P c: frames read + dropped + pending = sent" $N \
		"$((SUM_FRAMES + $(stat_get full frames_dropped) + $(stat_get full frames_pending)))"
	t_eq "$P c: bytes read + dropped + pending = sent * $LEN" $((N * LEN)) \
		"$((SUM_BYTES + $(stat_get full bytes_dropped) + $(stat_get full bytes_pending)))"
	t_eq "$P c: frames_pending" 0 "$(stat_get full frames_pending)"
	t_eq "$P c: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get full frames_read)"
	check_conservation "$P c" full $N
	# The FIFO has room again: new traffic is kept.  100 packets take a
	# few windows here; on a slow (debug) kernel they may spread over more
	# windows than the FIFO holds, and the later ones are dropped again,
	# counted: so the first window must be kept, and everything accounted.
	_fd0=$(stat_get full frames_dropped)
	t_check "$P c: more traffic" pktgen_send $DEV 100 $SIZE $FAM 1
	sleep 0.5
	: > "$T/c.data2"
	data_drain full "$T/c.data2"
	sum_samples "$T/c.data2" >/dev/null
	t_diag "after draining: 100 packets, $SUM_SAMPLES samples read, $(( $(stat_get full frames_dropped) - _fd0 )) frames dropped"
	[ "${SUM_FRAMES:-0}" -gt 0 ] && t_ok "$P c: after draining, new windows are kept ($SUM_FRAMES frames)" ||
		t_fail "$P c: after draining, new windows are kept" "nothing read"
	t_eq "$P c: after draining, read + newly dropped + pending = 100" 100 \
		"$((SUM_FRAMES + $(stat_get full frames_dropped) - _fd0 + $(stat_get full frames_pending)))"
	test_end full
}

# ------------------------------------------------------------------ d
test_d_idle_window() {
	test_begin d "a finished window is readable without later traffic"
	N=1000
	t_check "$P d: add rule" ipt -A INPUT -i $DEV -m pktstat --name idle --period 100ms --samples 100 ||
		{ test_end idle; return; }
	t_check "$P d: one burst of $N" pktgen_send $DEV $N $SIZE $FAM 1
	sleep 0.5
	: > "$T/d.data"
	data_drain idle "$T/d.data"
	sum_samples "$T/d.data" >/dev/null
	t_eq "$P d: samples well-formed" "" "$SUM_ERR"
	t_eq "$P d: frames read = sent" $N "$SUM_FRAMES"
	t_eq "$P d: bytes read = sent * $LEN" $((N * LEN)) "$SUM_BYTES"
	t_eq "$P d: frames_pending" 0 "$(stat_get idle frames_pending)"
	t_eq "$P d: samples_pending" 0 "$(stat_get idle samples_pending)"
	t_check "$P d: timestamps are multiples of 100ms" ts_aligned "$T/d.data" 100000000
	test_end idle
}

# ------------------------------------------------------------------ e
# Traffic in e and f is bounded in time, not count: pktgen gets a count it
# cannot reach and is stopped when the test is done; pkts-sofar is then
# exactly what was sent.  (Under single-threaded TCG, busy user processes
# on one vCPU slow pktgen on the other down to a few hundred packets/s, so
# a fixed count would make these tests last minutes.)
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
test_e_replace() {
	test_begin e "replacing the table while traffic flows"
	ITER=${E_ITER:-8}
	t_check "$P e: add witness rules" witness_add
	t_check "$P e: add rule" ipt -A INPUT -i $DEV -m pktstat --name repl --period 1ms --samples 65536 ||
		{ $IPT -t security -F INPUT; test_end repl; return; }
	pktgen_setup $DEV 100000000 $SIZE $FAM 1 || t_fail "$P e: pktgen setup"
	: > "$T/e.data"
	: > "$T/e.err"
	pktgen_start_bg
	sleep 0.2
	pktgen_count; _s0=$PG_SOFAR
	_it=0
	while [ $_it -lt "$ITER" ]; do
		_it=$((_it + 1))
		{
			$IPT -A INPUT -p udp -m comment --comment "unrelated $_it" &&
			$IPT -I INPUT 1 -p tcp --dport 9 &&
			$SAVE -t filter > "$T/e.save" && $RESTORE < "$T/e.save" &&
			$IPT -D INPUT -p udp -m comment --comment "unrelated $_it" &&
			$IPT -D INPUT -p tcp --dport 9 &&
			$SAVE -t filter | $RESTORE
		} >> "$T/e.err" 2>&1 || echo "iteration $_it failed" >> "$T/e.err"
		data_drain repl "$T/e.data"
	done
	pktgen_count; _s1=$PG_SOFAR
	if pktgen_stop 2>"$T/pg.err"; then
		t_ok "$P e: pktgen stopped without error"
	else
		t_fail "$P e: pktgen stopped without error" "$(cat "$T/pg.err")"
	fi
	N=$PG_SOFAR
	t_diag "$ITER replace iterations; $N packets sent, $((_s1 - _s0)) during the iterations"
	[ $((_s1 - _s0)) -gt 0 ] && t_ok "$P e: traffic flowed during the replacements" ||
		t_fail "$P e: traffic flowed during the replacements" "sent $_s0 before, $_s1 after"
	t_eq "$P e: iptables commands all succeeded" "" "$(grep -v '^# Warning' "$T/e.err" | head -5)"
	_twice=$(witness_twice)
	t_diag "packets that went through the filter INPUT chain twice: $_twice"
	case $IPT in
	*-legacy) t_eq "$P e: no packet went through INPUT twice (legacy)" 0 "$_twice" ;;
	esac
	_seen=$((N + ${_twice:-0}))
	t_eq "$P e: pktstat rule still there, alone" 1 "$($IPT -S INPUT 2>/dev/null | grep -c pktstat)"
	sleep 0.5
	data_drain repl "$T/e.data"
	sum_samples "$T/e.data" >/dev/null
	t_eq "$P e: samples well-formed, strictly increasing, no duplicate" "" "$SUM_ERR"
	t_eq "$P e: frames read + dropped + pending = sent (+ twice)" $_seen \
		"$((SUM_FRAMES + $(stat_get repl frames_dropped) + $(stat_get repl frames_pending)))"
	t_eq "$P e: bytes read + dropped + pending = (sent (+ twice)) * $LEN" $((_seen * LEN)) \
		"$((SUM_BYTES + $(stat_get repl bytes_dropped) + $(stat_get repl bytes_pending)))"
	t_eq "$P e: stats frames_read = frames summed" "$SUM_FRAMES" "$(stat_get repl frames_read)"
	check_conservation "$P e" repl $_seen
	t_eq "$P e: stats rules" 1 "$(stat_get repl rules)"
	test_end repl
}

# ------------------------------------------------------------------ f
# reader loops; they stop when $T/f.stop exists, and count their opens.
f_reader_cat() {	# OUT
	_o=0
	while [ ! -e "$T/f.stop" ]; do
		cat "$PKTSTAT_PROC/rd/data" >> "$1" 2>>"$T/f.err" || echo "cat failed" >> "$T/f.err"
		_o=$((_o + 1))
	done
	echo $_o > "$1.opens"
}
f_reader_dd1() {	# OUT: 1-byte reads to the end
	_o=0
	while [ ! -e "$T/f.stop" ]; do
		dd if="$PKTSTAT_PROC/rd/data" bs=1 2>/dev/null >> "$1" || echo "dd failed" >> "$T/f.err"
		_o=$((_o + 1))
	done
	echo $_o > "$1.opens"
}
f_reader_partial() {	# OUT: 1-byte reads, closing mid-way
	_o=0
	while [ ! -e "$T/f.stop" ]; do
		for _k in 7 30 41 64 83 100 125; do
			dd if="$PKTSTAT_PROC/rd/data" bs=1 count=$_k 2>/dev/null > "$1.part"
			complete_lines "$1.part"	# the rest is given again
			cat "$1.part" >> "$1"
			_o=$((_o + 1))
		done
	done
	echo $_o > "$1.opens"
}

test_f_readers() {
	test_begin f "tiny, partial and concurrent readers"
	t_check "$P f: add rule" ipt -A INPUT -i $DEV -m pktstat --name rd --period 1ms --samples 65536 ||
		{ test_end rd; return; }
	pktgen_setup $DEV 100000000 $SIZE $FAM 1 || t_fail "$P f: pktgen setup"
	rm -f "$T"/f.*
	: > "$T/f.err"
	for _r in cat1 cat2 dd1 part; do : > "$T/f.$_r"; done
	f_reader_cat "$T/f.cat1" & _p1=$!
	f_reader_cat "$T/f.cat2" & _p2=$!
	f_reader_dd1 "$T/f.dd1" & _p3=$!
	f_reader_partial "$T/f.part" & _p4=$!
	pktgen_start_bg
	sleep "${F_SECS:-4}"
	if pktgen_stop 2>"$T/pg.err"; then
		t_ok "$P f: pktgen stopped without error"
	else
		t_fail "$P f: pktgen stopped without error" "$(cat "$T/pg.err")"
	fi
	N=$PG_SOFAR
	t_diag "$N packets sent"
	sleep 0.5
	touch "$T/f.stop"
	wait $_p1 $_p2 $_p3 $_p4
	: > "$T/f.final"
	data_drain rd "$T/f.final"
	echo 1 > "$T/f.final.opens"
	t_eq "$P f: readers had no error" "" "$(head -5 "$T/f.err")"
	for _r in cat1 cat2 dd1 part final; do
		sum_samples -u "$T/f.$_r" >/dev/null
		t_diag "reader $_r: $(cat "$T/f.$_r.opens") opens, $SUM_SAMPLES samples, $SUM_FRAMES frames"
		case $_r in
		cat1|cat2|dd1|final)
			t_eq "$P f: reader $_r: one header per open" "$(cat "$T/f.$_r.opens")" "$SUM_HEADERS"
			;;
		esac
	done
	# Each reader's own stream need not increase: a partial reader gives
	# its sample back to the head of the FIFO after others read later ones.
	sum_samples -u "$T/f.cat1" "$T/f.cat2" "$T/f.dd1" "$T/f.part" "$T/f.final" >/dev/null 2>&1
	t_eq "$P f: all lines well-formed, no timestamp returned twice" "" "$SUM_ERR"
	[ "$SUM_SAMPLES" -ge 20 ] && t_ok "$P f: readers got at least 20 samples ($SUM_SAMPLES)" ||
		t_fail "$P f: readers got at least 20 samples" "only $SUM_SAMPLES"
	t_eq "$P f: frames of all reads + dropped + pending = sent" $N \
		"$((SUM_FRAMES + $(stat_get rd frames_dropped) + $(stat_get rd frames_pending)))"
	t_eq "$P f: bytes of all reads + dropped + pending = sent * $LEN" $((N * LEN)) \
		"$((SUM_BYTES + $(stat_get rd bytes_dropped) + $(stat_get rd bytes_pending)))"
	t_eq "$P f: stats frames_read = frames of all reads" "$SUM_FRAMES" "$(stat_get rd frames_read)"
	t_eq "$P f: stats samples_read = samples of all reads" "$SUM_SAMPLES" "$(stat_get rd samples_read)"
	rule_counters "$IPT" INPUT >/dev/null 2>&1
	t_eq "$P f: rule counter packets = sent" "$N" "$RC_PKTS"
	check_conservation "$P f" rd $N
	test_end rd
}

# ------------------------------------------------------------------ g
test_g_shared() {
	test_begin g "two rules sharing a name; a third with other settings waits"
	N1=3000 N2=2000
	t_check "$P g: add $IPT rule" ipt -A INPUT -i $DEV -m pktstat --name shared --period 10ms --samples 1000 ||
		{ test_end shared; return; }
	t_check "$P g: add $SIB rule, same name" $SIB -A INPUT -i $DEV -m pktstat --name shared --period 10ms --samples 1000
	t_eq "$P g: stats rules" 2 "$(stat_get shared rules)"
	t_check "$P g: $N1 $FAM packets" pktgen_send $DEV $N1 $SIZE $FAM 1
	t_check "$P g: $N2 $SIBFAM packets" pktgen_send $DEV $N2 $SIZE $SIBFAM 1
	sleep 0.5
	: > "$T/g.data"
	data_drain shared "$T/g.data"
	sum_samples "$T/g.data" >/dev/null
	t_eq "$P g: samples well-formed, strictly increasing" "" "$SUM_ERR"
	_fd=$(stat_get shared frames_dropped) _fp=$(stat_get shared frames_pending)
	t_eq "$P g: frames of both families in one stream" $((N1 + N2)) "$((SUM_FRAMES + _fd + _fp))"
	t_eq "$P g: bytes of both families in one stream" $(((N1 + N2) * LEN)) \
		"$((SUM_BYTES + $(stat_get shared bytes_dropped) + $(stat_get shared bytes_pending)))"
	check_conservation "$P g" shared $((N1 + N2))
	# Other settings for the name: not refused, but waiting for the
	# rules in force to go (what a reload does, for an instant), and
	# saying so in stats and the log.
	dmesg_mark
	t_check "$P g: a third rule with another --period is accepted" \
		ipt -A OUTPUT -m pktstat --name shared --period 20ms --samples 1000
	t_eq "$P g: it waits (stats waiting_rules)" 1 "$(stat_get shared waiting_rules)"
	t_eq "$P g: stats waiting_period_ns" 20000000 "$(stat_get shared waiting_period_ns)"
	t_eq "$P g: the setting in force stays (period_ns)" 10000000 "$(stat_get shared period_ns)"
	sleep 0.2
	_log=$(dmesg_since | grep 'xt_pktstat' | grep 'shared')
	t_diag "$_log"
	case $_log in
	*'"shared": --period 20ms --samples 1000 waits for the rules with --period 10ms --samples 1000 to go'*)
		t_ok "$P g: dmesg names the name, both settings and the wait" ;;
	*) t_fail "$P g: dmesg names the name, both settings and the wait" "log: $(dmesg_since | tail -5)" ;;
	esac
	$IPT -F OUTPUT
	sleep 0.3	# nf_tables releases asynchronously
	t_eq "$P g: its rule deleted, nothing waits" 0 "$(stat_get shared waiting_rules)"
	t_check "$P g: a third rule with another --samples is accepted" \
		ipt -A OUTPUT -m pktstat --name shared --period 10ms --samples 999
	t_eq "$P g: it waits" 999 "$(stat_get shared waiting_samples)"
	$IPT -F OUTPUT
	sleep 0.3
	t_eq "$P g: settings never changed" 0 "$(stat_get shared settings_changes)"
	t_eq "$P g: stats rules still 2" 2 "$(stat_get shared rules)"
	$SIB -F INPUT
	sleep 0.3	# nf_tables releases asynchronously
	t_eq "$P g: one rule left" 1 "$(stat_get shared rules)"
	test_end shared
}

# ------------------------------------------------------------------ h
test_h_netns() {
	test_begin h "network namespaces"
	rm -f "$T/h.ready"
	# The namespace lives as long as the sleep that holds data open (fd 3).
	# (the real unshare, not lib.sh's wrapper function: $! must be the
	# process that ends up as the sleep in the new namespace)
	/usr/bin/unshare -n sh -c "
		ip link set lo up
		$IPT -A INPUT -m pktstat --name nsonly --period 10ms --samples 10 || exit 1
		exec 3< /proc/net/xt_pktstat/nsonly/data || exit 1
		touch $T/h.ready
		exec sleep 600" > "$T/h.out" 2>&1 &
	_ns=$!
	_i=0
	while [ ! -e "$T/h.ready" ] && kill -0 $_ns 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	if [ ! -e "$T/h.ready" ]; then
		t_fail "$P h: rule added in a new netns" "$(cat "$T/h.out")"
		kill $_ns 2>/dev/null
		test_end nsonly
		return
	fi
	t_ok "$P h: rule added in a new netns"
	t_check "$P h: it shows in the netns (/proc/PID/net)" test -d "/proc/$_ns/net/xt_pktstat/nsonly"
	t_check "$P h: it shows in the netns (nsenter)" nsenter -t $_ns -n test -r /proc/net/xt_pktstat/nsonly/stats
	t_eq "$P h: nsenter reads its stats" "nsonly" "$(nsenter -t $_ns -n cat /proc/net/xt_pktstat/nsonly/stats | awk '$1 == "name" {print $2}')"
	t_check "$P h: not in the init netns" test ! -e "$PKTSTAT_PROC/nsonly"
	t_eq "$P h: no rule in the init netns" 0 "$($IPT -S INPUT 2>/dev/null | grep -c pktstat)"
	# the same name in the init netns is independent (other period is fine)
	t_check "$P h: same name, other period, in the init netns" ipt -A INPUT -m pktstat --name nsonly --period 20ms --samples 10
	t_eq "$P h: init netns has its own (period)" 20000000 "$(stat_get nsonly period_ns)"
	t_eq "$P h: netns keeps its own (period)" 10000000 \
		"$(awk '$1 == "period_ns" {print $2}' /proc/$_ns/net/xt_pktstat/nsonly/stats)"
	flush_rules
	# tear the namespace down with its rule and an open data file
	kill $_ns
	wait $_ns 2>/dev/null
	sleep 1		# netns cleanup runs from a work queue
	t_check "$P h: netns gone with its rule and open file" true
	test_end nsonly
}

# ------------------------------------------------------------------ i
test_i_delete_open() {
	test_begin i "deleting the last rule while data is open; rmmod"
	t_check "$P i: add rule" ipt -A INPUT -i $DEV -m pktstat --name gone --period 1ms --samples 1000 ||
		{ test_end gone; return; }
	t_check "$P i: traffic" pktgen_send $DEV 500 $SIZE $FAM 1
	sleep 0.3
	if ! exec 3< "$PKTSTAT_PROC/gone/data"; then
		t_fail "$P i: open data"
		test_end gone
		return
	fi
	# start a sample (the reader then holds it) without finishing it
	dd bs=1 count=30 <&3 > "$T/i.head" 2>/dev/null
	t_eq "$P i: read the header through fd 3" "# timestamp frames bytes" "$(head -1 "$T/i.head")"
	t_check "$P i: rmmod refused while a rule uses the module" sh -c '! /usr/sbin/rmmod xt_pktstat 2>/dev/null'
	t_check "$P i: delete the rule" ipt -D INPUT 1
	t_check "$P i: directory gone" wait_gone gone
	cat <&3 > "$T/i.rest" 2>&1
	_rc=$?
	t_diag "read after removal: status $_rc, $(wc -c < "$T/i.rest") bytes: $(head -c 100 "$T/i.rest")"
	t_ok "$P i: reading the open file of a removed name returned (status $_rc)"
	cat <&3 > /dev/null 2>&1
	exec 3<&-
	t_eq "$P i: no crash after removal" "" "$(dmesg_since | grep -E 'BUG:|Oops|general protection' | head -3)"
	# a removed name's file still open while the module goes away
	t_check "$P i: add rule 2" ipt -A INPUT -i $DEV -m pktstat --name gone2 --period 1ms --samples 1000
	t_check "$P i: traffic 2" pktgen_send $DEV 200 $SIZE $FAM 1
	exec 4< "$PKTSTAT_PROC/gone2/data"
	dd bs=1 count=40 <&4 > /dev/null 2>&1
	t_check "$P i: delete rule 2" ipt -D INPUT 1
	t_check "$P i: directory 2 gone" wait_gone gone2
	flush_rules
	t_check "$P i: rmmod xt_pktstat once all rules are gone (a removed name's file still open)" unload_pktstat
	cat <&4 > /dev/null 2>&1
	t_diag "read after rmmod: status $?"
	exec 4<&-
	t_check "$P i: modprobe xt_pktstat again" load_pktstat
	t_check "$P i: module usable again" ipt -A INPUT -m pktstat --name again --period 1ms --samples 10
	t_check "$P i: its directory exists" test -d "$PKTSTAT_PROC/again"
	test_end gone gone2 again
}

# ------------------------------------------------------------------ j
test_j_two_cpus() {
	test_begin j "two CPUs into one name"
	if [ "$(nproc)" -lt 2 ]; then
		t_ok "$P j: skipped: one CPU # SKIP"
		return
	fi
	N=10000
	t_check "$P j: add rule" ipt -A INPUT -i $DEV -m pktstat --name cpu2 --period 1ms --samples 65536 ||
		{ test_end cpu2; return; }
	_t0=$(now_cs)
	t_check "$P j: pktgen sends $N from each of 2 CPUs" pktgen_send $DEV $N $SIZE $FAM 2
	t_diag "$((2 * N)) packets in $(( ($(now_cs) - _t0) * 10 )) ms"
	sleep 0.5
	: > "$T/j.data"
	data_drain cpu2 "$T/j.data"
	sum_samples "$T/j.data" >/dev/null
	t_eq "$P j: samples well-formed, strictly increasing (one sample per window)" "" "$SUM_ERR"
	rule_counters "$IPT" INPUT >/dev/null 2>&1
	t_eq "$P j: rule counter packets = 2N" $((2 * N)) "$RC_PKTS"
	t_eq "$P j: frames read + dropped + pending = 2N" $((2 * N)) \
		"$((SUM_FRAMES + $(stat_get cpu2 frames_dropped) + $(stat_get cpu2 frames_pending)))"
	t_eq "$P j: frames read = 2N (nothing dropped or pending)" $((2 * N)) "$SUM_FRAMES"
	t_eq "$P j: bytes read = 2N * $LEN" $((2 * N * LEN)) "$SUM_BYTES"
	check_conservation "$P j" cpu2 $((2 * N))
	test_end cpu2
}

# ------------------------------------------------------------------ k
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
test_k_process_context() {
	test_begin k "OUTPUT from process context and INPUT traffic, one name"
	NP=${K_PINGS:-200}
	if [ $FAM = v4 ]; then _dst=${ADDR4%/*} _proto=icmp _ilen=84; else _dst=${ADDR6%/*} _proto=ipv6-icmp _ilen=104; fi
	t_check "$P k: add INPUT rule" ipt -A INPUT -i $DEV -m pktstat --name proc --period 1ms --samples 65536 ||
		{ test_end proc; return; }
	t_check "$P k: add OUTPUT rule (-o lo -p $_proto), same name" \
		ipt -A OUTPUT -o lo -p $_proto -m pktstat --name proc --period 1ms --samples 65536
	pktgen_setup $DEV 1000000000 $SIZE $FAM 1 || t_fail "$P k: pktgen setup"
	pktgen_start_bg
	_cpus=0
	[ "$(nproc)" -ge 2 ] && _cpus="0 1"
	_pids=
	for _c in $_cpus; do
		taskset -c $_c ping -q -A -w 60 -c $NP "$_dst" > "$T/k.ping$_c" 2>&1 &
		_pids="$_pids $!"
	done
	# shellcheck disable=SC2086
	wait $_pids
	pktgen_stop && t_ok "$P k: pktgen stopped" || t_fail "$P k: pktgen stopped" "errors: $PG_ERRORS"
	_tx=0 _rx=0
	for _c in $_cpus; do
		t_diag "ping on CPU $_c: $(grep transmitted "$T/k.ping$_c")"
		set -- $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$T/k.ping$_c")
		# busybox ping -A may send one request more than -c (its 1 s
		# timer also sends): the kernel answers that one too
		t_eq "$P k: ping on CPU $_c: $NP replies received" "$NP" "${2:-?}"
		_tx=$((_tx + ${1:-0})) _rx=$((_rx + ${2:-0}))
	done
	t_diag "pktgen sent $PG_SOFAR into INPUT; ping: $_tx requests, $_rx replies through OUTPUT"
	[ "$PG_SOFAR" -gt 0 ] && t_ok "$P k: pktgen ran meanwhile ($PG_SOFAR packets)" ||
		t_fail "$P k: pktgen ran meanwhile" "it sent nothing"
	sleep 0.5
	_want=$((PG_SOFAR + 2 * _tx))
	t_eq "$P k: frames_seen = pktgen + requests + replies" "$_want" "$(stat_get proc frames_seen)"
	t_eq "$P k: bytes_seen = pktgen * $LEN + (requests + replies) * $_ilen" \
		"$((PG_SOFAR * LEN + 2 * _tx * _ilen))" "$(stat_get proc bytes_seen)"
	t_check "$P k: stats invariant seen = read + dropped + pending" stats_invariant proc
	: > "$T/k.data"
	data_drain proc "$T/k.data"
	sum_samples "$T/k.data" >/dev/null
	t_eq "$P k: samples well-formed, strictly increasing" "" "$SUM_ERR"
	t_eq "$P k: frames read + dropped + pending = seen" "$_want" \
		"$((SUM_FRAMES + $(stat_get proc frames_dropped) + $(stat_get proc frames_pending)))"
	test_end proc
}

# ------------------------------------------------------------------ main
[ "$IPT" = iptables ] && TESTS=a
t_diag "kernel-tests.sh $IPT ($FAM): tests $TESTS; pktgen pkt_size $SIZE, skb->len $LEN"
setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
if [ "$IPT" = iptables ]; then
	test_a_readme
else
	grep -q '^xt_pktstat ' /proc/modules || t_check "$P: modprobe xt_pktstat" load_pktstat
	for _t in $TESTS; do
		case $_t in
		a) test_a_readme ;;
		b) test_b_conservation ;;
		c) test_c_full_fifo ;;
		d) test_d_idle_window ;;
		e) test_e_replace ;;
		f) test_f_readers ;;
		g) test_g_shared ;;
		h) test_h_netns ;;
		i) test_i_delete_open ;;
		j) test_j_two_cpus ;;
		k) test_k_process_context ;;
		*) t_fail "$P: unknown test $_t" ;;
		esac
	done
fi
flush_rules
rm -rf "$T"
t_summary
