#!/bin/sh
# Test-only builds of the module (never packaged): a copy of src/ with
# edits that make a race likely or check what the module does, built
# against KERNEL_DIR with -Werror.  tests/variants/README.md says what
# each is for.
#
#   tests/variants/build.sh KERNEL_DIR OUTDIR VARIANT...
#
# VARIANT: race-fixed race-unfixed clock-check clock-bad clock-bad-window.
# Writes OUTDIR/xt_pktstat-VARIANT.ko for each.  KBUILD_ARGS (environment):
# more make arguments for Kbuild (the kernel matrix's, e.g. CC=).
set -eu
KDIR=$1
OUT=$2
shift 2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pktstat-variant.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# applied FILE PATTERN: the edit took (sed says nothing when it does not)
applied() {
	grep -q -- "$2" "$1" || { echo "variants: edit of $1 did not apply" >&2; exit 1; }
}

# widen_race: a busy wait between reading and writing a CPU's frame count
# of an in-window packet, so that a preemption lands inside it
widen_race() {
	sed -i 's|^#include "xt_pktstat_text.h"$|&\n#ifdef __KERNEL__\n#include <linux/delay.h>\n#endif|' "$1/pktstat_core.h"
	sed -i 's|^\tc->frames++;$|\t{ uint64_t f_ = c->frames;\n\t  udelay(20);	/* test only: widen the race */\n\t  c->frames = f_ + 1; }|' "$1/pktstat_core.h"
	applied "$1/pktstat_core.h" 'udelay(20)'
	applied "$1/pktstat_core.h" 'linux/delay.h'
}

# no_bh_lock: the per-CPU update without bh_lock, as in 0.1.0
no_bh_lock() {
	sed -i 's|^\tlocal_lock_nested_bh(&s->cpus->bh_lock);$|\t/* variant: no bh_lock */|; s|^\tlocal_unlock_nested_bh(&s->cpus->bh_lock);$|\t/* variant */|' \
		"$1/pktstat_set.h" "$1/pktstat_set.c"
	! grep -q 'local_lock_nested_bh(&s->cpus' "$1/pktstat_set.h" "$1/pktstat_set.c" ||
		{ echo "variants: bh_lock still there" >&2; exit 1; }
}

