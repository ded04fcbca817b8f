// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what xt-pktstat reads and draws: a drain whose read
 * fails half-way (tools/pks_proc.c), the setting lines of data and the
 * new stats keys (tools/pks_parse.c), collect's CSV files read back
 * (tools/pks_csvin.c) and the SVG plot (tools/pks_svg.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

/*
 * A data file whose second read fails, as a read of a name removed
 * meanwhile fails with EIO: a Unix socket gives its queued bytes, then
 * ECONNRESET once the other end was closed with data of ours unread.
 */
static int failing_reader(const char *text)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	if (write(sv[0], text, strlen(text)) != (ssize_t)strlen(text) ||
	    write(sv[1], "x", 1) != 1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[0]);
	return sv[1];
}

static void drain_keeps_what_was_read(void)
{
	struct pks_buf b = { 0 };
	struct pks_samples s = { 0 };
	struct pks_setting set = { 10000, 65536 };
	size_t bad = 0;
	int fd, err = 0, r;

	fd = failing_reader("# timestamp frames bytes\n"
			    "1795432259300000000 2 168\n"
			    "1795432259300010000 5 1500\n"
			    "17954322593000");
	CHECK(fd >= 0, "drain: a reader that fails after some data (socketpair)");
	if (fd < 0)
		return;
	r = pks_drain_fd(fd, &b, &set, &s, &bad, &err);
	close(fd);
	CHECK(r == -1 && err == ECONNRESET,
	      "drain: the failed read is reported (status %d, %s)", r,
	      strerror(err));
	CHECK(s.n == 2 && s.v[0].frames == 2 && s.v[1].bytes == 1500 &&
	      s.v[1].period == 10000,
	      "drain: the samples read before the failure are kept (%zu), the incomplete line left out",
	      s.n);
	pks_buf_free(&b);
	pks_samples_free(&s);
}

static void data_settings(void)
{
	static const char text[] =
		"# timestamp frames bytes\n"
		"1795432259300000000 2 168\n"
		"# period_ns 2000000 samples 50\n"
		"1795432259302000000 5 1500\n"
		"# a comment\n"
		"1795432259304000000 1 84\n";
	static const char *const bad_settings[] = {
		"# period_ns x samples 5\n", "# period_ns 0 samples 5\n",
		"# period_ns 5 samplez 5\n", "# period_ns 5 samples\n",
		"# period_ns 5 samples 5x\n", "# period_ns \n",
	};
	struct pks_samples s = { 0 };
	struct pks_setting set = { 10000, 65536 };
	size_t bad, partial, i;
	int r;

	r = pks_parse_data(text, strlen(text), &set, &s, &bad, &partial);
	CHECK(r == 0 && s.n == 3 && s.v[0].period == 10000 &&
	      s.v[1].period == 2000000 && s.v[2].period == 2000000 &&
	      set.period_ns == 2000000 && set.samples == 50,
	      "data: a setting line gives the samples after it their period");
	for (i = 0; i < PKS_ARRAY_SIZE(bad_settings); i++) {
		char t[128];

		set = (struct pks_setting){ 10000, 65536 };
		s.n = 0;
		snprintf(t, sizeof(t), "1 2 3\n%s4 5 6\n", bad_settings[i]);
		r = pks_parse_data(t, strlen(t), &set, &s, &bad, &partial);
		CHECK(r == -1 && bad == 2 && s.n == 1 && set.period_ns == 10000,
		      "data: a bad setting line refused: %.*s", (int)strlen(bad_settings[i]) - 1,
		      bad_settings[i]);
	}
	set = (struct pks_setting){ 10000, 65536 };
	s.n = 0;
	{
		static const char more[] =
			"# period_ns 7\n1 2 3\n# period_ns 9 samples 4 later 1\n4 5 6\n";

		r = pks_parse_data(more, strlen(more), &set, &s, &bad, &partial);
	}
	CHECK(r == 0 && s.n == 2 && s.v[0].period == 7 && s.v[1].period == 9 &&
	      set.samples == 4,
	      "data: a setting line without samples, and one with more after them");
	pks_samples_free(&s);
}

static void stats_new_keys(void)
{
	static const char text[] =
		"name web\nperiod_ns 1000000\nsamples 100\nclose_latency_ns 8000000\n"
		"settings_changes 2\nwaiting_rules 1\nwaiting_period_ns 2000000\n"
		"waiting_samples 50\n";
	struct pks_stats st;
	struct pks_setting set;
	size_t bad;

	CHECK(pks_parse_stats(text, strlen(text), &st, &bad) == 0 &&
	      st.v[PKS_KEY_close_latency_ns] == 8000000 &&
	      st.v[PKS_KEY_settings_changes] == 2 &&
	      st.v[PKS_KEY_waiting_rules] == 1 &&
	      st.v[PKS_KEY_waiting_period_ns] == 2000000 &&
	      st.v[PKS_KEY_waiting_samples] == 50,
	      "stats: the reload and latency keys");
	set = pks_stats_setting(&st);
	CHECK(set.period_ns == 1000000 && set.samples == 100,
	      "stats: the setting in force");
	CHECK(!strcmp(pks_key_names[PKS_KEY_name], "name") &&
	      !strcmp(pks_key_names[PKS_KEY_waiting_samples], "waiting_samples") &&
	      PKS_NKEYS == 22, "stats: the keys are the module's list");
	STREQ(pks_time_units_text(), "ns, us, ms, s, m or h",
	      "units: the module's and the reader's minutes and hours");
}

