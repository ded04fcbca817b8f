// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the window histogram (tools/pks_hist.c: the bounds, the
 * parser, the Prometheus form) and of the JSON writer (tools/pks_json.c).
 */
#include <math.h>
#include <stdlib.h>

#include "unit.h"

/* ------------------------------------------------------------ hist */

static const uint64_t win_bytes[] = { 60, 64, 65, 1500, 1500, 100000 };
static const uint64_t win_frames[] = { 1, 1, 1, 1, 1, 70 };

static void dist_lines(struct pks_buf *b, const char *key,
		       const uint64_t *v, size_t n, int skip, int bump)
{
	uint64_t cum = 0;
	unsigned i;
	size_t k;

	for (i = 0; i < PKS_HIST_N; i++) {
		for (cum = 0, k = 0; k < n; k++)
			cum += v[k] <= pks_hist_bound(i);
		if ((int)i == skip)
			continue;
		pks_buf_printf(b, "%s %llu %llu\n", key,
			       (unsigned long long)pks_hist_bound(i),
			       (unsigned long long)(cum - ((int)i == bump)));
	}
	pks_buf_printf(b, "%s +Inf %zu\n", key, n);
}

/* The hist text of the six windows above; @skip: a bytes bound left
 * out, @bump: a bytes count made one smaller (-1: none). */
static void hist_text(struct pks_buf *b, uint64_t period, int skip, int bump)
{
	b->len = 0;
	pks_buf_printf(b, "# window histogram\nname web\nperiod_ns %llu\n"
		       "created_ns 1795432200000000000\nwindows 6\n"
		       "frames_sum 75\nbytes_sum 103189\nfuture_key 5\n\n",
		       (unsigned long long)period);
	dist_lines(b, "bytes_le", win_bytes, 6, skip, bump);
	dist_lines(b, "frames_le", win_frames, 6, -1, -1);
}

static void hist_bounds(void)
{
	unsigned i;
	bool ok = true;

	for (i = 1; i < PKS_HIST_N; i++)
		ok = ok && pks_hist_bound(i) > pks_hist_bound(i - 1) &&
		     pks_hist_bound(i) * 4 <= pks_hist_bound(i - 1) * 5 + (i < 8 ? 4 : 0);
	CHECK(PKS_HIST_N == 188 && pks_hist_bound(0) == 1 &&
	      pks_hist_bound(7) == 8 && pks_hist_bound(8) == 10 &&
	      pks_hist_bound(11) == 16 && pks_hist_bound(12) == 20 &&
	      pks_hist_bound(187) == 1ULL << 48,
	      "hist: 188 bounds, 1..8, 10, 12, 14, 16, 20 ... 2^48");
	CHECK(ok, "hist: bounds increase, each at most 25%% above the one before (from 8 on)");
}

static void hist_parse(void)
{
	struct pks_buf b = { 0 };
	struct pks_hist h;
	char why[200];
	size_t bad;
	int r;

	hist_text(&b, 10000, -1, -1);
	r = pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	CHECK(r == 0 && !strcmp(h.name, "web") && h.period_ns == 10000 &&
	      h.created_ns == 1795432200000000000ULL && h.windows == 6 &&
	      h.frames_sum == 75 && h.bytes_sum == 103189 &&
	      h.bytes.le[0] == 0 && h.bytes.le[19] == 2 /* 64 */ &&
	      h.bytes.le[20] == 3 /* 80 */ && h.bytes.inf == 6 &&
	      h.frames.le[0] == 5 && h.frames.inf == 6,
	      "hist: parsed, comments, blank lines and unknown keys skipped");
	hist_text(&b, 10000, 8, -1);
	r = pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	CHECK(r == -1 && bad == 18 && strstr(why, "bytes_le 12: the bound 10 was expected"),
	      "hist: a missing bound: line and bound named (%s)", why);
	hist_text(&b, 10000, -1, 30);
	r = pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	CHECK(r == -1 && bad == 10 + 30 && strstr(why, "not cumulative"),
	      "hist: counts that go down are refused (%s)", why);
	hist_text(&b, 10000, -1, -1);
	b.len = (size_t)(strstr(b.p, "bytes_le +Inf") - b.p);
	r = pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	CHECK(r == -1 && bad == 0 && strstr(why, "bytes_le: 188 of the 188 bounds and +Inf expected"),
	      "hist: a missing +Inf (%s)", why);
	r = pks_parse_hist("period_ns 5\nbytes_le +Inf 0\n", 28, &h, &bad, why, sizeof(why));
	CHECK(r == -1 && bad == 2 && strstr(why, "+Inf: after 0 of the 188 bounds"),
	      "hist: +Inf before the bounds (%s)", why);
	hist_text(&b, 10000, -1, -1);
	memcpy(strstr(b.p, "created_ns"), "xreated_ns", 10);
	r = pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	CHECK(r == -1 && bad == 0 && !strcmp(why, "created_ns missing"),
	      "hist: a missing key (%s)", why);
	pks_buf_free(&b);
}

