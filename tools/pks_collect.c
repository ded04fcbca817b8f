// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: the collector daemon.
 *
 * Every poll it reads the stats and drains the data of each name, writes
 * one CSV row per sample into the file of the rotation period that holds
 * the sample's window start, and now and then rewrites the Prometheus
 * textfile.  It polls often enough for the FIFO of every name (a quarter
 * of period x samples, between 1ms and 1s) and says so when it could not.
 *
 * CSV files: DIR/.START_END.csv.tmp while open, renamed (never over an
 * existing file) to DIR/START_END.csv once no more sample can arrive for
 * the period, after an fsync.  A file for the current period exists from
 * its start, so a period without traffic gives a file with a header, and
 * a missing file means the collector was not running.  Everything that
 * leaves a hole in the samples (start, stop, windows dropped by the
 * kernel, a name that vanished, rows lost to a full disk) is written as an
 * event row and logged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pks.h"

#define MAX_BUCKETS	16
#define WRITE_CAP	(8u << 20)	/* unwritten bytes kept per file */
#define GRACE_NS	(100 * 1000000ULL)	/* readable after window end */
#define RETRY_NS	PKS_NSEC	/* absent names, rescans */
#define MIN_POLL_NS	1000000ULL
#define MAX_POLL_NS	PKS_NSEC
#define LOG_EVERY_NS	(60 * PKS_NSEC)	/* repeats of one complaint */

enum nstate { N_UNKNOWN, N_PRESENT, N_ABSENT };

struct ratelimit {
	uint64_t last;
	uint64_t suppressed;
};

struct cname {
	char name[64];
	bool fixed;
	enum nstate state;
	enum pks_err last_err;
	bool reset_baseline;
	bool warned_setup;
	struct pks_stats prev;
	bool have_prev;
	uint64_t period, cap, fill_ns;
	uint64_t last_read, last_try;
	/* since the collector started */
	uint64_t windows, frames, bytes;
	uint64_t d_windows, d_frames, d_bytes;
	uint64_t late_reads;
	/* since the last Prometheus write */
	double peak_pps, peak_Bps, max_fill;
	uint64_t last_read_real;
	struct ratelimit rl_fail, rl_late, rl_drop;
};

struct bucket {
	bool used;
	uint64_t start, end;		/* ns */
	int fd;				/* -1: not created yet */
	char base[64];			/* START_END */
	struct pks_buf out;		/* rows not yet written */
	uint64_t file_off, line_off;	/* written; up to the last '\n' */
};