void test_drain(void)
{
	drain_keeps_what_was_read();
	data_settings();
	stats_new_keys();
}

/* ------------------------------------------------------------ CSV in */

void test_csv_in(void)
{
	static const char csv[] = PKS_CSV_HEADER
		"2026-11-23 11:10:59.300010000,web,1795432259300010000,10000,5,1500,\n"
		"2026-11-23 11:10:59.000000000,web,,10000,,,\"lost rows=2: No space, \"\"full\"\"\"\n"
		"2026-11-23 11:10:59.300000000,web,1795432259300000000,20000,2,168,\n"
		"2026-11-23 11:10:59.300000000,lan,1795432259300000000,10000,7,700,\n";
	struct pks_samples s = { 0 };
	char name[64] = "", err[512];
	int r;

	r = pks_csv_parse("a.csv", csv, strlen(csv), name, true, &s, err, sizeof(err));
	CHECK(r == 0 && s.n == 0, "csv in: a name given that is not there: no sample");
	strcpy(name, "web");
	r = pks_csv_parse("a.csv", csv, strlen(csv), name, true, &s, err, sizeof(err));
	pks_samples_sort(&s);
	CHECK(r == 0 && s.n == 2 && s.v[0].ts == 1795432259300000000ULL &&
	      s.v[0].period == 20000 && s.v[1].frames == 5 && s.v[1].bytes == 1500,
	      "csv in: the rows of the name given, events skipped, sorted, each with its period");
	name[0] = 0;
	s.n = 0;
	r = pks_csv_parse("a.csv", csv, strlen(csv), name, false, &s, err, sizeof(err));
	CHECK(r == -1 && strstr(err, "a.csv: line 5: rows of two names, web and lan"),
	      "csv in: two names and none given: %s", err);
	r = pks_csv_parse("b.csv", "Time,Name\n", 10, name, false, &s, err, sizeof(err));
	CHECK(r == -1 && strstr(err, "b.csv: not a CSV file of xt-pktstat collect"),
	      "csv in: another CSV file: %s", err);
	r = pks_csv_parse("c.csv", PKS_CSV_HEADER "x,web,1,0,1,1,\n",
			  strlen(PKS_CSV_HEADER "x,web,1,0,1,1,\n"), name, false,
			  &s, err, sizeof(err));
	CHECK(r == -1 && strstr(err, "c.csv: line 2: not a row of collect"),
	      "csv in: a row with period 0: %s", err);
	pks_samples_free(&s);
}

/* ------------------------------------------------------------ SVG */

void test_svg(void)
{
	static const struct pks_rate gbit = { PKS_RATE_BITS, 1000000000000ULL };
	struct pks_burst bursts[2] = {
		{ .start_ns = 1795432259300000000ULL + 100 * 10000,
		  .end_ns = 1795432259300000000ULL + 110 * 10000 },
		{ .start_ns = 1795432259300000000ULL + 5000 * 10000,
		  .end_ns = 1795432259300000000ULL + 5001 * 10000 },
	};
	struct pks_samples s = { 0 };
	struct pks_buf b = { 0 };
	struct pks_plot p = {
		.name = "web<1>", .unit = PKS_RATE_BITS, .thr = &gbit,
		.bursts = bursts, .n_bursts = 2,
	};
	size_t i;

	pks_xml_text(&b, "a<b>&\"c");
	STREQ(b.p, "a&lt;b&gt;&amp;&quot;c", "svg: text escaped");
	b.len = 0;
	for (i = 0; i < 10000; i++) {
		struct pks_sample x = {
			1795432259300000000ULL + i * 10000, 1,
			i == 5000 ? 5000 : 100 + i % 7, 10000,
		};

		if (i % 3)
			pks_samples_push(&s, &x);
	}
	p.s = s.v;
	p.n = s.n;
	pks_plot_svg(&b, &p);
	CHECK(!strncmp(b.p, "<?xml", 5) && strstr(b.p, "</svg>\n") &&
	      strstr(b.p, ">xt_pktstat web&lt;1&gt;: period 10us</text>") &&
	      strstr(b.p, ">threshold 1.00Gbit/s</text>") &&
	      count_of(b.p, "fill=\"#f2a35e\"") == 2 &&
	      strstr(b.p, ">bits per second (layer 3)</text>") &&
	      strstr(b.p, ">time (UTC), 2026-11-23</text>"),
	      "svg: title with the name and period, threshold, 2 bursts, axis titles");
	CHECK(strstr(b.p, ">4.00Gbit/s</text>") != NULL,
	      "svg: the y axis reaches the peak (5000 bytes in 10us: 4 Gbit/s)");
	CHECK(b.len < 200000, "svg: 10000 windows drawn in %zu bytes (one column per pixel)",
	      b.len);
	pks_buf_free(&b);
	pks_samples_free(&s);
}
