#!/bin/bash
# make check and make check-all: the test suites, run in parallel where the
# cores allow, each ending with "N passed, M failed"; this script adds them
# up and prints a per-suite time table.
#
#   tests/check.sh [SUITE...]        make check: unit tests and QEMU tests
#                                    (SUITE...: only those)
#   tests/check.sh --all [SUITE...]  make check-all (README's test command,
#                                    .ci/run): make check's suites, then the
#                                    packages, the kernel matrix and the
#                                    debug kernel's
#   tests/check.sh --list [--all]    the suites, in priority order
#
# make check's suites (installs what they need: tests/deps.sh check):
#   versions    one version in the module, debian/changelog, the rpm spec
#   build       module (-Werror), iptables extension, reader program
#   unit        the core under ASan + UBSan (tests/unit)
#   tools       the reader program against a fake proc tree (tests/tools)
#   fuzz        libFuzzer, 20 s per harness (tests/fuzz/run.sh 20)
#   kernel      the guest suite in QEMU on Debian's kernel
#               (tests/qemu/kernel-check.sh: README workflow, kernel tests,
#               extension tests, stress scenarios, four back ends)
#   kernel-tsc  a boot with the TSC as clocksource: the cycle-counter fast
#               path checked packet by packet (tests/guest/fast-clock.sh),
#               and with it the kernel tests conservation_exact,
#               full_fifo_keeps_oldest, idle_window_readable,
#               reader_gives_back_partial_line, conservation_two_cpus,
#               process_context_output and the stress scenarios
#               wall_clock_steps, cpu_hotplug (run-all.sh's fastclock suite)
#   tools-qemu  the reader's collect in QEMU (tests/tools/qemu-collect.sh)
#   hostile     malformed rule blobs in QEMU (tests/hostile/run.sh)
#   monitoring  the collector's textfile through Debian's node_exporter and
#               prometheus, the dashboard's queries and the alert rules
#               (tests/monitoring/run.sh; installs those servers itself)
# --all adds (tests/deps.sh all):
#   debug-kernel    the debug kernel, built once and cached
#                   (tests/debug/build-kernel.sh; about 10 minutes cold)
#   debug           the kernel tests, stress scenarios and hostile blobs on it
#                   (tests/debug/check-debug.sh without its self-test)
#   debug-selftest  the detectors' self-test (check-debug.sh's step 4, its
#                   own boot, in parallel with debug)
#   kernels         the kernel matrix (tests/kernels/check-kernels.sh); the
#                   line whose kernel is the one `kernel` booted takes that
#                   run's result instead of booting it again
#   packages        the packages in a throwaway root
#                   (tests/packages/check-packages.sh)
#   lint            checkpatch and sparse on src/ (tests/lint/run.sh)
#
# Scheduling: a suite starts once the suites it needs have passed (kernel,
# tools-qemu and hostile need build; debug and debug-selftest need
# debug-kernel; kernels waits for kernel to end, to take its result), and
# while fewer than CHECK_JOBS suites run (default: the number of CPUs): the
# first ready suite of the list in this order: packages (which mostly waits
# for downloads and dpkg, and runs beside the others from the start),
# debug-kernel, build, kernel, debug, kernels, debug-selftest, kernel-tsc, hostile,
# monitoring, tools-qemu, versions, unit, tools, fuzz, lint.  (One QEMU guest under TCG uses one host CPU, the debug kernel's
# two; the kernel build uses all.)  CHECK_JOBS=1 runs one suite at a time.
# A suite whose prerequisite failed is not
# run and counts as one failure; so does a suite that ends without its
# summary line.
#
# Output: each suite's output when it ends, then the time table (suite,
# start and end from the start of the run, wall seconds, CPU seconds of its
# processes, result), the machine's load, and the total "N passed, M failed".  Status 0 only if
# every suite passed.  Logs in build/check/ (make check) or
# build/check-all/ (--all): SUITE.out, times.md.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)

MODE=check
LIST=0
while [ $# -gt 0 ]; do
	case $1 in
	--all) MODE=all; shift ;;
	--list) LIST=1; shift ;;
	--) shift; break ;;
	-*) echo "tests/check.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

