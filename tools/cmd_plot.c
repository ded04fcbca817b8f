// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat plot: an SVG chart of a window series, drained from a name
 * (which takes its samples, as read does) or read from the CSV files of
 * collect.  With --threshold, the threshold line and the bursts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pks_burst.h"
#include "cmd.h"
#include "pks_csvin.h"
#include "pks_proc.h"
#include "pks_svg.h"

enum { OPT_CSV = 1, OPT_NAME, OPT_PPS, OPT_OUTPUT };

static const struct pks_opt plot_opts[] = {
	{ "--csv", true, OPT_CSV },
	{ "--name", true, OPT_NAME },
	{ "--pps", false, OPT_PPS },
	{ "--output", true, OPT_OUTPUT },
	{ "-o", true, OPT_OUTPUT },
	PKS_BURST_OPTS,
	{ NULL, false, 0 },
};

struct plot_cmd {
	const char *root, *output;
	char name[64];
	bool name_given, pps;
	const char **csv;		/* files, or none: drain the name */
	size_t n_csv;
	struct pks_burst_args ba;
	struct pks_samples smp;
	struct pks_burst *bursts;
	size_t n_bursts;
};

static void plot_options(struct pks_args *a, struct plot_cmd *p)
{
	const char *v;
	int id;

	a->opts = plot_opts;
	p->csv = pks_xrealloc(NULL, (size_t)a->argc * sizeof(*p->csv));
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		if (id == OPT_CSV || (id == PKS_ARG_OPERAND && p->n_csv)) {
			p->csv[p->n_csv++] = v;	/* --csv A B C: all files */
		} else if (id == PKS_ARG_OPERAND || id == OPT_NAME) {
			if (p->name_given)
				pks_usage_error("plot: one NAME only (\"%s\")", v);
			pks_name_arg(v);
			pks_snprintf(p->name, sizeof(p->name), "%s", v);
			p->name_given = true;
		} else if (id == OPT_PPS) {
			p->pps = true;
		} else if (id == OPT_OUTPUT) {
			if (!*v)
				pks_usage_error("--output \"\": empty");
			p->output = v;
		} else {
			pks_burst_opt(&p->ba, id, v);
		}
	}
	if (!p->name_given && !p->n_csv)
		pks_usage_error("plot: which NAME, or which --csv FILE?");
	p->root = a->root;
}

static void read_csv_files(struct plot_cmd *p)
{
	struct pks_buf b = { 0 };
	char err[512];
	size_t i;

	for (i = 0; i < p->n_csv; i++) {
		if (pks_read_file(p->csv[i], &b) < 0)
			pks_fail("%s: %s", p->csv[i], strerror(errno));
		if (pks_csv_parse(p->csv[i], b.p, b.len, p->name, p->name_given,
				  &p->smp, err, sizeof(err)) < 0)
			pks_fail("%s", err);
	}
	pks_buf_free(&b);
	pks_samples_sort(&p->smp);
}

static void drain_name(struct plot_cmd *p)
{
	struct pks_status st;
	struct pks_stats s;
	struct pks_setting set;
	struct pks_buf b = { 0 };

	if (pks_read_stats(p->root, p->name, &b, &s, &st) < 0)
		pks_fail("%s", st.msg);
	set = pks_stats_setting(&s);
	if (pks_drain(p->root, p->name, &b, &set, &p->smp, &st) < 0) {
		if (!p->smp.n)
			pks_fail("%s", st.msg);
		fprintf(stderr, "xt-pktstat: %s (plotting the %zu samples read before)\n",
			st.msg, p->smp.n);
	}
	pks_buf_free(&b);
}

static void keep_burst(void *ctx, const struct pks_burst *b)
{
	struct plot_cmd *p = ctx;

	p->bursts = pks_xrealloc(p->bursts,
				 (p->n_bursts + 1) * sizeof(*p->bursts));
	p->bursts[p->n_bursts++] = *b;
}

static void write_output(const char *path, const struct pks_buf *b)
{
	size_t off = 0;
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644) : STDOUT_FILENO;

	if (fd < 0)
		pks_fail("%s: %s", path, strerror(errno));
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			pks_fail("%s: %s", path ? path : "standard output",
				 strerror(w < 0 ? errno : EIO));
		off += (size_t)w;
	}
	if (path && close(fd) < 0)
		pks_fail("%s: %s", path, strerror(errno));
}

int pks_cmd_plot(struct pks_args *a)
{
	struct plot_cmd p = { 0 };
	struct pks_rate thr;
	struct pks_burst_det det;
	struct pks_plot pl = { 0 };
	struct pks_buf out = { 0 };
	bool have_thr;
	size_t i;

	plot_options(a, &p);
	have_thr = pks_burst_threshold(&p.ba, &thr);
	if (p.n_csv)
		read_csv_files(&p);
	else
		drain_name(&p);
	if (!p.smp.n)
		pks_fail("%s: no samples to plot%s", p.name[0] ? p.name : p.csv[0],
			 p.n_csv ? "" : " (its FIFO was empty: no traffic since the last read?)");
	if (have_thr) {
		pks_burst_init(&det, &thr, p.ba.gap, keep_burst, &p);
		for (i = 0; i < p.smp.n; i++)
			pks_burst_feed(&det, &p.smp.v[i]);
		pks_burst_finish(&det);
	}
	pl.name = p.name;
	pl.s = p.smp.v;
	pl.n = p.smp.n;
	pl.unit = p.pps || (have_thr && thr.unit == PKS_RATE_PACKETS) ?
		  PKS_RATE_PACKETS : PKS_RATE_BITS;
	pl.thr = have_thr ? &thr : NULL;
	pl.gap = p.ba.gap;
	pl.bursts = p.bursts;
	pl.n_bursts = p.n_bursts;
	pks_plot_svg(&out, &pl);
	write_output(p.output, &out);
	if (p.output)
		fprintf(stderr, "xt-pktstat: %s: %zu windows of %s, %zu bursts\n",
			p.output, p.smp.n, p.name, p.n_bursts);
	pks_buf_free(&out);
	pks_samples_free(&p.smp);
	free(p.bursts);
	free(p.csv);
	return 0;
}