static void hist_prom(void)
{
	struct pks_buf b = { 0 }, out = { 0 };
	struct pks_hist h;
	unsigned lo, hi;
	char why[200];
	size_t bad;

	pks_hist_prom_range(10000, &lo, &hi);
	CHECK(lo == 6 && hi == 21, "prometheus buckets at 10us: 64 B to 2^21 B (1.6 Tbit/s)");
	pks_hist_prom_range(1000, &lo, &hi);
	CHECK(hi == 18, "prometheus buckets at 1us: up to 2^18 B");
	pks_hist_prom_range(1, &lo, &hi);
	CHECK(hi == 8, "prometheus buckets at 1ns: up to 2^8 B");
	pks_hist_prom_range(3600 * PKS_NSEC, &lo, &hi);
	CHECK(hi == 48, "prometheus buckets at 3600s: up to 2^48 B, the last bound");
	hist_text(&b, 10000, -1, -1);
	pks_parse_hist(b.p, b.len, &h, &bad, why, sizeof(why));
	pks_hist_prom(&out, "xt_pktstat_window_bits_per_second", "web", &h);
	CHECK(count_of(out.p, "_bucket{") == 17 &&
	      strstr(out.p, "xt_pktstat_window_bits_per_second_bucket{name=\"web\",le=\"51200000\"} 2\n") &&
	      strstr(out.p, "le=\"102400000\"} 3\n") &&
	      strstr(out.p, "le=\"1638400000\"} 5\n") &&
	      strstr(out.p, "le=\"104857600000\"} 6\n") &&
	      strstr(out.p, "le=\"1677721600000\"} 6\n") &&
	      strstr(out.p, "le=\"+Inf\"} 6\n") &&
	      strstr(out.p, "xt_pktstat_window_bits_per_second_sum{name=\"web\"} 82551200000\n") &&
	      strstr(out.p, "xt_pktstat_window_bits_per_second_count{name=\"web\"} 6\n"),
	      "prometheus histogram: 16 power-of-two buckets in bit/s and +Inf, cumulative; sum and count");
	if (n_fail)
		printf("# %s", out.p);
	out.len = 0;
	h.period_ns = 3000;
	pks_hist_prom(&out, "m", "web", &h);
	CHECK(strstr(out.p, "m_bucket{name=\"web\",le=\"170666666.6666666") != NULL,
	      "prometheus histogram: a bound that is not a whole number of bit/s");
	pks_buf_free(&b);
	pks_buf_free(&out);
}

void test_hist(void)
{
	hist_bounds();
	hist_parse();
	hist_prom();
}

/* ------------------------------------------------------------ JSON */

void test_json(void)
{
	struct pks_buf b = { 0 };
	struct pks_json j = PKS_JSON_INIT(&b);

	pks_json_escape(&b, "tab\there \x1f \xc3\xa9 /");
	STREQ(b.p, "\"tab\\u0009here \\u001f \xc3\xa9 /\"",
	      "json: control characters escaped, UTF-8 passed through");
	b.len = 0;
	pks_json_open(&j, NULL, '{', false);
	pks_json_u64(&j, "a", 18446744073709551615ULL);
	pks_json_open(&j, "b", '[', false);
	pks_json_u64(&j, NULL, 1);
	pks_json_str(&j, NULL, "x\"y");
	pks_json_close(&j);
	pks_json_open(&j, "c", '{', false);
	pks_json_close(&j);
	pks_json_bool(&j, "d", true);
	pks_json_num(&j, "e", 6e9);
	pks_json_num(&j, "f", 0.1);
	pks_json_num(&j, "g", NAN);
	pks_json_double(&j, "h", 123456789, 6);
	pks_json_fixed(&j, "i", 1.5, 3);
	pks_json_str(&j, "k\n", "v");
	pks_json_close(&j);
	STREQ(b.p, "{\"a\": 18446744073709551615, \"b\": [1, \"x\\\"y\"], \"c\": {}, \"d\": true, \"e\": 6000000000, \"f\": 0.1, \"g\": null, \"h\": 1.23457e+08, \"i\": 1.500, \"k\\u000a\": \"v\"}",
	      "json: members, commas, nesting, numbers, escaped keys");
	b.len = 0;
	pks_json_open(&j, NULL, '[', true);
	pks_json_open(&j, NULL, '{', false);
	pks_json_u64(&j, "n", 1);
	pks_json_close(&j);
	pks_json_open(&j, NULL, '{', false);
	pks_json_open(&j, "s", '[', true);
	pks_json_u64(&j, NULL, 2);
	pks_json_close(&j);
	pks_json_close(&j);
	pks_json_close(&j);
	STREQ(b.p, "[\n {\"n\": 1},\n {\"s\": [\n   2\n  ]}\n]",
	      "json: lined containers, indented by depth");
	b.len = 0;
	pks_json_open(&j, NULL, '[', true);
	pks_json_close(&j);
	STREQ(b.p, "[]", "json: an empty lined array");
	pks_buf_free(&b);
}
