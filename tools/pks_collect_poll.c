// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: reading the names.
 *
 * Every poll reads a name's stats and drains its data: the samples go to
 * the CSV file of the period that holds their window start, the peaks
 * and totals to the Prometheus counters, and through the burst detector
 * to the burst files.  The drops the kernel counted since the previous
 * read become an event row and a log line.  A name that vanishes is
 * retried every second and marked; when it comes back it is a new name
 * whose counters start from 0.
 */
#include <string.h>

#include "pks_clock.h"
#include "pks_collect_int.h"
#include "pks_log.h"

void pks_collect_event(struct pks_collector *c, const char *name,
		       uint64_t period, const char *ev)
{
	if (c->o->dir)
		pks_files_event(&c->files, name, period, ev);
}

/* A burst the detector reported: count it, write its line. */
static void on_burst(void *ctx, const struct pks_burst *b)
{
	struct pks_cname *n = ctx;
	struct pks_collector *c = n->c;

	if (!b->open) {
		n->bursts++;
		n->burst_ns += b->end_ns - b->start_ns;
	}
	if (c->o->dir)
		pks_burst_json(pks_files_rows(&c->files, PKS_FK_BURSTS,
					      b->end_ns, pks_now_real()),
			       n->name, b);
}

struct pks_cname *pks_collect_add_name(struct pks_collector *c,
				       const char *name, bool fixed)
{
	struct pks_cname *n;
	size_t i;

	for (i = 0; i < c->nn; i++)
		if (!strcmp(c->n[i]->name, name))
			return c->n[i];
	if (c->nn == c->ncap) {
		c->ncap = c->ncap ? c->ncap * 2 : 8;
		c->n = pks_xrealloc(c->n, c->ncap * sizeof(*c->n));
	}
	n = pks_xrealloc(NULL, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->c = c;
	pks_snprintf(n->name, sizeof(n->name), "%s", name);
	n->fixed = fixed;
	if (c->o->bursts)
		pks_burst_init(&n->det, &c->o->threshold, c->o->gap, on_burst, n);
	c->n[c->nn++] = n;
	return n;
}

static uint64_t auto_interval(const struct pks_cname *n)
{
	uint64_t iv = n->fill_ns / 4;

	return iv < PKS_MIN_POLL_NS ? PKS_MIN_POLL_NS :
	       iv > PKS_MAX_POLL_NS ? PKS_MAX_POLL_NS : iv;
}

/* The setting in force (new at the start and after a reload): how often
 * to read, and whether that can keep up. */
static void setup_name(struct pks_collector *c, struct pks_cname *n,
		       const struct pks_stats *st)
{
	char p[32], f[32], iv[32];

	if (n->period == st->v[PKS_KEY_period_ns] &&
	    n->cap == st->v[PKS_KEY_samples] && n->warned_setup)
		return;
	n->period = st->v[PKS_KEY_period_ns];
	n->cap = st->v[PKS_KEY_samples];
	n->fill_ns = n->period * (n->cap > 1 ? n->cap - 1 : 1);
	if (n->period > c->max_period)
		c->max_period = n->period;
	n->warned_setup = true;
	pks_fmt_period(p, sizeof(p), n->period);
	pks_fmt_duration(f, sizeof(f), n->fill_ns);
	if (c->o->interval_ns) {
		pks_fmt_duration(iv, sizeof(iv), c->o->interval_ns);
		if (c->o->interval_ns > n->fill_ns / 2)
			pks_log(PKS_LOG_WARNING,
				"%s: --interval %s is more than half the %s its FIFO takes to fill (period %s x %llu samples): windows may be dropped",
				n->name, iv, f, p, (unsigned long long)n->cap);
	} else {
		pks_fmt_duration(iv, sizeof(iv), auto_interval(n));
		if (n->fill_ns / 4 < PKS_MIN_POLL_NS)
			pks_log(PKS_LOG_WARNING,
				"%s: its FIFO fills in %s (period %s x %llu samples); reading every %s may not keep up: give the rule more --samples",
				n->name, f, p, (unsigned long long)n->cap, iv);
	}
	if (!c->o->quiet)
		pks_log(PKS_LOG_INFO,
			"%s: period %s, %llu samples (full in %s at most): reading every %s",
			n->name, p, (unsigned long long)n->cap, f, iv);
}

static void name_failed(struct pks_collector *c, struct pks_cname *n,
			const struct pks_status *st, uint64_t now)
{
	uint64_t sup;
	char ev[600];

	if (st->err == PKS_E_FORMAT) {
		/* the name is there: keep reading it at its pace */
		if (pks_rl_ok(&n->rl_fail, now, &sup)) {
			pks_log(PKS_LOG_ERR, "%s: %s (%llu similar errors not logged)",
				n->name, st->msg, (unsigned long long)sup);
			pks_snprintf(ev, sizeof(ev), "error: %s", st->msg);
			pks_collect_event(c, n->name, n->period, ev);
		}
		return;
	}
	if (st->err != PKS_E_ACCESS && st->err != PKS_E_OTHER) {
		n->reset_baseline = true;
		if (c->o->bursts)	/* what follows belongs to another name */
			pks_burst_finish(&n->det);
	}
	if (n->state == PKS_N_ABSENT && n->last_err == st->err) {
		if (pks_rl_ok(&n->rl_fail, now, &sup))
			pks_log(PKS_LOG_WARNING, "%s: still failing: %s",
				n->name, st->msg);
		return;
	}
	pks_rl_reset(&n->rl_fail);
	pks_rl_ok(&n->rl_fail, now, &sup);
	pks_log(PKS_LOG_WARNING, "%s: %s; retrying every second", n->name,
		st->msg);
	pks_snprintf(ev, sizeof(ev), "%s: %s",
		     n->reset_baseline ?
		     (n->state == PKS_N_PRESENT ? "gone" : "absent") : "error",
		     st->msg);
	pks_collect_event(c, n->name, 0, ev);
	n->state = PKS_N_ABSENT;
	n->last_err = st->err;
}

/* The first successful read, or the first after a failure. */
static void name_present(struct pks_collector *c, struct pks_cname *n,
			 const struct pks_stats *cur)
{
	char ev[256];

	if (n->state == PKS_N_PRESENT)
		return;
	if (n->state == PKS_N_UNKNOWN) {
		pks_snprintf(ev, sizeof(ev),
			     "start frames_seen=%llu frames_read=%llu frames_dropped=%llu",
			     (unsigned long long)cur->v[PKS_KEY_frames_seen],
			     (unsigned long long)cur->v[PKS_KEY_frames_read],
			     (unsigned long long)cur->v[PKS_KEY_frames_dropped]);
		n->prev = *cur;
	} else {
		pks_log(PKS_LOG_NOTICE, "%s: readable again", n->name);
		pks_snprintf(ev, sizeof(ev),
			     "back frames_seen=%llu frames_dropped=%llu",
			     (unsigned long long)cur->v[PKS_KEY_frames_seen],
			     (unsigned long long)cur->v[PKS_KEY_frames_dropped]);
	}
	pks_collect_event(c, n->name, n->period, ev);
	n->state = PKS_N_PRESENT;
	n->last_err = PKS_OK;
	n->last_read = 0;
	pks_rl_reset(&n->rl_fail);
}

static uint64_t grown(const struct pks_stats *cur, const struct pks_stats *prev,
		      int key)
{
	return cur->v[key] > prev->v[key] ? cur->v[key] - prev->v[key] : 0;
}

/* Windows the kernel dropped since the previous read: counted, marked. */
static void count_drops(struct pks_collector *c, struct pks_cname *n,
			const struct pks_stats *cur, uint64_t mono)
{
	uint64_t dw, df, db, sup;
	char ev[256];

	if (n->reset_baseline ||
	    cur->v[PKS_KEY_samples_dropped] < n->prev.v[PKS_KEY_samples_dropped] ||
	    cur->v[PKS_KEY_frames_seen] < n->prev.v[PKS_KEY_frames_seen]) {
		/* a new incarnation of the name: its counters start at 0 */
		memset(&n->prev, 0, sizeof(n->prev));
		n->reset_baseline = false;
	}
	dw = grown(cur, &n->prev, PKS_KEY_samples_dropped);
	df = grown(cur, &n->prev, PKS_KEY_frames_dropped);
	db = grown(cur, &n->prev, PKS_KEY_bytes_dropped);
	n->prev = *cur;
	if (!dw && !df && !db)
		return;
	n->d_windows += dw;
	n->d_frames += df;
	n->d_bytes += db;
	pks_snprintf(ev, sizeof(ev),
		     "dropped windows=%llu frames=%llu bytes=%llu (FIFO full)",
		     (unsigned long long)dw, (unsigned long long)df,
		     (unsigned long long)db);
	pks_collect_event(c, n->name, n->period, ev);
	if (pks_rl_ok(&n->rl_drop, mono, &sup))
		pks_log(PKS_LOG_WARNING,
			"%s: the kernel dropped %llu windows (%llu frames) on a full FIFO (%llu similar warnings not logged)",
			n->name, (unsigned long long)dw, (unsigned long long)df,
			(unsigned long long)sup);
}

/* A read came later than the FIFO takes to fill: counted, warned. */
static void note_read(struct pks_cname *n, uint64_t mono, uint64_t now)
{
	uint64_t sup;
	char a[32], b[32];

	if (n->last_read && mono - n->last_read > n->fill_ns) {
		n->late_reads++;
		if (pks_rl_ok(&n->rl_late, mono, &sup)) {
			pks_fmt_duration(a, sizeof(a), mono - n->last_read);
			pks_fmt_duration(b, sizeof(b), n->fill_ns);
			pks_log(PKS_LOG_WARNING,
				"%s: falling behind: %s between two reads, but the FIFO fills in %s (%llu similar warnings not logged)",
				n->name, a, b, (unsigned long long)sup);
		}
	}
	n->last_read = mono;
	n->last_read_real = now;
}

/* The samples of a drain: CSV rows, totals, peaks, bursts. */
static void take_samples(struct pks_collector *c, struct pks_cname *n,
			 uint64_t now)
{
	size_t i;

	if (c->smp.n && (double)c->smp.n / (double)n->cap > n->max_fill)
		n->max_fill = (double)c->smp.n / (double)n->cap;
	for (i = 0; i < c->smp.n; i++) {
		const struct pks_sample *s = &c->smp.v[i];
		double pps = pks_pps(s->frames, s->period);
		double Bps = pks_bps(s->bytes, s->period) / 8;

		n->peak_pps = pps > n->peak_pps ? pps : n->peak_pps;
		n->peak_Bps = Bps > n->peak_Bps ? Bps : n->peak_Bps;
		n->frames += s->frames;
		n->bytes += s->bytes;
		if (c->o->dir)
			pks_csv_sample(pks_files_rows(&c->files, PKS_FK_CSV,
						      s->ts, now),
				       &c->files.tc, n->name, s);
		if (c->o->bursts)
			pks_burst_feed(&n->det, s);
	}
	n->windows += c->smp.n;
}

static void poll_name(struct pks_collector *c, struct pks_cname *n,
		      uint64_t mono)
{
	struct pks_status st;
	struct pks_stats cur;
	struct pks_setting set;
	uint64_t now = pks_now_real();
	int dr;

	if (n->state != PKS_N_PRESENT && n->last_try &&
	    mono - n->last_try < PKS_RETRY_NS)
		return;
	n->last_try = mono;
	if (pks_read_stats(c->o->root, n->name, &c->rbuf, &cur, &st) < 0) {
		name_failed(c, n, &st, mono);
		return;
	}
	c->smp.n = 0;
	set = pks_stats_setting(&cur);
	dr = pks_drain(c->o->root, n->name, &c->rbuf, &set, &c->smp, &st);
	mono = pks_now_mono();
	setup_name(c, n, &cur);
	name_present(c, n, &cur);
	count_drops(c, n, &cur, mono);
	if (dr == 0 || st.err == PKS_E_FORMAT)
		note_read(n, mono, now);
	/* the samples, also those before a bad line or a failed read */
	take_samples(c, n, now);
	if (dr < 0) {
		name_failed(c, n, &st, mono);
	} else if (c->o->bursts) {
		pks_burst_advance(&n->det, pks_complete_before(now, &cur));
	}
}

static void rescan(struct pks_collector *c, uint64_t mono)
{
	struct pks_status st;
	char **names;
	size_t k, i;
	uint64_t sup;

	if (c->o->n_names || (c->last_scan && mono - c->last_scan < PKS_RETRY_NS))
		return;
	c->last_scan = mono;
	if (pks_list_names(c->o->root, &names, &k, &st) < 0) {
		if (pks_rl_ok(&c->rl_scan, mono, &sup))
			pks_log(PKS_LOG_WARNING, "%s; retrying every second",
				st.msg);
		return;
	}
	pks_rl_reset(&c->rl_scan);
	for (i = 0; i < k; i++)
		if (pks_valid_name(names[i]))
			pks_collect_add_name(c, names[i], false);
	pks_free_names(names, k);
}

/* How long after a period's end rows for it may still come. */
static uint64_t files_lag(const struct pks_collector *c)
{
	uint64_t lag = c->max_period + PKS_READ_GRACE_NS;

	if (c->o->bursts)	/* a burst is known over gap + 1 windows later */
		lag += (c->o->gap + 1) * c->max_period + PKS_READ_GRACE_NS;
	return lag;
}

void pks_collect_poll_all(struct pks_collector *c)
{
	uint64_t mono = pks_now_mono();
	size_t i;

	rescan(c, mono);
	for (i = 0; i < c->nn; i++)
		poll_name(c, c->n[i], mono);
	if (!c->o->dir)
		return;
	c->files.lag_ns = files_lag(c);
	pks_files_tick(&c->files, pks_now_real());
}

void pks_collect_stop_names(struct pks_collector *c)
{
	size_t i;

	for (i = 0; i < c->nn; i++) {
		struct pks_cname *n = c->n[i];

		if (c->o->bursts)
			pks_burst_finish(&n->det);
		if (n->state == PKS_N_PRESENT)
			pks_collect_event(c, n->name, n->period, "stop");
	}
}

uint64_t pks_collect_poll_interval(const struct pks_collector *c)
{
	uint64_t iv = PKS_MAX_POLL_NS;
	size_t i;

	if (c->o->interval_ns)
		return c->o->interval_ns;
	for (i = 0; i < c->nn; i++) {
		const struct pks_cname *n = c->n[i];

		if (n->state == PKS_N_PRESENT && auto_interval(n) < iv)
			iv = auto_interval(n);
	}
	return iv;
}
