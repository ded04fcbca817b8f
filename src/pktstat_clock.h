/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the CPU's cycle counter standing in for the wall clock.
 * Below the settings (pktstat_set.c), above nothing but the kernel.
 *
 * A packet does not need the time, only whether its CPU's window is still
 * open.  When a window opens (or the wall clock was read for another
 * reason), the CPU notes a deadline in cycle-counter units, a little
 * before the window's end and at most PKTSTAT_CLOCK_HORIZON_NS ahead; a
 * packet whose counter reading is below it is in the window.  One rdtsc
 * instead of a wall-clock read.
 *
 * Past the deadline, the packet that opens the next window does not need
 * the nanosecond either, only which window holds it.  The CPU keeps its
 * last wall-clock reading with the counter values around it (the base);
 * for PKTSTAT_CLOCK_DERIVE_NS after it, the counter gives the time to
 * within 1/512 of the distance (and the base's own uncertainty), and when
 * both ends of that interval fall in one window, that is the packet's
 * window.  Otherwise, or later, the wall clock decides.
 *
 * Used only while the kernel's clocksource is the counter read here (the
 * TSC on x86-64), checked once per tick; elsewhere, or with the module
 * parameter fast_clock=0, every packet reads the wall clock as before.
 */
#ifndef _PKTSTAT_CLOCK_H
#define _PKTSTAT_CLOCK_H

#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/types.h>

#ifdef CONFIG_X86_64
#include <asm/msr.h>
#define PKTSTAT_HAVE_CYCLES	1

static __always_inline u64 pktstat_cycles(void)
{
	return rdtsc();
}
#else
/* No counter: never below a deadline (which stays 0). */
static __always_inline u64 pktstat_cycles(void)
{
	return U64_MAX;
}
#endif

/*
 * The deadline, a look-ahead of at most this much: wall-clock steps and
 * NTP's slewing reach the packet path within it.
 */
#define PKTSTAT_CLOCK_HORIZON_NS	1000000ULL
/*
 * How long after a wall-clock reading the counter may place a packet in
 * its window.  Its uncertainty grows with the distance (1/512 of it): at
 * 250 us, packets within 0.5 us of a window's edge read the clock.
 */
#define PKTSTAT_CLOCK_DERIVE_NS		250000ULL

/* The fastest counter used (16 GHz): the conversions stay within 64 bits. */
#define PKTSTAT_CLOCK_KHZ_MAX		16000000U

/*
 * A base is a wall-clock reading taken between two counter readings at
 * most this far apart (an interrupt, or a virtual CPU that was not
 * running, can come between them; then the reading is not used as a base).
 */
#define PKTSTAT_CLOCK_PAIR_NS		250ULL

/*
 * The CPU's base: the wall-clock time at counter value @cycles is between
 * @ns - PKTSTAT_CLOCK_PAIR_NS / 2 and @ns + PKTSTAT_CLOCK_PAIR_NS / 2.
 */
struct pktstat_clock_base {
	u64 cycles;
	u64 ns;
};

/*
 * The conversions, checked once a tick (pktstat_clock_refresh()).  While
 * the counter may not stand in for the clock, cycles_per_ns and
 * derive_cycles are 0: deadlines are then the packet's own counter value
 * (passed at once) and no window is found by the counter, with no test of
 * a flag on the packet path.
 */
struct pktstat_clock_rate {
	u64 cycles_per_ns;	/* 32.32 fixed point, 1/512 short; or 0 */
	u64 derive_cycles;	/* PKTSTAT_CLOCK_DERIVE_NS in cycles; or 0 */
	u64 ns_per_cycle;	/* 32.32 fixed point */
	u64 pair_cycles;	/* PKTSTAT_CLOCK_PAIR_NS in cycles */
};

extern struct pktstat_clock_rate pktstat_clock_rate;	/* read mostly */
extern unsigned long pktstat_clock_tick;	/* jiffies of the last check */

void pktstat_clock_refresh(unsigned long now);

/* Check once a tick whether the counter may stand in for the clock. */
static __always_inline void pktstat_clock_check(void)
{
	unsigned long now = jiffies;

	if (unlikely(READ_ONCE(pktstat_clock_tick) != now))
		pktstat_clock_refresh(now);
}

/* May the counter stand in for the wall clock (for stats)? */
static inline bool pktstat_clock_fast(void)
{
	pktstat_clock_check();
	return READ_ONCE(pktstat_clock_rate.cycles_per_ns) != 0;
}

/*
 * The counter value until which packets are in the window that ends
 * @ns_left after the wall-clock time of counter reading @cycles (@cycles
 * itself when the counter may not stand in).  Converted at the counter's
 * rate less 1/512, so that it comes early, never late.
 */
static __always_inline u64 pktstat_clock_deadline(u64 cycles, u64 ns_left)
{
	/* < 2^20 ns x < 2^36 (PKTSTAT_CLOCK_KHZ_MAX): no overflow */
	return cycles + ((min(ns_left, PKTSTAT_CLOCK_HORIZON_NS) *
			  pktstat_clock_rate.cycles_per_ns) >> 32);
}

/*
 * A wall-clock reading @ns taken between counter readings @before and
 * @after becomes the base @b if they are close enough together: the time
 * at @after is then between @ns and @ns + PKTSTAT_CLOCK_PAIR_NS.  Else the
 * base stays as it was (older, but still a good pair); false then.
 */
static __always_inline bool
pktstat_clock_set_base(struct pktstat_clock_base *b, u64 before, u64 ns,
		       u64 after)
{
	if (after - before > pktstat_clock_rate.pair_cycles)
		return false;
	b->cycles = after;
	b->ns = ns + PKTSTAT_CLOCK_PAIR_NS / 2;
	return true;
}

/*
 * The window of a packet whose counter reading is @cycles, from the base
 * @b (never while the counter may not stand in).  True, with the window's
 * start in @start and in @latest a time no earlier than the packet's,
 * when the counter places it in one window for certain; false when it
 * cannot, and the wall clock must decide.  Certain: the counter runs
 * within 1/512 of tsc_khz (the assumption the deadlines make,
 * pktstat_clock.c), so the packet's time is within 1/512 of the distance
 * from the base, and the base's own PKTSTAT_CLOCK_PAIR_NS / 2, of the
 * counter's time; the whole interval must lie in one window.
 */
static __always_inline bool
pktstat_clock_window(const struct pktstat_clock_base *b, u64 cycles,
		     u64 period, u64 *start, u64 *latest)
{
	u64 d = cycles - b->cycles, ns, half, hi;

	if (d > pktstat_clock_rate.derive_cycles)
		return false;	/* too far, or before the base */
	/* d x ns_per_cycle is about PKTSTAT_CLOCK_DERIVE_NS << 32 < 2^50 */
	ns = (d * pktstat_clock_rate.ns_per_cycle) >> 32;
	/* the interval's half width; 1 for the rounding */
	half = (ns >> 9) + PKTSTAT_CLOCK_PAIR_NS / 2 + 1;
	hi = b->ns + ns + half;
	*start = hi - hi % period;
	*latest = hi;
	return hi - *start >= 2 * half;	/* the earliest time in it too */
}

#endif /* _PKTSTAT_CLOCK_H */
