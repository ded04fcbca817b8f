#!/bin/bash
# make check-kernels: the kernel compatibility matrix.  For each of Debian's
# kernel lines, fetch the kernel (image, modules, headers) into a private
# directory without installing it (tests/kernels/fetch-kernel.sh), build
# xt_pktstat against its headers with -Werror on our own code, boot it under
# QEMU and run the kernel tests' core cases there
# (tests/kernels/guest-matrix.sh):
#   - the original README workflow (kernel-tests.sh iptables),
#   - exact conservation with pktgen (conservation_exact) with
#     iptables-legacy and iptables-nft, IPv4 and IPv6,
#   - a line's extra guest command, if a hook gives one (below),
#   - a clean kernel log.
# A kernel without legacy x_tables (Debian's 7.x -rt: the kernel's config
# has no CONFIG_IP_NF_IPTABLES_LEGACY, and no ip_tables module exists) is
# tested with iptables-nft and ip6tables-nft only, and its plain `iptables`
# is iptables-nft, as on a Debian system.  The iptables userspace in the
# guest is the host's.
#
# Usage: tests/kernels/check-kernels.sh [LINE...]
#   LINE: bullseye bookworm bookworm-backports trixie sid trixie-rt sid-rt
#         (default: all; the -rt lines are the PREEMPT_RT flavour)
#
# Environment:
#   KERNELS         the lines, if none are given as arguments
#   KERNELS_CACHE   downloads and unpacked kernels, kept between runs
#                   (default ${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/kernels)
#   KERNELS_KTESTS  names of kernel-tests.sh's tests to run per back end
#                   (default conservation_exact; "all" for every test)
#   KERNELS_GUEST_CMD  another guest command instead of guest-matrix.sh
#                   (e.g. "SUITES='readme kernel ext' /tests/guest/run-all.sh")
#   KERNELS_GUEST_TIMEOUT  seconds for one boot and its tests (default 900)
#   KERNELS_OFFLINE=1      no apt-get update: use the cached package lists
#   KERNELS_REUSE=FILE     the result of make check's kernel suite
#                   (tests/check.sh writes build/check/kernel.result): a
#                   line whose kernel image is the very one that suite booted
#                   (same release, same sha256) is built here as usual but
#                   not booted again; its tests are that suite's (a superset
#                   of the matrix's).  KERNELS_REUSE_WAIT: seconds to wait
#                   for FILE to appear (default 0)
#
# Hooks: every tests/kernels/hooks/*.sh (KERNELS_HOOKS: another directory)
# is sourced (bash) for every line once the module is built, with LINE,
# KVER, KDIR, KMAKE_ARGS, KCONFIG (the kernel's .config), LEGACY (1/0),
# MODULE (the module just built), OUT_DIR (a directory of the line's own)
# and TOP set.  A hook that applies to the line may set
#   MATRIX_EXTRA_CMD    guest command lines (one per line), each run after
#                       the core tests in the same boot (each prints
#                       "N passed, M failed"),
#   MATRIX_EXTRA_FILES  host files put in the image under /tests/extra/
#                       ("PATH" or "PATH:NAME", space separated), e.g. a
#                       test-only build of the module to insmod by path,
#   MODULE              another xt_pktstat.ko for the whole boot;
# and returns non-zero if it failed (the line fails).  KERNELS_EXTRA_CMD
# and KERNELS_EXTRA_FILES do the same from the environment, for every line.
# tests/kernels/README.md has an example.
#
# Output: one "ok N - LINE ..." or "not ok N - LINE ..." line per kernel
# line, a table (line, exact version, build, tests), and the closing
# "N passed, M failed".  Logs: build/kernels/LINE/{fetch,build,guest}.log.
# Runs everything sequentially (one QEMU at a time).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
ALL_LINES="bullseye bookworm bookworm-backports trixie sid trixie-rt sid-rt"
LINES=${*:-${KERNELS:-$ALL_LINES}}
export KERNELS_CACHE=${KERNELS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/kernels}
KTESTS=${KERNELS_KTESTS:-conservation_exact}
[ "$KTESTS" = all ] && KTESTS=
GUEST_TIMEOUT=${KERNELS_GUEST_TIMEOUT:-900}
HOOKS=${KERNELS_HOOKS:-$TOP/tests/kernels/hooks}
OUT=$TOP/build/kernels
# Modules the image needs beyond tests/qemu/mkinitramfs.sh's list on some
# lines: nft_counter is a module of its own before 5.13 (built into
# nf_tables later), and every iptables-nft rule has a counter.
EXTRA_MODULES="nft_counter ${EXTRA_MODULES:-}"
mkdir -p "$OUT"

tests/deps.sh kernels || exit 1

