/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat collect: the rotated files of a directory.
 *
 * Time is cut into rotation periods aligned to the epoch.  Each period
 * has a CSV file, START_END.csv, and with bursts a JSON-lines file,
 * START_END.bursts.jsonl.  A file is written as DIR/.START_END.<sfx>.tmp
 * while open and renamed (never over an existing file: .1, .2 ... then)
 * once nothing more can arrive for its period, after an fsync.  The files
 * of the current period exist from its start, so a period without
 * traffic has files too and a missing file means no collector ran.  A
 * temporary file left by a collector killed earlier is completed at the
 * start.  Rows that cannot be written wait in memory (up to
 * PKS_WRITE_CAP per file), beyond that they are counted as lost and the
 * gap is marked by an event row once writing works again.
 */
#ifndef PKS_FILES_H
#define PKS_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "pks_buf.h"
#include "pks_fmt.h"
#include "pks_ratelimit.h"

#define PKS_MAX_BUCKETS	16
#define PKS_WRITE_CAP	(8u << 20)	/* unwritten bytes kept per file */

enum pks_fkind { PKS_FK_CSV, PKS_FK_BURSTS, PKS_FK_N };

/* One file of a period. */
struct pks_rfile {
	int fd;				/* -1: not created yet */
	struct pks_buf out;		/* rows not yet written */
	uint64_t file_off, line_off;	/* written; up to the last '\n' */
};

/* The files of one rotation period. */
struct pks_bucket {
	bool used;
	uint64_t start, end;		/* ns */
	char base[64];			/* START_END */
	struct pks_rfile f[PKS_FK_N];
};

struct pks_files {
	const char *dir;
	uint64_t rotate_ns;
	unsigned nkinds;	/* PKS_FK_CSV only (1), or with bursts (2) */
	uint64_t lag_ns;	/* rows may come this long after a period */
	struct pks_bucket b[PKS_MAX_BUCKETS];
	struct pks_bucket *last_b;
	int lock_fd;
	struct pks_tcache tc;
	uint64_t rows_lost, lost_pending, write_errors;
	int lost_errno;
	struct pks_ratelimit rl_write;
};

/* Create DIR if needed, take its lock (one collector per directory; again
 * after SIGHUP) and complete what an earlier collector left. */
int pks_files_open(struct pks_files *fs, bool recover);
void pks_files_close(struct pks_files *fs);

/* The rows of the file of @kind of the period holding @ts. */
struct pks_buf *pks_files_rows(struct pks_files *fs, enum pks_fkind kind,
			       uint64_t ts, uint64_t now);
/* An event row (start, stop, gone...) in the current period's CSV. */
void pks_files_event(struct pks_files *fs, const char *name,
		     uint64_t period, const char *ev);
/* Write what waits; complete the files of periods that are over. */
void pks_files_tick(struct pks_files *fs, uint64_t now);
void pks_files_finalize_all(struct pks_files *fs);

#endif
