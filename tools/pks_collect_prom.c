// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: the Prometheus textfile (node_exporter's textfile
 * collector).  Rewritten every --prometheus-interval under a temporary
 * name, then renamed, so that a scrape never reads half a file.  Every
 * metric has the label name; the counters count since the collector
 * started, except the window histogram, which is the module's own
 * (cumulative since the name's setting was created).
 *
 * The metric names are an interface (dashboards, alert rules): never
 * rename one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pks_collect_int.h"
#include "pks_json.h"
#include "pks_log.h"

enum metric {
	M_UP, M_PERIOD, M_CAPACITY, M_WINDOWS, M_FRAMES, M_BYTES,
	M_D_WINDOWS, M_D_FRAMES, M_D_BYTES, M_PEAK_FPS, M_PEAK_BPS,
	M_LATE, M_FILL, M_LAST_READ, M_PEAK_BITS, M_BURSTS, M_BURST_SECONDS,
};

static const struct {
	enum metric m;
	const char *name, *type, *help;
	bool bursts;		/* only with --threshold */
} metrics[] = {
	{ M_UP, "up", "gauge",
	  "1 if the name's files could be read at the last attempt.", false },
	{ M_PERIOD, "period_seconds", "gauge",
	  "Width of the name's windows.", false },
	{ M_CAPACITY, "fifo_capacity_windows", "gauge",
	  "Capacity of the name's FIFO (--samples).", false },
	{ M_WINDOWS, "windows_total", "counter",
	  "Samples (windows that saw traffic) read by this collector.", false },
	{ M_FRAMES, "frames_total", "counter",
	  "Frames in the samples read by this collector.", false },
	{ M_BYTES, "bytes_total", "counter",
	  "Bytes (layer 3) in the samples read by this collector.", false },
	{ M_D_WINDOWS, "dropped_windows_total", "counter",
	  "Windows the kernel dropped on a full FIFO while this collector ran.", false },
	{ M_D_FRAMES, "dropped_frames_total", "counter",
	  "Frames in the windows dropped on a full FIFO.", false },
	{ M_D_BYTES, "dropped_bytes_total", "counter",
	  "Bytes in the windows dropped on a full FIFO.", false },
	{ M_PEAK_FPS, "peak_frames_per_second", "gauge",
	  "Frame rate of the busiest window read since the previous update of this file.", false },
	{ M_PEAK_BPS, "peak_bytes_per_second", "gauge",
	  "Byte rate of the busiest window read since the previous update of this file.", false },
	{ M_LATE, "late_reads_total", "counter",
	  "Reads that came later than the FIFO takes to fill.", false },
	{ M_FILL, "fifo_max_fill_ratio", "gauge",
	  "Largest share of the FIFO one read returned since the previous update.", false },
	{ M_LAST_READ, "last_read_timestamp_seconds", "gauge",
	  "When the collector last read the name's samples.", false },
	{ M_PEAK_BITS, "peak_bits_per_second", "gauge",
	  "Bit rate (layer 3) of the busiest window read since the previous update of this file.", false },
	{ M_BURSTS, "bursts_total", "counter",
	  "Bursts (runs of windows at or above the threshold) that ended.", true },
	{ M_BURST_SECONDS, "burst_seconds_total", "counter",
	  "Total duration of the bursts that ended.", true },
};

/* " <value>\n" of @m for @n: counts as integers, rates and times with
 * every digit a double has. */
static void metric_value(struct pks_buf *b, enum metric m,
			 const struct pks_cname *n)
{
	double d = -1;		/* < 0: the value is @u */
	uint64_t u = 0;

	switch (m) {
	case M_UP: u = n->state == PKS_N_PRESENT; break;
	case M_PERIOD:		/* ns: 9 digits at most after the point */
		pks_buf_printf(b, " %.9g\n", (double)n->period / 1e9);
		return;
	case M_CAPACITY: u = n->cap; break;
	case M_WINDOWS: u = n->windows; break;
	case M_FRAMES: u = n->frames; break;
	case M_BYTES: u = n->bytes; break;
	case M_D_WINDOWS: u = n->d_windows; break;
	case M_D_FRAMES: u = n->d_frames; break;
	case M_D_BYTES: u = n->d_bytes; break;
	case M_PEAK_FPS: d = n->peak_pps; break;
	case M_PEAK_BPS: d = n->peak_Bps; break;
	case M_LATE: u = n->late_reads; break;
	case M_FILL: d = n->max_fill; break;
	case M_LAST_READ: d = (double)n->last_read_real / 1e9; break;
	case M_PEAK_BITS: d = n->peak_Bps * 8; break;
	case M_BURSTS: u = n->bursts; break;
	case M_BURST_SECONDS: d = (double)n->burst_ns / 1e9; break;
	}
	if (d < 0)
		pks_buf_printf(b, " %llu\n", (unsigned long long)u);
	else
		pks_buf_printf(b, " %.17g\n", d);
}

static void help_type(struct pks_buf *b, const char *metric, const char *type,
		      const char *help)
{
	pks_buf_printf(b, "# HELP xt_pktstat_%s %s\n# TYPE xt_pktstat_%s %s\n",
		       metric, help, metric, type);
}

static void name_label(struct pks_buf *b, const char *metric,
		       const struct pks_cname *n)
{
	pks_buf_printf(b, "xt_pktstat_%s{name=", metric);
	pks_json_escape(b, n->name);	/* names are [A-Za-z0-9_.-] */
	pks_buf_str(b, "}");
}

static void per_name_metrics(struct pks_buf *b, const struct pks_collector *c)
{
	size_t k, i;

	for (k = 0; k < PKS_ARRAY_SIZE(metrics); k++) {
		if (metrics[k].bursts && !c->o->bursts)
			continue;
		help_type(b, metrics[k].name, metrics[k].type, metrics[k].help);
		for (i = 0; i < c->nn; i++) {
			name_label(b, metrics[k].name, c->n[i]);
			metric_value(b, metrics[k].m, c->n[i]);
		}
	}
}

/* The threshold, a gauge in the unit it was given in. */
static void threshold_metric(struct pks_buf *b, const struct pks_collector *c)
{
	const struct pks_rate *t = &c->o->threshold;
	const char *metric = t->unit == PKS_RATE_BITS ?
		"burst_threshold_bits_per_second" :
		"burst_threshold_packets_per_second";
	size_t i;

	if (!c->o->bursts)
		return;
	help_type(b, metric, "gauge",
		  "The --threshold of the collector's burst detection.");
	for (i = 0; i < c->nn; i++) {
		name_label(b, metric, c->n[i]);
		pks_buf_printf(b, " %.17g\n", pks_rate_value(t));
	}
}

/* The module's window histogram of each name that has one. */
static void histogram_metric(struct pks_buf *b, struct pks_collector *c,
			     uint64_t mono)
{
	static const char metric[] = "window_bits_per_second";
	struct pks_status st;
	struct pks_hist h;
	bool head = false;
	uint64_t sup;
	size_t i;

	for (i = 0; i < c->nn; i++) {
		struct pks_cname *n = c->n[i];

		if (n->state != PKS_N_PRESENT)
			continue;
		if (pks_read_hist(c->o->root, n->name, &c->rbuf, &h, &st) < 0) {
			/* a module without hist has no histogram to give */
			if (st.err != PKS_E_NOFILE &&
			    pks_rl_ok(&n->rl_hist, mono, &sup))
				pks_log(PKS_LOG_WARNING, "%s: %s (%llu similar warnings not logged)",
					n->name, st.msg, (unsigned long long)sup);
			continue;
		}
		if (!head)
			help_type(b, metric, "histogram",
				  "Windows that saw traffic, by bit rate (layer 3; bytes x 8 / period), from the module's histogram.");
		head = true;
		pks_hist_prom(b, "xt_pktstat_window_bits_per_second", n->name, &h);
	}
}

static void collector_metrics(struct pks_buf *b, const struct pks_collector *c)
{
	pks_buf_printf(b,
		       "# HELP xt_pktstat_collector_rows_lost_total CSV rows that could not be written.\n"
		       "# TYPE xt_pktstat_collector_rows_lost_total counter\n"
		       "xt_pktstat_collector_rows_lost_total %llu\n"
		       "# HELP xt_pktstat_collector_write_errors_total Failed attempts to write a CSV file.\n"
		       "# TYPE xt_pktstat_collector_write_errors_total counter\n"
		       "xt_pktstat_collector_write_errors_total %llu\n"
		       "# HELP xt_pktstat_collector_start_time_seconds When the collector started.\n"
		       "# TYPE xt_pktstat_collector_start_time_seconds gauge\n"
		       "xt_pktstat_collector_start_time_seconds %.17g\n",
		       (unsigned long long)c->files.rows_lost,
		       (unsigned long long)c->files.write_errors,
		       (double)c->start_real / 1e9);
}

/* Write @b to @tmp, then rename it to @path.  0 or an errno. */
static int replace_file(const char *path, const char *tmp,
			const struct pks_buf *b)
{
	size_t off = 0;
	int fd, err = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : ENOSPC;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

int pks_collect_write_prom(struct pks_collector *c, uint64_t mono,
			   bool startup)
{
	const char *prom = c->o->prom, *slash = strrchr(prom, '/');
	struct pks_buf b = { 0 };
	char tmp[PATH_MAX];
	uint64_t sup;
	size_t i;
	int err;

	if (slash)
		pks_snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp",
			     (int)(slash - prom), prom, slash + 1);
	else
		pks_snprintf(tmp, sizeof(tmp), ".%s.tmp", prom);
	per_name_metrics(&b, c);
	threshold_metric(&b, c);
	histogram_metric(&b, c, mono);
	collector_metrics(&b, c);
	err = replace_file(prom, tmp, &b);
	pks_buf_free(&b);
	if (err) {
		/* at the start, a wrong path is fatal, a full disk is not */
		if (startup && err != ENOSPC && err != EDQUOT && err != EIO) {
			pks_log(PKS_LOG_ERR, "cannot write %s: %s", tmp,
				strerror(err));
			return -2;
		}
		if (pks_rl_ok(&c->rl_prom, mono, &sup))
			pks_log(PKS_LOG_ERR,
				"cannot write %s: %s; retrying (%llu similar errors not logged)",
				tmp, strerror(err), (unsigned long long)sup);
		return -1;
	}
	if (c->rl_prom.last) {
		pks_log(PKS_LOG_NOTICE, "%s written again", prom);
		pks_rl_reset(&c->rl_prom);
	}
	for (i = 0; i < c->nn; i++) {
		c->n[i]->peak_pps = c->n[i]->peak_Bps = 0;
		c->n[i]->max_fill = 0;
	}
	c->last_prom = mono;
	return 0;
}