# check_clock: the wall clock read before each counter reading (a packet
# whose window had ended by then is certainly late: under QEMU a vCPU may
# stall for milliseconds between two instructions, so a read after the
# count could be late through no fault of the count), compared after each
# fast-path count; each window the counter found (pktstat_clock_window())
# checked the same way, and also against a reading taken after it (a
# window that starts after that is certainly early); the report at unload
check_clock() {
	sed -i 's|^\tstruct pktstat_set_cpu \*pc;$|\tstruct pktstat_set_cpu *pc;\n\tu64 t_ref = ktime_get_real_ns();	/* test only */|' "$1/pktstat_set.h"
	sed -i 's|^\t\tpktstat_cpu_count(&pc->core, len);$|\t\t{ pktstat_cpu_count(\&pc->core, len); pktstat_test_check(pc, period, t_ref); }|' "$1/pktstat_set.h"
	sed -i '/^static __always_inline void pktstat_set_count(/i void pktstat_test_check(struct pktstat_set_cpu *pc, u64 period, u64 t_ref);' "$1/pktstat_set.h"
	sed -i 's|^#include <linux/u64_stats_sync.h>$|&\n#include <linux/ktime.h>\n#include <linux/timekeeping.h>|' "$1/pktstat_set.h"
	applied "$1/pktstat_set.h" 'pktstat_test_check(pc, period, t_ref); }'
	applied "$1/pktstat_set.h" 'u64 t_ref = ktime_get_real_ns();'
	sed -i '/^void pktstat_set_clock_path(/,/^}$/ { s|^\tstruct pktstat_reading r;$|&\n\tu64 t_ref;	/* test only */|; s|^\tr.cycles = pktstat_cycles();$|\tt_ref = ktime_get_real_ns();\n&| }' "$1/pktstat_set.c"
	sed -i 's|^\tif (!found) {$|\tif (found)\n\t\tpktstat_test_check_window(r.start, period, t_ref, ktime_get_real_ns());\n&|' "$1/pktstat_set.c"
	applied "$1/pktstat_set.c" '^	u64 t_ref;'
	applied "$1/pktstat_set.c" '^	t_ref = ktime_get_real_ns();'
	applied "$1/pktstat_set.c" '^		pktstat_test_check_window(r.start, period, t_ref'
	cat >> "$1/pktstat_set.c" <<'EOC'

/* ---- test only (tests/variants/build.sh) ---- */
static atomic64_t pktstat_test_fast, pktstat_test_late, pktstat_test_worst;
static atomic64_t pktstat_test_windows, pktstat_test_wrong;

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

/* a window the counter found, between readings @before and @after */
void pktstat_test_check_window(u64 start, u64 period, u64 before, u64 after)
{
	atomic64_inc(&pktstat_test_windows);
	if ((s64)(before - (start + period)) > 1000 ||
	    (s64)(start - after) > 1000)
		atomic64_inc(&pktstat_test_wrong);
}

void pktstat_test_report_all(void);
void pktstat_test_report_all(void)
{
	pr_info("fast clock check: %lld packets counted by the cycle counter, %lld outside their window by more than 1us, latest %lld ns after its end; %lld windows found by the counter, %lld more than 1us from the packet's time\n",
		(long long)atomic64_read(&pktstat_test_fast),
		(long long)atomic64_read(&pktstat_test_late),
		(long long)atomic64_read(&pktstat_test_worst),
		(long long)atomic64_read(&pktstat_test_windows),
		(long long)atomic64_read(&pktstat_test_wrong));
}
EOC
	sed -i '/^void pktstat_set_clock_path(/i void pktstat_test_check_window(u64 start, u64 period, u64 before, u64 after);\n' "$1/pktstat_set.c"
	applied "$1/pktstat_set.c" '^void pktstat_test_check_window(u64 start, u64 period, u64 before, u64 after);$'
	sed -i '/^static void __exit pktstat_mt_exit(void)$/i void pktstat_test_report_all(void);' "$1/pktstat_match.c"
	sed -i '/^static void __exit pktstat_mt_exit(void)$/,/^}$/s|^\tpktstat_proc_exit();$|\tpktstat_proc_exit();\n\tpktstat_test_report_all();|' "$1/pktstat_match.c"
	applied "$1/pktstat_match.c" '^	pktstat_test_report_all();'
}

# late_deadline: deadlines a horizon past the window's end
late_deadline() {
	sed -i 's|min(ns_left, PKTSTAT_CLOCK_HORIZON_NS)|ns_left + PKTSTAT_CLOCK_HORIZON_NS|' "$1/pktstat_clock.h"
	applied "$1/pktstat_clock.h" '((ns_left + PKTSTAT_CLOCK_HORIZON_NS \*'
}

# early_window: the counter's time 4 us ahead of the wall clock (as if the
# base's two readings were taken the other way round, far apart)
early_window() {
	sed -i 's|^\thi = b->ns + ns + half;$|\thi = 4000 + b->ns + ns + half;|' "$1/pktstat_clock.h"
	applied "$1/pktstat_clock.h" 'hi = 4000 + b->ns'
}

for v in "$@"; do
	d=$TMP/$v
	mkdir -p "$d"
	cp -r "$TOP"/src/. "$d/"
	rm -f "$d"/*.o "$d"/*.ko "$d"/.*.cmd "$d"/*.mod* "$d/Module.symvers" "$d/modules.order"
	case $v in
	race-fixed) widen_race "$d" ;;
	race-unfixed) widen_race "$d"; no_bh_lock "$d" ;;
	clock-check) check_clock "$d" ;;
	clock-bad) check_clock "$d"; late_deadline "$d" ;;
	clock-bad-window) check_clock "$d"; early_window "$d" ;;
	*) echo "variants: unknown variant $v" >&2; exit 2 ;;
	esac
	make -C "$d" KERNEL_DIR="$KDIR" KBUILD_ARGS="${KBUILD_ARGS:-}" werror >"$d.log" 2>&1 ||
		{ cat "$d.log" >&2; exit 1; }
	cp "$d/xt_pktstat.ko" "$OUT/xt_pktstat-$v.ko"
	echo "variants: $OUT/xt_pktstat-$v.ko"
done
