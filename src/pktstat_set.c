// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: one setting of a name, its per-CPU windows and their timers.
 *
 * The first packet of a window on a CPU takes the slow path, under the
 * FIFO lock, where windows open in time order across CPUs.  A pinned
 * per-CPU timer closes a window that no later packet closed, so a
 * finished window is readable without more traffic.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "pktstat_set.h"

/*
 * A window's timer is never set further ahead than the timer wheel's first
 * level (63 ticks), where it has one-tick accuracy; a long window's timer
 * just fires again.  So a finished window is readable at most two ticks
 * after its end, whatever the period.
 */
#define PKTSTAT_TIMER_MAX_TICKS	63
#define PKTSTAT_CLOSE_TICKS	2

/*
 * Every setting that has per-CPU windows, for CPU hotplug.  Its own lock:
 * the hotplug code calls pktstat_cpu_prepare() with the hotplug lock held,
 * and nothing that waits for readers or for the hotplug lock is done
 * under this one.
 */
static DEFINE_MUTEX(pktstat_sets_mutex);
static LIST_HEAD(pktstat_sets);
static enum cpuhp_state pktstat_hp_state;

/*
 * Memory, allocated and freed with the setting.  Charged to the memory
 * cgroup of the process that adds the rule; a full cgroup makes the
 * allocation fail (rather than wake its OOM killer), the rule is refused.
 */
#define PKTSTAT_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* @ns in the largest unit of --period that divides it: "250us", "1500ns". */
const char *pktstat_fmt_period(char *buf, size_t size, u64 ns)
{
	static const struct {
		const char *suffix;
		u64 ns;
	} units[] = {
#define XT_PKTSTAT_UNIT(suffix, ns) { suffix, ns },
#include "xt_pktstat_units.h"
	};
	unsigned int i = ARRAY_SIZE(units);

	while (--i > 0)
		if (ns % units[i].ns == 0)
			break;
	snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns),
		 units[i].suffix);
	return buf;
}

u64 pktstat_set_close_latency_ns(void)
{
	return jiffies_to_nsecs(PKTSTAT_CLOSE_TICKS);
}

/*
 * Make sure the CPU's timer fires soon after its window ends.  Called on
 * the window's CPU, bottom halves off, the FIFO lock held.
 */
static void pktstat_arm_later(struct pktstat_set_cpu *pc, u64 period, u64 now)
{
	u64 end = pc->core.start + period;
	unsigned long ticks = 0, soon = jiffies + 1;

	if (end > now)
		ticks = min_t(u64, nsecs_to_jiffies64(end - now),
			      PKTSTAT_TIMER_MAX_TICKS);
	if (timer_pending(&pc->timer) &&
	    time_before_eq(READ_ONCE(pc->timer.expires), soon + ticks))
		return;
	timer_reduce(&pc->timer, soon + ticks);
}

/*
 * The common case of short windows, checked inline: the timer is due at
 * the next tick already (timer_reduce() would only check the same).
 */
static __always_inline void pktstat_arm(struct pktstat_set_cpu *pc,
					u64 period, u64 now)
{
	if (timer_pending(&pc->timer) &&
	    time_before_eq(READ_ONCE(pc->timer.expires), jiffies + 1))
		return;
	pktstat_arm_later(pc, period, now);
}

/* Which window a packet falls in, by the wall clock or by the counter. */
struct pktstat_reading {
	u64 cycles;	/* the counter, at or just before the time */
	u64 now;	/* a time not earlier than the packet's, in the window */
	u64 start;	/* the window's start */
};

/*
 * Read the wall clock for the packet; it becomes the CPU's base (when
 * taken without interruption, pktstat_clock_set_base()), noting the steps
 * back of the clock seen so far.
 */
static __always_inline void pktstat_read_clock(struct pktstat_set *s,
					       struct pktstat_set_cpu *pc,
					       struct pktstat_reading *r)
{
	r->cycles = pktstat_cycles();
	r->now = ktime_get_real_ns();
	r->start = pktstat_window_start(&s->fifo, r->now);
	if (pktstat_clock_set_base(&pc->base, r->cycles, r->now,
				   pktstat_cycles()))
		pc->base_steps = READ_ONCE(s->fifo.clock_back);
}

