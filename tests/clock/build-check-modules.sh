#!/bin/sh
# Build the test-only modules of the fast-clock test (tests/clock/README.md):
# every packet the cycle counter counted also reads the wall clock, and a
# packet counted in a window that had ended more than 1 us before is
# counted as late; the module reports at unload.  "check" is the shipped
# code so checked; "bad" puts its deadlines a horizon past the window's
# end: it must report late packets, which shows the
# check can fail.  Never packaged.
#
#   tests/clock/build-check-modules.sh KERNEL_DIR OUTDIR [KBUILD_ARGS]
#
# Writes OUTDIR/xt_pktstat-clock-check.ko and OUTDIR/xt_pktstat-clock-bad.ko.
set -eu
KDIR=$1
OUT=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pktstat-clock.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

applied() {	# FILE PATTERN: the edit took
	grep -q -- "$2" "$1" || { echo "build-check-modules: edit of $1 did not apply" >&2; exit 1; }
}

# check: the wall clock read before each counter reading (a packet whose
# window had ended by then is certainly late: under QEMU a vCPU may stall
# for milliseconds between two instructions, so a read after the count
# could be late for no fault of the count), compared after each fast-path
# count; the report at exit
check() {
	sed -i 's|^\tstruct pktstat_set_cpu \*pc;$|\tstruct pktstat_set_cpu *pc;\n\tu64 t_ref = ktime_get_real_ns();	/* test only */|' "$1/pktstat_set.h"
	sed -i 's|^\t\tpktstat_cpu_count(&pc->core, len);$|\t\t{ pktstat_cpu_count(\&pc->core, len); pktstat_test_check(pc, period, t_ref); }|' "$1/pktstat_set.h"
	sed -i '/^static __always_inline void pktstat_set_count(/i void pktstat_test_check(struct pktstat_set_cpu *pc, u64 period, u64 t_ref);' "$1/pktstat_set.h"
	sed -i 's|^#include <linux/u64_stats_sync.h>$|&\n#include <linux/ktime.h>\n#include <linux/timekeeping.h>|' "$1/pktstat_set.h"
	applied "$1/pktstat_set.h" 'pktstat_test_check(pc, period, t_ref); }'
	applied "$1/pktstat_set.h" 'u64 t_ref = ktime_get_real_ns();'
	cat >> "$1/pktstat_set.c" <<'EOC'

/* ---- test only (tests/clock/build-check-modules.sh) ---- */
static atomic64_t pktstat_test_fast, pktstat_test_late, pktstat_test_worst;

void pktstat_test_check(struct pktstat_set_cpu *pc, u64 period, u64 t_ref)
{
	u64 end = pc->core.start + period;
	s64 late = t_ref - end, worst;

	atomic64_inc(&pktstat_test_fast);
	if (late > 1000)
		atomic64_inc(&pktstat_test_late);
	worst = atomic64_read(&pktstat_test_worst);
	while (late > worst &&
	       !atomic64_try_cmpxchg(&pktstat_test_worst, &worst, late))
		;
}

void pktstat_test_report_all(void);
void pktstat_test_report_all(void)
{
	pr_info("fast clock check: %lld packets counted by the cycle counter, %lld outside their window by more than 1us, latest %lld ns after its end\n",
		(long long)atomic64_read(&pktstat_test_fast),
		(long long)atomic64_read(&pktstat_test_late),
		(long long)atomic64_read(&pktstat_test_worst));
}
EOC
	sed -i '/^static void __exit pktstat_mt_exit(void)$/i void pktstat_test_report_all(void);' "$1/pktstat_match.c"
	sed -i '/^static void __exit pktstat_mt_exit(void)$/,/^}$/s|^\tpktstat_proc_exit();$|\tpktstat_proc_exit();\n\tpktstat_test_report_all();|' "$1/pktstat_match.c"
	applied "$1/pktstat_match.c" '^	pktstat_test_report_all();'
}

# bad: deadlines a horizon past the window's end
bad() {
	sed -i 's|min(ns_left, PKTSTAT_CLOCK_HORIZON_NS)|ns_left + PKTSTAT_CLOCK_HORIZON_NS|' "$1/pktstat_clock.c"
	applied "$1/pktstat_clock.c" 'mul_u64_u32_div(ns_left + PKTSTAT_CLOCK_HORIZON_NS,'
}

for v in check bad; do
	d=$TMP/$v
	mkdir -p "$d"
	cp -r "$TOP"/src/. "$d/"
	rm -f "$d"/*.o "$d"/*.ko "$d"/.*.cmd "$d"/*.mod* "$d/Module.symvers" "$d/modules.order"
	check "$d"
	[ $v = bad ] && bad "$d"
	make -C "$d" KERNEL_DIR="$KDIR" KBUILD_ARGS="${3:-}" werror >"$d.log" 2>&1 ||
		{ cat "$d.log" >&2; exit 1; }
	cp "$d/xt_pktstat.ko" "$OUT/xt_pktstat-clock-$v.ko"
done
echo "build-check-modules: $OUT/xt_pktstat-clock-check.ko $OUT/xt_pktstat-clock-bad.ko"