# ---- the suites: NAME|SET|WEIGHT|NEEDS|COMMAND, in priority order ----------
# SET: check (make check and check-all) or all (check-all only).
# WEIGHT: how many of the CHECK_JOBS slots the suite takes: 1, or 0 for one
# that mostly waits (downloads, dpkg) and runs beside the others.
# NEEDS: suites that must have passed first; NAME? only ended (its result
# is used if there is one).
TABLE='packages|all|0||tests/packages/check-packages.sh
debug-kernel|all|1||debug_kernel
build|check|1||build
kernel|check|1|build|kernel_suite
kernel-tsc|check|1|build|kernel_tsc_suite
debug|all|1|debug-kernel|debug_suite
kernels|all|1|kernel?|kernels_suite
debug-selftest|all|1|debug-kernel|debug_selftest
hostile|check|1|build|env WORKDIR=build/qemu-hostile tests/hostile/run.sh
monitoring|check|1|build|tests/monitoring/run.sh
tools-qemu|check|1|build|env WORKDIR=build/qemu-collect tests/tools/qemu-collect.sh
versions|check|1||versions
unit|check|1||make -C tests/unit check
tools|check|1||make -C tests/tools check
fuzz|check|1||tests/fuzz/run.sh 20
lint|all|1||tests/lint/run.sh "$KDIR"'

NAMES=
while IFS='|' read -r name set weight needs cmd; do
	[ "$set" = check ] || [ "$MODE" = all ] || continue
	NAMES="$NAMES $name"
done <<<"$TABLE"
if [ "$LIST" = 1 ]; then echo $NAMES; exit 0; fi
if [ $# -gt 0 ]; then	# a subset, by name (prerequisites left out are assumed done)
	for s in "$@"; do
		case " $NAMES " in *" $s "*) ;; *) echo "tests/check.sh: no suite $s (--list${MODE/check/})" >&2; exit 2 ;; esac
	done
	keep=
	for n in $NAMES; do
		case " $* " in *" $n "*) keep="$keep $n" ;; esac
	done
	NAMES=$keep
fi

LOG=$TOP/build/$([ "$MODE" = all ] && echo check-all || echo check)
rm -rf "$LOG"
mkdir -p "$LOG"
JOBS=${CHECK_JOBS:-$(nproc)}
T0=$(date +%s)
now() { date +%s; }
hms() { printf '%d:%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- suite bodies ----------------------------------------------------------
# One version everywhere: DKMS compares the module's with the package's.
versions() {
	local mod deb rpm
	mod=$(sed -n 's/^#define XT_PKTSTAT_VERSION "\(.*\)"/\1/p' src/xt_pktstat_version.h)
	deb=$(sed -n '1s/^xt-pktstat (\([^)-]*\).*/\1/p' debian/changelog)
	rpm=$(sed -n 's/^Version: *//p' rpm/xt-pktstat.spec)
	echo "module $mod, debian/changelog $deb, rpm spec $rpm"
	if [ -n "$mod" ] && [ "$mod" = "$deb" ] && [ "$mod" = "$rpm" ]; then
		echo "1 passed, 0 failed"
	else
		echo "0 passed, 1 failed"
		return 1
	fi
}
build() {
	make -C src werror KERNEL_DIR="$KDIR" &&
		make --no-print-directory extension &&
		make --no-print-directory -C tools &&
		echo "1 passed, 0 failed"
}
# the guest suite on Debian's kernel; its result is kept for the kernel
# matrix (tests/kernels/check-kernels.sh, KERNELS_REUSE)
kernel_suite() {
	local rc summary
	WORKDIR=build/qemu-check tests/qemu/kernel-check.sh 2>&1 | tee "$LOG/.kernel.console"
	rc=${PIPESTATUS[0]}
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG/.kernel.console" | tail -n 1)
	{
		printf 'r_kver=%q\n' "$KVER"
		printf 'r_sha=%q\n' "$(sha256sum "/boot/vmlinuz-$KVER" 2>/dev/null | cut -d' ' -f1)"
		printf 'r_status=%q\nr_summary=%q\n' "$rc" "$summary"
	} > "$LOG/kernel.result"
	rm -f "$LOG/.kernel.console"
	return "$rc"
}
# a second boot with the TSC as clocksource: the cycle-counter fast path
# (tests/variants/README.md), and the kernel tests it must pass unchanged
kernel_tsc_suite() {
	local out=build/variants-$KVER
	tests/variants/build.sh "$KDIR" "$out" clock-check clock-bad clock-bad-window || {
		echo "0 passed, 1 failed"
		return 1
	}
	QEMU_APPEND="tsc=reliable clocksource=tsc" WORKDIR=build/qemu-tsc \
		EXTRA_FILES="$out/xt_pktstat-clock-check.ko $out/xt_pktstat-clock-bad.ko $out/xt_pktstat-clock-bad-window.ko" \
		tests/qemu/run-guest.sh --timeout 1200 'SUITES=fastclock /tests/guest/run-all.sh'
}
kernels_suite() {
	KERNELS_REUSE=$LOG/kernel.result tests/kernels/check-kernels.sh
}
debug_kernel() {
	local env
	env=$(tests/debug/build-kernel.sh) && [ -f "$env" ] && {
		cat "$env"
		echo "1 passed, 0 failed"
	}
}
debug_suite() { DEBUG_SELFTEST=0 tests/debug/check-debug.sh; }
debug_selftest() { DEBUG_ONLY=selftest DEBUG_OUT=build/debug-selftest tests/debug/check-debug.sh; }

# ---- setup: dependencies, configuration ------------------------------------
echo "# tests/check.sh ($MODE): $(nproc) CPUs, $JOBS suites at a time, load $(loadavg); suites: $NAMES"
SETUP_T=$(now)
if ! tests/deps.sh "$MODE" > "$LOG/setup.out" 2>&1; then
	cat "$LOG/setup.out"
	echo "not ok - tests/deps.sh $MODE"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -f config.mk ]; then
	./configure >> "$LOG/setup.out" 2>&1 || { cat "$LOG/setup.out"; echo "0 passed, 1 failed"; exit 1; }
