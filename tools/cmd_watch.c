// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat watch: a live view, one line per interval: average, peak and
 * p99 window rates, windows, drops and a bar of the window rates.  It
 * drains more often than it prints when the FIFO fills faster.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pks_clock.h"
#include "pks_fmt.h"
#include "pks_json.h"
#include "pks_proc.h"
#include "pks_summary.h"

enum { OPT_INTERVAL = 1, OPT_ONCE, OPT_ASCII, OPT_BARS, OPT_FORMAT };

static const struct pks_opt watch_opts[] = {
	{ "--interval", true, OPT_INTERVAL },
	{ "--once", false, OPT_ONCE },
	{ "--ascii", false, OPT_ASCII },
	{ "--bars", true, OPT_BARS },
	{ "--format", true, OPT_FORMAT },
	{ NULL, false, 0 },
};

struct watch {
	const char *root, *name;
	uint64_t interval, bars;
	bool once, ascii, utf8, tty, failing;
	enum pks_format f;
	struct pks_status st;
	struct pks_stats s, prev;	/* now, and at the previous line */
	struct pks_buf rb, out;
	struct pks_samples acc;		/* the samples of the interval */
	uint64_t *scratch;
	size_t scratch_n;
	unsigned lines;
	uint64_t t_prev, r_prev;	/* the previous line: mono, real */
};

/* One interval's figures. */
struct watch_line {
	struct pks_summary sum;
	uint64_t elapsed, period;
	uint64_t dw, df;		/* dropped windows, frames */
	char spark[1024];
};

static void watch_options(struct pks_args *a, struct watch *w)
{
	const char *v;
	int id;

	a->opts = watch_opts;
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		switch (id) {
		case PKS_ARG_OPERAND:
			if (w->name)
				pks_usage_error("watch: one NAME only (\"%s\")", v);
			w->name = v;
			break;
		case OPT_INTERVAL:
			w->interval = pks_duration_arg("--interval", v, 1000000);
			break;
		case OPT_ONCE:
			w->once = true;
			break;
		case OPT_ASCII:
			w->ascii = true;
			break;
		case OPT_BARS:
			if (pks_parse_u64(v, &w->bars) < 0 || w->bars > 200)
				pks_usage_error("--bars \"%s\": 0 to 200", v);
			break;
		case OPT_FORMAT:
			w->f = pks_format_arg(v, PKS_F_TEXT | PKS_F_JSON);
			break;
		}
	}
	if (!w->name)
		pks_usage_error("watch: which NAME?");
	pks_name_arg(w->name);
	w->root = a->root;
}

static void local_hms(char *dst, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(dst, n, "%H:%M:%S", &tm);
}

static int drain(struct watch *w)
{
	struct pks_setting set;

	if (pks_read_stats(w->root, w->name, &w->rb, &w->s, &w->st) < 0)
		return -1;
	set = pks_stats_setting(&w->s);
	return pks_drain(w->root, w->name, &w->rb, &set, &w->acc, &w->st);
}

/* Drain often enough for the FIFO until @t_line (mono). */
static void drain_until(struct watch *w, uint64_t t_line)
{
	uint64_t now, fill, sub, cap;
	char hms[16];

	while (!pks_stop && (now = pks_now_mono()) < t_line) {
		cap = w->s.v[PKS_KEY_samples];
		fill = w->s.v[PKS_KEY_period_ns] * (cap > 1 ? cap - 1 : 1);
		sub = fill / 4 < 1000000 ? 1000000 : fill / 4;
		pks_sleep_until(now + sub < t_line ? now + sub : t_line);
		if (pks_stop || drain(w) < 0)
			break;
		if (w->failing) {
			/* back: a new name, new counters */
			w->failing = false;
			memset(&w->prev, 0, sizeof(w->prev));
			local_hms(hms, sizeof(hms));
			if (w->f == PKS_F_TEXT)
				pks_buf_printf(&w->out, "%-8s  --- %s: readable again\n",
					       hms, w->name);
		}
	}
}

static void error_line(struct watch *w)
{
	struct pks_json j = PKS_JSON_INIT(&w->out);
	char hms[16];

	local_hms(hms, sizeof(hms));
	if (w->f == PKS_F_JSON) {
		pks_json_open(&j, NULL, '{', false);
		pks_json_str(&j, "name", w->name);
		pks_json_str(&j, "error", w->st.msg);
		pks_json_close(&j);
		pks_buf_str(&w->out, "\n");
	} else if (!w->failing || w->once) {
		pks_buf_printf(&w->out, "%-8s  --- %s\n", hms, w->st.msg);
	}
	w->failing = true;
	w->st.err = PKS_OK;
	pks_out_flush(&w->out, 0);
	w->acc.n = 0;
}

static uint64_t delta(const struct watch *w, int key)
{
	uint64_t now = w->s.v[key], then = w->prev.v[key];

	return now >= then ? now - then : now;	/* a new name: from 0 */
}

static void compute_line(struct watch *w, uint64_t now, struct watch_line *l)
{
	uint64_t r_now = pks_now_real(), t0, t1;

	l->elapsed = now - w->t_prev;
	l->period = w->s.v[PKS_KEY_period_ns];
	if (w->acc.n > w->scratch_n) {
		w->scratch_n = w->acc.cap;
		w->scratch = pks_xrealloc(w->scratch,
					  w->scratch_n * sizeof(*w->scratch));
	}
	pks_summarize(w->acc.v, w->acc.n, l->elapsed / l->period, 99,
		      w->scratch, &l->sum);
	l->dw = delta(w, PKS_KEY_samples_dropped);
	l->df = delta(w, PKS_KEY_frames_dropped);
	t0 = w->r_prev > l->period ? w->r_prev - l->period : 0;
	t1 = r_now > l->period ? r_now - l->period : 0;
	pks_sparkline(w->acc.v, w->acc.n, t0, t1, (int)w->bars, w->utf8,
		      l->spark, sizeof(l->spark));
	w->r_prev = r_now;
}

