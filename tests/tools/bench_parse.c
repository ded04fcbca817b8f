// SPDX-License-Identifier: GPL-2.0
/*
 * How fast xt-pktstat parses data-file text (and formats CSV rows), on one
 * core.  Built with -O2, no sanitizers.  Prints
 *   parse: N samples/s (X MB/s)
 *   csv:   N rows/s
 * and exits non-zero when parsing is slower than MIN_RATE (default
 * 1000000) samples per second (argument 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pks.h"

#define LINES	1000000

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
	pks_buf_str(&text, PKS_HEADER "\n");
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
		if (pks_parse_data(text.p, text.len, &s, &bad, &partial) < 0 ||
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
			pks_csv_sample(&csv, &tc, "uplink", 10000, &s.v[i]);
		t0 = pks_now_mono() - t0;
		if (t0 < best)
			best = t0;
	}
	csv_rate = (double)s.n / ((double)best / 1e9);
	printf("csv: %.0f rows/s\n", csv_rate);
	pks_buf_free(&text);
	pks_buf_free(&csv);
	pks_samples_free(&s);
	if (rate < min_rate) {
		printf("parse rate below %.0f samples/s\n", min_rate);
		return 1;
	}
	return 0;
}
