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
 * instead of a wall-clock read.  Past the deadline the wall clock decides.
 *
 * Used only while the kernel's clocksource is the counter read here (the
 * TSC on x86-64), checked once per tick; elsewhere, or with the module
 * parameter fast_clock=0, every packet reads the wall clock as before.
 */
#ifndef _PKTSTAT_CLOCK_H
#define _PKTSTAT_CLOCK_H

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

u64 pktstat_clock_deadline(u64 cycles, u64 ns_left);
bool pktstat_clock_fast(void);

#endif /* _PKTSTAT_CLOCK_H */
