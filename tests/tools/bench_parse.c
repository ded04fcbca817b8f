// SPDX-License-Identifier: GPL-2.0
/*
 * How fast xt-pktstat parses data-file text, formats CSV rows, finds
 * bursts and draws a plot, on one core, over 1000000 windows.  Built with
 * -O2, no sanitizers.  Prints
 *   parse:  N samples/s (X MB/s)
 *   csv:    N rows/s
 *   bursts: 1000000 windows in X ms (N windows/s, B bursts)
 *   bursts with JSON lines: X ms (many bursts, a JSON line each)
 *   bursts from text: X ms (parse and detection: what `bursts` does)
 *   plot:   1000000 windows in X ms (Y bytes of SVG)
 * and exits non-zero when parsing is slower than MIN_RATE (default
 * 1000000) samples per second (argument 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pks.h"

#define LINES	1000000

static size_t n_counted;

static void bench_count(void *ctx, const struct pks_burst *b)
{
	(void)ctx;
	(void)b;
	n_counted++;
}

/* The burst lines, as bursts --format json writes them. */
static void bench_emit(void *ctx, const struct pks_burst *b)
{
	pks_burst_json(ctx, "uplink", b);
}

/* Best of 3: detection over @s (with @json, each burst's JSON line too);
 * with @text, parsing it first, as `bursts` does.  Returns ns; *nb: the
 * bursts found. */
static uint64_t bench_bursts(const struct pks_buf *text,
			     struct pks_samples *s, const struct pks_rate *thr,
			     bool json, size_t *nb)
{
	struct pks_buf out = { 0 };
	uint64_t t0, best = UINT64_MAX;
	size_t i, bad, partial;
	int round;

	for (round = 0; round < 3; round++) {
		struct pks_setting set = { 10000, 0 };
		struct pks_burst_det d;

		out.len = 0;
		t0 = pks_now_mono();
		if (text) {
			s->n = 0;
			pks_parse_data(text->p, text->len, &set, s, &bad, &partial);
		}
		pks_burst_init(&d, thr, 1, bench_emit, &out);
		if (!json)
			d.emit = bench_count;
		for (i = 0; i < s->n; i++)
			pks_burst_feed(&d, &s->v[i]);
		pks_burst_finish(&d);
		t0 = pks_now_mono() - t0;
		best = t0 < best ? t0 : best;
	}
	*nb = n_counted / 3;
	n_counted = 0;
	for (i = 0; json && i < out.len; i++)
		*nb += out.p[i] == '\n';
	pks_buf_free(&out);
	return best;
}

static void bench_bursts_all(struct pks_buf *text, struct pks_samples *s)
{
	static const struct pks_rate t10 = { PKS_RATE_BITS, 10000000000000ULL };
	static const struct pks_rate t20 = { PKS_RATE_BITS, 20000000000000ULL };
	size_t nb;
	uint64_t ns;

	ns = bench_bursts(NULL, s, &t20, false, &nb);
	printf("bursts: %zu windows in %.1f ms (%.0f windows/s; 20Gbit/s, gap 1: %zu bursts)\n",
	       s->n, (double)ns / 1e6, (double)s->n / ((double)ns / 1e9), nb);
	ns = bench_bursts(NULL, s, &t10, true, &nb);
	printf("bursts with JSON lines: %.1f ms (10Gbit/s, gap 1: %zu bursts, a line each)\n",
	       (double)ns / 1e6, nb);
	ns = bench_bursts(text, s, &t20, false, &nb);
	printf("bursts from text: %.1f ms for %zu windows (parse and detection, what `xt-pktstat bursts` does)\n",
	       (double)ns / 1e6, s->n);
}

static void bench_plot(const struct pks_samples *s)
{
	static const struct pks_rate thr = { PKS_RATE_BITS, 10000000000000ULL };
	struct pks_buf out = { 0 };
	struct pks_plot p = {
		.name = "uplink", .s = s->v, .n = s->n, .unit = PKS_RATE_BITS,
		.thr = &thr,
	};
	uint64_t t0 = pks_now_mono();

	pks_plot_svg(&out, &p);
	t0 = pks_now_mono() - t0;
	printf("plot: %zu windows in %.0f ms (%zu bytes of SVG)\n", s->n,
	       (double)t0 / 1e6, out.len);
	pks_buf_free(&out);
}

int main(int argc, char **argv)
{
	double min_rate = argc > 1 ? atof(argv[1]) : 1e6;
	struct pks_buf text = { 0 }, csv = { 0 };
	struct pks_samples s = { 0 };
	struct pks_tcache tc = { 0 };
	uint64_t ts = 1795432259300000000ULL, t0, best = UINT64_MAX;
	size_t bad, partial, i;
	int round;
	double rate, csv_rate;

	/* what the module prints for 10us windows of a busy link */
	pks_buf_str(&text, XT_PKTSTAT_DATA_HEADER);
	srand(1);
	for (i = 0; i < LINES; i++) {
		unsigned f = 1 + (unsigned)(rand() % 40);

		ts += 10000 * (1 + (uint64_t)(rand() % 3));
		pks_buf_printf(&text, "%llu %u %u\n", (unsigned long long)ts, f,
			       f * (60 + (unsigned)(rand() % 1400)));
	}
	for (round = 0; round < 5; round++) {
		s.n = 0;
		t0 = pks_now_mono();
		struct pks_setting set = { 10000, 0 };

		if (pks_parse_data(text.p, text.len, &set, &s, &bad, &partial) < 0 ||
		    s.n != LINES) {
			fprintf(stderr, "bench: parse failed\n");
			return 2;
		}
		t0 = pks_now_mono() - t0;
		if (t0 < best)
			best = t0;
	}
	rate = (double)LINES / ((double)best / 1e9);
	printf("parse: %.0f samples/s (%.0f MB/s, %zu bytes, best of 5)\n", rate,
	       (double)text.len / ((double)best / 1e9) / 1e6, text.len);

	best = UINT64_MAX;
	for (round = 0; round < 3; round++) {
		csv.len = 0;
		t0 = pks_now_mono();
		for (i = 0; i < s.n; i++)
			pks_csv_sample(&csv, &tc, "uplink", &s.v[i]);
		t0 = pks_now_mono() - t0;
		if (t0 < best)
			best = t0;
	}
	csv_rate = (double)s.n / ((double)best / 1e9);
	printf("csv: %.0f rows/s\n", csv_rate);
	bench_bursts_all(&text, &s);
	bench_plot(&s);
	pks_buf_free(&text);
	pks_buf_free(&csv);
	pks_samples_free(&s);
	if (rate < min_rate) {
		printf("parse rate below %.0f samples/s\n", min_rate);
		return 1;
	}
	return 0;
}
