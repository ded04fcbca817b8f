// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_KTIME_GET_SNAPSHOT_ID: ktime_get_snapshot() gave way to
 * ktime_get_snapshot_id(), which takes the clock to read (7.x).
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>

u64 pktstat_probe(void);
u64 pktstat_probe(void)
{
	struct system_time_snapshot snap;

	ktime_get_snapshot_id(CLOCK_REALTIME, &snap);
	return snap.cycles;
}
