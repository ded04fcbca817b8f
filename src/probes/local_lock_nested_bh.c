// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_LOCAL_LOCK_NESTED_BH: local_lock_nested_bh() came with 6.11, for
 * PREEMPT_RT kernels whose bottom-half sections no longer exclude each
 * other on one CPU.
 */
#include <linux/spinlock.h>	/* local_lock.h needs it on PREEMPT_RT */
#include <linux/local_lock.h>
#include <linux/percpu.h>

struct pktstat_probe_s {
	local_lock_t l;
};

static DEFINE_PER_CPU(struct pktstat_probe_s, pktstat_probe_v);

static void __maybe_unused pktstat_probe(void)
{
	local_lock_nested_bh(&pktstat_probe_v.l);
	local_unlock_nested_bh(&pktstat_probe_v.l);
}