fi
KVER=$(sed -n 's/^KERNEL_RELEASE := //p' config.mk)
KDIR=$(sed -n 's/^KERNEL_DIR := //p' config.mk)
export KVER
SETUP_S=$(($(now) - SETUP_T))

# ---- the scheduler ------------------------------------------------------------
declare -A CMD NEEDS WEIGHT STATE T_START T_END RESULT P F
for n in $NAMES; do
	line=$(grep "^$n|" <<<"$TABLE")
	IFS='|' read -r _ _ weight needs cmd <<<"$line"
	CMD[$n]=$cmd NEEDS[$n]=$needs WEIGHT[$n]=$weight STATE[$n]=wait
done
running=0
passed=0 failed=0 bad_suites=
LOADS=0 LOADN=0

start_suite() {
	local n=$1
	STATE[$n]=run
	T_START[$n]=$(now)
	running=$((running + WEIGHT[$n]))
	echo "=== $n: started at $(hms $((T_START[$n] - T0))) (load $(loadavg))"
	(
		eval "${CMD[$n]}" > "$LOG/$n.out" 2>&1
		rc=$?
		# CPU time of the suite's processes (user + system, children)
		# (times in this shell, not in a pipeline's subshell: its children)
		times > "$LOG/.$n.times"
		tail -n 1 "$LOG/.$n.times" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d\n", t }' > "$LOG/.$n.cpu"
		echo $rc > "$LOG/.$n.rc"
	) &
}
# finish_suite NAME RC: tally, print
finish_suite() {
	local n=$1 rc=$2 line p f
	T_END[$n]=$(now)
	STATE[$n]=done
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG/$n.out" 2>/dev/null | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then
		p=0 f=1	# died before its summary: one failure
	elif [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		f=1
	fi
	P[$n]=${p:-0} F[$n]=${f:-0}
	passed=$((passed + P[$n]))
	failed=$((failed + F[$n]))
	if [ "$rc" = 0 ] && [ "${F[$n]}" = 0 ]; then
		RESULT[$n]="${line:-?}"
	else
		RESULT[$n]="FAIL: ${line:-no summary} (exit $rc)"
		bad_suites="$bad_suites $n"
		STATE[$n]=failed
	fi
	echo "=== $n"
	cat "$LOG/$n.out" 2>/dev/null
	echo "=== $n: exit $rc, ${P[$n]} passed, ${F[$n]} failed, $((T_END[$n] - T_START[$n])) s (ended at $(hms $((T_END[$n] - T0))), load $(loadavg))"
}
skip_suite() {
	local n=$1 why=$2
	T_START[$n]=$(now) T_END[$n]=$(now)
	STATE[$n]=failed P[$n]=0 F[$n]=1
	failed=$((failed + 1))
	RESULT[$n]="FAIL: not run ($why)"
	bad_suites="$bad_suites $n"
	echo "=== $n: not run: $why"
	echo "not ok - $n not run: $why" > "$LOG/$n.out"
	echo "0 passed, 1 failed" >> "$LOG/$n.out"
}

trap 'echo "tests/check.sh: interrupted" >&2; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
last_sample=0
while :; do
	# ended suites
	for n in $NAMES; do
		if [ "${STATE[$n]}" = run ] && [ -e "$LOG/.$n.rc" ]; then
			running=$((running - WEIGHT[$n]))
			finish_suite "$n" "$(cat "$LOG/.$n.rc")"
		fi
	done
	# start ready ones, in priority order
	pending=0
	for n in $NAMES; do
		[ "${STATE[$n]}" = wait ] || continue
		pending=$((pending + 1))
		ready=1 why=
		for d in ${NEEDS[$n]}; do
			case $d in
			*\?) d=${d%\?}	# only ended
				case ${STATE[$d]:-absent} in wait | run) ready=0 ;; esac ;;
			*) case ${STATE[$d]:-absent} in
				done | absent) ;;	# a prerequisite left out of the run: assumed done
				failed) ready=0 why="$d failed" ;;
				*) ready=0 ;;
				esac ;;
			esac
		done
		if [ -n "$why" ]; then
			skip_suite "$n" "$why"
			pending=$((pending - 1))
		elif [ "$ready" = 1 ] && [ $((running + WEIGHT[$n])) -le "$JOBS" ]; then
			start_suite "$n"
			pending=$((pending - 1))
		fi
	done
	[ "$running" = 0 ] && [ "$pending" = 0 ] && break
	t=$(now)
	if [ $((t - last_sample)) -ge 30 ]; then	# the load, every 30 s
		LOADS=$(awk -v s="$LOADS" '{ print s + $1 }' /proc/loadavg)
		LOADN=$((LOADN + 1)) last_sample=$t
	fi
	sleep 2
