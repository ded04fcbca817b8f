#!/bin/bash
# make check-debug: the kernel tests of xt_pktstat on a debug kernel whose
# detectors turn silent bugs into reports: KASAN (generic, inline, vmalloc),
# lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP, DEBUG_PREEMPT,
# kmemleak, debug objects (timers, work, RCU heads, frees), DEBUG_LIST,
# UBSAN (bounds, shift, bool, enum), per-CPU map checks, hardened usercopy,
# FORTIFY_SOURCE (tests/debug/debug.config).  Any report fails the run.
#
# 1. tests/debug/build-kernel.sh: the kernel, built once from Debian's
#    linux-source-6.1 and cached outside the clone (~9 min cold on 2
#    cores; then under a second).
# 2. xt_pktstat.ko against that tree with -Werror, in a copy of src/
#    (build/debug/src/); it must carry KASAN and UBSAN instrumentation.
#    The iptables extension as usual.
# 3. One boot (QEMU TCG, multi-threaded, 2 vCPUs, $DEBUG_QEMU_MEM MiB)
#    running, under tests/guest/debug-wrap.sh (kmemleak scans before and
#    after, the kernel log read from /dev/kmsg, a clean slate between
#    parts), what run-all.sh runs, part by part:
#      readme   kernel-tests.sh iptables (the README workflow)
#      kernel   kernel-tests.sh IPT, every test, for each IPT of DEBUG_IPTS
#      reload, hist, refusals, containers  their scripts, as run-all.sh
#      stress   stress.sh IPT SCENARIO... for each IPT:SCENARIO[,...] of
#               DEBUG_STRESS_RUNS
#      ext      run-ext-tests.sh IPT for each IPT of DEBUG_EXT_IPTS (not by
#               default: the extension tests check the userspace's option
#               parsing and save round trip, which make check runs on all
#               four back ends; the kernel side of a rule is what the kernel
#               tests exercise here)
#    then the hostile rule blobs (tests/hostile/guest.sh and hostile.c,
#    built as tests/hostile/run.sh builds them): refused rules are the
#    error paths where leaks hide.
#    The console is also scanned here for kernel lines matching the
#    detectors (in case the guest died before it could report).
# 4. The detectors' self-test: a second, short boot with the module built
#    from tests/debug/mutant-detectors.patch (a read past an object, a
#    leak, a sleep in the packet path): the wrapper must fail that run and
#    the console must hold the KASAN, atomic-sleep and kmemleak reports.
# Ends with "N passed, M failed"; status non-zero on any failure.
#
# The debug kernel runs 8 to 15 times slower than Debian's under TCG: all
# of run-all.sh (four back ends for every suite) takes 80 to 100 minutes
# there.  By default every kernel test and every stress scenario runs once,
# on both back ends and both families, with shorter loops: about 15 minutes
# with the kernel cached, the self-test included (DEBUG_FULL=1 for
# everything at the suites' own lengths, the extension tests included).
#
# Environment:
#   DEBUG_SUITES         parts (default "readme kernel reload hist refusals
#                        containers stress"; DEBUG_FULL=1: ext as well)
#   DEBUG_IPTS           back ends of kernel (default "iptables-legacy
#                        ip6tables-nft"; DEBUG_FULL=1: all four)
#   DEBUG_KTESTS         names of kernel-tests.sh's tests (default: all)
#   DEBUG_EXT_IPTS       back ends of ext (default iptables-nft; full: all four)
#   DEBUG_STRESS_RUNS    stress runs, IPT:SCENARIO[,SCENARIO...] or IPT:all
#                        (default "iptables-legacy:all
#                        ip6tables-nft:rule_churn_under_traffic"; full:
#                        run-all.sh's STRESS_RUNS)
#   DEBUG_REPLACE_ITER (3), DEBUG_READERS_SECS (2), DEBUG_PROCESS_PINGS (50)
#                        kernel-tests.sh's REPLACE_ITER, READERS_SECS,
#                        PROCESS_PINGS
#   DEBUG_STRESS_SECS (2), DEBUG_STRESS_ITER (1), DEBUG_STRESS_ROUNDS (2),
#   DEBUG_STRESS_CLOCK_CYCLES
#                        stress.sh's STRESS_SECS, ... (with DEBUG_FULL=1
#                        all of these default to the suites' own values)
#   DEBUG_FULL=1         everything, at full length
#   DEBUG_HOSTILE=0      no hostile blobs
#   DEBUG_SELFTEST=0     no detectors' self-test (step 4)
#   DEBUG_ONLY=selftest  the self-test alone (steps 1, 2 for the mutant
#                        module, 4): make check-all runs it beside the
#                        main boot, with DEBUG_OUT=build/debug-selftest
#   DEBUG_DRY_RUN=1      print the guest's command lines (step 3, without
#                        the hostile blobs) and stop: nothing is built or
#                        booted
#   DEBUG_OUT            logs and builds (default build/debug)
#   DEBUG_QEMU_MEM       guest memory, MiB (default 2048: KASAN's shadow)
#   DEBUG_GUEST_TIMEOUT  seconds for the boot and its tests (default 2700;
#                        DEBUG_FULL=1: 9000)
#   DEBUG_BUILD_TIMEOUT  seconds for the kernel build (default 3600)
#   DEBUG_KERNEL_CACHE   the kernel cache (see build-kernel.sh)
#   QEMU_ACCEL           as for run-guest.sh (default tcg,thread=multi)
# Logs: build/debug/ (kernel-build.log, module.log, guest.log: the console).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
OUT=${DEBUG_OUT:-build/debug}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
mkdir -p "$OUT"
ONLY_SELFTEST=0
case ${DEBUG_ONLY:-} in
"") ;;
selftest) ONLY_SELFTEST=1 ;;
*) echo "check-debug: DEBUG_ONLY=${DEBUG_ONLY} (only \"selftest\")" >&2; exit 2 ;;
esac

