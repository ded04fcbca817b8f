// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat bursts: drain a name and report its bursts, the runs of
 * windows at or above a threshold rate (pks_burst.h).  Without --follow,
 * one drain: a burst still going on at its end (fewer than gap + 1
 * windows known to be below after it) is reported with "open": true
 * (text: "open" at the end of the line).  With --follow, it keeps
 * draining and reports each burst once it is over.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pks_burst.h"
#include "cmd.h"
#include "pks_clock.h"
#include "pks_fmt.h"
#include "pks_proc.h"

enum { OPT_FOLLOW = 1, OPT_FORMAT };

static const struct pks_opt bursts_opts[] = {
	{ "--follow", false, OPT_FOLLOW },
	{ "--format", true, OPT_FORMAT },
	PKS_BURST_OPTS,
	{ NULL, false, 0 },
};

struct bursts {
	const char *root, *name;
	bool follow, failing;
	enum pks_format f;
	struct pks_rate thr;
	uint64_t gap;
	struct pks_burst_det det;
	struct pks_buf rb, out;
	struct pks_samples smp;
	struct pks_stats st;
	struct pks_tcache tc;
	uint64_t n_bursts, n_open, windows;
};

static void bursts_options(struct pks_args *a, struct bursts *b)
{
	struct pks_burst_args ba = { 0 };
	const char *v;
	int id;

	a->opts = bursts_opts;
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		if (id == PKS_ARG_OPERAND) {
			if (b->name)
				pks_usage_error("bursts: one NAME only (\"%s\")", v);
			b->name = v;
		} else if (id == OPT_FOLLOW) {
			b->follow = true;
		} else if (id == OPT_FORMAT) {
			b->f = pks_format_arg(v, PKS_F_TEXT | PKS_F_JSON);
		} else {
			pks_burst_opt(&ba, id, v);
		}
	}
	if (!b->name)
		pks_usage_error("bursts: which NAME?");
	pks_name_arg(b->name);
	if (!pks_burst_threshold(&ba, &b->thr))
		pks_usage_error("bursts: --threshold RATE is needed (for example 500Mbit, 2Mpps or 80%% with --link-speed)");
	b->gap = ba.gap;
	b->root = a->root;
}

static void text_header(struct bursts *b)
{
	char thr[32];

	pks_fmt_rate(thr, sizeof(thr), &b->thr);
	pks_buf_printf(&b->out, "# bursts of %s: windows at or above %s, up to %llu below inside one\n",
		       b->name, thr, (unsigned long long)b->gap);
	pks_buf_printf(&b->out, "%-29s %9s %9s %12s %14s %10s %10s\n",
		       "start (UTC)", "duration", "windows", "frames", "bytes",
		       "peak bit/s", "peak pkt/s");
}

static void on_burst(void *ctx, const struct pks_burst *x)
{
	struct bursts *b = ctx;
	char t[32], d[16], bps[16], pps[16];

	b->n_bursts++;
	b->n_open += x->open;
	if (b->f == PKS_F_JSON) {
		pks_burst_json(&b->out, b->name, x);
		return;
	}
	*pks_fmt_time(t, &b->tc, x->start_ns) = 0;
	pks_fmt_duration(d, sizeof(d), x->end_ns - x->start_ns);
	pks_human(bps, sizeof(bps), pks_burst_peak_bps(x));
	pks_human(pps, sizeof(pps), pks_burst_peak_pps(x));
	pks_buf_printf(&b->out, "%-29s %9s %9llu %12llu %14llu %10s %10s%s\n",
		       t, d, (unsigned long long)x->windows,
		       (unsigned long long)x->frames,
		       (unsigned long long)x->bytes, bps, pps,
		       x->open ? "  open" : "");
}

/* One drain into the detector.  -1 on failure (@ps says why); the
 * samples read before it are fed all the same. */
static int drain_once(struct bursts *b, struct pks_status *ps)
{
	struct pks_setting set;
	uint64_t t0 = pks_now_real();
	size_t i;
	int r;

	if (pks_read_stats(b->root, b->name, &b->rb, &b->st, ps) < 0)
		return -1;
	set = pks_stats_setting(&b->st);
	b->smp.n = 0;
	r = pks_drain(b->root, b->name, &b->rb, &set, &b->smp, ps);
	for (i = 0; i < b->smp.n; i++)
		pks_burst_feed(&b->det, &b->smp.v[i]);
	b->windows += b->smp.n;
	if (r == 0)
		pks_burst_advance(&b->det, pks_complete_before(t0, &b->st));
	return r;
}

/* How long to sleep between two drains: a quarter of the FIFO's fill
 * time, from 1ms to 1s, as collect does. */
static uint64_t follow_interval(const struct pks_stats *st)
{
	uint64_t cap = st->v[PKS_KEY_samples];
	uint64_t iv = st->v[PKS_KEY_period_ns] * (cap > 1 ? cap - 1 : 1) / 4;

	return iv < 1000000 ? 1000000 : iv > PKS_NSEC ? PKS_NSEC : iv;
}

static void follow(struct bursts *b)
{
	struct pks_status ps;
	uint64_t next = pks_now_mono();

	pks_stop_on_signals();
	while (!pks_stop) {
		next += b->failing ? PKS_NSEC : follow_interval(&b->st);
		pks_sleep_until(next);
		if (pks_stop)
			break;
		if (drain_once(b, &ps) < 0) {
			if (!b->failing)
				fprintf(stderr, "xt-pktstat: %s; retrying every second\n",
					ps.msg);
			/* what comes back may be another name */
			pks_burst_finish(&b->det);
			b->failing = true;
		} else if (b->failing) {
			fprintf(stderr, "xt-pktstat: %s: readable again\n", b->name);
			b->failing = false;
		}
		pks_out_flush(&b->out, b->smp.n);
		next = next > pks_now_mono() ? next : pks_now_mono();
	}
}

int pks_cmd_bursts(struct pks_args *a)
{
	struct bursts b = { .f = PKS_F_TEXT };
	struct pks_status ps;
	int r;

	bursts_options(a, &b);
	pks_burst_init(&b.det, &b.thr, b.gap, on_burst, &b);
	if (b.f == PKS_F_TEXT)
		text_header(&b);
	r = drain_once(&b, &ps);
	if (r < 0 && !b.smp.n)
		pks_fail("%s", ps.msg);
	if (b.follow && r == 0) {
		pks_out_flush(&b.out, b.smp.n);
		follow(&b);
	}
	pks_burst_finish(&b.det);
	if (b.f == PKS_F_TEXT)
		pks_buf_printf(&b.out, "# %llu bursts (%llu still open) in %llu windows with traffic\n",
			       (unsigned long long)b.n_bursts,
			       (unsigned long long)b.n_open,
			       (unsigned long long)b.windows);
	pks_out_flush(&b.out, b.smp.n);
	pks_buf_free(&b.rb);
	pks_buf_free(&b.out);
	pks_samples_free(&b.smp);
	if (r < 0 && !b.follow)
		pks_fail("%s", ps.msg);
	return 0;
}
