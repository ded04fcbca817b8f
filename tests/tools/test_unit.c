// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xt-pktstat's library (tools/pks_*.c): here the parser,
 * formatting and aggregation, and main(); the other test_*.c files hold
 * the other groups (unit.h).  Built with ASan + UBSan by
 * tests/tools/Makefile.  Prints "ok N - ..." / "not ok N - ..." lines and
 * "N passed, M failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

int n_pass, n_fail, n_test;

static int parse(const char *text, struct pks_samples *s, size_t *bad,
		 size_t *partial)
{
	struct pks_setting set = { 10000, 0 };

	s->n = 0;
	return pks_parse_data(text, strlen(text), &set, s, bad, partial);
}

static void test_parse_data(void)
{
	struct pks_samples s = { 0 };
	size_t bad, partial;
	int r;
	static const char *const bad_lines[] = {
		"x 1 2\n", "1 2\n", "1 2 3 4\n", "1  2 3\n", " 1 2 3\n",
		"1 2 3 \n", "-1 2 3\n", "1 2 3\r\n", "1 +2 3\n", "\n",
		"18446744073709551616 1 1\n",	/* 2^64 */
		"99999999999999999999 1 1\n",
		"1 000000000000000000001 1\n",	/* 21 digits */
		"1 2 0x3\n", "1\t2 3\n",
	};
	size_t i;

	r = parse("# timestamp frames bytes\n", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 0 && partial == 0, "data: header only: no sample");
	r = parse("", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 0, "data: empty: no sample");
	r = parse("# timestamp frames bytes\n1795432259300000000 2 168\n"
		  "1795432259500000000 3 252\n", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 2 && s.v[0].ts == 1795432259300000000ULL &&
	      s.v[0].frames == 2 && s.v[0].bytes == 168 &&
	      s.v[1].ts == 1795432259500000000ULL && s.v[1].frames == 3 &&
	      s.v[1].bytes == 252, "data: two samples, in order");
	r = parse("# timestamp frames bytes\n1 2 3\n4 5", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 1 && partial == 3,
	      "data: an incomplete last line is left out (partial %zu)", partial);
	r = parse("18446744073709551615 18446744073709551615 0\n", &s, &bad,
		  &partial);
	CHECK(r == 0 && s.n == 1 && s.v[0].ts == UINT64_MAX &&
	      s.v[0].frames == UINT64_MAX && s.v[0].bytes == 0,
	      "data: 2^64-1 parses");
	r = parse("00000000000000000001 1 1\n", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 1 && s.v[0].ts == 1,
	      "data: 20 digits with leading zeros");
	r = parse("1 1 1\n# a comment\n2 2 2\n", &s, &bad, &partial);
	CHECK(r == 0 && s.n == 2, "data: '#' lines skipped anywhere");
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		char text[128];
		char shown[64];
		size_t k;

		snprintf(text, sizeof(text), "# timestamp frames bytes\n7 8 9\n%s",
			 bad_lines[i]);
		r = parse(text, &s, &bad, &partial);
		for (k = 0; bad_lines[i][k] && k < sizeof(shown) - 1; k++)
			shown[k] = bad_lines[i][k] == '\n' ? '$' :
				   bad_lines[i][k] == '\r' ? '^' :
				   bad_lines[i][k] == '\t' ? '>' : bad_lines[i][k];
		shown[k] = 0;
		CHECK(r == -1 && bad == 3 && s.n == 1,
		      "data: bad line \"%s\" refused at line 3, the sample before kept",
		      shown);
	}
	/* many samples: the vector grows */
	{
		struct pks_buf b = { 0 };

		for (i = 0; i < 100000; i++)
			pks_buf_printf(&b, "%zu %zu %zu\n", 1000 + i, i, 2 * i);
		struct pks_setting set = { 10000, 0 };

		s.n = 0;
		r = pks_parse_data(b.p, b.len, &set, &s, &bad, &partial);
		CHECK(r == 0 && s.n == 100000 && s.v[99999].ts == 100999 &&
		      s.v[99999].bytes == 199998, "data: 100000 samples");
		pks_buf_free(&b);
	}
	pks_samples_free(&s);
}

