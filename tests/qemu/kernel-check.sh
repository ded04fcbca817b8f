#!/bin/sh
# Host entry point of the kernel tests: boot the test guest and run the
# whole guest suite (tests/guest/run-all.sh) in it.  Builds nothing but the
# initramfs: build src/xt_pktstat.ko and xtables/libxt_pktstat.so first
# (MODULE, EXTLIB, KVER, WORKDIR: see tests/qemu/mkinitramfs.sh).
# Exit status: the suite's (0 = all passed), 124 on timeout, 125 if the
# guest died without reporting.
set -u
cd "$(dirname "$0")/../.." || exit 1
exec tests/qemu/run-guest.sh --timeout "${KERNEL_CHECK_TIMEOUT:-2400}" /tests/guest/run-all.sh
