/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: aggregation of samples (watch's line): totals, the busiest
 * window, percentiles, the sparkline.
 */
#ifndef PKS_SUMMARY_H
#define PKS_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "pks_buf.h"

struct pks_summary {
	uint64_t windows;		/* samples (windows that saw traffic) */
	uint64_t frames, bytes;
	uint64_t max_frames, max_bytes;	/* the largest counts of a window */
	uint64_t p_frames, p_bytes;	/* the percentile's counts */
	/* rates, each window with its own period (a reload may change it) */
	double peak_pps, peak_bps;	/* the busiest window's */
	double p_pps, p_bps;		/* the percentile's */
};

/*
 * Summary of @n samples, and the @pct percentile (0 < pct <= 100) of the
 * frames and of the bytes per window, and of the window rates, over
 * @total_windows windows: the windows missing from the samples (no
 * traffic) count as zeros.  Nearest rank.  @scratch (n entries) is
 * overwritten.
 */
void pks_summarize(const struct pks_sample *s, size_t n,
		   uint64_t total_windows, double pct, uint64_t *scratch,
		   struct pks_summary *out);

/* Nearest-rank percentile of @vals (sorted in place) plus @zeros zeros. */
uint64_t pks_percentile(uint64_t *vals, size_t n, uint64_t zeros, double pct);

/*
 * Sparkline of the busiest window (frames) per slot: @width slots across
 * [t0, t1), samples outside clamped to the ends; heights relative to the
 * busiest slot.  An empty slot is a blank, a non-empty one at least the
 * lowest bar.  UTF-8 blocks or ASCII.  Writes a NUL-terminated string.
 */
void pks_sparkline(const struct pks_sample *s, size_t n, uint64_t t0,
		   uint64_t t1, int width, bool utf8, char *dst, size_t dn);

#endif
