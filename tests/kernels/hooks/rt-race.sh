# shellcheck shell=bash
# Kernel-matrix hook (tests/kernels/README.md): the PREEMPT_RT race test
# on the -rt lines (tests/variants/README.md).  Two test-only builds of
# the module with the race window widened, both run in the line's boot
# after the core tests (tests/guest/rt-race.sh), on iptables-nft (7.x -rt
# has no legacy).  With the shipped locking the counts must be exact.
# Without it (race-unfixed), on a kernel whose bottom-half sections of one
# CPU no longer exclude each other ("# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK is
# not set", Debian's 7.x -rt), the counts must go wrong (frames lost or
# counted twice): the test can fail; on older RT kernels (the lock is
# always there, 6.12) they must stay exact.
grep -q '^CONFIG_PREEMPT_RT=y' "$KCONFIG" || return 0
KBUILD_ARGS="$KMAKE_ARGS" "$TOP/tests/variants/build.sh" "$KDIR" "$OUT_DIR" \
	race-fixed race-unfixed || return 1
unfixed=exact
grep -q '^# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK is not set' "$KCONFIG" && unfixed=inexact
MATRIX_EXTRA_FILES="$OUT_DIR/xt_pktstat-race-fixed.ko $OUT_DIR/xt_pktstat-race-unfixed.ko"
MATRIX_EXTRA_CMD="RT_IPT=iptables-nft sh /tests/guest/rt-race.sh /tests/extra/xt_pktstat-race-fixed.ko:exact /tests/extra/xt_pktstat-race-unfixed.ko:$unfixed"
