/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: burst detection over a stream of windows.
 *
 * A burst is a maximal run of windows at or above a threshold rate that
 * may hold up to @gap windows below it between two windows above it.
 * Windows without traffic (the missing timestamps) count as below.  A
 * burst starts at the start of its first window above the threshold and
 * ends at the end of its last one; the windows below inside count in its
 * frames, bytes and windows.
 *
 * The detector is fed samples oldest first, possibly over many drains:
 * a burst is reported once it is known to be over, that is when more
 * than @gap windows below follow it (seen in the samples, or known to be
 * empty from pks_burst_advance()), or when the stream breaks:
 *   - the period changes (a reload): rates are not comparable;
 *   - the timestamps go back (the wall clock stepped back).
 * pks_burst_finish() reports a burst still open at the end of the input
 * with @open set: it may go on in windows not read yet.
 */
#ifndef PKS_BURST_H
#define PKS_BURST_H

#include <stdbool.h>
#include <stdint.h>

#include "pks_buf.h"
#include "pks_rate.h"

struct pks_burst {
	uint64_t start_ns, end_ns;	/* [start, end) */
	uint64_t period_ns;
	uint64_t windows;		/* (end - start) / period */
	uint64_t frames, bytes;
	uint64_t peak_frames, peak_bytes;	/* the largest of a window */
	uint64_t peak_ts;	/* the window with the most of the threshold's unit */
	bool open;		/* may go on: the input ended inside it */
};

typedef void pks_burst_fn(void *ctx, const struct pks_burst *b);

struct pks_burst_det {
	struct pks_rate thr;
	uint64_t gap;
	pks_burst_fn *emit;
	void *ctx;
	/* the stream */
	uint64_t period, min_count;	/* min_count: at or above thr */
	bool have_last;
	uint64_t last_ts;
	/* the burst being built */
	bool in_burst;
	struct pks_burst cur;
	uint64_t last_above_ts;		/* its last window above */
	uint64_t pend_frames, pend_bytes;	/* below, after that one */
	uint64_t peak_count;
};

void pks_burst_init(struct pks_burst_det *d, const struct pks_rate *thr,
		    uint64_t gap, pks_burst_fn *emit, void *ctx);
void pks_burst_feed(struct pks_burst_det *d, const struct pks_sample *s);
/* Every window that ended at or before @known_ns has been fed: the
 * missing ones were empty. */
void pks_burst_advance(struct pks_burst_det *d, uint64_t known_ns);
/* The end of the input: report a burst still open (open = true). */
void pks_burst_finish(struct pks_burst_det *d);

/* Rates of the burst's busiest windows. */
double pks_burst_peak_bps(const struct pks_burst *b);
double pks_burst_peak_pps(const struct pks_burst *b);

/* The JSON line of a burst ("v": 1, ...), with its newline. */
void pks_burst_json(struct pks_buf *out, const char *name,
		    const struct pks_burst *b);

#endif
