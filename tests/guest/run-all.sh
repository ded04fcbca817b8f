#!/bin/sh
# Run every guest test, inside the test guest:
#   tests/qemu/run-guest.sh /tests/guest/run-all.sh
# 1. the original README workflow with the plain `iptables` command;
# 2. kernel-tests.sh for iptables-legacy, iptables-nft, ip6tables-legacy,
#    ip6tables-nft; reload.sh (settings changed by a reload) for the same
#    four; hist.sh (the window histogram) for iptables-legacy and
#    ip6tables-nft; refusals.sh (what the user sees when the kernel
#    refuses) and containers.sh (memory cgroups, rootless containers) for
#    iptables-legacy and iptables-nft;
# 3. tests/ext/run-ext-tests.sh for the same four, if it exists;
# 4. stress.sh: every stress scenario for iptables-legacy and iptables-nft,
#    the FIFO overflow for ip6tables-legacy, the rule churn for
#    ip6tables-nft (last: cpu_hotplug leaves pktgen's CPU 1 thread
#    unbound, after taking CPU 1 offline).
# Each part prints its own "N passed, M failed"; the last line is the
# total in the same format.  Exit status non-zero on any failure.
# Environment: SUITES (default "readme kernel reload hist refusals
# containers ext stress") and KTESTS (names of kernel-tests.sh's tests,
# default all) narrow the run; STRESS_RUNS ("IPT:SCENARIO[,SCENARIO...]
# ...", a scenario of stress.sh or "all"; default below) chooses the
# stress runs, and STRESS_SECS, STRESS_ROUNDS... (stress.sh) their length.
. /tests/guest/lib.sh

TALLY=/tmp/run-all.tally
: > $TALLY
SUITES=${SUITES:-readme kernel reload hist refusals containers ext stress}
ALL_IPTS="iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft"
start=$(uptime_s)
broken=0

# run_each SCRIPT IPT...: /tests/guest/SCRIPT once for each back end.
run_each() {
	local script="$1" ipt
	shift
	for ipt in "$@"; do
		run_part "$script $ipt" /tests/guest/$script $ipt
	done
}

echo "# kernel $(uname -r), $(nproc) CPUs"
if [ ! -e /lib/modules/"$(uname -r)"/extra/xt_pktstat.ko ]; then
	echo "# WARNING: xt_pktstat.ko is not in the image"
fi
if [ ! -e /usr/lib/x86_64-linux-gnu/xtables/libxt_pktstat.so ]; then
	echo "# WARNING: libxt_pktstat.so is not in the image"
fi

for s in $SUITES; do
	case $s in
	readme)
		run_part "README workflow (iptables)" /tests/guest/kernel-tests.sh iptables
		;;
	kernel)
		for ipt in $ALL_IPTS; do
			# shellcheck disable=SC2086
			run_part "kernel-tests.sh $ipt" /tests/guest/kernel-tests.sh $ipt ${KTESTS:-}
		done
		;;
	reload) run_each reload.sh $ALL_IPTS ;;
	hist) run_each hist.sh iptables-legacy ip6tables-nft ;;
	refusals) run_each refusals.sh iptables-legacy iptables-nft ;;
	containers) run_each containers.sh iptables-legacy iptables-nft ;;
	fastclock)
		# booted with the TSC as clocksource (tests/check.sh kernel-tsc):
		# the fast path checked packet by packet, then the tests it must
		# pass unchanged
		run_part "fast-clock.sh" /tests/guest/fast-clock.sh \
			/tests/extra/xt_pktstat-clock-check.ko /tests/extra/xt_pktstat-clock-bad.ko \
			/tests/extra/xt_pktstat-clock-bad-window.ko
		for ipt in iptables-legacy ip6tables-nft; do
			run_part "kernel-tests.sh $ipt (TSC)" /tests/guest/kernel-tests.sh $ipt \
				conservation_exact full_fifo_keeps_oldest idle_window_readable \
				reader_gives_back_partial_line conservation_two_cpus process_context_output
		done
		run_part "stress.sh iptables-legacy (TSC)" /tests/guest/stress.sh iptables-legacy \
			wall_clock_steps cpu_hotplug
		;;
	ext)
		if [ -e /tests/ext/run-ext-tests.sh ]; then
			grep -q '^xt_pktstat ' /proc/modules || load_pktstat
			for ipt in $ALL_IPTS; do
				# the runner prints its own summary; tallied here
				run_summarized "run-ext-tests.sh $ipt" sh /tests/ext/run-ext-tests.sh $ipt
			done
		else
			echo "# tests/ext/run-ext-tests.sh absent: skipped"
		fi
		;;
	stress)
		for r in ${STRESS_RUNS:-iptables-legacy:all iptables-nft:all ip6tables-legacy:fifo_overflow_1us ip6tables-nft:rule_churn_under_traffic}; do
			# shellcheck disable=SC2046
			run_part "stress.sh ${r%%:*}" /tests/guest/stress.sh ${r%%:*} $(echo "${r#*:}" | tr , ' ')
		done
		;;
	*) echo "run-all: unknown suite $s"; broken=1 ;;
	esac
done

tally_kernel_log
echo "# run-all: $(( $(uptime_s) - start )) s"
tally_total || exit 1
exit $broken
