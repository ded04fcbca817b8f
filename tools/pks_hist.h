/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: the module's window histogram (/proc/net/xt_pktstat/<name>/
 * hist, format in src/xt_pktstat_text.h) and its Prometheus form.
 */
#ifndef PKS_HIST_H
#define PKS_HIST_H

#include <stdint.h>

#include "pks_buf.h"
#include "pks_text.h"

#define PKS_HIST_N	XT_PKTSTAT_HIST_BOUNDS

/* One distribution: cumulative counts per bound, then +Inf. */
struct pks_hist_dist {
	uint64_t le[PKS_HIST_N];	/* windows with at most bound i */
	uint64_t inf;			/* every window */
	unsigned n;			/* bounds read so far */
	bool have_inf;
};

struct pks_hist {
	char name[64];
	uint64_t period_ns, created_ns, windows, frames_sum, bytes_sum;
	struct pks_hist_dist bytes, frames;
};

/* The i-th bound (0 <= i < PKS_HIST_N): 1..8, then (5..8) << (e - 2). */
uint64_t pks_hist_bound(unsigned i);

/*
 * Parse a hist file.  '#' lines are comments, unknown keys are ignored;
 * the bounds must be the module's, in order, and the counts cumulative.
 * Returns 0, or -1 with *bad_line (0: something missing) and a reason in
 * @why.
 */
int pks_parse_hist(const char *p, size_t len, struct pks_hist *h,
		   size_t *bad_line, char *why, size_t whyn);

/*
 * The Prometheus histogram: bytes per window up to 2^k, for k from
 * PKS_PROM_HIST_KMIN (64 bytes) to the first power of two a window of
 * @period_ns holds at PKS_PROM_HIST_MAX_BPS, at most 2^48 (the module's
 * last bound).  The same period always gives the same bounds.
 */
#define PKS_PROM_HIST_KMIN	6
#define PKS_PROM_HIST_MAX_BPS	1600000000000ULL	/* 1.6 Tbit/s */
void pks_hist_prom_range(uint64_t period_ns, unsigned *kmin, unsigned *kmax);

/*
 * The lines of @h as the classic Prometheus histogram @metric (bits per
 * second of a window: bytes * 8e9 / period_ns) with the label name:
 * @metric_bucket{name="...",le="..."} for the bounds above and +Inf,
 * @metric_sum, @metric_count.  Counts are cumulative and never decrease
 * from one le to the next.
 */
void pks_hist_prom(struct pks_buf *b, const char *metric, const char *name,
		   const struct pks_hist *h);

#endif
