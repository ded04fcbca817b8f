// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the rates (tools/pks_rate.c) and of burst detection
 * (tools/pks_burst.c).
 */
#include <stdlib.h>

#include "unit.h"

/* ------------------------------------------------------------ rates */

static const struct pks_rate gbit10 = { PKS_RATE_BITS, 10000000000000ULL };
static const struct pks_rate mpps2 = { PKS_RATE_PACKETS, 2000000000ULL };

static void rate_good(const char *s, const struct pks_rate *link,
		      enum pks_rate_unit unit, uint64_t milli)
{
	struct pks_rate r = { 0, 0 };
	char err[512] = "";
	int rc = pks_parse_rate("--threshold", s, true, link, &r, err,
				sizeof(err));

	CHECK(rc == 0 && r.unit == unit && r.milli == milli,
	      "rate \"%s\"%s: %s, %llu thousandths per second", s,
	      link ? " (with --link-speed)" : "",
	      unit == PKS_RATE_BITS ? "bits" : "packets",
	      (unsigned long long)milli);
	if (rc || r.milli != milli)
		printf("#   got %d, %llu (%s)\n", rc, (unsigned long long)r.milli,
		       err);
}

/* A refused rate: the message names the option, the value and @why. */
static void rate_bad(const char *opt, const char *s, bool pct_ok,
		     const struct pks_rate *link, const char *why)
{
	struct pks_rate r;
	char err[512] = "", quoted[64];
	int rc = pks_parse_rate(opt, s, pct_ok, link, &r, err, sizeof(err));

	snprintf(quoted, sizeof(quoted), "%s \"%s\": ", opt, s);
	CHECK(rc == -1 && !strncmp(err, quoted, strlen(quoted)) &&
	      strstr(err, why), "%s \"%s\" refused: ...%s...", opt, s, why);
	if (rc != -1 || !strstr(err, why))
		printf("#   message: %s\n", err);
}

/* The least count of a window at or above a rate. */
static void min_counts(void)
{
	static const struct {
		struct pks_rate r;
		uint64_t period, count;
		const char *what;
	} t[] = {
		{ { PKS_RATE_BITS, 1000000000000ULL }, 10000, 1250,
		  "1Gbit over 10us: 1250 bytes a window" },
		{ { PKS_RATE_BITS, 1000000000000ULL }, 1001, 126,
		  "1Gbit over 1001ns: 125.125 bytes, so 126" },
		{ { PKS_RATE_BITS, 3000000000000ULL }, 7000, 2625,
		  "3Gbit over 7us: 2625 bytes exactly" },
		{ { PKS_RATE_PACKETS, 1000000000ULL }, 1000000, 1000,
		  "1Mpps over 1ms: 1000 frames" },
		{ { PKS_RATE_BITS, 1000 }, 1000, 1,
		  "1bps over 1us: at least 1 (an empty window is below)" },
		{ { PKS_RATE_BITS, PKS_RATE_MAX_MILLI }, 3600000000000ULL,
		  450000000000000000ULL, "1000Tbit over 3600s: no overflow" },
	};
	size_t i;

	for (i = 0; i < PKS_ARRAY_SIZE(t); i++)
		CHECK(pks_rate_min_count(&t[i].r, t[i].period) == t[i].count,
		      "%s", t[i].what);
}

