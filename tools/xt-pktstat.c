// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: list, read, watch and collect the samples of xt_pktstat
 * (/proc/net/xt_pktstat/<name>/{data,stats}).  See xt-pktstat(8).
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pks.h"

static const char usage_text[] =
	"Usage: xt-pktstat [--proc-root DIR] COMMAND [ARGS]\n"
	"\n"
	"  list    [--format text|json]\n"
	"          the names in this network namespace: period, capacity, buffered\n"
	"          samples, drops, rules\n"
	"  read    NAME [--format text|csv|json]\n"
	"          drain NAME's samples once and print them\n"
	"  watch   NAME [--interval 1s] [--once] [--bars N] [--ascii] [--format text|json]\n"
	"          one line per interval: average, peak and p99 window rates, windows,\n"
	"          drops and a bar of the window rates\n"
	"  collect [NAME...] [--dir DIR] [--rotate 5m] [--prometheus FILE]\n"
	"          [--prometheus-interval 15s] [--interval DURATION] [--quiet]\n"
	"          daemon: drain in time, write rotated CSV files and a Prometheus\n"
	"          textfile; without NAME, every name (also those added later)\n"
	"\n"
	"  --proc-root DIR   where the names are (default " PKS_DEFAULT_ROOT ")\n"
	"Durations: a whole number and a unit ns, us, ms, s, m or h (default s).\n"
	"Reading data removes the samples: run one reader per name.  See xt-pktstat(8).\n";

static const char *root = PKS_DEFAULT_ROOT;

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xt-pktstat: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xt-pktstat --help'.\n");
	exit(2);
}

static void fail(const char *msg)
{
	fprintf(stderr, "xt-pktstat: %s\n", msg);
	exit(1);
}

/* ------------------------------------------------------------ options */

struct args {
	int argc;
	char **argv;
	int i;
	bool operands;		/* after "--" */
	const char *cmd;
	const char *val;
};

/*
 * Next option or operand of the command line.  Returns the option name
 * ("--format") with its value in a->val if @with_value says it takes one,
 * or NULL for an operand (in a->val), or "" at the end.
 */
static const char *const valued[] = {
	"--format", "--interval", "--bars", "--dir", "--rotate",
	"--prometheus", "--prometheus-interval", "--proc-root", NULL,
};

static const char *next_arg(struct args *a)
{
	static char opt[64];
	char *s, *eq;
	size_t k;

	if (a->i >= a->argc)
		return "";
	s = a->argv[a->i++];
	if (a->operands) {
		a->val = s;
		return NULL;
	}
	if (strncmp(s, "--", 2) || !s[2]) {
		if (!strcmp(s, "--")) {
			a->operands = true;
			return next_arg(a);
		}
		if (s[0] == '-' && s[1] && s[1] != '-') {
			if (!strcmp(s, "-h")) {
				fputs(usage_text, stdout);
				exit(0);
			}
			usage_error("unknown option %s", s);
		}
		a->val = s;
		return NULL;
	}
	eq = strchr(s, '=');
	pks_snprintf(opt, sizeof(opt), "%.*s", (int)(eq ? eq - s : (long)strlen(s)), s);
	a->val = NULL;
	for (k = 0; valued[k]; k++) {
		if (strcmp(opt, valued[k]))
			continue;
		if (eq) {
			a->val = eq + 1;
		} else {
			if (a->i >= a->argc)
				usage_error("%s needs a value", opt);
			a->val = a->argv[a->i++];
		}
		break;
	}
	if (!valued[k] && eq)
		usage_error("%s takes no value", opt);
	if (!strcmp(opt, "--help")) {
		fputs(usage_text, stdout);
		exit(0);
	}
	return opt;
}

static uint64_t duration_arg(const char *opt, const char *v, uint64_t min)
{
	uint64_t ns;
	char m[32];

	if (pks_parse_duration(v, PKS_NSEC, &ns) < 0) {
		char msg[200];

		pks_snprintf(msg, sizeof(msg),
			 "%s \"%%s\": not a duration (a whole number and ns, us, ms, s, m or h)",
			 opt);
		usage_error(msg, v);
	}
	if (ns < min) {
		char msg[200];

		pks_fmt_duration(m, sizeof(m), min);
		pks_snprintf(msg, sizeof(msg), "%s \"%%s\": must be at least %s",
			 opt, m);
		usage_error(msg, v);
	}
	return ns;
}