struct collector {
	const struct pks_collect_opts *o;
	struct cname *n;
	size_t nn, ncap;
	struct bucket b[MAX_BUCKETS];
	struct bucket *last_b;
	int lock_fd;
	struct pks_buf rbuf;
	struct pks_samples smp;
	struct pks_tcache tc;
	uint64_t max_period;
	uint64_t last_scan, last_prom, start_real;
	uint64_t rows_lost, lost_pending, write_errors;
	int lost_errno;
	struct ratelimit rl_write, rl_prom, rl_scan;
	bool prom_ok_once;
};

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* true: log now (and say how many were suppressed since the last one) */
static bool rl_ok(struct ratelimit *r, uint64_t now, uint64_t *suppressed)
{
	if (r->last && now - r->last < LOG_EVERY_NS) {
		r->suppressed++;
		return false;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last = now;
	return true;
}

static void rl_reset(struct ratelimit *r)
{
	r->last = 0;
	r->suppressed = 0;
}

/* ---------------------------------------------------------------- files */

static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE */
	if (link(from, to) == 0)
		return unlink(from);
	if (errno == EEXIST)
		return -1;
	if (access(to, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* Rename @tmp to DIR/@base.csv, or .1.csv, .2.csv ... if taken. */
static int publish(const char *dir, const char *tmp, const char *base,
		   char *final, size_t fn)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (i)
			pks_snprintf(final, fn, "%s/%s.%d.csv", dir, base, i);
		else
			pks_snprintf(final, fn, "%s/%s.csv", dir, base);
		if (rename_noreplace(tmp, final) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void tmp_path(const struct collector *c, const struct bucket *b,
		     char *p, size_t n)
{
	pks_snprintf(p, n, "%s/.%s.csv.tmp", c->o->dir, b->base);
}

/* Cut an incomplete last line (a collector killed mid-write). */
static void trim_partial(int fd)
{
	char buf[65536];
	off_t end = lseek(fd, 0, SEEK_END);

	while (end > 0) {
		off_t at = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
		ssize_t r = pread(fd, buf, (size_t)(end - at), at);
		char *nl;

		if (r <= 0)
			return;
		nl = memrchr(buf, '\n', (size_t)r);
		if (nl) {
			if (ftruncate(fd, at + (nl - buf) + 1) < 0)
				return;
			return;
		}
		end = at;
	}
	if (ftruncate(fd, 0) < 0)
		return;
}

/* A temporary file left by a collector that did not exit cleanly. */
static void recover_tmp(const char *dir, const char *file)
{
	char tmp[PATH_MAX], final[PATH_MAX], base[NAME_MAX + 1];
	size_t n = strlen(file);
	int fd;

	if (n < 10 || file[0] != '.' || strcmp(file + n - 8, ".csv.tmp"))
		return;
	pks_snprintf(base, sizeof(base), "%.*s", (int)(n - 9), file + 1);
	pks_snprintf(tmp, sizeof(tmp), "%s/%s", dir, file);
	fd = open(tmp, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		trim_partial(fd);
		fsync(fd);
		close(fd);
	}
	if (publish(dir, tmp, base, final, sizeof(final)) == 0)
		pks_log(PKS_LOG_NOTICE,
			"recovered %s, left by a collector that did not exit cleanly, as %s",
			tmp, final);
	else
		pks_log(PKS_LOG_WARNING, "cannot recover %s: %s", tmp,
			strerror(errno));
}

static void recover_all(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' && n > 9 &&
		    !strcmp(de->d_name + n - 8, ".csv.tmp"))
			recover_tmp(dir, de->d_name);
	}
	closedir(d);
}

static int open_dir_and_lock(struct collector *c)
{
	char path[PATH_MAX];
	int fd;

	if (c->lock_fd >= 0) {	/* SIGHUP: our own lock would block us */
		close(c->lock_fd);
		c->lock_fd = -1;
	}

	if (mkdir(c->o->dir, 0755) < 0 && errno != EEXIST) {
		pks_log(PKS_LOG_ERR, "cannot create the directory %s: %s",
			c->o->dir, strerror(errno));
		return -1;
	}
	pks_snprintf(path, sizeof(path), "%s/.xt-pktstat.lock", c->o->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		pks_log(PKS_LOG_ERR, "cannot write in %s: %s", c->o->dir,
			strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pks_log(PKS_LOG_ERR,
			"%s: another collector writes into %s (%s)", path,
			c->o->dir, strerror(errno));
		close(fd);
		return -1;
	}
	c->lock_fd = fd;
	return 0;
}

/* ---------------------------------------------------------------- buckets */

static void note_lost(struct collector *c, struct bucket *b, int err)
{
	uint64_t rows = 0;
	const char *p = b->out.p, *end = b->out.p + b->out.len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		rows++;
		p++;
	}
	if (rows && !b->line_off)	/* the header was not written either */
		rows--;
	c->rows_lost += rows;
	c->lost_pending += rows;
	c->lost_errno = err;
	pks_log(PKS_LOG_ERR,
		"%s.csv: %llu rows lost (%s): they could not be written in time",
		b->base, (unsigned long long)rows, strerror(err));
	if (b->fd >= 0 && ftruncate(b->fd, (off_t)b->line_off) == 0)
		b->file_off = b->line_off;
	b->out.len = 0;
}

/*
 * Write what @b holds.  0 when it is all written; -1 (errno) when some is
 * left, kept for the next try (up to WRITE_CAP, beyond which it is
 * counted as lost, announced later by an event row).
 */
static int flush_bucket(struct collector *c, struct bucket *b, uint64_t now)
{
	size_t done = 0;
	int err = 0;
	uint64_t sup;

	if (!b->out.len)
		return 0;
	if (b->fd < 0) {
		char tmp[PATH_MAX];

		tmp_path(c, b, tmp, sizeof(tmp));
		b->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (b->fd < 0 && errno == EEXIST) {
			recover_tmp(c->o->dir, strrchr(tmp, '/') + 1);
			b->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				     0644);
		}
		if (b->fd < 0) {
			err = errno;
			if (err == ENOENT)	/* the directory went away */
				mkdir(c->o->dir, 0755);
			goto fail;
		}
		b->file_off = b->line_off = 0;
	}
	while (done < b->out.len) {
		ssize_t w = write(b->fd, b->out.p + done, b->out.len - done);
		const char *nl;

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		if (w == 0) {
			err = ENOSPC;
			break;
		}
		nl = memrchr(b->out.p + done, '\n', (size_t)w);
		if (nl)
			b->line_off = b->file_off + (uint64_t)(nl - (b->out.p + done)) + 1;
		b->file_off += (uint64_t)w;
		done += (size_t)w;
	}
	if (done) {
		memmove(b->out.p, b->out.p + done, b->out.len - done);
		b->out.len -= done;
		b->out.p[b->out.len] = 0;
	}
	if (!err) {
		if (c->lost_pending) {
			char ev[256];

			pks_snprintf(ev, sizeof(ev), "lost rows=%llu: %s",
				 (unsigned long long)c->lost_pending,
				 strerror(c->lost_errno));
			c->lost_pending = 0;
			pks_csv_event(&b->out, &c->tc, "", now, 0, ev);
			pks_log(PKS_LOG_NOTICE,
				"writing again into %s; the gap is marked in %s.csv",
				c->o->dir, b->base);
			rl_reset(&c->rl_write);
			return flush_bucket(c, b, now);
		}
		return 0;
	}
fail:
	c->write_errors++;
	if (rl_ok(&c->rl_write, now, &sup))
		pks_log(PKS_LOG_ERR,
			"%s/.%s.csv.tmp: %s; %zu bytes wait in memory, retrying at every read (%llu similar errors not logged)",
			c->o->dir, b->base, strerror(err), b->out.len,
			(unsigned long long)sup);
	if (b->out.len > WRITE_CAP)
		note_lost(c, b, err);
	errno = err;
	return -1;
}

static void finalize_bucket(struct collector *c, struct bucket *b,
			    uint64_t now)
{
	char tmp[PATH_MAX], final[PATH_MAX];

	if (flush_bucket(c, b, now) < 0 && b->out.len)
		note_lost(c, b, errno);
	if (b->fd >= 0 && b->file_off == 0) {
		/* nothing could be written, not even the header: no file
		 * (the loss is announced by an event row later) */
		close(b->fd);
		b->fd = -1;
		tmp_path(c, b, tmp, sizeof(tmp));
		unlink(tmp);
	}
	if (b->fd >= 0) {
		if (fsync(b->fd) < 0)
			pks_log(PKS_LOG_ERR, "%s/.%s.csv.tmp: fsync: %s",
				c->o->dir, b->base, strerror(errno));
		close(b->fd);
		b->fd = -1;
		tmp_path(c, b, tmp, sizeof(tmp));
		if (publish(c->o->dir, tmp, b->base, final, sizeof(final)) < 0)
			pks_log(PKS_LOG_ERR, "cannot rename %s: %s", tmp,
				strerror(errno));
		else
			fsync_dir(c->o->dir);
	}
	pks_buf_free(&b->out);
	b->used = false;
	if (c->last_b == b)
		c->last_b = NULL;
}

static struct bucket *bucket_for(struct collector *c, uint64_t ts,
				 uint64_t now)
{
	uint64_t start = ts - ts % c->o->rotate_ns;
	struct bucket *b, *free_b = NULL, *oldest = NULL;
	char s1[32], s2[32];
	int i;

	if (c->last_b && c->last_b->start == start)
		return c->last_b;
	for (i = 0; i < MAX_BUCKETS; i++) {
		b = &c->b[i];
		if (b->used && b->start == start)
			return c->last_b = b;
		if (!b->used && !free_b)
			free_b = b;
		if (b->used && (!oldest || b->start < oldest->start))
			oldest = b;
	}
	if (!free_b) {
		finalize_bucket(c, oldest, now);
		free_b = oldest;
	}
	b = free_b;
	memset(b, 0, sizeof(*b));
	b->used = true;
	b->fd = -1;
	b->start = start;
	b->end = start + c->o->rotate_ns;
	pks_fmt_stamp(s1, sizeof(s1), b->start / PKS_NSEC);
	pks_fmt_stamp(s2, sizeof(s2), b->end / PKS_NSEC);
	pks_snprintf(b->base, sizeof(b->base), "%s_%s", s1, s2);
	pks_buf_str(&b->out, PKS_CSV_HEADER);
	return c->last_b = b;
}

static void csv_event(struct collector *c, const char *name, uint64_t period,
		      const char *ev)
{
	uint64_t now = pks_now_real();

	if (!c->o->dir)
		return;
	pks_csv_event(&bucket_for(c, now, now)->out, &c->tc, name, now, period,
		      ev);
}

/* ---------------------------------------------------------------- names */

static struct cname *add_name(struct collector *c, const char *name,
			      bool fixed)
{
	struct cname *n;
	size_t i;

	for (i = 0; i < c->nn; i++)
		if (!strcmp(c->n[i].name, name))
			return &c->n[i];
	if (c->nn == c->ncap) {
		c->ncap = c->ncap ? c->ncap * 2 : 8;
		c->n = pks_xrealloc(c->n, c->ncap * sizeof(*c->n));
	}
	n = &c->n[c->nn++];
	memset(n, 0, sizeof(*n));
	pks_snprintf(n->name, sizeof(n->name), "%s", name);
	n->fixed = fixed;
	return n;
}

static uint64_t auto_interval(const struct cname *n)
{
	uint64_t iv = n->fill_ns / 4;

	return iv < MIN_POLL_NS ? MIN_POLL_NS : iv > MAX_POLL_NS ? MAX_POLL_NS : iv;
}

static void setup_name(struct collector *c, struct cname *n,
		       const struct pks_stats *st)
{
	char p[32], f[32], iv[32];

	if (n->period == st->v[PKS_PERIOD_NS] && n->cap == st->v[PKS_SAMPLES] &&
	    n->warned_setup)
		return;
	n->period = st->v[PKS_PERIOD_NS];
	n->cap = st->v[PKS_SAMPLES];
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
		if (n->fill_ns / 4 < MIN_POLL_NS)
			pks_log(PKS_LOG_WARNING,
				"%s: its FIFO fills in %s (period %s x %llu samples); reading every %s may not keep up: give the rule more --samples",
				n->name, f, p, (unsigned long long)n->cap, iv);
	}
	if (!c->o->quiet)
		pks_log(PKS_LOG_INFO,
			"%s: period %s, %llu samples (full in %s at most): reading every %s",
			n->name, p, (unsigned long long)n->cap, f, iv);
}

