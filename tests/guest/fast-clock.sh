#!/bin/sh
# The cycle-counter fast path (src/pktstat_clock.h), inside a test guest
# booted with the TSC as clocksource (tsc=reliable clocksource=tsc):
#   fast-clock.sh CHECK_MODULE BAD_MODULE BAD_WINDOW_MODULE [IPT]
# The modules come from tests/variants/build.sh (clock-check, clock-bad,
# clock-bad-window): every packet the counter counted also reads the wall
# clock, and so does every window the counter found for a packet; the
# module reports at unload how many packets its counter counted and how
# many of them were outside their window by more than 1 us, how many
# windows the counter found and how many of them were more than 1 us away
# from the packet's time.
#
# fast_path_assigns_windows_exactly: two CPUs of pktgen into 10us and 1ms
#   windows: packets counted by the counter, none outside its window;
#   windows found by the counter, none wrong; exact conservation.
# bad_deadline_is_caught: deadlines that ignore the window's end (the bad
#   build) put packets into ended windows, and the check reports them.
# bad_window_is_caught: a counter's time 4 us ahead of the wall clock (the
#   other bad build) opens windows early, and the check reports them.
# fallback_when_disabled: fast_clock=0: no packet counted and no window
#   found by the counter, counts still exact.
. "$(dirname "$0")/lib.sh"

USAGE="usage: fast-clock.sh CHECK_MODULE BAD_MODULE BAD_WINDOW_MODULE [IPT]"
CHECK_KO=${1:?$USAGE}
BAD_KO=${2:?$USAGE}
BAD_WINDOW_KO=${3:?$USAGE}
ipt_setup "${4:-iptables-legacy}" || exit 2
DEV=${DEV:-pkt0}
SIZE=100
LEN=$((SIZE - 14))
N=${FAST_N:-20000}

# run_traffic: 2 x N packets from two CPUs into names w10us and w1ms;
# sets SENT
run_traffic() {
	flush_rules
	ipt -A INPUT -i $DEV -m pktstat --name w10us --period 10us --samples 65536 >/dev/null &&
		ipt -A INPUT -i $DEV -m pktstat --name w1ms --period 1ms --samples 65536 >/dev/null ||
		return 1
	pktgen_send $DEV "$N" $SIZE $FAM "$(nproc)" || return 1
	SENT=$PG_SENT
	sleep 0.3
}

# report: the module's last "fast clock check" line: FAST LATE WORST
# WINDOWS WRONG
report() {
	dmesg | sed -n 's/.*fast clock check: \([0-9]*\) packets .*, \([0-9]*\) outside .*, latest \(-\{0,1\}[0-9]*\) ns .*; \([0-9]*\) windows found .*, \([0-9]*\) more than .*/\1 \2 \3 \4 \5/p' | tail -1
}

# with MODULE [PARAM...]: a fresh module and traffic; then the report
with() {
	local ko="$1" n
	shift
	flush_all
	unload_pktstat
	modprobe x_tables	# insmod loads no dependency
	insmod "$ko" "$@" || { echo "insmod $ko $* failed"; return 1; }
	run_traffic || { echo "traffic failed"; return 1; }
	for n in w10us w1ms; do
		check_conservation "$P $TL: $n" $n "$SENT"
	done
	flush_rules
	wait_gone w10us && wait_gone w1ms
	unload_pktstat
	set -- $(report)
	FAST=${1:-} LATE=${2:-} WORST=${3:-} WINDOWS=${4:-} WRONG=${5:-}
	t_diag "$ko: $SENT packets per name; counter counted ${FAST:-?}, outside ${LATE:-?}, latest ${WORST:-?} ns after the end; windows found by the counter ${WINDOWS:-?}, wrong ${WRONG:-?}"
}

# above MIN VALUE DESC: VALUE (a count from the report) is more than MIN
above() {
	[ "${2:-0}" -gt "$1" ] && t_ok "$3 ($2)" || t_fail "$3" "${2:-none}"
}

fast_path_assigns_windows_exactly() {
	test_begin exact "the counter assigns every packet to the window of its time"
	t_eq "$P exact: the clocksource is the TSC" tsc \
		"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	with "$CHECK_KO"
	above $((N / 2)) "$FAST" "$P exact: most of the $((4 * N)) packets counted by the counter"
	t_eq "$P exact: none outside its window by more than 1us" 0 "$LATE"
	# 10us windows: most packets open one, most of those by the counter
	above $((N / 2)) "$WINDOWS" "$P exact: many windows found by the counter"
	t_eq "$P exact: no window found by the counter more than 1us from the packet's time" 0 "$WRONG"
	test_end
}

bad_deadline_is_caught() {
	test_begin bad "a deadline past the window's end is caught"
	with "$BAD_KO"
	above 0 "$LATE" "$P bad: the check sees packets in ended windows"
	test_end
}

bad_window_is_caught() {
	test_begin bad_window "a window found by a counter 4us ahead is caught"
	with "$BAD_WINDOW_KO"
	above 0 "$WRONG" "$P bad_window: the check sees windows opened early"
	test_end
}

fallback_when_disabled() {
	test_begin fallback "fast_clock=0 reads the wall clock for every packet"
	with "$CHECK_KO" fast_clock=0
	t_eq "$P fallback: no packet counted by the counter" 0 "$FAST"
	t_eq "$P fallback: no window found by the counter" 0 "$WINDOWS"
	test_end
}

setup_dummy $DEV 192.0.2.1/24 2001:db8::1/64 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
fast_path_assigns_windows_exactly
bad_deadline_is_caught
bad_window_is_caught
fallback_when_disabled
flush_all
t_summary