void test_rates(void)
{
	static const char form[] =
		"a number (decimals allowed) and a unit: bps, bit, kbit, kbps, Mbit, Mbps, Gbit, Gbps, Tbit, Tbps (bits per second) or pps, kpps, Mpps, Gpps (packets per second)";
	char with_pct[512];

	rate_good("1bps", NULL, PKS_RATE_BITS, 1000);
	rate_good("1bit", NULL, PKS_RATE_BITS, 1000);
	rate_good("100kbit", NULL, PKS_RATE_BITS, 100000000);
	rate_good("100kbps", NULL, PKS_RATE_BITS, 100000000);
	rate_good("500Mbit", NULL, PKS_RATE_BITS, 500000000000ULL);
	rate_good("500Mbps", NULL, PKS_RATE_BITS, 500000000000ULL);
	rate_good("10Gbit", NULL, PKS_RATE_BITS, 10000000000000ULL);
	rate_good("10Gbps", NULL, PKS_RATE_BITS, 10000000000000ULL);
	rate_good("2.5Gbit", NULL, PKS_RATE_BITS, 2500000000000ULL);
	rate_good("1Tbit", NULL, PKS_RATE_BITS, 1000000000000000ULL);
	rate_good("1.6Tbps", NULL, PKS_RATE_BITS, 1600000000000000ULL);
	rate_good("0.5bps", NULL, PKS_RATE_BITS, 500);
	rate_good("1pps", NULL, PKS_RATE_PACKETS, 1000);
	rate_good("10kpps", NULL, PKS_RATE_PACKETS, 10000000);
	rate_good("2Mpps", NULL, PKS_RATE_PACKETS, 2000000000ULL);
	rate_good("1.25Gpps", NULL, PKS_RATE_PACKETS, 1250000000000ULL);
	rate_good("1000Tbit", NULL, PKS_RATE_BITS, PKS_RATE_MAX_MILLI);
	rate_good("80%", &gbit10, PKS_RATE_BITS, 8000000000000ULL);
	rate_good("12.5%", &gbit10, PKS_RATE_BITS, 1250000000000ULL);
	rate_good("100%", &mpps2, PKS_RATE_PACKETS, 2000000000ULL);
	rate_good("0.001%", &gbit10, PKS_RATE_BITS, 100000000ULL);

	snprintf(with_pct, sizeof(with_pct), "%s, or P%% of --link-speed", form);
	rate_bad("--threshold", "", true, NULL, with_pct);
	rate_bad("--threshold", "5", true, NULL, "not a rate: a number");
	rate_bad("--threshold", "5Gb", true, NULL, with_pct);
	rate_bad("--threshold", "5 Gbit", true, NULL, "not a rate");
	rate_bad("--threshold", "-1Gbit", true, NULL, "not a rate");
	rate_bad("--threshold", "1.Gbit", true, NULL, "not a rate");
	rate_bad("--threshold", ".5Gbit", true, NULL, "not a rate");
	rate_bad("--threshold", "1e9bps", true, NULL, "not a rate");
	rate_bad("--threshold", "5mbit", true, NULL, "not a rate");
	rate_bad("--threshold", "5GBit", true, NULL, "not a rate");
	rate_bad("--threshold", "0bps", true, NULL, "must be more than 0");
	rate_bad("--threshold", "0.0001bps", true, NULL, "must be more than 0");
	rate_bad("--threshold", "1001Tbit", true, NULL,
		 "too large: at most 1000Tbit");
	rate_bad("--threshold", "99999999999999999999Gbit", true, NULL,
		 "too large");
	rate_bad("--threshold", "80%", true, NULL,
		 "a percentage needs --link-speed RATE");
	rate_bad("--threshold", "0%", true, &gbit10,
		 "must be more than 0% and at most 100%");
	rate_bad("--threshold", "100.5%", true, &gbit10,
		 "must be more than 0% and at most 100%");
	rate_bad("--link-speed", "80%", false, NULL, form);
	rate_bad("--link-speed", "fast", false, NULL, form);
	min_counts();

	{
		char b[32];

		pks_fmt_rate(b, sizeof(b), &gbit10);
		STREQ(b, "10.0Gbit/s", "rate text: bits");
		pks_fmt_rate(b, sizeof(b), &mpps2);
		STREQ(b, "2.00Mpkt/s", "rate text: packets");
	}
}

/* ------------------------------------------------------------ bursts */

#define P	10000ULL			/* 10us windows */
#define T0	1795432259300000000ULL		/* a multiple of P */
#define HI	2000				/* bytes: 1.6 Gbit/s */
#define LO	100				/* bytes: 80 Mbit/s */

struct got {
	struct pks_burst b[16];
	int n;
};

static void keep(void *ctx, const struct pks_burst *b)
{
	struct got *g = ctx;

	if (g->n < 16)
		g->b[g->n] = *b;
	g->n++;
}

/* 1Gbit/s: a window of 10us is above from 1250 bytes. */
static void det_init(struct pks_burst_det *d, struct got *g, uint64_t gap)
{
	static const struct pks_rate gbit = { PKS_RATE_BITS, 1000000000000ULL };

	memset(g, 0, sizeof(*g));
	pks_burst_init(d, &gbit, gap, keep, g);
}

/* Window @w (its index from T0) of @period with @bytes, frames = bytes / 100. */
static void feed(struct pks_burst_det *d, uint64_t w, uint64_t bytes,
		 uint64_t period)
{
	struct pks_sample s = { T0 + w * P, bytes / 100, bytes, period };

	pks_burst_feed(d, &s);
}

/* Windows @w to @w + @n - 1, each of @bytes. */
static void feed_n(struct pks_burst_det *d, uint64_t w, uint64_t n,
		   uint64_t bytes, uint64_t period)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		feed(d, w + i, bytes, period);
}

