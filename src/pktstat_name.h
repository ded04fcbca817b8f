/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the names of a network namespace.  Above the settings
 * (pktstat_set.c), below the files (pktstat_proc.c) and the match.
 *
 * A name (--name) is what rules share and what /proc shows.  It has one
 * or more settings, oldest first: the oldest one with rules is in force;
 * newer ones wait for it to go (a reload that changes --period or
 * --samples adds the new rules before it deletes the old ones); an older
 * one without rules keeps its unread windows for the readers, who get
 * them before the windows of the setting in force.
 */
#ifndef _PKTSTAT_NAME_H
#define _PKTSTAT_NAME_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

#include "pktstat_set.h"
#include "xt_pktstat.h"

struct pktstat_name {
	/* under the names mutex */
	struct list_head	node;		/* the namespace's names */
	unsigned int		rules;		/* of every setting */
	void			*published;	/* the hooks' (its directory) */
	u64			next_id;	/* of the next setting */
	struct net		*net;
	char			name[XT_PKTSTAT_NAME_LEN];

	/* guards the settings, their FIFOs, and what follows */
	spinlock_t		lock ____cacheline_aligned_in_smp;
	struct list_head	sets;		/* oldest first */
	u64			settings_changes;
	/* settings freed since the name was created, summed */
	struct pktstat_count	past_read;
	struct pktstat_count	past_dropped;
	u64			past_seen_frames;
	u64			past_seen_bytes;
	u64			past_clock_back;
};

/*
 * Making a name visible: pktstat_proc.c's directory.  Called under the
 * names mutex, in process context; unpublish returns once no reader is
 * inside the name's files.
 */
struct pktstat_name_hooks {
	int (*publish)(struct pktstat_name *n);
	void (*unpublish)(struct pktstat_name *n);
};

int pktstat_names_init(const struct pktstat_name_hooks *hooks);
void pktstat_names_exit(void);

int pktstat_name_get(struct net *net, const struct xt_pktstat_info *info,
		     struct pktstat_set **out);
void pktstat_name_put(struct pktstat_set *s);

/* ---- for the readers of a name's files */

/*
 * The name's stats file: a field for each number of xt_pktstat_stats.h,
 * named as its key (pktstat_proc.c maps the keys to these fields, so a key
 * without its field does not build).
 */
struct pktstat_name_stats {
	u64 period_ns, samples, rules;
	u64 frames_seen, bytes_seen;
	u64 samples_read, frames_read, bytes_read;
	u64 samples_dropped, frames_dropped, bytes_dropped;
	u64 samples_pending, frames_pending, bytes_pending;
	u64 clock_steps_back, close_latency_ns, fast_clock, settings_changes;
	u64 waiting_rules, waiting_period_ns, waiting_samples;
};

void pktstat_name_stats(struct pktstat_name *n, struct pktstat_name_stats *st);

/* The setting in force: its histogram and when it was created. */
struct pktstat_name_hist {
	u64			period_ns;
	u64			created_ns;
	struct pktstat_hist	hist;
};

void pktstat_name_hist(struct pktstat_name *n, struct pktstat_name_hist *h);

/*
 * A reader's claim: samples of one setting, which it must settle (each
 * delivered or given back) through pktstat_name_settle().
 */
struct pktstat_claim {
	struct pktstat_set	*set;		/* NULL: nothing held */
	u64			set_id;
	u64			period_ns;
	u32			samples;
	u32			count;		/* samples claimed */
};

u64 pktstat_name_open_id(struct pktstat_name *n);
void pktstat_name_settle(struct pktstat_name *n, struct pktstat_claim *c,
			 const struct pktstat_sample *samples, u32 delivered,
			 u32 keep);
u32 pktstat_name_claim(struct pktstat_name *n, struct pktstat_claim *c,
		       struct pktstat_sample *out, u32 max);

#endif /* _PKTSTAT_NAME_H */
