#!/bin/sh
# The PREEMPT_RT race, inside a test guest booted on an -rt kernel:
#   rt-race.sh MODULE:EXPECT...
# MODULE: a test-only build from tests/variants/build.sh (race-fixed,
# race-unfixed: the race window widened by a busy wait inside the per-CPU
# update); EXPECT
# "exact": the counts must come out exact (the shipped locking),
# "inexact": they must not (the locking removed: the test can fail).  The
# race goes both ways: an update preempted between its read and its write
# loses the frames counted meanwhile, or, when the timer closed the window
# meanwhile, writes the closed window's frames back into the new one, where
# they are counted a second time.
# RT_IPT: iptables-nft by default (7.x -rt kernels have no legacy
# x_tables); RT_ROUNDS: rounds of traffic at most (5); per round RT_PINGS
# pings (1000) and RT_PACKETS pktgen packets (600), RT_PKTGEN_DELAY ns
# apart (1000000: pktgen busy-waits for gaps under 100 us, and its
# sending takes a good part of a gap under QEMU).
#
# On PREEMPT_RT, bottom-half sections are preemptible, and without
# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK two of them on one CPU no longer exclude
# each other: pktgen's thread (the receive path) and ping (OUTPUT through
# nf_tables, in process context) both update CPU 0's window of one name,
# and the window timer closes it.
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || { echo "usage: rt-race.sh MODULE:exact|inexact..." >&2; exit 2; }
ipt_setup "${RT_IPT:-iptables-nft}" || exit 2
DEV=${DEV:-pkt0}
SIZE=100
LEN=$((SIZE - 14))
NP=${RT_PINGS:-1000}
T=/tmp/rt.$$
mkdir -p "$T"

case $(uname -v) in
*PREEMPT_RT*) t_ok "kernel is PREEMPT_RT ($(uname -r))" ;;
*) t_fail "kernel is PREEMPT_RT" "uname -v: $(uname -v)" ;;
esac
setup_dummy $DEV 192.0.2.1/24 2001:db8::1/64 || t_fail "setup_dummy $DEV"

# race_run MODULE EXPECT
# race_round: one round of traffic into the name race: pktgen into INPUT
# and ping through OUTPUT, both on CPU 0; adds what they sent to WANT
# (frames) and WANT_BYTES
race_round() {
	local tx
	# pktgen sleeps between its packets (a delay well over 100 us is an
	# hrtimer sleep, not a busy wait): a flood would starve ping on CPU 0
	# under QEMU, and only a thread that wakes up preempts the other.  A count, not a stop: on 7.x -rt a "stop" can leave
	# pktgen's "start" waiting.
	pktgen_setup $DEV "${RT_PACKETS:-600}" $SIZE v4 1 "${RT_PKTGEN_DELAY:-1000000}" ||
		t_fail "pktgen setup"
	# pktgen's thread real-time: each of its wake-ups preempts ping at
	# once, wherever ping is, inside its update of the window too
	/usr/bin/chrt -f -p 10 "$(pidof kpktgend_0)" ||
		t_fail "chrt -f kpktgend_0"
	pktgen_start_bg
	taskset -c 0 ping -q -A -w 60 -c "$NP" 192.0.2.1 > "$T/ping" 2>&1
	pktgen_wait || t_fail "pktgen sent its packets without error"
	set -- $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$T/ping")
	tx=${1:-0}
	[ "${2:-?}" = "$NP" ] || t_fail "ping: $NP replies" "got ${2:-?}"
	t_diag "$(grep -E 'round-trip' "$T/ping")"
	WANT=$((WANT + PG_SOFAR + 2 * tx))
	WANT_BYTES=$((WANT_BYTES + PG_SOFAR * LEN + 2 * tx * 84))
	sleep 0.5
}

# race_run MODULE EXPECT: up to RT_ROUNDS rounds (5); exact: after every
# round the counts are exact; inexact: some round's are not
race_run() {
	local ko=$1 expect=$2 round=0 seen
	t_diag "---- $ko: $expect"
	flush_all
	unload_pktstat
	modprobe x_tables	# insmod loads no dependency
	t_check "insmod $ko" insmod "$ko"
	t_check "$P: INPUT rule" ipt -A INPUT -i $DEV -m pktstat --name race --period 1ms --samples 65536
	t_check "$P: OUTPUT rule, same name" \
		ipt -A OUTPUT -o lo -p icmp -m pktstat --name race --period 1ms --samples 65536
	WANT=0 WANT_BYTES=0
	while [ $round -lt "${RT_ROUNDS:-5}" ]; do
		round=$((round + 1))
		race_round
		seen=$(stat_get race frames_seen)
		t_diag "round $round: pktgen and ping sent $WANT frames in all, seen $seen"
		[ "$seen" = "$WANT" ] || break
	done
	case $expect in
	exact)
		t_eq "frames_seen = pktgen + requests + replies, $round rounds (exact)" "$WANT" "$seen"
		t_eq "bytes_seen exact" "$WANT_BYTES" "$(stat_get race bytes_seen)"
		t_check "stats invariant seen = read + dropped + pending" stats_invariant race
		;;
	inexact)
		if [ "${seen:-0}" -lt "$WANT" ]; then
			t_ok "without bh_lock the counts go wrong: $((WANT - seen)) of $WANT frames lost (round $round)"
		elif [ "${seen:-0}" -gt "$WANT" ]; then
			t_ok "without bh_lock the counts go wrong: $((seen - WANT)) frames counted twice, $seen of $WANT (round $round)"
		else
			t_fail "without bh_lock the counts go wrong" "seen $seen = sent after $round rounds"
		fi
		;;
	esac
	flush_rules
	wait_gone race
	t_check "rmmod" unload_pktstat
	t_eq "kernel log clean" "" "$(kernel_trouble)"
}

for _run in "$@"; do
	race_run "${_run%:*}" "${_run##*:}"
done
rm -rf "$T"
t_summary