static bool burst_is(const struct pks_burst *b, uint64_t w0, uint64_t w1,
		     uint64_t windows, uint64_t bytes, bool open)
{
	bool ok = b->start_ns == T0 + w0 * P && b->end_ns == T0 + w1 * P &&
		  b->windows == windows && b->bytes == bytes &&
		  b->frames == bytes / 100 && b->open == open;

	if (!ok)
		printf("#   burst %llu..%llu (windows from T0), %llu windows, %llu bytes, %llu frames, open %d\n",
		       (unsigned long long)((b->start_ns - T0) / P),
		       (unsigned long long)((b->end_ns - T0) / P),
		       (unsigned long long)b->windows,
		       (unsigned long long)b->bytes,
		       (unsigned long long)b->frames, b->open);
	return ok;
}

static void bursts_edges(void)
{
	struct pks_burst_det d;
	struct got g;

	det_init(&d, &g, 0);
	feed_n(&d, 0, 2, HI, P);
	feed(&d, 2, 1250, P);	/* exactly the threshold: at or above */
	feed(&d, 3, 1249, P);
	CHECK(g.n == 1 && burst_is(&g.b[0], 0, 3, 3, 2 * HI + 1250, false),
	      "bursts: at the start of a drain, ended by a window below; the threshold itself counts as above");
	feed(&d, 5, HI, P);
	feed(&d, 6, LO, P);
	CHECK(g.n == 2 && burst_is(&g.b[1], 5, 6, 1, HI, false),
	      "bursts: a burst of one window");
	feed_n(&d, 9, 2, HI, P);
	pks_burst_advance(&d, T0 + 11 * P);	/* no window after it is known */
	CHECK(g.n == 2, "bursts: at the end of a drain, not over yet");
	pks_burst_finish(&d);
	CHECK(g.n == 3 && burst_is(&g.b[2], 9, 11, 2, 2 * HI, true),
	      "bursts: ... reported as open at the end of the input");

	det_init(&d, &g, 0);
	feed(&d, 9, HI, P);
	pks_burst_advance(&d, T0 + 11 * P - 1);	/* window 10 not over */
	CHECK(g.n == 0, "bursts: not over while the window after it may still come");
	pks_burst_advance(&d, T0 + 11 * P);	/* window 10 over, empty */
	CHECK(g.n == 1 && burst_is(&g.b[0], 9, 10, 1, HI, false),
	      "bursts: over once a window after it is known to be empty");
	pks_burst_finish(&d);
	CHECK(g.n == 1, "bursts: nothing left open after that");
}

static void bursts_follow_gap(void)
{
	struct pks_burst_det d;
	struct got g;

	det_init(&d, &g, 0);
	feed_n(&d, 0, 2, HI, P);
	pks_burst_advance(&d, T0 + 2 * P);	/* first drain ends here */
	feed(&d, 2, HI, P);			/* the second one goes on */
	feed(&d, 3, HI, P);
	feed(&d, 4, LO, P);
	CHECK(g.n == 1 && burst_is(&g.b[0], 0, 4, 4, 4 * HI, false),
	      "bursts --follow: a burst across two drains is one burst");

	det_init(&d, &g, 1);
	feed(&d, 0, HI, P);
	feed(&d, 1, LO, P);
	feed(&d, 2, HI, P);
	feed_n(&d, 3, 2, LO, P);
	CHECK(g.n == 1 && burst_is(&g.b[0], 0, 3, 3, 2 * HI + LO, false),
	      "bursts --gap 1: two runs one window apart are one burst, the window below counted in it");
	det_init(&d, &g, 0);
	feed(&d, 0, HI, P);
	feed(&d, 1, LO, P);
	feed(&d, 2, HI, P);
	pks_burst_finish(&d);
	CHECK(g.n == 2 && burst_is(&g.b[0], 0, 1, 1, HI, false) &&
	      burst_is(&g.b[1], 2, 3, 1, HI, true),
	      "bursts --gap 0: ... two bursts");

	det_init(&d, &g, 1);
	feed(&d, 0, HI, P);
	feed(&d, 2, HI, P);	/* window 1 had no traffic */
	feed(&d, 5, HI, P);	/* windows 3 and 4 neither */
	pks_burst_finish(&d);
	CHECK(g.n == 2 && burst_is(&g.b[0], 0, 3, 3, 2 * HI, false) &&
	      burst_is(&g.b[1], 5, 6, 1, HI, true),
	      "bursts --gap 1: an empty window is below (joined), two are too many");
	det_init(&d, &g, 0);
	feed(&d, 0, HI, P);
	feed(&d, 2, HI, P);
	pks_burst_finish(&d);
	CHECK(g.n == 2, "bursts --gap 0: one empty window separates two bursts");
	det_init(&d, &g, 2);
	feed(&d, 0, HI, P);
	feed(&d, 1, LO, P);
	pks_burst_advance(&d, T0 + 3 * P);	/* windows 1, 2 below */
	CHECK(g.n == 0, "bursts --gap 2: two windows below: not over yet");
	pks_burst_advance(&d, T0 + 4 * P);	/* and window 3 */
	CHECK(g.n == 1 && burst_is(&g.b[0], 0, 1, 1, HI, false),
	      "bursts --gap 2: the third window below ends it, without the windows below");
}

