#!/bin/sh
# make check: every test.  Installs its own dependencies (tests/deps.sh),
# configures and builds with -Werror on our own code, then runs
#   1. the core's and the reader program's unit tests (ASan + UBSan),
#   2. the extension, kernel and reader tests inside Debian's kernel (QEMU),
#   3. short fuzzing runs (core, option parsing) and hostile rule blobs
#      the extension would never send, refused by the kernel,
#   4. the packages: build, lint, install, upgrade, purge.
# Each suite ends with "N passed, M failed"; this script adds them up.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
log=build/check
rm -rf "$log" && mkdir -p "$log"

tests/deps.sh || exit 1
[ -f config.mk ] || ./configure || exit 1
KVER=$(sed -n 's/^KERNEL_RELEASE := //p' config.mk)
KDIR=$(sed -n 's/^KERNEL_DIR := //p' config.mk)
export KVER

passed=0 failed=0 bad_suites=
suite() {
	name=$1
	shift
	echo "=== $name"
	"$@" >"$log/$name.out" 2>&1
	rc=$?
	cat "$log/$name.out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$name.out" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then
		# a suite that died before its summary counts as one failure
		p=0 f=1
	elif [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	[ "$rc" -eq 0 ] || bad_suites="$bad_suites $name"
	echo "=== $name: exit $rc"
}

# One version everywhere: DKMS compares the module's with the package's.
versions() {
	mod=$(sed -n 's/^#define XT_PKTSTAT_VERSION "\(.*\)"/\1/p' src/pktstat_kernel.h)
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

suite versions versions
suite build build
suite unit make -C tests/unit check
suite tools make -C tests/tools check
suite fuzz tests/fuzz/run.sh 20
suite kernel tests/qemu/kernel-check.sh
suite tools-qemu tests/tools/qemu-collect.sh
suite hostile tests/hostile/run.sh
suite packages tests/packages/check-packages.sh

echo
[ -z "$bad_suites" ] || echo "failed suites:$bad_suites (logs in $log/)"
echo "$passed passed, $failed failed"
[ -z "$bad_suites" ] && [ "$failed" -eq 0 ]