/*
 * Must @r, taken before the FIFO lock, be taken again under it?  Windows
 * must open in time order across CPUs, once each: so when another CPU
 * opened a newer window since, or a timer closed @r's window.  And when
 * the counter found @r (@counter) while the clock has gone back and not
 * caught up: the CPU's base may predate the step (it does if the step was
 * seen after the base), and @r's window would come from the time before
 * it.  A window later than every one opened needs one compare.
 */
static __always_inline bool pktstat_stale(const struct pktstat_set *s,
					  const struct pktstat_set_cpu *pc,
					  const struct pktstat_reading *r,
					  bool counter)
{
	const struct pktstat_fifo *f = &s->fifo;

	if (likely(r->start > f->top_start))
		return false;
	return pktstat_fifo_late(f, r->start) ||
	       (counter && pktstat_fifo_stepped_back(f) &&
		pc->base_steps != f->clock_back);
}

/*
 * The first packet of a window on this CPU (bh_lock held), in @r's
 * window unless @r is stale.  Otherwise @r stands: a second clock read
 * would cost about as much as the rest of this.
 */
static __always_inline void pktstat_set_open(struct pktstat_set *s,
					     struct pktstat_set_cpu *pc,
					     u64 period,
					     struct pktstat_reading *r,
					     bool counter, unsigned int len)
{
	spin_lock(s->lock);
	if (unlikely(pktstat_stale(s, pc, r, counter)))
		pktstat_read_clock(s, pc, r);
	pktstat_cpu_open(&s->fifo, &pc->core, r->start, len);
	pktstat_arm(pc, period, r->now);
	spin_unlock(s->lock);
}

/*
 * The wall clock says whether the packet is still in the CPU's window, or
 * opens the next.
 */
static __always_inline void pktstat_wall_count(struct pktstat_set *s,
					       struct pktstat_set_cpu *pc,
					       u64 period, unsigned int len)
{
	struct pktstat_reading r;

	r.now = ktime_get_real_ns();
	if (pktstat_cpu_add(&pc->core, period, r.now, len))
		return;
	r.cycles = 0;
	r.start = pktstat_window_start(&s->fifo, r.now);
	pktstat_set_open(s, pc, period, &r, false, len);
}

/*
 * A packet past its CPU's deadline.  Its window comes from the counter
 * when that is certain (pktstat_clock.h), else from the wall clock; if it
 * is the CPU's window still, the deadline moves on, else the window
 * opens.  Whether the counter may stand in is checked once a tick, when
 * the counter did not give the window: it stands in only within
 * PKTSTAT_CLOCK_DERIVE_NS + PKTSTAT_CLOCK_HORIZON_NS of a wall-clock
 * reading, so of a check.
 */
void pktstat_set_clock_path(struct pktstat_set *s, struct pktstat_set_cpu *pc,
			    u64 period, unsigned int len)
{
	struct pktstat_reading r;
	bool found;

	r.cycles = pktstat_cycles();
	found = pktstat_clock_window(&pc->base, r.cycles, period, &r.start,
				     &r.now);
	if (!found) {
		pktstat_clock_check();
		if (unlikely(!READ_ONCE(pktstat_clock_rate.cycles_per_ns))) {
			pc->deadline = PKTSTAT_WALL_CLOCK;
			pktstat_wall_count(s, pc, period, len);
			return;
		}
		pktstat_read_clock(s, pc, &r);
	}
	if (pc->core.open && r.start == pc->core.start)
		pktstat_cpu_count(&pc->core, len);
	else
		pktstat_set_open(s, pc, period, &r, found, len);
	pc->deadline = pktstat_clock_deadline(r.cycles,
					      r.start + period - r.now);
}

/* A packet while the counter does not stand in for the clock. */
void pktstat_set_wall_path(struct pktstat_set *s, struct pktstat_set_cpu *pc,
			   u64 period, unsigned int len)
{
	pktstat_clock_check();
	if (READ_ONCE(pktstat_clock_rate.cycles_per_ns))
		pktstat_set_clock_path(s, pc, period, len);	/* it may now */
	else
		pktstat_wall_count(s, pc, period, len);
}

