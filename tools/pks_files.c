// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: the rotated CSV and burst files (see pks_files.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pks_clock.h"
#include "pks_files.h"
#include "pks_log.h"

static const struct {
	const char *sfx;	/* of the final name */
	const char *header;	/* the first line, or NULL */
} kinds[PKS_FK_N] = {
	[PKS_FK_CSV] = { ".csv", PKS_CSV_HEADER },
	[PKS_FK_BURSTS] = { ".bursts.jsonl", NULL },
};

/* ------------------------------------------------------------ names */

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

/* Rename @tmp to DIR/@base@sfx, or .1@sfx, .2@sfx ... if taken. */
static int publish(const char *dir, const char *tmp, const char *base,
		   const char *sfx, char *final, size_t fn)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (i)
			pks_snprintf(final, fn, "%s/%s.%d%s", dir, base, i, sfx);
		else
			pks_snprintf(final, fn, "%s/%s%s", dir, base, sfx);
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
	int fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void tmp_path(const struct pks_files *fs, const struct pks_bucket *b,
		     enum pks_fkind k, char *p, size_t n)
{
	pks_snprintf(p, n, "%s/.%s%s.tmp", fs->dir, b->base, kinds[k].sfx);
}

/* ------------------------------------------------------------ recovery */

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

/* The kind of a temporary file ".BASE<sfx>.tmp", its BASE in @base. */
static int tmp_kind(const char *file, char *base, size_t bn)
{
	size_t n = strlen(file);
	int k;

	if (file[0] != '.' || n < 5 || strcmp(file + n - 4, ".tmp"))
		return -1;
	for (k = 0; k < PKS_FK_N; k++) {
		size_t s = strlen(kinds[k].sfx);

		if (n > 5 + s && !strncmp(file + n - 4 - s, kinds[k].sfx, s)) {
			pks_snprintf(base, bn, "%.*s", (int)(n - 5 - s), file + 1);
			return k;
		}
	}
	return -1;
}

/* A temporary file left by a collector that did not exit cleanly. */
static void recover_tmp(const char *dir, const char *file)
{
	char tmp[PATH_MAX], final[PATH_MAX], base[NAME_MAX + 1];
	int fd, k = tmp_kind(file, base, sizeof(base));

	if (k < 0)
		return;
	pks_snprintf(tmp, sizeof(tmp), "%s/%s", dir, file);
	fd = open(tmp, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		trim_partial(fd);
		fsync(fd);
		close(fd);
	}
	if (publish(dir, tmp, base, kinds[k].sfx, final, sizeof(final)) == 0)
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
	char base[NAME_MAX + 1];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (tmp_kind(de->d_name, base, sizeof(base)) >= 0)
			recover_tmp(dir, de->d_name);
	closedir(d);
}

int pks_files_open(struct pks_files *fs, bool recover)
{
	char path[PATH_MAX];
	int fd;

	pks_files_close(fs);	/* SIGHUP: our own lock would block us */
	if (mkdir(fs->dir, 0755) < 0 && errno != EEXIST) {
		pks_log(PKS_LOG_ERR, "cannot create the directory %s: %s",
			fs->dir, strerror(errno));
		return -1;
	}
	pks_snprintf(path, sizeof(path), "%s/.xt-pktstat.lock", fs->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		pks_log(PKS_LOG_ERR, "cannot write in %s: %s", fs->dir,
			strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pks_log(PKS_LOG_ERR, "%s: another collector writes into %s (%s)",
			path, fs->dir, strerror(errno));
		close(fd);
		return -1;
	}
	fs->lock_fd = fd;
	if (recover)
		recover_all(fs->dir);
	return 0;
}

void pks_files_close(struct pks_files *fs)
{
	if (fs->lock_fd >= 0)
		close(fs->lock_fd);
	fs->lock_fd = -1;
}

/* ------------------------------------------------------------ writing */

static void note_lost(struct pks_files *fs, struct pks_bucket *b,
		      enum pks_fkind k, int err)
{
	struct pks_rfile *f = &b->f[k];
	const char *p = f->out.p, *end = f->out.p + f->out.len;
	uint64_t rows = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		rows++;
		p++;
	}
	if (rows && kinds[k].header && !f->line_off)
		rows--;		/* the header was not written either */
	fs->rows_lost += rows;
	fs->lost_pending += rows;
	fs->lost_errno = err;
	pks_log(PKS_LOG_ERR,
		"%s%s: %llu rows lost (%s): they could not be written in time",
		b->base, kinds[k].sfx, (unsigned long long)rows, strerror(err));
	if (f->fd >= 0 && ftruncate(f->fd, (off_t)f->line_off) == 0)
		f->file_off = f->line_off;
	f->out.len = 0;
}