static void name_failed(struct collector *c, struct cname *n,
			const struct pks_status *st, uint64_t now)
{
	uint64_t sup;
	char ev[600];

	if (st->err == PKS_E_FORMAT) {
		/* the name is there: keep reading it at its pace */
		if (rl_ok(&n->rl_fail, now, &sup)) {
			pks_log(PKS_LOG_ERR, "%s: %s (%llu similar errors not logged)",
				n->name, st->msg, (unsigned long long)sup);
			pks_snprintf(ev, sizeof(ev), "error: %s", st->msg);
			csv_event(c, n->name, n->period, ev);
		}
		return;
	}
	if (st->err != PKS_E_ACCESS && st->err != PKS_E_OTHER)
		n->reset_baseline = true;
	if (n->state == N_ABSENT && n->last_err == st->err) {
		if (rl_ok(&n->rl_fail, now, &sup))
			pks_log(PKS_LOG_WARNING, "%s: still failing: %s",
				n->name, st->msg);
		return;
	}
	rl_reset(&n->rl_fail);
	rl_ok(&n->rl_fail, now, &sup);
	pks_log(PKS_LOG_WARNING, "%s: %s; retrying every second", n->name,
		st->msg);
	pks_snprintf(ev, sizeof(ev), "%s: %s",
		 n->reset_baseline ?
			(n->state == N_PRESENT ? "gone" : "absent") : "error",
		 st->msg);
	csv_event(c, n->name, 0, ev);
	n->state = N_ABSENT;
	n->last_err = st->err;
}

