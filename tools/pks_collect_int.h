/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat collect: the state the collector's files share.
 *   pks_collect.c       the loop: signals, pacing, start and stop
 *   pks_collect_poll.c  reading the names: stats, samples, drops, bursts
 *   pks_collect_prom.c  the Prometheus textfile
 *   pks_files.c         the rotated CSV and burst files
 */
#ifndef PKS_COLLECT_INT_H
#define PKS_COLLECT_INT_H

#include "pks_burst.h"
#include "pks_collect.h"
#include "pks_files.h"
#include "pks_proc.h"
#include "pks_ratelimit.h"

#define PKS_RETRY_NS	PKS_NSEC	/* absent names, rescans */
#define PKS_MIN_POLL_NS	1000000ULL
#define PKS_MAX_POLL_NS	PKS_NSEC

enum pks_nstate { PKS_N_UNKNOWN, PKS_N_PRESENT, PKS_N_ABSENT };

struct pks_collector;

/* One name the collector reads. */
struct pks_cname {
	struct pks_collector *c;
	char name[64];
	bool fixed;			/* given on the command line */
	enum pks_nstate state;
	enum pks_err last_err;
	bool reset_baseline;		/* a new incarnation: counters from 0 */
	bool warned_setup;
	struct pks_stats prev;		/* at the previous read */
	uint64_t period, cap, fill_ns;	/* the setting in force */
	uint64_t last_read, last_try;	/* mono */
	struct pks_burst_det det;
	/* since the collector started */
	uint64_t windows, frames, bytes;
	uint64_t d_windows, d_frames, d_bytes;
	uint64_t late_reads;
	uint64_t bursts, burst_ns;	/* bursts that ended, their length */
	/* since the last Prometheus write */
	double peak_pps, peak_Bps, max_fill;
	uint64_t last_read_real;
	struct pks_ratelimit rl_fail, rl_late, rl_drop, rl_hist;
};

struct pks_collector {
	const struct pks_collect_opts *o;
	struct pks_cname **n;		/* pointers: the detectors point back */
	size_t nn, ncap;
	struct pks_files files;
	struct pks_buf rbuf;
	struct pks_samples smp;
	uint64_t max_period;
	uint64_t last_scan, last_prom, start_real;
	struct pks_ratelimit rl_prom, rl_scan;
};

/* pks_collect_poll.c */
struct pks_cname *pks_collect_add_name(struct pks_collector *c,
				       const char *name, bool fixed);
void pks_collect_poll_all(struct pks_collector *c);
/* SIGTERM: a stop event per name, bursts still open written as such. */
void pks_collect_stop_names(struct pks_collector *c);
uint64_t pks_collect_poll_interval(const struct pks_collector *c);
void pks_collect_event(struct pks_collector *c, const char *name,
		       uint64_t period, const char *ev);

/* pks_collect_prom.c: 0, -1 (retried later), -2 (fatal at @startup). */
int pks_collect_write_prom(struct pks_collector *c, uint64_t mono,
			   bool startup);

#endif