static void check_name(const char *name)
{
	if (!pks_valid_name(name))
		usage_error("\"%s\": not a name (1 to 31 of A-Z a-z 0-9 _ - ., not . or ..)",
			    name);
}

enum fmt { F_TEXT, F_CSV, F_JSON };

static enum fmt format_arg(const char *v, bool csv_ok)
{
	if (!strcmp(v, "text"))
		return F_TEXT;
	if (!strcmp(v, "json"))
		return F_JSON;
	if (csv_ok && !strcmp(v, "csv"))
		return F_CSV;
	usage_error(csv_ok ? "--format \"%s\": text, csv or json" :
			     "--format \"%s\": text or json", v);
	return F_TEXT;
}

/* Write @b to stdout; on failure say what was lost and exit 1. */
static void out_flush(struct pks_buf *b, size_t samples)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t w = write(STDOUT_FILENO, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			fprintf(stderr,
				"xt-pktstat: writing to the standard output failed: %s",
				strerror(e));
			if (samples)
				fprintf(stderr, "; %zu samples drained from the kernel are lost",
					samples);
			fprintf(stderr, "\n");
			exit(1);
		}
		off += (size_t)w;
	}
	b->len = 0;
}

/* ------------------------------------------------------------ list */

static int cmd_list(struct args *a)
{
	enum fmt f = F_TEXT;
	const char *o;
	struct pks_status st;
	struct pks_buf rb = { 0 }, out = { 0 };
	char **names;
	size_t n, i;
	int rc = 0;

	while ((o = next_arg(a)) == NULL || *o) {
		if (!o) {
			usage_error("list: unexpected argument \"%s\"", a->val);
		} else if (!strcmp(o, "--format")) {
			f = format_arg(a->val, false);
		} else if (!strcmp(o, "--proc-root")) {
			root = a->val;
		} else {
			usage_error("list: unknown option %s", o);
		}
	}
	if (pks_list_names(root, &names, &n, &st) < 0)
		fail(st.msg);
	if (f == F_TEXT)
		pks_buf_printf(&out, "%-20s %8s %9s %9s %9s %9s %6s\n", "NAME",
			       "PERIOD", "CAPACITY", "FILLS-IN", "BUFFERED",
			       "DROPPED", "RULES");
	else
		pks_buf_str(&out, "[");
	for (i = 0; i < n; i++) {
		struct pks_stats s;
		char p[32], fi[32];
		int k;

		if (pks_read_stats(root, names[i], &rb, &s, &st) < 0) {
			fprintf(stderr, "xt-pktstat: %s\n", st.msg);
			rc = 1;
			continue;
		}
		if (f == F_TEXT) {
			uint64_t cap = s.v[PKS_SAMPLES];

			pks_fmt_period(p, sizeof(p), s.v[PKS_PERIOD_NS]);
			pks_fmt_duration(fi, sizeof(fi), s.v[PKS_PERIOD_NS] *
					 (cap > 1 ? cap - 1 : 1));
			pks_buf_printf(&out, "%-20s %8s %9llu %9s %9llu %9llu %6llu\n",
				       names[i], p, (unsigned long long)cap, fi,
				       (unsigned long long)s.v[PKS_SAMPLES_PENDING],
				       (unsigned long long)s.v[PKS_SAMPLES_DROPPED],
				       (unsigned long long)s.v[PKS_RULES]);
		} else {
			pks_buf_str(&out, i ? ",\n {\"name\": " : "\n {\"name\": ");
			pks_json_str(&out, names[i]);
			for (k = 0; k < PKS_NKEYS; k++)
				if (s.have & (1u << k))
					pks_buf_printf(&out, ", \"%s\": %llu",
						       pks_key_names[k],
						       (unsigned long long)s.v[k]);
			pks_buf_str(&out, "}");
		}
	}
	if (f == F_JSON)
		pks_buf_str(&out, n ? "\n]\n" : "]\n");
	out_flush(&out, 0);
	if (!n)
		fprintf(stderr,
			"xt-pktstat: no names in %s: no -m pktstat rule in this network namespace\n",
			root);
	pks_free_names(names, n);
	pks_buf_free(&rb);
	pks_buf_free(&out);
	return rc;
}