ALL_IPTS="iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft"
if [ -z "${DEBUG_SUITES:-}" ]; then
	if [ "${DEBUG_FULL:-0}" = 1 ]; then
		DEBUG_SUITES="readme kernel reload hist refusals containers ext stress"
	else
		DEBUG_SUITES="readme kernel reload hist refusals containers stress"
	fi
fi
if [ "${DEBUG_FULL:-0}" = 1 ]; then
	# everything run-all.sh runs, at the suites' own lengths
	DEBUG_IPTS=${DEBUG_IPTS:-$ALL_IPTS}
	DEBUG_EXT_IPTS=${DEBUG_EXT_IPTS:-$ALL_IPTS}
	DEBUG_STRESS_RUNS=${DEBUG_STRESS_RUNS:-$(sed -n 's/.*STRESS_RUNS:-\([^}]*\)}.*/\1/p' tests/guest/run-all.sh | head -n 1)}
else
	# both back ends and both families, every test and scenario, shorter
	DEBUG_IPTS=${DEBUG_IPTS:-iptables-legacy ip6tables-nft}
	DEBUG_EXT_IPTS=${DEBUG_EXT_IPTS:-iptables-nft}
	DEBUG_STRESS_RUNS=${DEBUG_STRESS_RUNS:-iptables-legacy:all ip6tables-nft:rule_churn_under_traffic}
	: "${DEBUG_REPLACE_ITER:=3}" "${DEBUG_READERS_SECS:=2}" "${DEBUG_PROCESS_PINGS:=50}"
	: "${DEBUG_STRESS_SECS:=2}" "${DEBUG_STRESS_ITER:=1}" "${DEBUG_STRESS_ROUNDS:=2}"
