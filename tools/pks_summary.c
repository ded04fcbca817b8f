// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: aggregation of samples for watch: totals, the busiest
 * window, percentiles over all windows (the empty ones too), sparkline.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pks_fmt.h"
#include "pks_summary.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t pks_percentile(uint64_t *vals, size_t n, uint64_t zeros, double pct)
{
	uint64_t total = (uint64_t)n + zeros, rank;

	if (!total)
		return 0;
	if (pct <= 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* nearest rank: the smallest value with at least pct% at or below */
	rank = (uint64_t)ceil(pct / 100.0 * (double)total);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	if (rank <= zeros)
		return 0;
	qsort(vals, n, sizeof(*vals), cmp_u64);
	return vals[rank - zeros - 1];
}

/*
 * The rate percentiles sort doubles as integers: for non-negative finite
 * IEEE doubles the order of the bit patterns is the order of the values,
 * so pks_percentile() serves both.
 */
static uint64_t dbits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double bitsd(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static void summarize_rates(const struct pks_sample *s, size_t n,
			    uint64_t zeros, double pct, uint64_t *scratch,
			    struct pks_summary *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double pps = pks_pps(s[i].frames, s[i].period);
		double bps = pks_bps(s[i].bytes, s[i].period);

		if (pps > out->peak_pps)
			out->peak_pps = pps;
		if (bps > out->peak_bps)
			out->peak_bps = bps;
		scratch[i] = dbits(pps);
	}
	out->p_pps = bitsd(pks_percentile(scratch, n, zeros, pct));
	for (i = 0; i < n; i++)
		scratch[i] = dbits(pks_bps(s[i].bytes, s[i].period));
	out->p_bps = bitsd(pks_percentile(scratch, n, zeros, pct));
}

void pks_summarize(const struct pks_sample *s, size_t n,
		   uint64_t total_windows, double pct, uint64_t *scratch,
		   struct pks_summary *out)
{
	uint64_t zeros;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->windows = n;
	for (i = 0; i < n; i++) {
		out->frames += s[i].frames;
		out->bytes += s[i].bytes;
		if (s[i].frames > out->max_frames)
			out->max_frames = s[i].frames;
		if (s[i].bytes > out->max_bytes)
			out->max_bytes = s[i].bytes;
	}
	if (!n)
		return;
	zeros = total_windows > n ? total_windows - n : 0;
	for (i = 0; i < n; i++)
		scratch[i] = s[i].frames;
	out->p_frames = pks_percentile(scratch, n, zeros, pct);
	for (i = 0; i < n; i++)
		scratch[i] = s[i].bytes;
	out->p_bytes = pks_percentile(scratch, n, zeros, pct);
	summarize_rates(s, n, zeros, pct, scratch, out);
}

void pks_sparkline(const struct pks_sample *s, size_t n, uint64_t t0,
		   uint64_t t1, int width, bool utf8, char *dst, size_t dn)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[8] = { '_', '.', ':', '-', '=', '+', '*', '#' };
	uint64_t slot[256] = { 0 }, max = 0;
	size_t i, o = 0;
	int k;

	if (width > 256)
		width = 256;
	if (width < 1 || dn < 1) {
		if (dn)
			dst[0] = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		double f = t1 > t0 && s[i].ts > t0 ?
			(double)(s[i].ts - t0) / (double)(t1 - t0) : 0;
		int x = (int)(f * width);

		if (x >= width)
			x = width - 1;
		if (s[i].frames > slot[x])
			slot[x] = s[i].frames;
		if (slot[x] > max)
			max = slot[x];
	}
	for (k = 0; k < width; k++) {
		const char *c;
		size_t cl;
		char a[2] = { ' ', 0 };

		if (slot[k]) {
			int lvl = (int)ceil((double)slot[k] * 8 / (double)max);

			lvl = lvl < 1 ? 1 : lvl > 8 ? 8 : lvl;
			if (utf8) {
				c = blocks[lvl - 1];
			} else {
				a[0] = ascii[lvl - 1];
				c = a;
			}
		} else {
			c = a;
		}
		cl = strlen(c);
		if (o + cl >= dn)
			break;
		memcpy(dst + o, c, cl);
		o += cl;
	}
	dst[o] = 0;
}
