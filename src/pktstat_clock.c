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
 *
 * A window found by the counter (pktstat_clock_window()) is the one its
 * wall-clock reading would have given under the same assumption: the
 * counter's time is taken as uncertain by 1/512 of its distance from the
 * base either way, plus the base's own uncertainty (the wall-clock reading
 * lies between two counter readings at most PKTSTAT_CLOCK_PAIR_NS apart),
 * and used only when that whole interval lies in one window.  If the
 * counter runs further off, a packet may land in the neighbouring window
 * when it is within PKTSTAT_CLOCK_DERIVE_NS x (error - 0.2 %) of the edge:
 * 0.25 us for a 0.3 % error.
 */
#include <asm/barrier.h>
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

struct pktstat_clock_rate pktstat_clock_rate __read_mostly;
unsigned long pktstat_clock_tick;

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

/* The conversions at @khz (tsc_khz: refined once, some time after boot). */
static void pktstat_clock_set_rate(struct pktstat_clock_rate *r,
				   unsigned int khz)
{
	u64 per_ns = div_u64((u64)khz << 32, NSEC_PER_MSEC);

	WRITE_ONCE(r->ns_per_cycle, div_u64(NSEC_PER_MSEC << 32, khz));
	WRITE_ONCE(r->pair_cycles,
		   div_u64(PKTSTAT_CLOCK_PAIR_NS * khz, NSEC_PER_MSEC));
	/* the conversions before the gates that let them be used */
	smp_wmb();
	WRITE_ONCE(r->cycles_per_ns, per_ns - (per_ns >> 9));
	WRITE_ONCE(r->derive_cycles,
		   div_u64(PKTSTAT_CLOCK_DERIVE_NS * khz, NSEC_PER_MSEC));
}
#endif

/*
 * Once a tick (the first caller of the tick; a race between two CPUs only
 * repeats the check): is the clocksource still the counter, at which
 * rate?  A CPU may combine an old field with a new one while the rate
 * changes; the error that adds is the change times the distance converted
 * (at most 250 us for a window, 1 ms for a deadline), within the 1/512
 * margin for any change below 0.1 %, which is what refining tsc_khz does.
 */
void pktstat_clock_refresh(unsigned long now)
{
	struct pktstat_clock_rate *r = &pktstat_clock_rate;

	WRITE_ONCE(pktstat_clock_tick, now);
#ifdef PKTSTAT_HAVE_CYCLES
	if (READ_ONCE(pktstat_fast_clock) && pktstat_clocksource_is_tsc() &&
	    READ_ONCE(tsc_khz) <= PKTSTAT_CLOCK_KHZ_MAX) {
		unsigned int khz = READ_ONCE(tsc_khz);

		if (READ_ONCE(r->ns_per_cycle) !=
		    div_u64(NSEC_PER_MSEC << 32, khz) ||
		    !READ_ONCE(r->cycles_per_ns))
			pktstat_clock_set_rate(r, khz);
		return;
	}
#endif
	WRITE_ONCE(r->cycles_per_ns, 0);
	WRITE_ONCE(r->derive_cycles, 0);
}