fi
QEMU_MEM=${DEBUG_QEMU_MEM:-2048}
# Multi-threaded TCG: the two vCPUs on two host threads (pktgen keeps its
# rate while user processes run; the debug kernel needs every cycle).
export QEMU_ACCEL=${QEMU_ACCEL:-tcg,thread=multi}
if [ "${DEBUG_FULL:-0}" = 1 ]; then
	GUEST_TIMEOUT=${DEBUG_GUEST_TIMEOUT:-9000}
else
	GUEST_TIMEOUT=${DEBUG_GUEST_TIMEOUT:-2700}
fi
BUILD_TIMEOUT=${DEBUG_BUILD_TIMEOUT:-3600}
# The detector pattern of the guest's kernel_trouble (tests/guest/lib.sh).
TROUBLE_RE=$(sed -n "s/^KERNEL_TROUBLE_RE='\(.*\)'\$/\1/p" tests/guest/lib.sh)
TROUBLE_BENIGN=$(sed -n "s/^KERNEL_TROUBLE_BENIGN='\(.*\)'\$/\1/p" tests/guest/lib.sh)

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
finish() {
	echo "# check-debug: $(timings)"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}
now() { date +%s; }
T_START=$(now)
TIMES=
timings() { echo "${TIMES}total $(( $(now) - T_START )) s"; }
took() { TIMES="$TIMES$1 $(( $(now) - $2 )) s, "; }

# suite_cmds: the guest's command lines, one per part (debug-wrap.sh runs
# them in turn, with a clean slate between): what run-all.sh runs, suite
# by suite and back end by back end, with the back ends and lengths chosen
# above.  Sets CMDS (each quoted, for debug-wrap.sh's command line), WHAT
# (a summary) and GENV (the lengths, as VAR=VALUE words).
suite_cmds() {
	local v val s ipt r scenarios
	GENV=
	for v in REPLACE_ITER READERS_SECS PROCESS_PINGS STRESS_SECS STRESS_ITER STRESS_ROUNDS STRESS_CLOCK_CYCLES; do
		eval "val=\${DEBUG_$v:-}"
		[ -n "$val" ] && GENV="$GENV $v=$val"
	done
	CMDS=
	WHAT=
	for s in $DEBUG_SUITES; do
		case $s in
		readme) CMDS="$CMDS '/tests/guest/kernel-tests.sh iptables'"; WHAT="$WHAT readme" ;;
		kernel)
			for ipt in $DEBUG_IPTS; do
				CMDS="$CMDS '/tests/guest/kernel-tests.sh $ipt ${DEBUG_KTESTS:-}'"
			done
			WHAT="$WHAT kernel(${DEBUG_IPTS// /,}${DEBUG_KTESTS:+: $DEBUG_KTESTS})" ;;
		reload|hist)
			for ipt in $DEBUG_IPTS; do
				CMDS="$CMDS '/tests/guest/$s.sh $ipt'"
			done
			WHAT="$WHAT $s(${DEBUG_IPTS// /,})" ;;
		refusals|containers)
			# what the user sees, per back end (v4 and v6 say the same)
			for ipt in iptables-legacy iptables-nft; do
				CMDS="$CMDS '/tests/guest/$s.sh $ipt'"
			done
			WHAT="$WHAT $s(iptables-legacy,iptables-nft)" ;;
		ext)
			for ipt in $DEBUG_EXT_IPTS; do
				CMDS="$CMDS '/usr/sbin/modprobe xt_pktstat && sh /tests/ext/run-ext-tests.sh $ipt'"
			done
			WHAT="$WHAT ext(${DEBUG_EXT_IPTS// /,})" ;;
		stress)
			for r in $DEBUG_STRESS_RUNS; do
				scenarios=${r#*:}
				CMDS="$CMDS '/tests/guest/stress.sh ${r%%:*} ${scenarios//,/ }'"
			done
			WHAT="$WHAT stress(${DEBUG_STRESS_RUNS// /, })" ;;
		*) notok "unknown suite $s in DEBUG_SUITES" ;;
		esac
	done
}
if [ "${DEBUG_DRY_RUN:-0}" = 1 ]; then
	suite_cmds
	echo "# check-debug: the guest would run:$WHAT${GENV:+;$GENV}"
	echo "${GENV# } /tests/guest/debug-wrap.sh$CMDS"
	exit "$failed"