now() { date +%s; }
# sq STRING: STRING single-quoted for sh
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
# has_legacy CONFIG MODULES_DIR: the kernel has legacy x_tables
# (ip_tables, ip6_tables).  Its config says so since the split into
# CONFIG_IP_NF_IPTABLES_LEGACY (6.9); where that symbol is absent (older
# kernels, or one that cannot select it: 7.x PREEMPT_RT), ip_tables is
# legacy if it was built at all.
has_legacy() {
	if grep -qE '^CONFIG_IP_NF_IPTABLES_LEGACY=[ym]' "$1"; then
		return 0
	elif grep -q '^# CONFIG_IP_NF_IPTABLES_LEGACY is not set' "$1"; then
		return 1
	fi
	grep -qE '^CONFIG_IP_NF_IPTABLES=[ym]' "$1" || return 1
	grep -qE '(^|/)ip_tables\.ko' "$2/modules.builtin" "$2/modules.dep" 2>/dev/null
}
# sha256 of a file
sha() { sha256sum "$1" | cut -d' ' -f1; }
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
		cp src/probes/*.c "$L/src/probes/" 2>/dev/null
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

	# 3. hooks: a line's extra guest command and files
	extra_cmd=${KERNELS_EXTRA_CMD:-} extra_files=${KERNELS_EXTRA_FILES:-}
	if [ -z "$why" ]; then
		LEGACY=1
		has_legacy "$KDIR/.config" "$MODULES_ROOT/lib/modules/$KVER" || LEGACY=0
		MODULE=$L/src/xt_pktstat.ko
		for hook in "$HOOKS"/*.sh; do
			[ -e "$hook" ] || continue
			MATRIX_EXTRA_CMD= MATRIX_EXTRA_FILES=
			OUT_DIR=$L/hook-$(basename "$hook" .sh)
			mkdir -p "$OUT_DIR"
			# shellcheck disable=SC1090
			if ! LINE=$line KCONFIG=$KDIR/.config . "$hook" >"$OUT_DIR/hook.log" 2>&1; then
				tail -n 20 "$OUT_DIR/hook.log" | sed 's/^/#   /'
				why="hook ${hook#"$TOP"/} failed (log ${OUT_DIR#"$TOP"/}/hook.log)"
				break
			fi
			if [ -n "$MATRIX_EXTRA_CMD" ]; then
				echo "# $line: hook ${hook##*/}: extra guest commands: $(echo "$MATRIX_EXTRA_CMD" | tr '\n' ';')"
				extra_cmd=${extra_cmd:+$extra_cmd
}$MATRIX_EXTRA_CMD
			fi
			extra_files="$extra_files $MATRIX_EXTRA_FILES"
		done
		[ "$MODULE" = "$L/src/xt_pktstat.ko" ] || echo "# $line: a hook replaced the module: $MODULE"
	fi

	# 4. boot and test (or take make check's run of the same image)
	reused=
	if [ -z "$why" ] && [ -n "${KERNELS_REUSE:-}" ] && [ -z "$extra_cmd" ] &&
		[ "$MODULE" = "$L/src/xt_pktstat.ko" ]; then
		w=0
		while [ ! -s "$KERNELS_REUSE" ] && [ "$w" -lt "${KERNELS_REUSE_WAIT:-0}" ]; do
			sleep 5; w=$((w + 5))
		done
		r_kver= r_sha= r_status= r_summary=
		# shellcheck disable=SC1090
		[ -s "$KERNELS_REUSE" ] && . "$KERNELS_REUSE"
		if [ "$r_kver" = "$KVER" ] && [ "$r_sha" = "$(sha "$KERNEL_IMAGE")" ]; then
			reused=1
			echo "# $line: $KVER is the kernel make check's kernel suite booted (same image): its result stands for the boot"
			if [ "$r_status" = 0 ] && [ -n "$r_summary" ]; then
				tests="pass (make check's kernel suite: $r_summary)"
			else
				tests="FAIL (make check's kernel suite: ${r_summary:-no summary}, status $r_status)"
				why="tests failed"
			fi
		elif [ -n "$r_kver" ]; then
			echo "# $line: make check's kernel suite booted $r_kver ($r_sha), not this image: booting it"
		fi
	fi
	if [ -z "$why" ] && [ -z "$reused" ]; then
		if [ -n "${KERNELS_GUEST_CMD:-}" ]; then
			gcmd=$KERNELS_GUEST_CMD
		else
			if [ "$LEGACY" = 1 ]; then
				ipts="iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft" plain=legacy
			else
				ipts="iptables-nft ip6tables-nft" plain=nft
				echo "# $line: no legacy x_tables in $KVER (its config): iptables-nft and ip6tables-nft only"
			fi
			gcmd="MATRIX_IPTS='$ipts' MATRIX_PLAIN=$plain KTESTS='$KTESTS'"
			[ -n "$extra_cmd" ] && gcmd="$gcmd MATRIX_EXTRA_CMD=$(sq "$extra_cmd")"
			gcmd="$gcmd /tests/kernels/guest-matrix.sh"
		fi
		echo "# $line: booting $KVER in QEMU (guest: $gcmd)"
		KVER=$KVER KERNEL_IMAGE=$KERNEL_IMAGE MODULES_ROOT=$MODULES_ROOT \
			MODULE=$MODULE EXTLIB=$EXTLIB WORKDIR=$L/qemu \
			EXTRA_MODULES="$EXTRA_MODULES" EXTRA_FILES="${extra_files# }" \
			GUEST_LOG=$L/guest.log \
			tests/qemu/run-guest.sh --timeout "$GUEST_TIMEOUT" "$gcmd" >/dev/null 2>"$L/run-guest.err"
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
	[ -n "$reused" ] && timing="$timing, not booted: make check's run"
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