static void poll_name(struct collector *c, struct cname *n, uint64_t mono)
{
	struct pks_status st;
	struct pks_stats cur;
	uint64_t now = pks_now_real(), sup, fs = 0, fb = 0;
	size_t i;
	int dr;

	if (n->state != N_PRESENT && n->last_try &&
	    mono - n->last_try < RETRY_NS)
		return;
	n->last_try = mono;
	if (pks_read_stats(c->o->root, n->name, &c->rbuf, &cur, &st) < 0) {
		name_failed(c, n, &st, mono);
		return;
	}
	c->smp.n = 0;
	dr = pks_drain(c->o->root, n->name, &c->rbuf, &c->smp, &st);
	mono = pks_now_mono();
	setup_name(c, n, &cur);

	if (n->state != N_PRESENT) {
		char ev[256];

		if (n->state == N_UNKNOWN) {
			pks_snprintf(ev, sizeof(ev),
				 "start frames_seen=%llu frames_read=%llu frames_dropped=%llu",
				 (unsigned long long)cur.v[PKS_FRAMES_SEEN],
				 (unsigned long long)cur.v[PKS_FRAMES_READ],
				 (unsigned long long)cur.v[PKS_FRAMES_DROPPED]);
			n->prev = cur;
			n->have_prev = true;
		} else {
			pks_log(PKS_LOG_NOTICE, "%s: readable again", n->name);
			pks_snprintf(ev, sizeof(ev),
				 "back frames_seen=%llu frames_dropped=%llu",
				 (unsigned long long)cur.v[PKS_FRAMES_SEEN],
				 (unsigned long long)cur.v[PKS_FRAMES_DROPPED]);
		}
		csv_event(c, n->name, n->period, ev);
		n->state = N_PRESENT;
		n->last_err = PKS_OK;
		n->last_read = 0;
		rl_reset(&n->rl_fail);
	}
	if (n->reset_baseline ||
	    cur.v[PKS_SAMPLES_DROPPED] < n->prev.v[PKS_SAMPLES_DROPPED] ||
	    cur.v[PKS_FRAMES_SEEN] < n->prev.v[PKS_FRAMES_SEEN]) {
		/* a new incarnation of the name: its counters start at 0 */
		memset(&n->prev, 0, sizeof(n->prev));
		n->reset_baseline = false;
	}
	{
		uint64_t dw = cur.v[PKS_SAMPLES_DROPPED] - n->prev.v[PKS_SAMPLES_DROPPED];
		uint64_t df = cur.v[PKS_FRAMES_DROPPED] > n->prev.v[PKS_FRAMES_DROPPED] ?
			cur.v[PKS_FRAMES_DROPPED] - n->prev.v[PKS_FRAMES_DROPPED] : 0;
		uint64_t db = cur.v[PKS_BYTES_DROPPED] > n->prev.v[PKS_BYTES_DROPPED] ?
			cur.v[PKS_BYTES_DROPPED] - n->prev.v[PKS_BYTES_DROPPED] : 0;
		char ev[256];

		if (dw || df || db) {
			n->d_windows += dw;
			n->d_frames += df;
			n->d_bytes += db;
			pks_snprintf(ev, sizeof(ev),
				     "dropped windows=%llu frames=%llu bytes=%llu (FIFO full)",
				     (unsigned long long)dw, (unsigned long long)df,
				     (unsigned long long)db);
			csv_event(c, n->name, n->period, ev);
			if (rl_ok(&n->rl_drop, mono, &sup))
				pks_log(PKS_LOG_WARNING,
					"%s: the kernel dropped %llu windows (%llu frames) on a full FIFO (%llu similar warnings not logged)",
					n->name, (unsigned long long)dw,
					(unsigned long long)df,
					(unsigned long long)sup);
		}
	}
	n->prev = cur;
	n->have_prev = true;

	if (dr == 0 || st.err == PKS_E_FORMAT) {
		if (n->last_read && mono - n->last_read > n->fill_ns) {
			char a[32], b[32];

			n->late_reads++;
			if (rl_ok(&n->rl_late, mono, &sup)) {
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
	/* the samples (also those before a bad line) */
	if (c->smp.n && (double)c->smp.n / (double)n->cap > n->max_fill)
		n->max_fill = (double)c->smp.n / (double)n->cap;
	for (i = 0; i < c->smp.n; i++) {
		const struct pks_sample *s = &c->smp.v[i];

		fs = s->frames > fs ? s->frames : fs;
		fb = s->bytes > fb ? s->bytes : fb;
		n->frames += s->frames;
		n->bytes += s->bytes;
		if (c->o->dir)
			pks_csv_sample(&bucket_for(c, s->ts, now)->out, &c->tc,
				       n->name, n->period, s);
	}
	n->windows += c->smp.n;
	if (pks_pps(fs, n->period) > n->peak_pps)
		n->peak_pps = pks_pps(fs, n->period);
	if (pks_bps(fb, n->period) / 8 > n->peak_Bps)
		n->peak_Bps = pks_bps(fb, n->period) / 8;
	if (dr < 0)
		name_failed(c, n, &st, mono);
}

static void rescan(struct collector *c, uint64_t mono)
{
	struct pks_status st;
	char **names;
	size_t k, i;
	uint64_t sup;

	if (c->o->n_names || (c->last_scan && mono - c->last_scan < RETRY_NS))
		return;
	c->last_scan = mono;
	if (pks_list_names(c->o->root, &names, &k, &st) < 0) {
		if (rl_ok(&c->rl_scan, mono, &sup))
			pks_log(PKS_LOG_WARNING, "%s; retrying every second",
				st.msg);
		return;
	}
	rl_reset(&c->rl_scan);
	for (i = 0; i < k; i++)
		if (pks_valid_name(names[i]))
			add_name(c, names[i], false);
	pks_free_names(names, k);
}

/* ---------------------------------------------------------- prometheus */

static void prom_metric(struct pks_buf *b, const struct collector *c,
			const char *metric, const char *type, const char *help,
			int which)
{
	size_t i;

	pks_buf_printf(b, "# HELP xt_pktstat_%s %s\n# TYPE xt_pktstat_%s %s\n",
		       metric, help, metric, type);
	for (i = 0; i < c->nn; i++) {
		const struct cname *n = &c->n[i];
		uint64_t u = 0;
		double v = -1;

		switch (which) {
		case 0: u = n->state == N_PRESENT; break;
		case 1: v = (double)n->period / 1e9; break;
		case 2: u = n->cap; break;
		case 3: u = n->windows; break;
		case 4: u = n->frames; break;
		case 5: u = n->bytes; break;
		case 6: u = n->d_windows; break;
		case 7: u = n->d_frames; break;
		case 8: u = n->d_bytes; break;
		case 9: v = n->peak_pps; break;
		case 10: v = n->peak_Bps; break;
		case 11: u = n->late_reads; break;
		case 12: v = n->max_fill; break;
		case 13: v = (double)n->last_read_real / 1e9; break;
		}
		pks_buf_printf(b, "xt_pktstat_%s{name=", metric);
		pks_json_str(b, n->name);	/* names are [A-Za-z0-9_.-] */
		if (v < 0)
			pks_buf_printf(b, "} %llu\n", (unsigned long long)u);
		else if (which == 1)	/* a period: ns are 9 digits at most */
			pks_buf_printf(b, "} %.9g\n", v);
		else
			pks_buf_printf(b, "} %.17g\n", v);
	}
}

static int write_prom(struct collector *c, uint64_t mono, bool startup)
{
	struct pks_buf b = { 0 };
	char tmp[PATH_MAX];
	const char *slash = strrchr(c->o->prom, '/');
	uint64_t sup;
	size_t off = 0, i;
	int fd, err = 0;

	if (slash)
		pks_snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp",
			 (int)(slash - c->o->prom), c->o->prom, slash + 1);
	else
		pks_snprintf(tmp, sizeof(tmp), ".%s.tmp", c->o->prom);

	prom_metric(&b, c, "up", "gauge",
		    "1 if the name's files could be read at the last attempt.", 0);
	prom_metric(&b, c, "period_seconds", "gauge",
		    "Width of the name's windows.", 1);
	prom_metric(&b, c, "fifo_capacity_windows", "gauge",
		    "Capacity of the name's FIFO (--samples).", 2);
	prom_metric(&b, c, "windows_total", "counter",
		    "Samples (windows that saw traffic) read by this collector.", 3);
	prom_metric(&b, c, "frames_total", "counter",
		    "Frames in the samples read by this collector.", 4);
	prom_metric(&b, c, "bytes_total", "counter",
		    "Bytes (layer 3) in the samples read by this collector.", 5);
	prom_metric(&b, c, "dropped_windows_total", "counter",
		    "Windows the kernel dropped on a full FIFO while this collector ran.", 6);
	prom_metric(&b, c, "dropped_frames_total", "counter",
		    "Frames in the windows dropped on a full FIFO.", 7);
	prom_metric(&b, c, "dropped_bytes_total", "counter",
		    "Bytes in the windows dropped on a full FIFO.", 8);
	prom_metric(&b, c, "peak_frames_per_second", "gauge",
		    "Frame rate of the busiest window read since the previous update of this file.", 9);
	prom_metric(&b, c, "peak_bytes_per_second", "gauge",
		    "Byte rate of the busiest window read since the previous update of this file.", 10);
	prom_metric(&b, c, "late_reads_total", "counter",
		    "Reads that came later than the FIFO takes to fill.", 11);
	prom_metric(&b, c, "fifo_max_fill_ratio", "gauge",
		    "Largest share of the FIFO one read returned since the previous update.", 12);
	prom_metric(&b, c, "last_read_timestamp_seconds", "gauge",
		    "When the collector last read the name's samples.", 13);
	pks_buf_printf(&b,
		       "# HELP xt_pktstat_collector_rows_lost_total CSV rows that could not be written.\n"
		       "# TYPE xt_pktstat_collector_rows_lost_total counter\n"
		       "xt_pktstat_collector_rows_lost_total %llu\n"
		       "# HELP xt_pktstat_collector_write_errors_total Failed attempts to write a CSV file.\n"
		       "# TYPE xt_pktstat_collector_write_errors_total counter\n"
		       "xt_pktstat_collector_write_errors_total %llu\n"
		       "# HELP xt_pktstat_collector_start_time_seconds When the collector started.\n"
		       "# TYPE xt_pktstat_collector_start_time_seconds gauge\n"
		       "xt_pktstat_collector_start_time_seconds %.17g\n",
		       (unsigned long long)c->rows_lost,
		       (unsigned long long)c->write_errors,
		       (double)c->start_real / 1e9);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
	} else {
		while (off < b.len) {
			ssize_t w = write(fd, b.p + off, b.len - off);

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
		if (!err && rename(tmp, c->o->prom) < 0)
			err = errno;
		if (err)
			unlink(tmp);
	}
	pks_buf_free(&b);
	if (err) {
		/* at the start, a wrong path is fatal, a full disk is not */
		if (startup && err != ENOSPC && err != EDQUOT && err != EIO) {
			pks_log(PKS_LOG_ERR, "cannot write %s: %s", tmp,
				strerror(err));
			return -2;
		}
		if (rl_ok(&c->rl_prom, mono, &sup))
			pks_log(PKS_LOG_ERR,
				"cannot write %s: %s; retrying (%llu similar errors not logged)",
				tmp, strerror(err), (unsigned long long)sup);
		return -1;
	}
	if (c->rl_prom.last) {
		pks_log(PKS_LOG_NOTICE, "%s written again", c->o->prom);
		rl_reset(&c->rl_prom);
	}
	for (i = 0; i < c->nn; i++) {
		c->n[i].peak_pps = c->n[i].peak_Bps = 0;
		c->n[i].max_fill = 0;
	}
	c->last_prom = mono;
	return 0;
}

/* ---------------------------------------------------------------- loop */

static void poll_all(struct collector *c)
{
	uint64_t mono = pks_now_mono(), now;
	size_t i;
	int k;

	rescan(c, mono);
	for (i = 0; i < c->nn; i++)
		poll_name(c, &c->n[i], mono);
	if (!c->o->dir)
		return;
	now = pks_now_real();
	bucket_for(c, now, now);	/* the current period has its file */
	for (k = 0; k < MAX_BUCKETS; k++) {
		struct bucket *b = &c->b[k];

		if (!b->used)
			continue;
		/* no sample of the period can come any more */
		if (b->end + c->max_period + GRACE_NS <= now)
			finalize_bucket(c, b, now);
		else
			flush_bucket(c, b, now);
	}
}

static void finalize_all(struct collector *c)
{
	uint64_t now = pks_now_real();
	int k;

	for (k = 0; k < MAX_BUCKETS; k++)
		if (c->b[k].used)
			finalize_bucket(c, &c->b[k], now);
}

static uint64_t poll_interval(const struct collector *c)
{
	uint64_t iv = MAX_POLL_NS;
	size_t i;

	if (c->o->interval_ns)
		return c->o->interval_ns;
	for (i = 0; i < c->nn; i++) {
		const struct cname *n = &c->n[i];

		if (n->state == N_PRESENT && auto_interval(n) < iv)
			iv = auto_interval(n);
	}
	return iv;
}

int pks_collect(const struct pks_collect_opts *o)
{
	struct collector c = { .o = o, .lock_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t next;
	size_t i;
	int rc = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	c.start_real = pks_now_real();

	if (o->dir) {
		if (open_dir_and_lock(&c) < 0)
			return 1;
		recover_all(o->dir);
	}
	for (i = 0; i < o->n_names; i++)
		add_name(&c, o->names[i], true);

	/* Before the first read: a name we may not read is a configuration
	 * error; a missing one may come with a rule added later. */
	for (i = 0; i < c.nn; i++) {
		struct pks_stats st;
		struct pks_status s;

		if (pks_read_stats(o->root, c.n[i].name, &c.rbuf, &st, &s) < 0 &&
		    s.err == PKS_E_ACCESS) {
			pks_log(PKS_LOG_ERR, "%s: %s", c.n[i].name, s.msg);
			rc = 1;
			goto out;
		}
	}
	if (!o->quiet)
		pks_log(PKS_LOG_INFO, "collecting %s from %s%s%s%s%s",
			o->n_names ? "the names given" : "every name",
			o->root, o->dir ? ", CSV files in " : "",
			o->dir ? o->dir : "", o->prom ? ", Prometheus file " : "",
			o->prom ? o->prom : "");

	poll_all(&c);
	if (o->prom && write_prom(&c, pks_now_mono(), true) == -2) {
		rc = 1;
		goto out;
	}
	next = pks_now_mono();
	while (!got_term) {
		struct timespec ts;
		uint64_t now;

		next += poll_interval(&c);
		now = pks_now_mono();
		if (next < now)
			next = now;	/* late: poll_name() tells */
		ts.tv_sec = (time_t)(next / PKS_NSEC);
		ts.tv_nsec = (long)(next % PKS_NSEC);
		while (!got_term && !got_hup &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		if (got_term)
			break;
		if (got_hup) {
			got_hup = 0;
			pks_log(PKS_LOG_NOTICE,
				"SIGHUP: closing the open files and opening new ones");
			poll_all(&c);
			if (o->dir) {
				finalize_all(&c);
				open_dir_and_lock(&c);
			}
			rl_reset(&c.rl_write);
			rl_reset(&c.rl_prom);
			if (o->prom)
				write_prom(&c, pks_now_mono(), false);
			continue;
		}
		poll_all(&c);
		if (o->prom && pks_now_mono() - c.last_prom >= o->prom_interval_ns)
			write_prom(&c, pks_now_mono(), false);
	}
	/* SIGTERM: one last read, then everything out */
	poll_all(&c);
	for (i = 0; i < c.nn; i++)
		if (c.n[i].state == N_PRESENT)
			csv_event(&c, c.n[i].name, c.n[i].period, "stop");
	if (o->dir)
		finalize_all(&c);
	if (o->prom)
		write_prom(&c, pks_now_mono(), false);
	if (!o->quiet)
		pks_log(PKS_LOG_INFO, "stopped");
out:
	if (o->dir)
		finalize_all(&c);
	if (c.lock_fd >= 0)
		close(c.lock_fd);
	pks_buf_free(&c.rbuf);
	pks_samples_free(&c.smp);
	free(c.n);
	return rc;
}
