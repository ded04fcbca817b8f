#!/bin/bash
# Hostile rule blobs: the kernel's own checks of xt_pktstat rule data.
#
#   tests/hostile/run.sh
#
# Builds tests/hostile/hostile.c, which installs pktstat matches through the
# raw iptables socket interfaces (IPT_SO_SET_REPLACE and IP6T_SO_SET_REPLACE
# on the filter tables, hand-built table blobs) with malformed data that
# libxt_pktstat would never send, boots the test guest
# (tests/qemu/run-guest.sh) and runs tests/hostile/guest.sh there: each case
# must be refused with the expected errno, log the expected line naming the
# problem (or none), and leave nothing allocated, through ip_tables,
# ip6_tables, and nf_tables' compat match (NFT_MSG_NEWRULE) in an ip and an
# ip6 table; after each of the four a valid blob is accepted and removed;
# then rmmod succeeds.
#
# The guest image holds only tests/guest and tests/ext, so the binary and
# the script travel in the guest command line as base64 of gzip, decoded by
# busybox.  The binary is linked dynamically against glibc alone (the image
# has glibc, for iptables): a static glibc binary (~300 KB gzipped) would
# exceed the kernel's 128 KB limit for one exec argument (init runs the
# command with sh -c).  HOSTILE_STATIC=1 tries -static anyway (and fails
# that check with glibc; it would fit with a small libc such as musl).
#
# Prints the guest's ok/not ok lines and "N passed, M failed".
# Environment: KVER (guest kernel), CC, and run-guest.sh's.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT=build/hostile
mkdir -p "$OUT"
CC=${CC:-gcc}
passed=0 failed=0
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ ! -f src/xt_pktstat.ko ] || [ ! -f xtables/libxt_pktstat.so ]; then
	make --no-print-directory module extension >"$OUT/build.log" 2>&1 ||
		{ cat "$OUT/build.log"; echo "not ok - build module and extension"; failed=1; finish; }
fi

if [ "${HOSTILE_STATIC:-0}" = 1 ]; then
	link=-static
else
	link=
fi
if $CC -O2 -Wall -Wextra -Werror -Isrc $link -s -o "$OUT/hostile" \
	tests/hostile/hostile.c >"$OUT/cc.log" 2>&1; then
	echo "ok - build hostile"
	passed=$((passed + 1))
else
	cat "$OUT/cc.log"
	echo "not ok - build hostile"
	failed=$((failed + 1))
	finish
fi
if [ -z "$link" ]; then
	libs=$(ldd "$OUT/hostile" | grep -v -E 'linux-vdso|libc\.so|ld-linux' || true)
	if [ -n "$libs" ]; then
		echo "not ok - hostile needs only glibc: $libs"
		failed=$((failed + 1))
		finish
	fi
fi

bin64=$(gzip -9c "$OUT/hostile" | base64 -w0)
sh64=$(base64 -w0 tests/hostile/guest.sh)
cmd="mkdir -p /tmp/hostile && cd /tmp/hostile && echo $bin64 | base64 -d | gunzip > hostile && chmod 755 hostile && echo $sh64 | base64 -d > guest.sh && sh ./guest.sh"
if [ "${#cmd}" -gt 120000 ]; then
	echo "not ok - guest command of ${#cmd} bytes is over the exec argument limit"
	failed=$((failed + 1))
	finish
fi

GUEST_LOG=$OUT/guest.log tests/qemu/run-guest.sh --timeout "${HOSTILE_TIMEOUT:-600}" "$cmd" \
	>"$OUT/console.log" 2>&1
rc=$?
# the console without the (long) command echo
grep -v '^@@GUEST-START@@' "$OUT/console.log" | grep -E '^(ok|not ok|#)' 
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/console.log" | tail -n 1)
if [ -z "$line" ]; then
	tail -n 30 "$OUT/console.log" | cut -c1-300
	echo "not ok - guest run finished (run-guest status $rc, log $OUT/console.log)"
	failed=$((failed + 1))
	finish
fi
passed=$((passed + ${line%% passed*}))
f=${line#*passed, }
failed=$((failed + ${f%% failed*}))
[ "$rc" -eq 0 ] || [ "${f%% failed*}" -ne 0 ] ||
	{ echo "not ok - guest exit status $rc"; failed=$((failed + 1)); }
finish
