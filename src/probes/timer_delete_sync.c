// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_TIMER_DELETE_SYNC: del_timer_sync() became timer_delete_sync()
 * (6.2, backported to some stable lines; the old name is gone in 7.x).
 */
#include <linux/timer.h>

int pktstat_probe(struct timer_list *t);
int pktstat_probe(struct timer_list *t)
{
	return timer_delete_sync(t);
}
