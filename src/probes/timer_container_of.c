// SPDX-License-Identifier: GPL-2.0
/* HAVE_TIMER_CONTAINER_OF: from_timer() was renamed in 6.16, gone in 7.x. */
#include <linux/timer.h>

struct pktstat_probe_s {
	struct timer_list t;
};

struct pktstat_probe_s *pktstat_probe(struct timer_list *t);
struct pktstat_probe_s *pktstat_probe(struct timer_list *t)
{
	struct pktstat_probe_s *p = timer_container_of(p, t, t);

	return p;
}
