// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: deadlines in cycle-counter units (see pktstat_clock.h).
 *
 * Exactness.  A deadline is computed from a counter reading taken just
 * before the wall-clock reading it goes with, and the nanoseconds left
 * are converted at the counter's calibrated rate (tsc_khz) less 1/512: a
 * packet counted by its counter reading is therefore never later than the
 * window's end as long as the counter runs within 0.2 % of that rate
 * (the kernel's clocksource watchdog gives up on a TSC long before).  If
 * it runs faster, a packet may be counted at most
 * PKTSTAT_CLOCK_HORIZON_NS x (error - 0.2 %) after the end: 1 us for a
 * 0.3 % error.  Early deadlines cost a wall-clock read, nothing else.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "pktstat_clock.h"

#ifdef PKTSTAT_HAVE_CYCLES
#include <asm/tsc.h>
#endif

static bool pktstat_fast_clock __read_mostly = true;
module_param_named(fast_clock, pktstat_fast_clock, bool, 0644);
MODULE_PARM_DESC(fast_clock,
		 "count in-window packets by the CPU's cycle counter while the clocksource is that counter (default 1; 0: read the wall clock for every packet)");

/* Whether the clocksource is our counter, as of tick pktstat_fast_tick. */
static unsigned long pktstat_fast_tick;
static bool pktstat_fast_ok;

#ifdef PKTSTAT_HAVE_CYCLES
/*
 * The clocksource is the TSC if the counter value behind a wall-clock
 * snapshot is a TSC reading, taken between two of ours.  (Works on every
 * kernel; clocksource ids tell the TSC apart only since 6.10.)
 */
static bool pktstat_clocksource_is_tsc(void)
{
	u64 before, after, cycles;

	if (!tsc_khz)
		return false;
	before = rdtsc_ordered();
	cycles = pktstat_clocksource_cycles();
	after = rdtsc_ordered();
	return cycles >= before && cycles <= after;
}
#else
static bool pktstat_clocksource_is_tsc(void)
{
	return false;
}
#endif

/* May in-window packets be counted by the counter?  Checked once a tick. */
bool pktstat_clock_fast(void)
{
	unsigned long now = jiffies;

	if (!READ_ONCE(pktstat_fast_clock))
		return false;
	if (unlikely(READ_ONCE(pktstat_fast_tick) != now)) {
		WRITE_ONCE(pktstat_fast_ok, pktstat_clocksource_is_tsc());
		WRITE_ONCE(pktstat_fast_tick, now);
	}
	return READ_ONCE(pktstat_fast_ok);
}

/*
 * The counter value until which packets are in the window that ends
 * @ns_left after the wall-clock reading taken just after counter reading
 * @cycles; 0 (no deadline: read the wall clock) when the counter may not
 * stand in for it.
 */
u64 pktstat_clock_deadline(u64 cycles, u64 ns_left)
{
#ifdef PKTSTAT_HAVE_CYCLES
	u64 ahead;

	if (!pktstat_clock_fast())
		return 0;
	ahead = mul_u64_u32_div(min(ns_left, PKTSTAT_CLOCK_HORIZON_NS),
				tsc_khz, NSEC_PER_MSEC);
	return cycles + ahead - (ahead >> 9);
#else
	return 0;
#endif
}
