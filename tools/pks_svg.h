/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat plot: a window series drawn as an SVG chart.
 *
 * The rate of every window over time (each window with its own period),
 * the threshold as a dashed line, the bursts as shaded spans, axes with
 * units and UTC time labels, the name and period in the title.  Many
 * windows stay cheap to draw: the chart has one column per pixel and
 * draws, per column, the band from the lowest to the highest rate of the
 * windows in it (an empty window counts as 0), so no peak is lost.
 */
#ifndef PKS_SVG_H
#define PKS_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "pks_buf.h"
#include "pks_burst.h"
#include "pks_rate.h"

struct pks_plot {
	const char *name;
	const struct pks_sample *s;	/* oldest first */
	size_t n;
	enum pks_rate_unit unit;	/* bits or packets per second */
	const struct pks_rate *thr;	/* or NULL */
	uint64_t gap;
	const struct pks_burst *bursts;
	size_t n_bursts;
	int width, height;		/* 0: 1200 x 480 */
};

void pks_plot_svg(struct pks_buf *out, const struct pks_plot *p);

/* Text for an SVG or XML document: & < > " escaped. */
void pks_xml_text(struct pks_buf *b, const char *s);

#endif