/* ------------------------------------------------------------ read */

static int cmd_read(struct args *a)
{
	enum fmt f = F_TEXT;
	const char *o, *name = NULL;
	struct pks_status st;
	struct pks_stats s;
	struct pks_buf rb = { 0 }, out = { 0 };
	struct pks_samples smp = { 0 };
	struct pks_tcache tc = { 0 };
	char p[32];
	size_t i;
	int k;

	while ((o = next_arg(a)) == NULL || *o) {
		if (!o) {
			if (name)
				usage_error("read: one NAME only (\"%s\")", a->val);
			name = a->val;
		} else if (!strcmp(o, "--format")) {
			f = format_arg(a->val, true);
		} else if (!strcmp(o, "--proc-root")) {
			root = a->val;
		} else {
			usage_error("read: unknown option %s", o);
		}
	}
	if (!name)
		usage_error("read: which NAME?%s", "");
	check_name(name);
	if (pks_read_stats(root, name, &rb, &s, &st) < 0)
		fail(st.msg);
	if (pks_drain(root, name, &rb, &smp, &st) < 0) {
		if (st.err != PKS_E_FORMAT || !smp.n)
			fail(st.msg);
		/* print what came before the bad line, then fail */
	}
	pks_fmt_period(p, sizeof(p), s.v[PKS_PERIOD_NS]);
	if (f == F_TEXT) {
		pks_buf_printf(&out, "# name %s, period %s, %zu samples\n", name,
			       p, smp.n);
		pks_buf_printf(&out, "%-29s %12s %14s %10s %10s\n", "time (UTC)",
			       "frames", "bytes", "pkt/s", "bit/s");
	} else if (f == F_CSV) {
		pks_buf_str(&out, PKS_CSV_HEADER);
	} else {
		pks_buf_str(&out, "{\"name\": ");
		pks_json_str(&out, name);
		pks_buf_printf(&out, ", \"period_ns\": %llu, \"samples\": [",
			       (unsigned long long)s.v[PKS_PERIOD_NS]);
	}
	for (i = 0; i < smp.n; i++) {
		const struct pks_sample *x = &smp.v[i];

		if (f == F_TEXT) {
			char t[32], pp[16], bb[16];

			*pks_fmt_time(t, &tc, x->ts) = 0;
			pks_human(pp, sizeof(pp), pks_pps(x->frames, s.v[PKS_PERIOD_NS]));
			pks_human(bb, sizeof(bb), pks_bps(x->bytes, s.v[PKS_PERIOD_NS]));
			pks_buf_printf(&out, "%-29s %12llu %14llu %10s %10s\n", t,
				       (unsigned long long)x->frames,
				       (unsigned long long)x->bytes, pp, bb);
		} else if (f == F_CSV) {
			pks_csv_sample(&out, &tc, name, s.v[PKS_PERIOD_NS], x);
		} else {
			pks_buf_printf(&out,
				       "%s\n  {\"timestamp\": %llu, \"frames\": %llu, \"bytes\": %llu}",
				       i ? "," : "", (unsigned long long)x->ts,
				       (unsigned long long)x->frames,
				       (unsigned long long)x->bytes);
		}
		if (out.len > (1u << 20))
			out_flush(&out, smp.n);
	}
	if (f == F_JSON) {
		/* the counters after the drain */
		struct pks_stats s2;
		struct pks_status st2;

		if (pks_read_stats(root, name, &rb, &s2, &st2) == 0)
			s = s2;
		pks_buf_str(&out, smp.n ? "\n ], \"stats\": {" : "], \"stats\": {");
		for (k = 0; k < PKS_NKEYS; k++)
			if (s.have & (1u << k))
				pks_buf_printf(&out, "%s\"%s\": %llu", k ? ", " : "",
					       pks_key_names[k],
					       (unsigned long long)s.v[k]);
		pks_buf_str(&out, "}}\n");
	}
	out_flush(&out, smp.n);
	pks_buf_free(&rb);
	pks_buf_free(&out);
	pks_samples_free(&smp);
	if (st.err == PKS_E_FORMAT)
		fail(st.msg);
	return 0;
}