/* Create the temporary file of @k. */
static int create_file(struct pks_files *fs, struct pks_bucket *b,
		       enum pks_fkind k)
{
	struct pks_rfile *f = &b->f[k];
	char tmp[PATH_MAX];

	tmp_path(fs, b, k, tmp, sizeof(tmp));
	f->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f->fd < 0 && errno == EEXIST) {
		recover_tmp(fs->dir, strrchr(tmp, '/') + 1);
		f->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (f->fd < 0) {
		int err = errno;

		if (err == ENOENT)	/* the directory went away */
			mkdir(fs->dir, 0755);
		errno = err;
		return -1;
	}
	f->file_off = f->line_off = 0;
	return 0;
}

/* Write @f->out; 0, or the errno of the failure (what is left stays). */
static int write_out(struct pks_rfile *f)
{
	size_t done = 0;
	int err = 0;

	while (done < f->out.len) {
		ssize_t w = write(f->fd, f->out.p + done, f->out.len - done);
		const char *nl;

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : ENOSPC;
			break;
		}
		nl = memrchr(f->out.p + done, '\n', (size_t)w);
		if (nl)
			f->line_off = f->file_off +
				      (uint64_t)(nl - (f->out.p + done)) + 1;
		f->file_off += (uint64_t)w;
		done += (size_t)w;
	}
	pks_buf_consume(&f->out, done);
	return err;
}

/* Once writing works again, an event row marks the rows lost before. */
static void mark_lost(struct pks_files *fs, struct pks_bucket *b,
		      uint64_t now)
{
	char ev[256];

	pks_snprintf(ev, sizeof(ev), "lost rows=%llu: %s",
		     (unsigned long long)fs->lost_pending,
		     strerror(fs->lost_errno));
	fs->lost_pending = 0;
	pks_csv_event(&b->f[PKS_FK_CSV].out, &fs->tc, "", now, 0, ev);
	pks_log(PKS_LOG_NOTICE, "writing again into %s; the gap is marked in %s.csv",
		fs->dir, b->base);
	pks_rl_reset(&fs->rl_write);
}

/*
 * Write what the file of @k holds (creating it, even empty).  0 when it
 * is all written; -1 (errno) when some is left, kept for the next try (up
 * to PKS_WRITE_CAP, beyond which it is counted as lost).
 */
static int flush_file(struct pks_files *fs, struct pks_bucket *b,
		      enum pks_fkind k, uint64_t now)
{
	struct pks_rfile *f = &b->f[k];
	uint64_t sup;
	int err;

	if (f->fd >= 0 && !f->out.len)
		return 0;
	err = f->fd < 0 && create_file(fs, b, k) < 0 ? errno : write_out(f);
	if (!err) {
		if (k == PKS_FK_CSV && fs->lost_pending) {
			mark_lost(fs, b, now);
			return flush_file(fs, b, k, now);
		}
		return 0;
	}
	fs->write_errors++;
	if (pks_rl_ok(&fs->rl_write, now, &sup))
		pks_log(PKS_LOG_ERR,
			"%s/.%s%s.tmp: %s; %zu bytes wait in memory, retrying at every read (%llu similar errors not logged)",
			fs->dir, b->base, kinds[k].sfx, strerror(err),
			f->out.len, (unsigned long long)sup);
	if (f->out.len > PKS_WRITE_CAP)
		note_lost(fs, b, k, err);
	errno = err;
	return -1;
}

static void finalize_file(struct pks_files *fs, struct pks_bucket *b,
			  enum pks_fkind k, uint64_t now)
{
	struct pks_rfile *f = &b->f[k];
	char tmp[PATH_MAX], final[PATH_MAX];

