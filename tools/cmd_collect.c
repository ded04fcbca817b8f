// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: the options of the collector daemon (pks_collect*.c
 * does the work).
 */
#include <stdlib.h>

#include "cmd.h"
#include "pks_collect.h"

enum {
	OPT_DIR = 1, OPT_ROTATE, OPT_PROM, OPT_PROM_INTERVAL, OPT_INTERVAL,
	OPT_QUIET,
};

static const struct pks_opt collect_opts[] = {
	{ "--dir", true, OPT_DIR },
	{ "--rotate", true, OPT_ROTATE },
	{ "--prometheus", true, OPT_PROM },
	{ "--prometheus-interval", true, OPT_PROM_INTERVAL },
	{ "--interval", true, OPT_INTERVAL },
	{ "--quiet", false, OPT_QUIET },
	PKS_BURST_OPTS,
	{ NULL, false, 0 },
};

static void collect_opt(struct pks_collect_opts *co, int id, const char *v)
{
	switch (id) {
	case OPT_DIR:
		co->dir = v;
		break;
	case OPT_ROTATE:
		co->rotate_ns = pks_duration_arg("--rotate", v, PKS_NSEC);
		if (co->rotate_ns % PKS_NSEC)
			pks_usage_error("--rotate \"%s\": must be whole seconds", v);
		break;
	case OPT_PROM:
		co->prom = v;
		break;
	case OPT_PROM_INTERVAL:
		co->prom_interval_ns = pks_duration_arg("--prometheus-interval",
							v, 100000000);
		break;
	case OPT_INTERVAL:
		co->interval_ns = pks_duration_arg("--interval", v, 100000);
		break;
	case OPT_QUIET:
		co->quiet = true;
		break;
	}
}

int pks_cmd_collect(struct pks_args *a)
{
	struct pks_collect_opts co = {
		.rotate_ns = 300 * PKS_NSEC,
		.prom_interval_ns = 15 * PKS_NSEC,
	};
	struct pks_burst_args ba = { 0 };
	const char *v;
	int id, rc;

	a->opts = collect_opts;
	co.names = pks_xrealloc(NULL, (size_t)(a->argc + 1) * sizeof(*co.names));
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		if (id == PKS_ARG_OPERAND) {
			pks_name_arg(v);
			co.names[co.n_names++] = v;
		} else if (!pks_burst_opt(&ba, id, v)) {
			collect_opt(&co, id, v);
		}
	}
	co.names[co.n_names] = NULL;
	if (!co.dir && !co.prom)
		pks_usage_error("collect: where to? --dir DIR and/or --prometheus FILE");
	if (co.dir && !*co.dir)
		pks_usage_error("--dir \"%s\": empty", co.dir);
	if (co.prom && !*co.prom)
		pks_usage_error("--prometheus \"%s\": empty", co.prom);
	co.bursts = pks_burst_threshold(&ba, &co.threshold);
	co.gap = ba.gap;
	co.root = a->root;
	rc = pks_collect(&co);
	free(co.names);
	return rc;
}
