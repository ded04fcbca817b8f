#!/bin/sh
# Build the two test-only modules of the PREEMPT_RT race test
# (tests/rt/README.md): both with the race window widened (a busy wait
# between reading and writing the CPU's counters of an in-window packet),
# one as shipped ("fixed", with bh_lock) and one without bh_lock
# ("unfixed", what 0.1.0 did).  Never packaged.
#
#   tests/rt/build-race-modules.sh KERNEL_DIR OUTDIR [KBUILD_ARGS]
#
# KBUILD_ARGS: more make arguments for Kbuild (the kernel matrix's, e.g.
# CC= for a kernel built by another gcc).
# Writes OUTDIR/xt_pktstat-race-fixed.ko and OUTDIR/xt_pktstat-race-unfixed.ko.
set -eu
KDIR=$1
OUT=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pktstat-race.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# widen: sed on the core's in-window update; check it matched
widen() {
	f=$1/pktstat_core.h
	sed -i 's|^#include "xt_pktstat_text.h"$|&\n#ifdef __KERNEL__\n#include <linux/delay.h>\n#endif|' "$f"
	sed -i 's|^\tc->frames++;$|\t{ uint64_t f_ = c->frames;\n\t  udelay(20);	/* test only: widen the race */\n\t  c->frames = f_ + 1; }|' "$f"
	grep -q 'udelay(20)' "$f" && grep -q 'linux/delay.h' "$f" ||
		{ echo "build-race-modules: widening did not apply to $f" >&2; exit 1; }
}
# unfix: no bh_lock, as in 0.1.0
unfix() {
	sed -i 's|^\tlocal_lock_nested_bh(&s->cpus->bh_lock);$|\t/* unfixed: no bh_lock */|; s|^\tlocal_unlock_nested_bh(&s->cpus->bh_lock);$|\t/* unfixed */|' \
		"$1/pktstat_set.h" "$1/pktstat_set.c"
	! grep -q 'local_lock_nested_bh(&s->cpus' "$1/pktstat_set.h" "$1/pktstat_set.c" ||
		{ echo "build-race-modules: unfixing did not apply" >&2; exit 1; }
}

for v in fixed unfixed; do
	d=$TMP/$v
	mkdir -p "$d"
	cp -r "$TOP"/src/. "$d/"
	rm -f "$d"/*.o "$d"/*.ko "$d"/.*.cmd "$d"/*.mod* "$d/Module.symvers" "$d/modules.order"
	widen "$d"
	[ $v = unfixed ] && unfix "$d"
	make -C "$d" KERNEL_DIR="$KDIR" KBUILD_ARGS="${3:-}" werror >"$d.log" 2>&1 ||
		{ cat "$d.log" >&2; exit 1; }
	cp "$d/xt_pktstat.ko" "$OUT/xt_pktstat-race-$v.ko"
done
echo "build-race-modules: $OUT/xt_pktstat-race-fixed.ko $OUT/xt_pktstat-race-unfixed.ko"