done
wait
TEND=$(now)

# ---- the table -------------------------------------------------------------------
{
	echo
	echo "| suite | start | end | wall (s) | CPU (s) | result |"
	echo "|---|---|---|---|---|---|"
	echo "| setup (tests/deps.sh $MODE, configure) | 0:00:00 | $(hms "$SETUP_S") | $SETUP_S | | done |"
	cpu_total=0
	for n in $NAMES; do
		c=$(cat "$LOG/.$n.cpu" 2>/dev/null)
		cpu_total=$((cpu_total + ${c:-0}))
		echo "| $n | $(hms $((T_START[$n] - T0))) | $(hms $((T_END[$n] - T0))) | $((T_END[$n] - T_START[$n])) | ${c:-} | ${RESULT[$n]} |"
	done
	echo "| **total** | 0:00:00 | $(hms $((TEND - T0))) | $((TEND - T0)) | $cpu_total | $passed passed, $failed failed |"
	echo
	echo "Machine: $(nproc) CPUs, $JOBS suites at a time; load average (1 min) over the run:" \
		"$(awk -v s="$LOADS" -v n="$LOADN" 'BEGIN { if (n) printf "%.2f", s / n; else print "?" }')" \
		"(sampled every 30 s), at the end $(loadavg)."
} | tee "$LOG/times.md"
echo
[ -z "$bad_suites" ] || echo "failed suites:$bad_suites (logs in ${LOG#"$TOP"/}/)"
echo "$passed passed, $failed failed"
[ -z "$bad_suites" ] && [ "$failed" -eq 0 ]