static void json_line(struct watch *w, const struct watch_line *l)
{
	struct pks_json j = PKS_JSON_INIT(&w->out);
	struct pks_tcache tc = { 0 };
	double secs = (double)l->elapsed / 1e9;
	char t[32];

	*pks_fmt_time(t, &tc, pks_now_real()) = 0;
	pks_json_open(&j, NULL, '{', false);
	pks_json_str(&j, "time", t);
	pks_json_str(&j, "name", w->name);
	pks_json_u64(&j, "period_ns", l->period);
	pks_json_fixed(&j, "interval_s", secs, 6);
	pks_json_u64(&j, "windows", l->sum.windows);
	pks_json_u64(&j, "frames", l->sum.frames);
	pks_json_u64(&j, "bytes", l->sum.bytes);
	pks_json_double(&j, "avg_pps", (double)l->sum.frames / secs, 6);
	pks_json_double(&j, "avg_bps", (double)l->sum.bytes * 8 / secs, 6);
	pks_json_double(&j, "peak_pps", l->sum.peak_pps, 6);
	pks_json_double(&j, "peak_bps", l->sum.peak_bps, 6);
	pks_json_double(&j, "p99_pps", l->sum.p_pps, 6);
	pks_json_double(&j, "p99_bps", l->sum.p_bps, 6);
	pks_json_u64(&j, "dropped_windows", l->dw);
	pks_json_u64(&j, "dropped_frames", l->df);
	pks_json_close(&j);
	pks_buf_str(&w->out, "\n");
}

static void text_line(struct watch *w, const struct watch_line *l)
{
	double secs = (double)l->elapsed / 1e9;
	char hms[16], v[6][16], per[32];

	if (w->lines == 0 || (w->tty && w->lines % 20 == 0)) {
		pks_fmt_period(per, sizeof(per), l->period);
		pks_buf_printf(&w->out,
			       "# %s: period %s, rates of the windows (pkt/s, bit/s); p99 over all windows, empty ones too\n",
			       w->name, per);
		pks_buf_printf(&w->out, "%-8s %8s %9s %9s %9s %9s %9s %9s %7s  %s\n",
			       "time", "windows", "avg pkt", "avg bit",
			       "peak pkt", "peak bit", "p99 pkt", "p99 bit",
			       "dropped", w->bars ? "busiest window per slot" : "");
	}
	local_hms(hms, sizeof(hms));
	pks_human(v[0], sizeof(v[0]), (double)l->sum.frames / secs);
	pks_human(v[1], sizeof(v[1]), (double)l->sum.bytes * 8 / secs);
	pks_human(v[2], sizeof(v[2]), l->sum.peak_pps);
	pks_human(v[3], sizeof(v[3]), l->sum.peak_bps);
	pks_human(v[4], sizeof(v[4]), l->sum.p_pps);
	pks_human(v[5], sizeof(v[5]), l->sum.p_bps);
	pks_buf_printf(&w->out, "%-8s %8llu %9s %9s %9s %9s %9s %9s %7llu  %s%s%s\n",
		       hms, (unsigned long long)l->sum.windows,
		       v[0], v[1], v[2], v[3], v[4], v[5],
		       (unsigned long long)l->dw, w->bars ? "|" : "",
		       l->spark, w->bars ? "|" : "");
	w->lines++;
}

static void watch_free(struct watch *w)
{
	pks_buf_free(&w->rb);
	pks_buf_free(&w->out);
	pks_samples_free(&w->acc);
	free(w->scratch);
}

int pks_cmd_watch(struct pks_args *a)
{
	struct watch w = {
		.interval = PKS_NSEC, .bars = 24, .f = PKS_F_TEXT,
	};
	struct watch_line l;
	int rc = 0;

	watch_options(a, &w);
	setlocale(LC_CTYPE, "");
	w.utf8 = !w.ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	w.tty = isatty(STDOUT_FILENO);
	pks_stop_on_signals();

	/* what waited in the FIFO belongs to no interval of ours */
	if (drain(&w) < 0)
		pks_fail("%s", w.st.msg);
	w.acc.n = 0;
	w.prev = w.s;
	w.t_prev = pks_now_mono();
	w.r_prev = pks_now_real();
	while (!pks_stop) {
		uint64_t now;

		drain_until(&w, w.t_prev + w.interval);
		if (pks_stop)
			break;
		if (w.st.err != PKS_OK) {
			error_line(&w);
			w.t_prev = pks_now_mono();
			w.r_prev = pks_now_real();
			if (w.once) {
				rc = 1;
				break;
			}
			pks_sleep_until(w.t_prev + w.interval);
			w.t_prev = pks_now_mono();
			continue;
		}
		now = pks_now_mono();
		compute_line(&w, now, &l);
		if (w.f == PKS_F_JSON)
			json_line(&w, &l);
		else
			text_line(&w, &l);
		pks_out_flush(&w.out, 0);
		w.prev = w.s;
		w.acc.n = 0;
		w.t_prev = now;
		if (w.once)
			break;
	}
	watch_free(&w);
	return rc;
}