	if (flush_file(fs, b, k, now) < 0 && f->out.len)
		note_lost(fs, b, k, errno);
	tmp_path(fs, b, k, tmp, sizeof(tmp));
	if (f->fd >= 0 && kinds[k].header && f->file_off == 0) {
		/* nothing could be written, not even the header: no file
		 * (the loss is announced by an event row later) */
		close(f->fd);
		f->fd = -1;
		unlink(tmp);
	}
	if (f->fd >= 0) {
		if (fsync(f->fd) < 0)
			pks_log(PKS_LOG_ERR, "%s: fsync: %s", tmp, strerror(errno));
		close(f->fd);
		f->fd = -1;
		if (publish(fs->dir, tmp, b->base, kinds[k].sfx, final,
			    sizeof(final)) < 0)
			pks_log(PKS_LOG_ERR, "cannot rename %s: %s", tmp,
				strerror(errno));
		else
			fsync_dir(fs->dir);
	}
	pks_buf_free(&f->out);
}

static void finalize_bucket(struct pks_files *fs, struct pks_bucket *b,
			    uint64_t now)
{
	unsigned k;

	for (k = 0; k < fs->nkinds; k++)
		finalize_file(fs, b, k, now);
	b->used = false;
	if (fs->last_b == b)
		fs->last_b = NULL;
}

static void new_bucket(struct pks_files *fs, struct pks_bucket *b,
		       uint64_t start)
{
	char s1[32], s2[32];
	unsigned k;

	memset(b, 0, sizeof(*b));
	b->used = true;
	b->start = start;
	b->end = start + fs->rotate_ns;
	for (k = 0; k < PKS_FK_N; k++)
		b->f[k].fd = -1;
	pks_fmt_stamp(s1, sizeof(s1), b->start / PKS_NSEC);
	pks_fmt_stamp(s2, sizeof(s2), b->end / PKS_NSEC);
	pks_snprintf(b->base, sizeof(b->base), "%s_%s", s1, s2);
	pks_buf_str(&b->f[PKS_FK_CSV].out, PKS_CSV_HEADER);
}

static struct pks_bucket *bucket_for(struct pks_files *fs, uint64_t ts,
				     uint64_t now)
{
	uint64_t start = ts - ts % fs->rotate_ns;
	struct pks_bucket *b, *free_b = NULL, *oldest = NULL;
	int i;

	if (fs->last_b && fs->last_b->start == start)
		return fs->last_b;
	for (i = 0; i < PKS_MAX_BUCKETS; i++) {
		b = &fs->b[i];
		if (b->used && b->start == start)
			return fs->last_b = b;
		if (!b->used && !free_b)
			free_b = b;
		if (b->used && (!oldest || b->start < oldest->start))
			oldest = b;
	}
	if (!free_b) {
		finalize_bucket(fs, oldest, now);
		free_b = oldest;
	}
	new_bucket(fs, free_b, start);
	return fs->last_b = free_b;
}

struct pks_buf *pks_files_rows(struct pks_files *fs, enum pks_fkind kind,
			       uint64_t ts, uint64_t now)
{
	return &bucket_for(fs, ts, now)->f[kind].out;
}

void pks_files_event(struct pks_files *fs, const char *name,
		     uint64_t period, const char *ev)
{
	uint64_t now = pks_now_real();

	pks_csv_event(pks_files_rows(fs, PKS_FK_CSV, now, now), &fs->tc, name,
		      now, period, ev);
}

void pks_files_tick(struct pks_files *fs, uint64_t now)
{
	unsigned k;
	int i;

	bucket_for(fs, now, now);	/* the current period has its files */
	for (i = 0; i < PKS_MAX_BUCKETS; i++) {
		struct pks_bucket *b = &fs->b[i];

		if (!b->used)
			continue;
		if (b->end + fs->lag_ns <= now) {
			/* no row of the period can come any more */
			finalize_bucket(fs, b, now);
			continue;
		}
		for (k = 0; k < fs->nkinds; k++)
			flush_file(fs, b, k, now);
	}
}

void pks_files_finalize_all(struct pks_files *fs)
{
	uint64_t now = pks_now_real();
	int i;

	for (i = 0; i < PKS_MAX_BUCKETS; i++)
		if (fs->b[i].used)
			finalize_bucket(fs, &fs->b[i], now);
}
