#!/bin/sh
# The PREEMPT_RT race, inside a test guest booted on an -rt kernel:
#   rt-race.sh MODULE:EXPECT...
# MODULE: a test-only build from tests/variants/build.sh (race-fixed,
# race-unfixed: the race window widened by a busy wait inside the per-CPU
# update); EXPECT
# "exact": the counts must come out exact (the shipped locking), "loss":
# frames must go missing (the locking removed: the test can fail).
# RT_IPT: iptables-nft by default (7.x -rt kernels have no legacy
# x_tables); RT_PINGS: pings per run (300).
#
# On PREEMPT_RT, bottom-half sections are preemptible, and without
# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK two of them on one CPU no longer exclude
# each other: pktgen's thread (the receive path) and ping (OUTPUT through
# nf_tables, in process context) both update CPU 0's window of one name,
# and the window timer closes it.
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || { echo "usage: rt-race.sh MODULE:exact|loss..." >&2; exit 2; }
ipt_setup "${RT_IPT:-iptables-nft}" || exit 2
DEV=${DEV:-pkt0}
SIZE=100
LEN=$((SIZE - 14))
NP=${RT_PINGS:-300}
T=/tmp/rt.$$
mkdir -p "$T"

case $(uname -v) in
*PREEMPT_RT*) t_ok "kernel is PREEMPT_RT ($(uname -r))" ;;
*) t_fail "kernel is PREEMPT_RT" "uname -v: $(uname -v)" ;;
esac
setup_dummy $DEV 192.0.2.1/24 2001:db8::1/64 || t_fail "setup_dummy $DEV"

# race_run MODULE EXPECT
race_run() {
	KO=$1 EXPECT=$2
	t_diag "---- $KO: $EXPECT"
	flush_all
	unload_pktstat
	t_check "insmod $KO" insmod "$KO"
	t_check "$P: INPUT rule" ipt -A INPUT -i $DEV -m pktstat --name race --period 1ms --samples 65536
	t_check "$P: OUTPUT rule, same name" \
		ipt -A OUTPUT -o lo -p icmp -m pktstat --name race --period 1ms --samples 65536
	pktgen_setup $DEV 1000000000 $SIZE v4 1 || t_fail "pktgen setup"
	pktgen_start_bg
	taskset -c 0 ping -q -A -w 60 -c "$NP" 192.0.2.1 > "$T/ping" 2>&1
	pktgen_stop || t_fail "pktgen stopped without error"
	set -- $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$T/ping")
	_tx=${1:-0}
	t_eq "ping: $NP replies" "$NP" "${2:-?}"
	sleep 0.5
	_want=$((PG_SOFAR + 2 * _tx))
	_seen=$(stat_get race frames_seen)
	t_diag "pktgen $PG_SOFAR, ping $_tx requests + replies: want $_want frames, seen $_seen"
	case $EXPECT in
	exact)
		t_eq "frames_seen = pktgen + requests + replies (exact)" "$_want" "$_seen"
		t_eq "bytes_seen exact" "$((PG_SOFAR * LEN + 2 * _tx * 84))" "$(stat_get race bytes_seen)"
		t_check "stats invariant seen = read + dropped + pending" stats_invariant race
		;;
	loss)
		[ "${_seen:-0}" -lt "$_want" ] &&
			t_ok "without bh_lock frames go missing ($((_want - _seen)) of $_want)" ||
			t_fail "without bh_lock frames go missing" "seen $_seen, want $_want"
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
