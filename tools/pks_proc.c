// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: access to /proc/net/xt_pktstat/<name>/{data,stats,hist}.
 *
 * A test tree (--proc-root DIR outside procfs) holds regular files: there
 * a writable data file is emptied under flock(2) once read, which is what
 * the module's destructive read does.  Tests append to it under the same
 * lock (flock(1)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "pks_proc.h"
#include "pks_text.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define READ_CHUNK	(1u << 20)

/*
 * Read from @fd to its end into @b (replacing the contents).  On an
 * error, -1 with errno, and @b holds what the reads before returned.
 */
static int read_all(int fd, struct pks_buf *b)
{
	int r = 0;

	b->len = 0;
	for (;;) {
		ssize_t n;

		if (b->cap - b->len < READ_CHUNK / 2 + 1)
			pks_buf_reserve(b, READ_CHUNK);
		n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->p[b->len] = 0;
	return r;
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

/* A file that only newer modules have is missing from a name that is. */
static void set_status_optional(struct pks_status *st, const char *root,
				const char *name, const char *path,
				int errnum)
{
	char dir[4096];
	struct stat sb;

	pks_snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if (errnum != ENOENT || stat(dir, &sb) < 0) {
		set_status(st, root, name, path, errnum);
		return;
	}
	st->err = PKS_E_NOFILE;
	st->errnum = errnum;
	pks_snprintf(st->msg, sizeof(st->msg),
		     "%s: %s (a module older than this xt-pktstat, %s?)",
		     path, strerror(errnum), XT_PKTSTAT_VERSION);
}

/* "PATH: line N: unexpected contents: "..."" (@why: what is wrong). */
static void format_status(struct pks_status *st, const char *path,
			  const struct pks_buf *b, size_t bad_line,
			  const char *why)
{
	const char *p = b->p, *end = b->p + b->len, *nl;
	size_t i;
	int n;

	for (i = 1; i < bad_line && p < end; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (int)((nl ? nl : end) - p);
	st->err = PKS_E_FORMAT;
	st->errnum = 0;
	if (!bad_line)
		pks_snprintf(st->msg, sizeof(st->msg), "%s: %s", path, why);
	else
		pks_snprintf(st->msg, sizeof(st->msg),
			     "%s: line %zu: unexpected contents: \"%.*s\"%s%s",
			     path, bad_line, n > 80 ? 80 : n, p,
			     why ? ": " : "", why ? why : "");
}

static void status_ok(struct pks_status *st)
{
	st->err = PKS_OK;
	st->errnum = 0;
	st->msg[0] = 0;
}

int pks_drain_fd(int fd, struct pks_buf *b, struct pks_setting *set,
		 struct pks_samples *out, size_t *bad_line, int *read_errno)
{
	size_t partial;
	int r = read_all(fd, b);

	*read_errno = r < 0 ? errno : 0;
	/* what was read is out of the FIFO: keep it, error or not */
	if (pks_parse_data(b->p, b->len, set, out, bad_line, &partial) < 0)
		return -2;
	return r;
}

/* In a test tree, the fd to read and whether to empty the file after. */
static int open_fake(const char *path, int fd, bool *fake)
{
	struct statfs sf;
	int wfd;

	*fake = false;
	if (fstatfs(fd, &sf) < 0 || sf.f_type == PROC_SUPER_MAGIC)
		return fd;
	wfd = open(path, O_RDWR | O_CLOEXEC);
	if (wfd < 0)
		return fd;
	close(fd);
	*fake = flock(wfd, LOCK_EX) == 0;
	return wfd;
}

int pks_drain(const char *root, const char *name, struct pks_buf *b,
	      struct pks_setting *set, struct pks_samples *out,
	      struct pks_status *st)
{
	char path[4096];
	size_t bad;
	bool fake;
	int fd, r, e;

	status_ok(st);
	pks_snprintf(path, sizeof(path), "%s/%s/data", root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_status(st, root, name, path, errno);
		return -1;
	}
	fd = open_fake(path, fd, &fake);
	r = pks_drain_fd(fd, b, set, out, &bad, &e);
	if (fake && r != -1 && ftruncate(fd, 0) < 0) {
		r = -1;
		e = errno;
	}
	close(fd);		/* also drops the lock */
	if (r == -2) {
		format_status(st, path, b, bad, NULL);
		return -1;
	}
	if (r < 0) {
		set_status(st, root, name, path, e);
		return -1;
	}
	return 0;
}

/* Read NAME's @file into @b; -1 and @st filled if it can't be read. */
static int read_name_file(const char *root, const char *name,
			  const char *file, struct pks_buf *b, char *path,
			  size_t pn, struct pks_status *st)
{
	status_ok(st);
	pks_snprintf(path, pn, "%s/%s/%s", root, name, file);
	if (pks_read_file(path, b) == 0)
		return 0;
	if (!strcmp(file, "hist"))	/* newer than some modules */
		set_status_optional(st, root, name, path, errno);
	else
		set_status(st, root, name, path, errno);
	return -1;
}

int pks_read_stats(const char *root, const char *name, struct pks_buf *b,
		   struct pks_stats *stats, struct pks_status *st)
{
	char path[4096];
	size_t bad;

	if (read_name_file(root, name, "stats", b, path, sizeof(path), st) < 0)
		return -1;
	if (pks_parse_stats(b->p, b->len, stats, &bad) < 0) {
		format_status(st, path, b, bad,
			      bad ? NULL : "period_ns or samples missing or zero");
		return -1;
	}
	if (!stats->name[0])
		pks_snprintf(stats->name, sizeof(stats->name), "%s", name);
	return 0;
}

int pks_read_hist(const char *root, const char *name, struct pks_buf *b,
		  struct pks_hist *h, struct pks_status *st)
{
	char path[4096], why[200];
	size_t bad;

	if (read_name_file(root, name, "hist", b, path, sizeof(path), st) < 0)
		return -1;
	if (pks_parse_hist(b->p, b->len, h, &bad, why, sizeof(why)) < 0) {
		format_status(st, path, b, bad, why);
		return -1;
	}
	return 0;
}

uint64_t pks_complete_before(uint64_t drain_start_real,
			     const struct pks_stats *st)
{
	uint64_t lag = PKS_READ_GRACE_NS + st->v[PKS_KEY_close_latency_ns];

	return drain_start_real > lag ? drain_start_real - lag : 0;
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
