// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only module (never shipped): how many instructions the pieces of
 * xt_pktstat's packet path cost in the kernel it runs on.  Meant for a
 * guest under QEMU's -icount shift=0, where the guest's clock advances
 * one nanosecond per executed instruction, so a ktime_get_ns() difference
 * around a loop is the number of instructions the loop executed.
 *
 * On load it times LOOPS calls of each operation, five times, keeps the
 * fastest run (a timer interrupt and the softirqs it raises land in some
 * run and inflate it), subtracts the empty loop, prints one "COST <name> <instructions per call>" line per
 * operation (x100, to keep two decimals without floating point) and
 * refuses to stay loaded (-EAGAIN): nothing to unload afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bottom_half.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>

#define LOOPS 100000

static unsigned int loops = LOOPS;
module_param(loops, uint, 0444);

static u64 sink;
static DEFINE_PER_CPU(u64, cost_pcpu);

/* Each operation is its own noinline function: the call is counted once in
 * the empty case too and cancels out. */
static noinline u64 op_empty(void)
{
	barrier();
	return 0;
}

static noinline u64 op_real(void)
{
	return ktime_get_real_ns();
}

static noinline u64 op_mono(void)
{
	return ktime_get_ns();
}

static noinline u64 op_real_fast(void)
{
	return ktime_get_real_fast_ns();
}

static noinline u64 op_mono_fast(void)
{
	return ktime_get_mono_fast_ns();
}

static noinline u64 op_coarse_real(void)
{
	return ktime_get_coarse_real_ns();
}

static noinline u64 op_local_clock(void)
{
	return local_clock();
}

static noinline u64 op_bh_pair(void)
{
	local_bh_disable();
	barrier();
	local_bh_enable();
	return 0;
}

/* What xt_pktstat does instead when the caller already runs with BHs off. */
static noinline u64 op_softirq_test(void)
{
	return softirq_count();
}

static noinline u64 op_pcpu_add(void)
{
	u64 *p = this_cpu_ptr(&cost_pcpu);

	*p += 1;
	return *p;
}

struct cost_op {
	const char *name;
	u64 (*fn)(void);
	bool bh_off;	/* run the loop with bottom halves disabled */
};

static const struct cost_op ops[] = {
	{ "empty",		op_empty,	false },
	{ "ktime_get_real_ns",	op_real,	false },
	{ "ktime_get_ns",	op_mono,	false },
	{ "ktime_get_real_fast_ns", op_real_fast, false },
	{ "ktime_get_mono_fast_ns", op_mono_fast, false },
	{ "ktime_get_coarse_real_ns", op_coarse_real, false },
	{ "local_clock",	op_local_clock,	false },
	{ "local_bh_disable+enable", op_bh_pair, false },
	{ "local_bh_disable+enable(nested)", op_bh_pair, true },
	{ "softirq_count",	op_softirq_test, true },
	{ "this_cpu_ptr+add",	op_pcpu_add,	true },
};

static u64 time_loop_once(const struct cost_op *op)
{
	u64 t0, t1, acc = 0;
	unsigned int i;

	if (op->bh_off)
		local_bh_disable();
	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++)
		acc += op->fn();
	t1 = ktime_get_ns();
	if (op->bh_off)
		local_bh_enable();
	WRITE_ONCE(sink, acc);
	return t1 - t0;
}

static u64 time_loop(const struct cost_op *op)
{
	u64 best = U64_MAX, t;
	int run;

	for (run = 0; run < 5; run++) {
		t = time_loop_once(op);
		if (t < best)
			best = t;
	}
	return best;
}

static int __init pktstat_costs_init(void)
{
	u64 base, t;
	unsigned int i;

	if (!loops)
		return -EINVAL;
	time_loop(&ops[0]);		/* warm up */
	base = time_loop(&ops[0]);
	pr_info("COST loop %llu ns for %u empty calls\n", base, loops);
	for (i = 1; i < ARRAY_SIZE(ops); i++) {
		t = time_loop(&ops[i]);
		t = t > base ? t - base : 0;
		pr_info("COST %s %llu\n", ops[i].name,
			div_u64(t * 100, loops));
	}
	return -EAGAIN;
}
module_init(pktstat_costs_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xt_pktstat bench: instructions per clock read and BH toggle");