static const char stats_text[] =
	"name web\nperiod_ns 10000\nsamples 65536\nrules 2\n"
	"frames_seen 100\nbytes_seen 9000\nsamples_read 7\nframes_read 60\n"
	"bytes_read 5000\nsamples_dropped 2\nframes_dropped 3\n"
	"bytes_dropped 300\nsamples_pending 5\nframes_pending 37\n"
	"bytes_pending 3700\nclock_steps_back 1\nclose_latency_ns 8000000\n"
	"fast_clock 1\nsettings_changes 1\nwaiting_rules 2\nwaiting_period_ns 2000000\n"
	"waiting_samples 50\n";

static void test_parse_stats(void)
{
	struct pks_stats st;
	size_t bad;
	int r;
	char buf[1024];

	r = pks_parse_stats(stats_text, strlen(stats_text), &st, &bad);
	CHECK(r == 0 && !strcmp(st.name, "web") && st.v[PKS_KEY_period_ns] == 10000 &&
	      st.v[PKS_KEY_samples] == 65536 && st.v[PKS_KEY_rules] == 2 &&
	      st.v[PKS_KEY_frames_seen] == 100 && st.v[PKS_KEY_frames_pending] == 37 &&
	      st.v[PKS_KEY_clock_steps_back] == 1 &&
	      st.have == (1u << PKS_NKEYS) - 1, "stats: every key");
	snprintf(buf, sizeof(buf), "%snew_key 12\n", stats_text);
	r = pks_parse_stats(buf, strlen(buf), &st, &bad);
	CHECK(r == 0 && st.v[PKS_KEY_bytes_pending] == 3700, "stats: an unknown key is ignored");
	r = pks_parse_stats("period_ns 5\nsamples 3", 21, &st, &bad);
	CHECK(r == 0 && st.v[PKS_KEY_samples] == 3, "stats: no final newline");
	r = pks_parse_stats("samples 3\n", 10, &st, &bad);
	CHECK(r == -1 && bad == 0, "stats: period_ns missing");
	r = pks_parse_stats("period_ns 0\nsamples 3\n", 22, &st, &bad);
	CHECK(r == -1, "stats: period_ns 0");
	r = pks_parse_stats("period_ns 5\nsamples x\n", 22, &st, &bad);
	CHECK(r == -1 && bad == 2, "stats: a bad value, at line 2");
	r = pks_parse_stats("period_ns 5\nsamples\n", 20, &st, &bad);
	CHECK(r == -1 && bad == 2, "stats: a key without value");
}

