/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: access to /proc/net/xt_pktstat/<name>/{data,stats,hist},
 * with errors explained in sentences for the user.
 */
#ifndef PKS_PROC_H
#define PKS_PROC_H

#include <stddef.h>

#include "pks_buf.h"
#include "pks_hist.h"
#include "pks_parse.h"

enum pks_err {
	PKS_OK = 0,
	PKS_E_NOROOT,		/* the proc root is missing: module not loaded */
	PKS_E_NONAME,		/* the name's directory is missing */
	PKS_E_NOFILE,		/* the name is there, not this file (older module) */
	PKS_E_ACCESS,		/* permission denied */
	PKS_E_GONE,		/* removed while reading (EIO) */
	PKS_E_FORMAT,		/* unexpected contents */
	PKS_E_OTHER,
};

struct pks_status {
	enum pks_err err;
	int errnum;
	char msg[512];		/* a full sentence for the user */
};

/*
 * A finished window is readable from data at most this long after its
 * end, plus the close_latency_ns the module measured: windows that ended
 * before pks_complete_before() of a drain's start are all in the drain,
 * the missing ones had no traffic.
 */
#define PKS_READ_GRACE_NS	(100 * 1000000ULL)
uint64_t pks_complete_before(uint64_t drain_start_real,
			     const struct pks_stats *st);

/* Read a whole file into @b (replacing its contents). -1 with errno. */
int pks_read_file(const char *path, struct pks_buf *b);

/*
 * Read a data file open at @fd to its end and parse it (pks_parse_data:
 * @set, @out).  What the reads returned is parsed even when a later read
 * fails, since the module has already removed it from its FIFO.
 * Returns 0; -1 when a read failed (*read_errno; the samples before the
 * failure are in @out); -2 on a bad line (*bad_line; the samples before
 * it are in @out).
 */
int pks_drain_fd(int fd, struct pks_buf *b, struct pks_setting *set,
		 struct pks_samples *out, size_t *bad_line, int *read_errno);

/*
 * Drain NAME's data file once: append the samples to @out, each with the
 * period of its setting.  @set holds the setting in force when the file
 * is opened (from stats, read just before) and is updated by the setting
 * lines of the file.  @b is a reusable read buffer.  On failure @out
 * still gets every sample read before it.  Outside procfs (a test tree
 * given with --proc-root), a writable data file is emptied under flock(2)
 * after the read, as the module's destructive read would.
 */
int pks_drain(const char *root, const char *name, struct pks_buf *b,
	      struct pks_setting *set, struct pks_samples *out,
	      struct pks_status *st);

int pks_read_stats(const char *root, const char *name, struct pks_buf *b,
		   struct pks_stats *stats, struct pks_status *st);

/* NAME's window histogram; PKS_E_NOFILE from a module without one. */
int pks_read_hist(const char *root, const char *name, struct pks_buf *b,
		  struct pks_hist *h, struct pks_status *st);

/* The names under @root, sorted; *names is a malloc'ed array of malloc'ed
 * strings.  -1 and @st filled if @root can't be read. */
int pks_list_names(const char *root, char ***names, size_t *n,
		   struct pks_status *st);
void pks_free_names(char **names, size_t n);

#endif
