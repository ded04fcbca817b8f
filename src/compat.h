/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: kernel API differences between 5.10 and the newest kernels,
 * settled by the compile probes (probe.sh writes pktstat_probed.h), not by
 * version numbers: distribution kernels backport renames.
 */
#ifndef _PKTSTAT_COMPAT_H
#define _PKTSTAT_COMPAT_H

#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/local_lock.h>
#include <linux/proc_fs.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>

#include "pktstat_probed.h"

#ifndef HAVE_PDE_DATA_LOWER
#define pde_data(inode) PDE_DATA(inode)
#endif

#ifndef HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

#ifndef HAVE_TIMER_DELETE_SYNC
#define timer_delete_sync(timer) del_timer_sync(timer)
#endif

/*
 * no_llseek: defined as NULL since 6.0 (vfs_llseek() itself refuses a file
 * without FMODE_LSEEK, which nonseekable_open() clears), removed in 6.12.
 * Upstream's own definition, for the kernels without it.
 */
#ifndef HAVE_NO_LLSEEK
#define no_llseek NULL
#endif

/*
 * local_lock_nested_bh(): before 6.11, PREEMPT_RT kernels serialised the
 * bottom-half sections of one CPU with a per-CPU lock, and non-RT kernels
 * never interleave them, so there is nothing to take.
 */
#ifndef HAVE_LOCAL_LOCK_NESTED_BH
#define local_lock_nested_bh(lock)	do { } while (0)
#define local_unlock_nested_bh(lock)	do { } while (0)
#endif

/* The clocksource's counter value behind a wall-clock reading. */
static inline u64 pktstat_clocksource_cycles(void)
{
	struct system_time_snapshot snap;

#ifdef HAVE_KTIME_GET_SNAPSHOT_ID
	ktime_get_snapshot_id(CLOCK_REALTIME, &snap);
#else
	ktime_get_snapshot(&snap);
#endif
	return snap.cycles;
}

#endif /* _PKTSTAT_COMPAT_H */