fi

# ---- 1. the kernel ------------------------------------------------------
t=$(now)
echo "# check-debug: the debug kernel (tests/debug/build-kernel.sh; cache ${DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/debug-kernel})"
if env=$(timeout "$BUILD_TIMEOUT" tests/debug/build-kernel.sh 2>"$OUT/kernel-build.log") && [ -f "$env" ]; then
	# shellcheck disable=SC1090
	. "$env"
	sed 's/^/# /' "$OUT/kernel-build.log"
	ok "debug kernel $KVER (key $KEY, linux-source-6.1 $SRCVER)"
	took "kernel" "$t"
else
	tail -n 30 "$OUT/kernel-build.log" | sed 's/^/#   /'
	notok "debug kernel built (log $OUT/kernel-build.log)"
	finish
fi

# ---- 2. the module and the extension ------------------------------------
t=$(now)
M=$OUT/src
rm -rf "$M"
mkdir -p "$M/probes"
cp src/Kbuild src/Makefile src/probe.sh src/*.c src/*.h "$M/"
cp src/probes/*.c "$M/probes/"
rm -f "$M/pktstat_probed.h" "$M/"*.mod.c
if [ "$ONLY_SELFTEST" = 1 ]; then
	: # the mutant module alone, below
elif ! timeout 900 make -C "$M" werror KERNEL_DIR="$KDIR" >"$OUT/module.log" 2>&1; then
	grep -E 'error|warning' "$OUT/module.log" | head -n 30 | sed 's/^/#   /'
	tail -n 5 "$OUT/module.log" | sed 's/^/#   /'
	notok "xt_pktstat.ko built against $KVER with -Werror (log $OUT/module.log)"
	finish
elif grep -q 'warning:' "$OUT/module.log"; then
	grep 'warning:' "$OUT/module.log" | head -n 30 | sed 's/^/#   /'
	notok "xt_pktstat.ko built against $KVER without warnings"
	finish
fi
MODULE=$M/xt_pktstat.ko
if [ "$ONLY_SELFTEST" = 0 ]; then
ok "xt_pktstat.ko built against $KVER with -Werror, no warnings"
vm=$(modinfo -F vermagic "$MODULE" | cut -d' ' -f1)
syms=$(nm "$MODULE" 2>/dev/null)
asan=$(grep -c ' U __asan_' <<<"$syms")
ubsan=$(grep -c ' U __ubsan_handle' <<<"$syms")
if [ "$vm" = "$KVER" ] && [ "$asan" -gt 0 ] && [ "$ubsan" -gt 0 ]; then
	ok "the module is for $KVER and instrumented (KASAN: $asan __asan_ symbols, UBSAN: $ubsan __ubsan_handle symbols)"
else
	notok "the module is for $KVER (vermagic $vm) and instrumented (KASAN: $asan __asan_ symbols, UBSAN: $ubsan __ubsan_handle symbols)"
fi
fi
EXTLIB=$OUT/libxt_pktstat.so
if make -s -C xtables LIB="$EXTLIB" >"$OUT/extension.log" 2>&1; then
	ok "iptables extension built"
else
	sed 's/^/#   /' "$OUT/extension.log"
	notok "iptables extension built"
	finish
fi
# The detectors' self-test module: the same source with
# tests/debug/mutant-detectors.patch, three bugs that each detector must
# report (step 4).
MUTANT=
if [ "${DEBUG_SELFTEST:-1}" != 0 ] || [ "$ONLY_SELFTEST" = 1 ]; then
	MM=$OUT/mutant-src
	rm -rf "$MM"
	cp -r "$M" "$MM"
	rm -f "$MM"/*.o "$MM"/*.ko "$MM"/.*.cmd
	if sed -i '0,/^#include /s//#include <linux\/slab.h>	\/* mutant-detectors.patch: kmalloc *\/\n#include /' "$MM/pktstat_match.c" &&
		patch -s -d "$MM" -p2 <tests/debug/mutant-detectors.patch >"$OUT/mutant.log" 2>&1 &&
		timeout 900 make -C "$MM" KERNEL_DIR="$KDIR" >>"$OUT/mutant.log" 2>&1; then
		MUTANT=$MM/xt_pktstat.ko
		ok "self-test module built (tests/debug/mutant-detectors.patch)"
	else
		tail -n 20 "$OUT/mutant.log" | sed 's/^/#   /'
		notok "self-test module built (tests/debug/mutant-detectors.patch, log $OUT/mutant.log)"
	fi
fi
took "module and extension" "$t"

# scan_console LOG DESC: kernel lines (with their "[ seconds]" prefix) of a
# boot's console that match the detectors.
scan_console() {
	local hits
	hits=$(grep -E '^\[ *[0-9]+\.[0-9]+\] ' "$1" | grep -E "$TROUBLE_RE" | grep -vE "$TROUBLE_BENIGN" | head -n 40)
	if [ -z "$hits" ]; then
		ok "$2: console free of kernel detector lines"
	else
		notok "$2: kernel detector lines on the console:"
		sed 's/^/#   /' <<<"$hits"
	fi
}

# boot DESC LOG TIMEOUT CMD: run CMD in the debug kernel under
# debug-wrap.sh; take its "N passed, M failed" into the total.
boot() {
	local desc=$1 log=$2 tmo=$3 cmd=$4 rc line p f t
	t=$(now)
	KVER=$KVER KERNEL_IMAGE=$KERNEL_IMAGE MODULES_ROOT=$MODULES_ROOT \
		MODULE=$MODULE EXTLIB=$EXTLIB WORKDIR=$OUT/qemu QEMU_MEM=$QEMU_MEM \
		GUEST_LOG=$log \
		tests/qemu/run-guest.sh --smp 2 --timeout "$tmo" "$cmd" >/dev/null 2>"$log.err"
	rc=$?
	took "guest (boot, tests, scans)" "$t"
	[ -s "$log.err" ] && grep -vE '^mkinitramfs: (note|built)|is up to date' "$log.err" | sed 's/^/# run-guest: /'
	touch "$log"
	# from the guest: failures with their details, the parts and their
	# times, the wrapper's lines (whole console in $log)
	grep -E '^(not ok|#   |#### |# debug-wrap|ok - debug|# run-all)' "$log" | cut -c1-400 |
		sed 's/^/#  | /'
	# the wrapper's total, the line after its own "the commands:" line
	line=$(sed -n '/^# debug-wrap: the commands: /{n;p;}' "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	boot_s=$(sed -n 's/^# debug-wrap: kernel .*booted in \([0-9]*\) s$/\1/p' "$log" | head -n 1)
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*passed, }; f=${f%% failed*}
		passed=$((passed + p))
		failed=$((failed + f))
		n=$((n + p + f))
		echo "# $desc: $line (guest status $rc; boot ${boot_s:-?} s; log $log)"
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			notok "$desc: guest status $rc with no failed test"
		fi
	else
		case $rc in
		124) notok "$desc: timeout after $tmo s (log $log)" ;;
		125) notok "$desc: the guest died (log $log)"; tail -n 40 "$log" | sed 's/^/#   /' ;;
		*) notok "$desc: no summary (status $rc, log $log)"; tail -n 20 "$log" | sed 's/^/#   /' ;;
		esac
	fi
	scan_console "$log" "$desc"
}

# ---- 3. the tests, then the hostile blobs, in one boot ----------------------
if [ "$ONLY_SELFTEST" = 0 ]; then
suite_cmds
cmds=$CMDS what=$WHAT genv=$GENV
prep=
if [ "${DEBUG_HOSTILE:-1}" != 0 ]; then
	# built exactly as tests/hostile/run.sh builds it, and sent the same
	# way: in the command line, base64 of gzip
	if ${CC:-gcc} -O2 -Wall -Wextra -Werror -Isrc -s -o "$OUT/hostile" \
		tests/hostile/hostile.c >"$OUT/hostile-cc.log" 2>&1; then
		ok "tests/hostile/hostile.c built"
		bin64=$(gzip -9c "$OUT/hostile" | base64 -w0)
		sh64=$(base64 -w0 tests/hostile/guest.sh)
		prep="mkdir -p /tmp/hostile && cd /tmp/hostile && echo $bin64 | base64 -d | gunzip > hostile && chmod 755 hostile && echo $sh64 | base64 -d > guest.sh && cd / && "
		cmds="$cmds 'cd /tmp/hostile && sh ./guest.sh'"
		what="$what hostile"
	else
		sed 's/^/#   /' "$OUT/hostile-cc.log"
		notok "tests/hostile/hostile.c built"
	fi
fi
echo "# check-debug: booting $KVER (QEMU $QEMU_ACCEL, 2 vCPUs, $QEMU_MEM MiB):$what${genv:+;$genv}"
boot "debug kernel:$what" "$OUT/guest.log" "$GUEST_TIMEOUT" \
	"$prep${genv# } /tests/guest/debug-wrap.sh$cmds"
fi

# ---- 4. the detectors' self-test ------------------------------------------
# A clean run proves nothing if a detector is off or its report is missed.
# The mutant module reads past a kmalloc'ed object (KASAN), leaks one
# (kmemleak) and calls might_sleep() in the packet path (atomic sleep):
# one kernel test under the same wrapper must fail, with each report.
if [ -n "$MUTANT" ]; then
	t=$(now)
	log=$OUT/selftest.log
	KVER=$KVER KERNEL_IMAGE=$KERNEL_IMAGE MODULES_ROOT=$MODULES_ROOT \
		MODULE=$MUTANT EXTLIB=$EXTLIB WORKDIR=$OUT/qemu-selftest \
		QEMU_MEM=$QEMU_MEM GUEST_LOG=$log \
		tests/qemu/run-guest.sh --smp 2 --timeout 900 \
		"/tests/guest/debug-wrap.sh '/tests/guest/kernel-tests.sh iptables-legacy conservation_exact'" \
		>/dev/null 2>"$log.err"
	rc=$?
	took "self-test" "$t"
	touch "$log"
	line=$(sed -n '/^# debug-wrap: the commands: /{n;p;}' "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	f=${line#*passed, }; f=${f%% failed*}
	if [ -n "$line" ] && [ "$f" != 0 ] && [ "$rc" != 0 ]; then
		ok "self-test: the wrapper fails a run with the mutant module ($line, status $rc)"
	else
		notok "self-test: the wrapper fails a run with the mutant module (summary '${line:-none}', status $rc, log $log)"
		tail -n 20 "$log" | sed 's/^/#   /'
	fi
	for d in "KASAN:BUG: KASAN: slab-out-of-bounds in pktstat_mt_check" \
		"DEBUG_ATOMIC_SLEEP:BUG: sleeping function called from invalid context" \
		"kmemleak:not ok - debug: kmemleak: [1-9][0-9]* unreferenced object"; do
		if grep -q "${d#*:}" "$log"; then
			ok "self-test: $(printf '%s' "${d%%:*}") reported the planted bug: $(grep -m1 -o "${d#*:}.*" "$log" | cut -c1-120)"
		else
			notok "self-test: ${d%%:*} reported the planted bug ('${d#*:}' not in $log)"
		fi
	done
fi

finish
