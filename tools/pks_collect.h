/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat collect: the collector daemon.  See pks_collect.c.
 */
#ifndef PKS_COLLECT_H
#define PKS_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pks_rate.h"

struct pks_collect_opts {
	const char *root;
	const char *dir;		/* CSV directory, or NULL */
	const char *prom;		/* Prometheus textfile, or NULL */
	const char **names;		/* NULL-terminated; none: every name */
	size_t n_names;
	uint64_t rotate_ns;		/* file period */
	uint64_t prom_interval_ns;
	uint64_t interval_ns;		/* 0: from period x samples */
	bool quiet;
	bool bursts;			/* --threshold given */
	struct pks_rate threshold;
	uint64_t gap;			/* --gap */
};

int pks_collect(const struct pks_collect_opts *o);

#endif