static void test_inputs(void)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} good[] = {
		{ "1s", 1000000000ULL }, { "5m", 300000000000ULL },
		{ "10us", 10000 }, { "1500ns", 1500 }, { "2h", 7200000000000ULL },
		{ "7", 7000000000ULL }, { "250ms", 250000000 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"", "-1", "1x", "1.5s", "s", " 1s", "1 s", "1sec",
		"99999999999999999999h", "18446744073709551615h",
	};
	size_t i;
	uint64_t ns;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = pks_parse_duration(good[i].s, PKS_NSEC, &ns);

		CHECK(r == 0 && ns == good[i].ns, "duration \"%s\"", good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(pks_parse_duration(bad[i], PKS_NSEC, &ns) < 0,
		      "duration \"%s\" refused", bad[i]);
	CHECK(pks_valid_name("0") && pks_valid_name("web6") &&
	      pks_valid_name("a.b-c_D") &&
	      pks_valid_name("abcdefghijklmnopqrstuvwxyz01234"),
	      "names: valid ones");
	CHECK(!pks_valid_name("") && !pks_valid_name(".") &&
	      !pks_valid_name("..") && !pks_valid_name("a/b") &&
	      !pks_valid_name("a b") && !pks_valid_name("abcdefghijklmnopqrstuvwxyz012345") &&
	      !pks_valid_name("\xc3\xa9"), "names: invalid ones");
}

static void test_format(void)
{
	static const struct {
		double v;
		const char *s;
	} hum[] = {
		{ 0, "0" }, { 0.4, "0" }, { 1, "1" }, { 999, "999" },
		{ 999.4, "999" }, { 1000, "1.00k" }, { 1234, "1.23k" },
		{ 12345, "12.3k" }, { 123456, "123k" }, { 999999, "1.00M" },
		{ 1234567, "1.23M" }, { 9.87e9, "9.87G" }, { 1e12, "1.00T" },
		{ 4.2e15, "4.20P" },
	};
	static const struct {
		uint64_t ns;
		const char *s;
	} per[] = {
		{ 10000, "10us" }, { 1500, "1500ns" }, { 3600000000000ULL, "3600s" },
		{ 100000000, "100ms" }, { 1000, "1us" }, { 1, "1ns" },
		{ 1000000000, "1s" }, { 1500000000, "1500ms" },
	};
	struct pks_tcache tc = { 0 };
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(hum) / sizeof(hum[0]); i++) {
		pks_human(buf, sizeof(buf), hum[i].v);
		STREQ(buf, hum[i].s, "human %g", hum[i].v);
	}
	for (i = 0; i < sizeof(per) / sizeof(per[0]); i++) {
		pks_fmt_period(buf, sizeof(buf), per[i].ns);
		STREQ(buf, per[i].s, "period %llu ns", (unsigned long long)per[i].ns);
	}
	pks_fmt_duration(buf, sizeof(buf), 655350000);
	STREQ(buf, "655ms", "duration text 655ms");
	pks_fmt_duration(buf, sizeof(buf), 999990000);
	STREQ(buf, "1.0s", "duration text 999.99ms rounds to 1.0s, not 1000ms");
	pks_fmt_duration(buf, sizeof(buf), 9990000000ULL);
	STREQ(buf, "10s", "duration text 9.99s rounds to 10s");
	pks_fmt_duration(buf, sizeof(buf), 999999);
	STREQ(buf, "1ms", "duration text 999999ns rounds to 1ms");
	pks_fmt_duration(buf, sizeof(buf), 1500000000);
	STREQ(buf, "1.5s", "duration text 1.5s");
	*pks_fmt_time(buf, &tc, 1795432259300000000ULL) = 0;
	STREQ(buf, "2026-11-23 11:10:59.300000000", "time (UTC)");
	*pks_fmt_time(buf, &tc, 1795432259300000001ULL) = 0;
	STREQ(buf, "2026-11-23 11:10:59.300000001", "time, same second (cached)");
	*pks_fmt_time(buf, &tc, 1709251199999999999ULL) = 0;
	STREQ(buf, "2024-02-29 23:59:59.999999999", "time, a leap day");
	*pks_fmt_time(buf, &tc, 0) = 0;
	STREQ(buf, "1970-01-01 00:00:00.000000000", "time 0");
	pks_fmt_stamp(buf, sizeof(buf), 1795432200);
	STREQ(buf, "2026-11-23-111000", "file stamp");
}

static void test_csv_json(void)
{
	struct pks_buf b = { 0 };
	struct pks_tcache tc = { 0 };
	struct pks_sample s = { 1795432259300010000ULL, 5, 1500, 10000 };

	pks_csv_sample(&b, &tc, "web", &s);
	STREQ(b.p, "2026-11-23 11:10:59.300010000,web,1795432259300010000,10000,5,1500,\n",
	      "csv: a sample row");
	b.len = 0;
	pks_csv_event(&b, &tc, "web", 1795432259000000000ULL, 10000,
		      "dropped windows=3 frames=4 bytes=5 (FIFO full)");
	STREQ(b.p, "2026-11-23 11:10:59.000000000,web,,10000,,,dropped windows=3 frames=4 bytes=5 (FIFO full)\n",
	      "csv: an event row");
	b.len = 0;
	pks_csv_event(&b, &tc, "", 1795432259000000000ULL, 0, "lost rows=2: No space, \"full\"");
	STREQ(b.p, "2026-11-23 11:10:59.000000000,,,,,,\"lost rows=2: No space, \"\"full\"\"\"\n",
	      "csv: quoting of an event with a comma and quotes");
	b.len = 0;
	pks_json_escape(&b, "a\"b\\c\n\x01");
	STREQ(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\"", "json: string escapes");
	pks_buf_free(&b);
}

