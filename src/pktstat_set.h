/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: one setting (--period, --samples) of a name, the windows it
 * counts.  Below the names (pktstat_name.c), above the core.
 *
 * A setting owns per-CPU partial windows with a timer each, and the FIFO
 * of finished windows with their histogram.  The FIFO is guarded by a
 * spinlock that the caller provides (a name's, shared by its settings).
 */
#ifndef _PKTSTAT_SET_H
#define _PKTSTAT_SET_H

#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>

#include "compat.h"
#include "pktstat_clock.h"
#include "pktstat_core.h"

struct pktstat_name;

/*
 * Per-CPU part of a setting.  core is written by its own CPU only: by the
 * packet path and by the window's timer, both with bottom halves off.  On
 * PREEMPT_RT without the per-CPU bottom-half lock two such sections of one
 * CPU may interleave, so bh_lock excludes them explicitly (it costs nothing
 * elsewhere).  syncp lets other CPUs read the 64-bit counters whole on
 * 32-bit kernels (and is empty on 64-bit ones).
 */
struct pktstat_set_cpu {
	local_lock_t		bh_lock;
	struct u64_stats_sync	syncp;
	u64			deadline;	/* below */
	struct pktstat_clock_base base;		/* pktstat_clock.h */
	u64			base_steps;	/* fifo.clock_back then */
	struct pktstat_cpu	core;
	struct timer_list	timer;	/* closes a window no packet closed */
	struct pktstat_set	*set;
};

struct pktstat_set {
	/*
	 * Read by every packet and never written after creation: kept off
	 * the cache lines the slow path and the readers write.
	 */
	struct pktstat_set_cpu __percpu *cpus;
	u64			period;		/* ns */
	u32			samples;	/* FIFO capacity */

	spinlock_t		*lock;		/* guards fifo and dying */
	struct list_head	hotplug;	/* under pktstat_sets_mutex */
	bool			dying;		/* timers must not re-arm */
	struct pktstat_fifo	fifo;
	u64			created_ns;	/* wall clock */
	/* after pktstat_set_stop(): what the CPUs had seen */
	u64			seen_frames;
	u64			seen_bytes;

	/* the name's bookkeeping (pktstat_name.c), not used here */
	struct pktstat_name	*name;
	struct list_head	node;
	unsigned int		rules;
	bool			stopped;
	u64			id;
};

/* What a setting's CPUs hold, summed. */
struct pktstat_set_counts {
	u64 seen_frames, seen_bytes;		/* every packet counted */
	u64 partial_frames, partial_bytes;	/* in windows being filled */
};

int pktstat_sets_init(void);
void pktstat_sets_exit(void);

/*
 * pc->deadline: a packet whose counter reading is below it is in the
 * CPU's window (pktstat_clock.h); else it takes the clock path.  One
 * value below every reading says that the counter does not stand in for
 * the clock (not the clocksource, or fast_clock=0): the wall path.
 */
#define PKTSTAT_WALL_CLOCK	0
#define PKTSTAT_DEADLINE_PAST	1

/* No window is open: no packet may count by the deadline. */
static inline void pktstat_deadline_passed(struct pktstat_set_cpu *pc)
{
	if (pc->deadline != PKTSTAT_WALL_CLOCK)
		pc->deadline = PKTSTAT_DEADLINE_PAST;
}

struct pktstat_set *pktstat_set_create(u64 period, u32 samples,
				       spinlock_t *lock);
void pktstat_set_clock_path(struct pktstat_set *s, struct pktstat_set_cpu *pc,
			    u64 period, unsigned int len);
void pktstat_set_wall_path(struct pktstat_set *s, struct pktstat_set_cpu *pc,
			   u64 period, unsigned int len);
void pktstat_set_stop(struct pktstat_set *s);
void pktstat_set_free(struct pktstat_set *s);
void pktstat_set_counts(const struct pktstat_set *s,
			struct pktstat_set_counts *out);
size_t pktstat_set_memory(u32 samples);
u64 pktstat_set_close_latency_ns(void);

#define PKTSTAT_PERIOD_STR	24	/* "18446744073709551615ns" */
const char *pktstat_fmt_period(char *buf, size_t size, u64 ns);

/*
 * Count one packet of @len bytes.  Called with bottom halves off.  The
 * common case, a packet inside the CPU's window by the CPU's cycle counter
 * (pktstat_clock.h), reads no clock and writes only this CPU's cache line;
 * the others take the clock path or the wall path (out of line).
 */
static __always_inline void pktstat_set_count(struct pktstat_set *s,
					      u64 period, unsigned int len)
{
	struct pktstat_set_cpu *pc;

	local_lock_nested_bh(&s->cpus->bh_lock);
	pc = this_cpu_ptr(s->cpus);
	u64_stats_update_begin(&pc->syncp);
	if (likely(pktstat_cycles() < pc->deadline))
		pktstat_cpu_count(&pc->core, len);
	else if (pc->deadline != PKTSTAT_WALL_CLOCK)
		pktstat_set_clock_path(s, pc, period, len);
	else
		pktstat_set_wall_path(s, pc, period, len);
	u64_stats_update_end(&pc->syncp);
	local_unlock_nested_bh(&s->cpus->bh_lock);
}

#endif /* _PKTSTAT_SET_H */