/*
 * Close a window that no later packet closed.  The timer is pinned to the
 * window's CPU, so it never runs concurrently with that CPU's packet path
 * (bh_lock makes sure of it on PREEMPT_RT), with one exception: when a CPU
 * dies, the timer code moves its timers to a live CPU.  They then close
 * the dead CPU's windows from there, which is safe because nothing else
 * touches them while it is offline, and pktstat_cpu_prepare() takes them
 * back before the CPU comes online again.
 */
static void pktstat_timer(struct timer_list *t)
{
	struct pktstat_set_cpu *pc = timer_container_of(pc, t, timer);
	struct pktstat_set *s = pc->set;
	u64 now;

	local_lock_nested_bh(&s->cpus->bh_lock);
	spin_lock(s->lock);
	if (s->dying)
		goto out;
	now = ktime_get_real_ns();
	u64_stats_update_begin(&pc->syncp);
	if (pktstat_cpu_expired(&pc->core, s->period, now)) {
		pktstat_cpu_close(&s->fifo, &pc->core);
		pktstat_deadline_passed(pc);
	} else if (pc->core.open) {
		pktstat_arm(pc, s->period, now);
	}
	u64_stats_update_end(&pc->syncp);
out:
	spin_unlock(s->lock);
	local_unlock_nested_bh(&s->cpus->bh_lock);
}

/*
 * CPU hotplug, on a control CPU before @cpu comes online (a "prepare"
 * step): take back the timers that followed a window of @cpu to another
 * CPU when it died.  Once deleted (waiting for a callback in progress),
 * nothing but this function touches @cpu's windows until it is online:
 * close those that ended meanwhile and re-arm the others on @cpu itself,
 * so that no timer ever runs away from a CPU that is online.
 */
static int pktstat_cpu_prepare(unsigned int cpu)
{
	struct pktstat_set_cpu *pc;
	struct pktstat_set *s;
	u64 now;

	mutex_lock(&pktstat_sets_mutex);
	list_for_each_entry(s, &pktstat_sets, hotplug) {
		pc = per_cpu_ptr(s->cpus, cpu);
		timer_delete_sync(&pc->timer);
		spin_lock_bh(s->lock);
		now = ktime_get_real_ns();
		u64_stats_update_begin(&pc->syncp);
		pktstat_deadline_passed(pc);	/* a CPU that was off */
		if (pktstat_cpu_expired(&pc->core, s->period, now)) {
			pktstat_cpu_close(&s->fifo, &pc->core);
		} else if (pc->core.open) {
			pc->timer.expires = jiffies + 1;
			add_timer_on(&pc->timer, cpu);
		}
		u64_stats_update_end(&pc->syncp);
		spin_unlock_bh(s->lock);
	}
	mutex_unlock(&pktstat_sets_mutex);
	return 0;
}

int pktstat_sets_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"netfilter/xt_pktstat:prepare",
					pktstat_cpu_prepare, NULL);
	if (ret < 0)
		return ret;
	pktstat_hp_state = ret;
	return 0;
}

void pktstat_sets_exit(void)
{
	cpuhp_remove_state_nocalls(pktstat_hp_state);
}

/* Memory of one setting, for the limit check, the log and the man page. */
size_t pktstat_set_memory(u32 samples)
{
	return sizeof(struct pktstat_set) +
	       (size_t)samples * sizeof(struct pktstat_entry) +
	       (size_t)num_possible_cpus() * (sizeof(struct pktstat_set_cpu) +
					      sizeof(struct pktstat_drop_slot));
}

void pktstat_set_free(struct pktstat_set *s)
{
	if (!s)
		return;
	WARN_ON_ONCE(s->cpus);	/* pktstat_set_stop() first */
	kvfree(s->fifo.ring);
	kvfree(s->fifo.drop_slots);
	kfree(s);
}