static void test_aggregate(void)
{
	uint64_t v[100], scratch[16];
	struct pks_sample s[10];
	struct pks_summary sum;
	char line[512];
	size_t i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;
	CHECK(pks_percentile(v, 100, 0, 99) == 99, "p99 of 1..100 is 99");
	CHECK(pks_percentile(v, 100, 0, 100) == 100, "p100 is the max");
	CHECK(pks_percentile(v, 100, 0, 1) == 1, "p1 of 1..100 is 1");
	CHECK(pks_percentile(v, 100, 0, 50) == 50, "p50 of 1..100 is 50");
	CHECK(pks_percentile(v, 100, 900, 99) == 90,
	      "p99 with 900 empty windows: rank 990 -> 90");
	CHECK(pks_percentile(v, 100, 9900, 99) == 0,
	      "p99 with 9900 empty windows: 0");
	CHECK(pks_percentile(v, 0, 0, 99) == 0, "p99 of nothing: 0");
	v[0] = 7;
	CHECK(pks_percentile(v, 1, 0, 99) == 7, "p99 of one value");

	for (i = 0; i < 10; i++) {
		s[i].ts = 1000 + i * 100;
		s[i].frames = i + 1;
		s[i].bytes = (i + 1) * 100;
		s[i].period = 100;
	}
	pks_summarize(s, 10, 10, 99, scratch, &sum);
	CHECK(sum.windows == 10 && sum.frames == 55 && sum.bytes == 5500 &&
	      sum.max_frames == 10 && sum.max_bytes == 1000 &&
	      sum.p_frames == 10 && sum.p_bytes == 1000,
	      "summary: totals, busiest window, p99 over 10 windows");
	pks_summarize(s, 10, 999, 99, scratch, &sum);
	CHECK(sum.p_frames == 1 && sum.p_bytes == 100,
	      "summary: p99 over 999 windows, 989 empty: rank 990, the smallest sample");
	pks_summarize(s, 10, 1000, 99, scratch, &sum);
	CHECK(sum.p_frames == 0 && sum.p_bytes == 0,
	      "summary: p99 over 1000 windows, 990 empty: rank 990 is empty");
	pks_summarize(s, 10, 5, 50, scratch, &sum);
	CHECK(sum.p_frames == 5, "summary: fewer windows than samples: no zeros");
	pks_summarize(s, 0, 100, 99, scratch, &sum);
	CHECK(sum.windows == 0 && sum.frames == 0 && sum.p_frames == 0,
	      "summary: no samples");

	/* a burst: one busy window among quiet ones */
	for (i = 0; i < 10; i++) {
		s[i].ts = i * 1000;
		s[i].frames = i == 6 ? 80 : 10;
	}
	pks_sparkline(s, 10, 0, 10000, 10, false, line, sizeof(line));
	STREQ(line, "______#___", "sparkline (ASCII): the burst stands out");
	pks_sparkline(s, 10, 0, 10000, 10, true, line, sizeof(line));
	STREQ(line, "\u2581\u2581\u2581\u2581\u2581\u2581\u2588\u2581\u2581\u2581",
	      "sparkline (UTF-8)");
	pks_sparkline(s, 3, 0, 10000, 10, false, line, sizeof(line));
	STREQ(line, "###       ", "sparkline: slots without traffic are blank");
	pks_sparkline(s, 10, 0, 10000, 5, false, line, sizeof(line));
	STREQ(line, "___#_", "sparkline: two windows per slot, the busiest shown");
	s[0].ts = 50000;	/* after t1: clamped to the last slot */
	pks_sparkline(s, 1, 0, 10000, 4, false, line, sizeof(line));
	STREQ(line, "   #", "sparkline: a late sample goes into the last slot");
	pks_sparkline(s, 10, 0, 10000, 10, false, line, 4);
	CHECK(strlen(line) == 3, "sparkline: the output is bounded");
}

int main(void)
{
	test_parse_data();
	test_parse_stats();
	test_inputs();
	test_format();
	test_csv_json();
	test_aggregate();
	test_rates();
	test_bursts();
	test_hist();
	test_json();
	test_drain();
	test_csv_in();
	test_svg();
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail != 0;
}
