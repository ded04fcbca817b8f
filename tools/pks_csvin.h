/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: reading back the CSV files of collect (for plot).
 */
#ifndef PKS_CSVIN_H
#define PKS_CSVIN_H

#include <stddef.h>

#include "pks_buf.h"

/*
 * Append the samples of one name from the CSV text @p (a file of
 * collect: its header row first) to @out, each with its PeriodNs; event
 * rows are skipped.  @name (at least 64 bytes) is the name to take; if
 * empty, it becomes the first name met, and a row of another name is an
 * error then (the files hold several: the caller must say which).
 * Returns 0, or -1 with a message (naming @file and the line) in @err.
 */
int pks_csv_parse(const char *file, const char *p, size_t len, char *name,
		  bool name_given, struct pks_samples *out, char *err,
		  size_t errn);

/* Sort samples by window start (files given in any order). */
void pks_samples_sort(struct pks_samples *s);

#endif