struct pktstat_set *pktstat_set_create(u64 period, u32 samples,
				       spinlock_t *lock)
{
	unsigned int cpu, ncpu = num_possible_cpus();
	struct pktstat_drop_slot *slots;
	struct pktstat_entry *ring;
	struct pktstat_set *s;

	s = kzalloc(sizeof(*s), PKTSTAT_GFP);
	if (!s)
		return NULL;
	ring = kvcalloc(samples, sizeof(*ring), PKTSTAT_GFP);
	slots = kvcalloc(ncpu, sizeof(*slots), PKTSTAT_GFP);
	s->cpus = alloc_percpu_gfp(struct pktstat_set_cpu, PKTSTAT_GFP);
	if (!ring || !slots || !s->cpus) {
		free_percpu(s->cpus);
		kvfree(slots);
		kvfree(ring);
		kfree(s);
		return NULL;
	}
	s->period = period;
	s->samples = samples;
	s->lock = lock;
	s->created_ns = ktime_get_real_ns();
	pktstat_fifo_init(&s->fifo, ring, samples, period, slots, ncpu);
	for_each_possible_cpu(cpu) {
		struct pktstat_set_cpu *pc = per_cpu_ptr(s->cpus, cpu);

		local_lock_init(&pc->bh_lock);
		u64_stats_init(&pc->syncp);
		pc->core.entry = PKTSTAT_NO_ENTRY;
		pc->set = s;
		timer_setup(&pc->timer, pktstat_timer, TIMER_PINNED);
	}
	mutex_lock(&pktstat_sets_mutex);
	list_add(&s->hotplug, &pktstat_sets);
	mutex_unlock(&pktstat_sets_mutex);
	return s;
}

/*
 * No rule uses the setting any more, so no packet reaches its windows:
 * stop the timers, close every CPU's window into the FIFO (each becomes a
 * sample, or counts as dropped) and free the per-CPU part.  The FIFO and
 * the totals stay, for the readers.
 */
void pktstat_set_stop(struct pktstat_set *s)
{
	struct pktstat_set_counts c;
	unsigned int cpu;

	mutex_lock(&pktstat_sets_mutex);
	list_del(&s->hotplug);
	mutex_unlock(&pktstat_sets_mutex);

	spin_lock_bh(s->lock);
	s->dying = true;
	spin_unlock_bh(s->lock);
	for_each_possible_cpu(cpu)
		timer_delete_sync(&per_cpu_ptr(s->cpus, cpu)->timer);

	spin_lock_bh(s->lock);
	for_each_possible_cpu(cpu)
		pktstat_cpu_close(&s->fifo, &per_cpu_ptr(s->cpus, cpu)->core);
	pktstat_set_counts(s, &c);
	s->seen_frames = c.seen_frames;
	s->seen_bytes = c.seen_bytes;
	spin_unlock_bh(s->lock);

	free_percpu(s->cpus);
	s->cpus = NULL;
}

/*
 * Sum the CPUs' counters; the caller holds the FIFO lock, so that slow-path
 * moves between a CPU's partial and the FIFO agree with its counts.  Fast
 * path updates may still come in between (seen and partial both grow).
 */
void pktstat_set_counts(const struct pktstat_set *s,
			struct pktstat_set_counts *out)
{
	unsigned int cpu, start;

	lockdep_assert_held(s->lock);
	*out = (struct pktstat_set_counts){
		.seen_frames = s->seen_frames,
		.seen_bytes = s->seen_bytes,
	};
	if (!s->cpus)
		return;
	for_each_possible_cpu(cpu) {
		const struct pktstat_set_cpu *pc = per_cpu_ptr(s->cpus, cpu);
		u64 sf, sb, pf, pb;

		/* closes happen under the FIFO lock: only the partial can
		 * grow meanwhile
		 */
		do {
			start = u64_stats_fetch_begin(&pc->syncp);
			sf = READ_ONCE(pc->core.closed_frames);
			sb = READ_ONCE(pc->core.closed_bytes);
			pf = READ_ONCE(pc->core.frames);
			pb = READ_ONCE(pc->core.bytes);
		} while (u64_stats_fetch_retry(&pc->syncp, start));
		out->seen_frames += sf + pf;
		out->seen_bytes += sb + pb;
		out->partial_frames += pf;
		out->partial_bytes += pb;
	}
}
