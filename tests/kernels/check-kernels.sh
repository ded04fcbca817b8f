#!/bin/bash
# make check-kernels: the kernel compatibility matrix.  For each of Debian's
# kernel lines, fetch the kernel (image, modules, headers) into a private
# directory without installing it (tests/kernels/fetch-kernel.sh), build
# xt_pktstat against its headers with -Werror on our own code, boot it under
# QEMU and run the kernel tests' core cases there:
#   - the original README workflow (kernel-tests.sh iptables),
#   - exact conservation with pktgen (test b) with iptables-legacy and
#     iptables-nft, IPv4 and IPv6,
#   - a clean kernel log.
# The iptables userspace in the guest is the host's.
#
# Usage: tests/kernels/check-kernels.sh [LINE...]
#   LINE: bullseye bookworm bookworm-backports trixie sid (default: all)
#
# Environment:
#   KERNELS         the lines, if none are given as arguments
#   KERNELS_CACHE   downloads and unpacked kernels, kept between runs
#                   (default ${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/kernels)
#   KERNELS_KTESTS  kernel-tests.sh letters to run per back end (default b;
#                   "all" for every test); KERNELS_SUITES: run-all.sh suites
#                   (default "readme kernel"; add "ext" for the extension tests)
#   KERNELS_GUEST_TIMEOUT  seconds for one boot and its tests (default 900)
#   KERNELS_OFFLINE=1      no apt-get update: use the cached package lists
#
# Output: one "ok N - LINE ..." or "not ok N - LINE ..." line per kernel
# line, a table (line, exact version, build, tests), and the closing
# "N passed, M failed".  Logs: build/kernels/LINE/{fetch,build,guest}.log.
# Runs everything sequentially (one QEMU at a time).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
ALL_LINES="bullseye bookworm bookworm-backports trixie sid"
LINES=${*:-${KERNELS:-$ALL_LINES}}
export KERNELS_CACHE=${KERNELS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/kernels}
KTESTS=${KERNELS_KTESTS:-b}
[ "$KTESTS" = all ] && KTESTS=
SUITES=${KERNELS_SUITES:-readme kernel}
GUEST_TIMEOUT=${KERNELS_GUEST_TIMEOUT:-900}
OUT=$TOP/build/kernels
# Modules the image needs beyond tests/qemu/mkinitramfs.sh's list on some
# lines: nft_counter is a module of its own before 5.13 (built into
# nf_tables later), and every iptables-nft rule has a counter.
EXTRA_MODULES="nft_counter ${EXTRA_MODULES:-}"
mkdir -p "$OUT"

tests/deps.sh || exit 1

now() { date +%s; }
# The extension, built once for all kernels (userspace does not depend on
# the kernel), outside the source tree.
EXTLIB=$OUT/libxt_pktstat.so
if ! make -s -C xtables LIB="$EXTLIB" >"$OUT/extension.log" 2>&1; then
	cat "$OUT/extension.log"
	echo "not ok - building the iptables extension"
	echo "0 passed, 1 failed"
	exit 1
fi

n=0 passed=0 failed=0
TABLE=
for line in $LINES; do
	n=$((n + 1))
	L=$OUT/$line
	rm -rf "$L/src" "$L/qemu/run."*
	mkdir -p "$L"
	ver=? build=- tests=- why=
	t0=$(now)

	# 1. fetch
	echo "# $line: fetching (cache $KERNELS_CACHE/$line)"
	if env=$(timeout 1200 tests/kernels/fetch-kernel.sh "$line" 2>"$L/fetch.log") && [ -f "$env" ]; then
		# shellcheck disable=SC1090
		. "$env"
		ver="$KPKG_VERSION ($KVER)"
		echo "# $line: $KVER, Debian $KPKG_VERSION, built by $KERNEL_GCC; building with $KMAKE_ARGS"
	else
		tail -n 20 "$L/fetch.log" | sed 's/^/#   /'
		why="fetch failed"
	fi
	t1=$(now)

	# 2. build, warning-free, with -Werror on our code, in a copy of src/
	#    (the probes write pktstat_probed.h there)
	if [ -z "$why" ]; then
		mkdir -p "$L/src/probes"
		cp src/Kbuild src/Makefile src/probe.sh src/*.c src/*.h "$L/src/"
		cp src/probes/*.c "$L/src/probes/"
		rm -f "$L/src/pktstat_probed.h" "$L/src/"*.mod.c
		if ! timeout 900 make -C "$L/src" werror KERNEL_DIR="$KDIR" KBUILD_ARGS="$KMAKE_ARGS" \
			>"$L/build.log" 2>&1; then
			build=FAIL why="build failed"
		elif grep -q 'warning:' "$L/build.log"; then
			build=FAIL why="build warnings"
		else
			build=ok
		fi
		if [ "$build" = ok ]; then
			probes=$(sed -n 's/^#define \(HAVE_[A-Z_0-9]*\) 1/\1/p' "$L/src/pktstat_probed.h" | tr '\n' ' ')
			echo "# $line: built; probes: ${probes:-none}"
		else
			grep -E 'error|warning' "$L/build.log" | head -n 20 | sed 's/^/#   /'
			[ -s "$L/build.log" ] && tail -n 5 "$L/build.log" | sed 's/^/#   /'
		fi
	fi
	t2=$(now)

	# 3. boot and test
	if [ -z "$why" ]; then
		echo "# $line: booting $KVER in QEMU (guest: SUITES=\"$SUITES\" KTESTS=\"$KTESTS\" run-all.sh)"
		KVER=$KVER KERNEL_IMAGE=$KERNEL_IMAGE MODULES_ROOT=$MODULES_ROOT \
			MODULE=$L/src/xt_pktstat.ko EXTLIB=$EXTLIB WORKDIR=$L/qemu \
			EXTRA_MODULES="$EXTRA_MODULES" \
			GUEST_LOG=$L/guest.log \
			tests/qemu/run-guest.sh --timeout "$GUEST_TIMEOUT" \
			"SUITES='$SUITES' KTESTS='$KTESTS' /tests/guest/run-all.sh" >/dev/null 2>"$L/run-guest.err"
		rc=$?
		summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$L/guest.log" 2>/dev/null | tail -n 1)
		grep -E '^not ok' "$L/guest.log" 2>/dev/null | head -n 20 | sed 's/^/#   /'
		if [ "$rc" = 0 ] && [ -n "$summary" ]; then
			tests="pass ($summary)"
		else
			case $rc in
			124) tests="FAIL (timeout)" ;;
			125) tests="FAIL (guest died)"; tail -n 15 "$L/guest.log" | sed 's/^/#   /' ;;
			*) tests="FAIL (${summary:-status $rc})" ;;
			esac
			why="tests failed"
		fi
	fi
	t3=$(now)

	timing="fetch $((t1 - t0)) s, build $((t2 - t1)) s, boot+tests $((t3 - t2)) s"
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "ok $n - $line $ver: build ok, tests $tests ($timing)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $line $ver: $why ($timing; logs in build/kernels/$line/)"
	fi
	TABLE="$TABLE| $line | $ver | $build | $tests |
"
done

echo
echo "| kernel line | version tested | build (-Werror) | tests in QEMU |"
echo "|---|---|---|---|"
printf '%s' "$TABLE"
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