static void bursts_breaks(void)
{
	struct pks_burst_det d;
	struct got g;

	det_init(&d, &g, 3);
	feed_n(&d, 10, 2, HI, P);
	feed(&d, 5, HI, P);	/* the clock stepped back */
	feed(&d, 6, HI, P);
	pks_burst_finish(&d);
	CHECK(g.n == 2 && burst_is(&g.b[0], 10, 12, 2, 2 * HI, false) &&
	      burst_is(&g.b[1], 5, 7, 2, 2 * HI, true),
	      "bursts: a clock step back ends the burst, a new one starts");
	det_init(&d, &g, 3);
	feed(&d, 10, HI, P);
	feed(&d, 10, HI, P);	/* the same window twice: not forwards */
	pks_burst_finish(&d);
	CHECK(g.n == 2, "bursts: a timestamp that does not advance ends the burst");

	det_init(&d, &g, 3);
	feed_n(&d, 0, 2, HI, P);
	feed(&d, 2, HI, 2 * P);		/* 20us: 2000 bytes are 800 Mbit/s */
	feed(&d, 4, 3000, 2 * P);	/* 3000 bytes are 1.2 Gbit/s */
	feed(&d, 6, LO, 2 * P);
	feed(&d, 8, LO, 2 * P);
	feed(&d, 10, LO, 2 * P);
	feed(&d, 12, LO, 2 * P);
	CHECK(g.n == 2 && burst_is(&g.b[0], 0, 2, 2, 2 * HI, false) &&
	      g.b[0].period_ns == P && g.b[1].period_ns == 2 * P &&
	      burst_is(&g.b[1], 4, 6, 1, 3000, false),
	      "bursts: a new period ends the burst; the threshold is compared at each window's own period");
}

static void bursts_peaks(void)
{
	static const struct pks_rate mpps = { PKS_RATE_PACKETS, 1000000000ULL };
	struct pks_burst_det d;
	struct pks_buf b = { 0 };
	struct got g;
	struct pks_sample s[] = {
		{ T0, 10, 15000, P },		/* 10 frames: 1 Mpps */
		{ T0 + P, 20, 2000, P },	/* the most frames */
		{ T0 + 2 * P, 5, 30000, P },	/* below, the most bytes */
		{ T0 + 3 * P, 12, 1000, P },
	};
	size_t i;

	memset(&g, 0, sizeof(g));
	pks_burst_init(&d, &mpps, 1, keep, &g);
	for (i = 0; i < PKS_ARRAY_SIZE(s); i++)
		pks_burst_feed(&d, &s[i]);
	pks_burst_finish(&d);
	CHECK(g.n == 1 && g.b[0].frames == 47 && g.b[0].bytes == 48000 &&
	      g.b[0].windows == 4 && g.b[0].peak_ts == T0 + P &&
	      pks_burst_peak_pps(&g.b[0]) == 2e6 &&
	      pks_burst_peak_bps(&g.b[0]) == 24e9,
	      "bursts in packets/s: the peak window in frames, the peak bit rate of any window of the burst");
	pks_burst_json(&b, "web", &g.b[0]);
	STREQ(b.p, "{\"v\": 1, \"name\": \"web\", \"start_ns\": 1795432259300000000, \"end_ns\": 1795432259300040000, \"duration_ns\": 40000, \"windows\": 4, \"frames\": 47, \"bytes\": 48000, \"peak_bits_per_second\": 24000000000, \"peak_packets_per_second\": 2000000, \"peak_window_start_ns\": 1795432259300010000, \"period_ns\": 10000, \"open\": true}\n",
	      "bursts: the JSON line");
	pks_buf_free(&b);
}

void test_bursts(void)
{
	bursts_edges();
	bursts_follow_gap();
	bursts_breaks();
	bursts_peaks();
}
