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
#    ip6tables-nft (last: it leaves pktgen's CPU 1 thread unbound, after
#    taking CPU 1 offline).
# Each part prints its own "N passed, M failed"; the last line is the
# total in the same format.  Exit status non-zero on any failure.
# Environment: SUITES (default "readme kernel reload hist refusals
# containers ext stress") and KTESTS
# (letters of kernel-tests.sh, default all) narrow the run; STRESS_RUNS
# ("IPT:SCENARIOS ...", default "iptables-legacy:123456
# iptables-nft:123456 ip6tables-legacy:4 ip6tables-nft:1") chooses the
# stress runs, and STRESS_SECS, STRESS_ROUNDS... (stress.sh) their length.
. /tests/guest/lib.sh

TALLY=/tmp/run-all.tally
: > $TALLY
SUITES=${SUITES:-readme kernel reload hist refusals containers ext stress}
start=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
broken=0

# run DESC CMD...: one part; a part that ends without a summary (crash,
# syntax error) counts as one failure.
run() {
	_desc=$1; shift
	echo "#### $_desc"
	_before=$(wc -l < $TALLY)
	_t0=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
	T_TALLY=$TALLY "$@"
	_rc=$?
	_t1=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
	echo "#### $_desc: status $_rc, $((_t1 - _t0)) s"
	if [ "$(wc -l < $TALLY)" = "$_before" ]; then
		echo "not ok - $_desc ended without a summary (status $_rc)"
		echo "0 1" >> $TALLY
	elif [ "$_rc" != 0 ] && [ "$(tail -1 $TALLY | cut -d' ' -f2)" = 0 ]; then
		echo "not ok - $_desc: status $_rc with no failed test"
		echo "0 1" >> $TALLY
	fi
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
		run "README workflow (iptables)" /tests/guest/kernel-tests.sh iptables
		;;
	kernel)
		for ipt in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
			# shellcheck disable=SC2086
			run "kernel-tests.sh $ipt" /tests/guest/kernel-tests.sh $ipt ${KTESTS:-}
		done
		;;
	reload)
		for ipt in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
			run "reload.sh $ipt" /tests/guest/reload.sh $ipt
		done
		;;
	hist)
		for ipt in iptables-legacy ip6tables-nft; do
			run "hist.sh $ipt" /tests/guest/hist.sh $ipt
		done
		;;
	refusals)
		for ipt in iptables-legacy iptables-nft; do
			run "refusals.sh $ipt" /tests/guest/refusals.sh $ipt
		done
		;;
	containers)
		for ipt in iptables-legacy iptables-nft; do
			run "containers.sh $ipt" /tests/guest/containers.sh $ipt
		done
		;;
	fastclock)
		# booted with the TSC as clocksource (tests/check.sh kernel-tsc):
		# the fast path checked packet by packet, then the tests it must
		# pass unchanged
		run "fast-clock.sh" /tests/guest/fast-clock.sh \
			/tests/extra/xt_pktstat-clock-check.ko /tests/extra/xt_pktstat-clock-bad.ko
		for ipt in iptables-legacy ip6tables-nft; do
			run "kernel-tests.sh $ipt (TSC)" /tests/guest/kernel-tests.sh $ipt b c d f j k
		done
		run "stress.sh iptables-legacy (TSC)" /tests/guest/stress.sh iptables-legacy 5 6
		;;
	ext)
		if [ -e /tests/ext/run-ext-tests.sh ]; then
			grep -q '^xt_pktstat ' /proc/modules || load_pktstat
			for ipt in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
				# The runner prints its own summary; tally it here.
				echo "#### run-ext-tests.sh $ipt"
				sh /tests/ext/run-ext-tests.sh $ipt > /tmp/ext.out 2>&1
				rc=$?
				cat /tmp/ext.out
				line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/ext.out | tail -1)
				if [ -n "$line" ]; then
					p=${line%% passed*}
					f=${line#*passed, }; f=${f%% failed*}
					[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
					echo "$p $f" >> $TALLY
				else
					echo "not ok - run-ext-tests.sh $ipt ended without a summary (status $rc)"
					echo "0 1" >> $TALLY
				fi
				echo "#### run-ext-tests.sh $ipt: status $rc"
			done
		else
			echo "# tests/ext/run-ext-tests.sh absent: skipped"
		fi
		;;
	stress)
		for r in ${STRESS_RUNS:-iptables-legacy:123456 iptables-nft:123456 ip6tables-legacy:4 ip6tables-nft:1}; do
			# shellcheck disable=SC2046
			run "stress.sh ${r%%:*}" /tests/guest/stress.sh ${r%%:*} $(echo "${r#*:}" | sed 's/./& /g')
		done
		;;
	*) echo "run-all: unknown suite $s"; broken=1 ;;
	esac
done

trouble=$(kernel_trouble)
if [ -n "$trouble" ]; then
	echo "not ok - kernel log has warnings or oopses:"
	echo "$trouble" | sed 's/^/#   /'
	echo "0 1" >> $TALLY
else
	echo "ok - kernel log clean"
	echo "1 0" >> $TALLY
fi

end=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
echo "# run-all: $((end - start)) s"
awk '{ p += $1; f += $2 } END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' $TALLY || exit 1
exit $broken
