#!/bin/sh
# make demo: install what is needed, build, boot Debian's kernel in QEMU and
# show xt_pktstat counting (tests/guest/demo.sh runs in the guest).
set -eu
cd "$(dirname "$0")/.."
tests/deps.sh
[ -f config.mk ] || ./configure
make --no-print-directory all >build.log 2>&1 || { cat build.log; exit 1; }
echo "built src/xt_pktstat.ko and xtables/libxt_pktstat.so (log: build.log)"
echo "booting the kernel in QEMU (software emulation, about 30 s)..."
KVER=$(sed -n 's/^KERNEL_RELEASE := //p' config.mk)
export KVER
mkdir -p build
{ rc=0; tests/qemu/run-guest.sh --timeout 300 /tests/guest/demo.sh || rc=$?; echo $rc >build/demo.rc; } |
	sed -n '/@@GUEST-START@@/,/@@GUEST-EXIT/p' | grep -v '^@@'
exit "$(cat build/demo.rc)"