/* ------------------------------------------------------------ watch */

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void sleep_until(uint64_t mono)
{
	struct timespec ts = {
		.tv_sec = (time_t)(mono / PKS_NSEC),
		.tv_nsec = (long)(mono % PKS_NSEC),
	};

	while (!watch_stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void local_hms(char *dst, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(dst, n, "%H:%M:%S", &tm);
}

static int cmd_watch(struct args *a)
{
	const char *o, *name = NULL;
	uint64_t interval = PKS_NSEC, fill, sub, t_prev, r_prev;
	uint64_t bars = 24;
	bool once = false, ascii = false, utf8, tty, failing = false;
	enum fmt f = F_TEXT;
	struct pks_status st;
	struct pks_stats s, prev;
	struct pks_buf rb = { 0 }, out = { 0 };
	struct pks_samples acc = { 0 };
	uint64_t *scratch = NULL;
	size_t scratch_n = 0;
	unsigned lines = 0;
	struct sigaction sa = { .sa_handler = on_watch_signal };
	int rc = 0;

	while ((o = next_arg(a)) == NULL || *o) {
		if (!o) {
			if (name)
				usage_error("watch: one NAME only (\"%s\")", a->val);
			name = a->val;
		} else if (!strcmp(o, "--interval")) {
			interval = duration_arg(o, a->val, 1000000);
		} else if (!strcmp(o, "--once")) {
			once = true;
		} else if (!strcmp(o, "--ascii")) {
			ascii = true;
		} else if (!strcmp(o, "--bars")) {
			if (pks_parse_u64(a->val, &bars) < 0 || bars > 200)
				usage_error("--bars \"%s\": 0 to 200", a->val);
		} else if (!strcmp(o, "--format")) {
			f = format_arg(a->val, false);
		} else if (!strcmp(o, "--proc-root")) {
			root = a->val;
		} else {
			usage_error("watch: unknown option %s", o);
		}
	}
	if (!name)
		usage_error("watch: which NAME?%s", "");
	check_name(name);
	setlocale(LC_CTYPE, "");
	utf8 = !ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	tty = isatty(STDOUT_FILENO);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (pks_read_stats(root, name, &rb, &s, &st) < 0)
		fail(st.msg);
	/* what waited in the FIFO belongs to no interval of ours */
	if (pks_drain(root, name, &rb, &acc, &st) < 0)
		fail(st.msg);
	acc.n = 0;
	prev = s;
	t_prev = pks_now_mono();
	r_prev = pks_now_real();

	while (!watch_stop) {
		uint64_t t_line = t_prev + interval, now, elapsed, period;
		uint64_t dw, df;
		struct pks_summary sum;
		char hms[16], v[6][16], spark[1024];

		/* drain often enough for the FIFO, print once per interval */
		while (!watch_stop && (now = pks_now_mono()) < t_line) {
			period = s.v[PKS_PERIOD_NS];
			fill = period * (s.v[PKS_SAMPLES] > 1 ? s.v[PKS_SAMPLES] - 1 : 1);
			sub = fill / 4 < 1000000 ? 1000000 : fill / 4;
			sleep_until(now + sub < t_line ? now + sub : t_line);
			if (watch_stop)
				break;
			if (pks_read_stats(root, name, &rb, &s, &st) < 0 ||
			    pks_drain(root, name, &rb, &acc, &st) < 0)
				break;
			if (failing) {
				/* back: a new name, new counters */
				failing = false;
				memset(&prev, 0, sizeof(prev));
				local_hms(hms, sizeof(hms));
				if (f == F_TEXT)
					pks_buf_printf(&out, "%-8s  --- %s: readable again\n",
						       hms, name);
			}
		}
		if (watch_stop)
			break;
		local_hms(hms, sizeof(hms));
		if (st.err != PKS_OK) {
			if (f == F_JSON) {
				pks_buf_str(&out, "{\"name\": ");
				pks_json_str(&out, name);
				pks_buf_str(&out, ", \"error\": ");
				pks_json_str(&out, st.msg);
				pks_buf_str(&out, "}\n");
			} else if (!failing || once) {
				pks_buf_printf(&out, "%-8s  --- %s\n", hms, st.msg);
			}
			failing = true;
			st.err = PKS_OK;
			out_flush(&out, 0);
			t_prev = pks_now_mono();
			r_prev = pks_now_real();
			acc.n = 0;
			if (once) {
				rc = 1;
				break;
			}
			sleep_until(t_prev + interval);
			t_prev = pks_now_mono();
			continue;
		}
		now = pks_now_mono();
		elapsed = now - t_prev;
		period = s.v[PKS_PERIOD_NS];
		if (acc.n > scratch_n) {
			scratch_n = acc.cap;
			scratch = pks_xrealloc(scratch, scratch_n * sizeof(*scratch));
		}
		pks_summarize(acc.v, acc.n, elapsed / period, 99, scratch, &sum);
		dw = s.v[PKS_SAMPLES_DROPPED] >= prev.v[PKS_SAMPLES_DROPPED] ?
			s.v[PKS_SAMPLES_DROPPED] - prev.v[PKS_SAMPLES_DROPPED] :
			s.v[PKS_SAMPLES_DROPPED];
		df = s.v[PKS_FRAMES_DROPPED] >= prev.v[PKS_FRAMES_DROPPED] ?
			s.v[PKS_FRAMES_DROPPED] - prev.v[PKS_FRAMES_DROPPED] :
			s.v[PKS_FRAMES_DROPPED];
		{
			uint64_t r_now = pks_now_real();
			uint64_t t0 = r_prev > period ? r_prev - period : 0;
			uint64_t t1 = r_now > period ? r_now - period : 0;

			pks_sparkline(acc.v, acc.n, t0, t1, (int)bars, utf8,
				      spark, sizeof(spark));
			r_prev = r_now;
		}
		double avg_pps = (double)sum.frames * 1e9 / (double)elapsed;
		double avg_bps = (double)sum.bytes * 8e9 / (double)elapsed;
		double pk_pps = pks_pps(sum.max_frames, period);
		double pk_bps = pks_bps(sum.max_bytes, period);
		double p_pps = pks_pps(sum.p_frames, period);
		double p_bps = pks_bps(sum.p_bytes, period);

		if (f == F_JSON) {
			char t[32];
			struct pks_tcache tc = { 0 };

			*pks_fmt_time(t, &tc, pks_now_real()) = 0;
			pks_buf_str(&out, "{\"time\": ");
			pks_json_str(&out, t);
			pks_buf_str(&out, ", \"name\": ");
			pks_json_str(&out, name);
			pks_buf_printf(&out,
				       ", \"period_ns\": %llu, \"interval_s\": %.6f, \"windows\": %llu, \"frames\": %llu, \"bytes\": %llu, "
				       "\"avg_pps\": %.6g, \"avg_bps\": %.6g, \"peak_pps\": %.6g, \"peak_bps\": %.6g, "
				       "\"p99_pps\": %.6g, \"p99_bps\": %.6g, \"dropped_windows\": %llu, \"dropped_frames\": %llu}\n",
				       (unsigned long long)period, (double)elapsed / 1e9,
				       (unsigned long long)sum.windows,
				       (unsigned long long)sum.frames,
				       (unsigned long long)sum.bytes, avg_pps, avg_bps,
				       pk_pps, pk_bps, p_pps, p_bps,
				       (unsigned long long)dw, (unsigned long long)df);
		} else {
			if (lines == 0 || (tty && lines % 20 == 0)) {
				char per[32];

				pks_fmt_period(per, sizeof(per), period);
				pks_buf_printf(&out,
					       "# %s: period %s, rates of the windows (pkt/s, bit/s); p99 over all windows, empty ones too\n",
					       name, per);
				pks_buf_printf(&out, "%-8s %8s %9s %9s %9s %9s %9s %9s %7s  %s\n",
					       "time", "windows", "avg pkt", "avg bit",
					       "peak pkt", "peak bit", "p99 pkt",
					       "p99 bit", "dropped",
					       bars ? "busiest window per slot" : "");
			}
			pks_human(v[0], sizeof(v[0]), avg_pps);
			pks_human(v[1], sizeof(v[1]), avg_bps);
			pks_human(v[2], sizeof(v[2]), pk_pps);
			pks_human(v[3], sizeof(v[3]), pk_bps);
			pks_human(v[4], sizeof(v[4]), p_pps);
			pks_human(v[5], sizeof(v[5]), p_bps);
			pks_buf_printf(&out, "%-8s %8llu %9s %9s %9s %9s %9s %9s %7llu  %s%s%s\n",
				       hms, (unsigned long long)sum.windows,
				       v[0], v[1], v[2], v[3], v[4], v[5],
				       (unsigned long long)dw, bars ? "|" : "",
				       spark, bars ? "|" : "");
			lines++;
		}
		out_flush(&out, 0);
		prev = s;
		acc.n = 0;
		t_prev = now;
		if (once)
			break;
	}
	pks_buf_free(&rb);
	pks_buf_free(&out);
	pks_samples_free(&acc);
	free(scratch);
	return rc;
}

/* ------------------------------------------------------------ collect */

static int cmd_collect(struct args *a)
{
	struct pks_collect_opts co = {
		.rotate_ns = 300 * PKS_NSEC,
		.prom_interval_ns = 15 * PKS_NSEC,
	};
	const char *o;
	int rc;

	co.names = pks_xrealloc(NULL, (size_t)(a->argc + 1) * sizeof(*co.names));
	while ((o = next_arg(a)) == NULL || *o) {
		if (!o) {
			check_name(a->val);
			co.names[co.n_names++] = a->val;
		} else if (!strcmp(o, "--dir")) {
			co.dir = a->val;
		} else if (!strcmp(o, "--rotate")) {
			co.rotate_ns = duration_arg(o, a->val, PKS_NSEC);
			if (co.rotate_ns % PKS_NSEC)
				usage_error("--rotate \"%s\": must be whole seconds",
					    a->val);
		} else if (!strcmp(o, "--prometheus")) {
			co.prom = a->val;
		} else if (!strcmp(o, "--prometheus-interval")) {
			co.prom_interval_ns = duration_arg(o, a->val, 100000000);
		} else if (!strcmp(o, "--interval")) {
			co.interval_ns = duration_arg(o, a->val, 100000);
		} else if (!strcmp(o, "--quiet")) {
			co.quiet = true;
		} else if (!strcmp(o, "--proc-root")) {
			root = a->val;
		} else {
			usage_error("collect: unknown option %s", o);
		}
	}
	co.names[co.n_names] = NULL;
	if (!co.dir && !co.prom)
		usage_error("collect: where to? --dir DIR and/or --prometheus FILE%s",
			    "");
	if (co.dir && !*co.dir)
		usage_error("--dir \"%s\": empty", co.dir);
	if (co.prom && !*co.prom)
		usage_error("--prometheus \"%s\": empty", co.prom);
	co.root = root;
	rc = pks_collect(&co);
	free(co.names);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { .argc = argc, .argv = argv, .i = 1 };
	const char *o;

	/* global options, then the command */
	while ((o = next_arg(&a)) == NULL || *o) {
		if (!o) {
			a.cmd = a.val;
			break;
		}
		if (!strcmp(o, "--proc-root")) {
			root = a.val;
		} else if (!strcmp(o, "--version")) {
			printf("xt-pktstat %s\n", PKS_VERSION);
			return 0;
		} else {
			usage_error("unknown option %s (before the command)", o);
		}
	}
	if (!a.cmd)
		usage_error("which command? list, read, watch or collect%s", "");
	if (!*root)
		usage_error("--proc-root \"%s\": empty", root);
	if (!strcmp(a.cmd, "list"))
		return cmd_list(&a);
	if (!strcmp(a.cmd, "read"))
		return cmd_read(&a);
	if (!strcmp(a.cmd, "watch"))
		return cmd_watch(&a);
	if (!strcmp(a.cmd, "collect"))
		return cmd_collect(&a);
	if (!strcmp(a.cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	usage_error("unknown command \"%s\" (list, read, watch, collect)", a.cmd);
	return 2;
}
