// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: access to /proc/net/xt_pktstat/<name>/{data,stats}, clocks
 * and logging.
 *
 * A test tree (--proc-root DIR outside procfs) holds regular files: there
 * a writable data file is emptied under flock(2) once read, which is what
 * the module's destructive read does.  Tests append to it under the same
 * lock (flock(1)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "pks.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define READ_CHUNK	(1u << 20)

uint64_t pks_now_real(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * PKS_NSEC + (uint64_t)t.tv_nsec;
}

uint64_t pks_now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * PKS_NSEC + (uint64_t)t.tv_nsec;
}

void pks_log(int prio, const char *fmt, ...)
{
	static const char *const level[8] = {
		"emergency: ", "alert: ", "critical: ", "error: ",
		"warning: ", "", "", "",
	};
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (getenv("JOURNAL_STREAM")) {
		/* journald reads the priority from the prefix */
		fprintf(stderr, "<%d>%s\n", prio & 7, msg);
	} else {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s xt-pktstat: %s%s\n", ts, level[prio & 7],
			msg);
	}
	fflush(stderr);
}

/* Read from @fd to its end into @b (replacing the contents). */
static int read_all(int fd, struct pks_buf *b)
{
	b->len = 0;
	for (;;) {
		ssize_t r;

		if (b->cap - b->len < READ_CHUNK / 2 + 1)
			pks_buf_reserve(b, READ_CHUNK);
		r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	b->p[b->len] = 0;
	return 0;
}

int pks_read_file(const char *path, struct pks_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = read_all(fd, b);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

static void set_status(struct pks_status *st, const char *root,
		       const char *name, const char *path, int errnum)
{
	struct stat sb;

	st->errnum = errnum;
	if (errnum == ENOENT || errnum == ENOTDIR) {
		if (stat(root, &sb) < 0) {
			st->err = PKS_E_NOROOT;
			pks_snprintf(st->msg, sizeof(st->msg),
				 "%s: %s: is the xt_pktstat module loaded? (it is loaded with the first -m pktstat rule)",
				 root, strerror(errno));
		} else {
			st->err = PKS_E_NONAME;
			pks_snprintf(st->msg, sizeof(st->msg),
				 "no name \"%s\" in %s: no rule uses --name %s in this network namespace (rule deleted?)",
				 name, root, name);
		}
	} else if (errnum == EACCES || errnum == EPERM) {
		st->err = PKS_E_ACCESS;
		pks_snprintf(st->msg, sizeof(st->msg),
			 "%s: %s (the files are root's and mode 0400 unless the module parameters proc_mode, proc_uid, proc_gid say otherwise)",
			 path, strerror(errnum));
	} else if (errnum == EIO) {
		st->err = PKS_E_GONE;
		pks_snprintf(st->msg, sizeof(st->msg),
			 "%s: %s: the name was removed while it was being read (its last rule was deleted)",
			 path, strerror(errnum));
	} else {
		st->err = PKS_E_OTHER;
		pks_snprintf(st->msg, sizeof(st->msg), "%s: %s", path,
			 strerror(errnum));
	}
}

static void format_status(struct pks_status *st, const char *path,
			  const struct pks_buf *b, size_t bad_line)
{
	const char *p = b->p, *end = b->p + b->len, *nl;
	size_t i;

	for (i = 1; i < bad_line && p < end; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	st->err = PKS_E_FORMAT;
	st->errnum = 0;
	pks_snprintf(st->msg, sizeof(st->msg),
		 "%s: line %zu: unexpected contents: \"%.*s\"", path, bad_line,
		 (int)((nl ? nl : end) - p > 80 ? 80 : (nl ? nl : end) - p), p);
}

int pks_drain(const char *root, const char *name, struct pks_buf *b,
	      struct pks_samples *out, struct pks_status *st)
{
	char path[4096];
	struct statfs sf;
	size_t bad, partial;
	int fd, r, e;
	bool fake = false;

	st->err = PKS_OK;
	st->msg[0] = 0;
	pks_snprintf(path, sizeof(path), "%s/%s/data", root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_status(st, root, name, path, errno);
		return -1;
	}
	if (fstatfs(fd, &sf) == 0 && sf.f_type != PROC_SUPER_MAGIC) {
		/* a test tree: emulate the destructive read if we may */
		int wfd = open(path, O_RDWR | O_CLOEXEC);

		if (wfd >= 0) {
			close(fd);
			fd = wfd;
			fake = flock(fd, LOCK_EX) == 0;
		}
	}
	r = read_all(fd, b);
	e = errno;
	if (fake && r == 0 && ftruncate(fd, 0) < 0) {
		r = -1;
		e = errno;
	}
	close(fd);		/* also drops the lock */
	if (r < 0) {
		set_status(st, root, name, path, e);
		return -1;
	}
	if (pks_parse_data(b->p, b->len, out, &bad, &partial) < 0) {
		format_status(st, path, b, bad);
		return -1;
	}
	return 0;
}

int pks_read_stats(const char *root, const char *name, struct pks_buf *b,
		   struct pks_stats *stats, struct pks_status *st)
{
	char path[4096];
	size_t bad;

	st->err = PKS_OK;
	st->msg[0] = 0;
	pks_snprintf(path, sizeof(path), "%s/%s/stats", root, name);
	if (pks_read_file(path, b) < 0) {
		set_status(st, root, name, path, errno);
		return -1;
	}
	if (pks_parse_stats(b->p, b->len, stats, &bad) < 0) {
		if (bad) {
			format_status(st, path, b, bad);
		} else {
			st->err = PKS_E_FORMAT;
			st->errnum = 0;
			pks_snprintf(st->msg, sizeof(st->msg),
				 "%s: period_ns or samples missing or zero",
				 path);
		}
		return -1;
	}
	if (!stats->name[0])
		pks_snprintf(stats->name, sizeof(stats->name), "%s", name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pks_list_names(const char *root, char ***names, size_t *n,
		   struct pks_status *st)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	st->err = PKS_OK;
	if (!d) {
		int e = errno;

		st->errnum = e;
		if (e == ENOENT) {
			st->err = PKS_E_NOROOT;
			pks_snprintf(st->msg, sizeof(st->msg),
				 "%s: %s: is the xt_pktstat module loaded? (it is loaded with the first -m pktstat rule)",
				 root, strerror(e));
		} else {
			st->err = e == EACCES ? PKS_E_ACCESS : PKS_E_OTHER;
			pks_snprintf(st->msg, sizeof(st->msg), "%s: %s", root,
				 strerror(e));
		}
		return -1;
	}
	while ((de = readdir(d))) {
		bool dir = de->d_type == DT_DIR;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
			char path[4096];
			struct stat sb;

			pks_snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
			dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
		}
		if (!dir)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = pks_xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[*n] = pks_xrealloc(NULL, strlen(de->d_name) + 1);
		strcpy((*names)[(*n)++], de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

void pks_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
