// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat plot: the SVG chart of a window series (see pks_svg.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pks_fmt.h"
#include "pks_svg.h"

#define MARGIN_L	100
#define MARGIN_R	60
#define MARGIN_T	64
#define MARGIN_B	64
#define COLOR_RATE	"#1f5fa8"
#define COLOR_BAND	"#7fa9d9"
#define COLOR_BURST	"#f2a35e"
#define COLOR_THR	"#c0262d"
#define COLOR_GRID	"#dddddd"

/* The plot area in pixels and its scales. */
struct frame {
	double x0, x1, y0, y1;		/* left, right, top, bottom */
	uint64_t t0, t1;		/* ns: left and right edges */
	double vmax, vstep;		/* top of the y axis, its tick step */
};

void pks_xml_text(struct pks_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': pks_buf_str(b, "&amp;"); break;
		case '<': pks_buf_str(b, "&lt;"); break;
		case '>': pks_buf_str(b, "&gt;"); break;
		case '"': pks_buf_str(b, "&quot;"); break;
		default: pks_buf_add(b, s, 1);
		}
	}
}

static double rate_of(const struct pks_plot *p, const struct pks_sample *s)
{
	return p->unit == PKS_RATE_BITS ? pks_bps(s->bytes, s->period) :
					  pks_pps(s->frames, s->period);
}

static double fx(const struct frame *f, uint64_t t)
{
	double x;

	if (t <= f->t0)
		return f->x0;
	x = f->x0 + (double)(t - f->t0) / (double)(f->t1 - f->t0) *
	    (f->x1 - f->x0);
	return x > f->x1 ? f->x1 : x;
}

static double fy(const struct frame *f, double v)
{
	return f->y1 - v / f->vmax * (f->y1 - f->y0);
}

/* What each pixel column of the chart shows. */
struct columns {
	int n;
	double *hi, *lo;	/* the highest and lowest window rate */
	double *avg;		/* the average rate over the column's time */
	double *cov;		/* ns of it covered by windows with traffic */
};

/*
 * Per pixel column, the highest and lowest rate of the windows in it and
 * the average.  A column not wholly covered by windows with traffic holds
 * an empty one: its lowest rate is 0.
 */
static void envelope(const struct pks_plot *p, const struct frame *f,
		     struct columns *col)
{
	double dt = (double)(f->t1 - f->t0) / col->n;
	size_t i;
	int c;

	for (c = 0; c < col->n; c++) {
		col->hi[c] = col->avg[c] = col->cov[c] = 0;
		col->lo[c] = INFINITY;
	}
	for (i = 0; i < p->n; i++) {
		const struct pks_sample *s = &p->s[i];
		double a = (double)(s->ts - f->t0), b = a + (double)s->period;
		double v = rate_of(p, s);
		int c0 = (int)(a / dt), c1 = (int)ceil(b / dt) - 1;

		c0 = c0 >= col->n ? col->n - 1 : c0;
		c1 = c1 >= col->n ? col->n - 1 : c1 < c0 ? c0 : c1;
		for (c = c0; c <= c1; c++) {
			double l = fmax(a, c * dt), r = fmin(b, (c + 1) * dt);

			col->hi[c] = fmax(col->hi[c], v);
			col->lo[c] = fmin(col->lo[c], v);
			if (r > l) {
				col->avg[c] += v * (r - l);
				col->cov[c] += r - l;
			}
		}
	}
	for (c = 0; c < col->n; c++) {
		col->avg[c] /= dt;
		if (!(col->cov[c] >= dt * (1 - 1e-9)))
			col->lo[c] = 0;
	}
}

/* A "nice" step (1, 2, 2.5 or 5 x 10^k) for about @n ticks over @span. */
static double nice_step(double span, int n)
{
	static const double m[] = { 1, 2, 2.5, 5, 10 };
	double raw = span / n, p = pow(10, floor(log10(raw)));
	size_t i;

	for (i = 0; i < PKS_ARRAY_SIZE(m); i++)
		if (m[i] * p >= raw)
			return m[i] * p;
	return 10 * p;
}

/* A time step for at most 8 labels over @span ns. */
static uint64_t time_step(uint64_t span)
{
	static const uint64_t steps[] = {
		1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
		1000000, 2000000, 5000000, 10000000, 20000000, 50000000,
		100000000, 200000000, 500000000, PKS_NSEC, 2 * PKS_NSEC,
		5 * PKS_NSEC, 10 * PKS_NSEC, 15 * PKS_NSEC, 30 * PKS_NSEC,
		60 * PKS_NSEC, 120 * PKS_NSEC, 300 * PKS_NSEC, 600 * PKS_NSEC,
		900 * PKS_NSEC, 1800 * PKS_NSEC, 3600 * PKS_NSEC,
		7200 * PKS_NSEC, 10800 * PKS_NSEC, 21600 * PKS_NSEC,
		43200 * PKS_NSEC, 86400 * PKS_NSEC,
	};
	size_t i;

	for (i = 0; i < PKS_ARRAY_SIZE(steps); i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return span / 8 + 1;
}

/* "HH:MM:SS", with as many decimals as the step needs. */
static void time_label(char *dst, size_t n, uint64_t t, uint64_t step)
{
	char hms[16];
	uint64_t ns = t % PKS_NSEC;

	pks_fmt_hms(hms, sizeof(hms), (int64_t)(t / PKS_NSEC));
	if (step % PKS_NSEC == 0)
		pks_snprintf(dst, n, "%s", hms);
	else if (step % 1000000 == 0)
		pks_snprintf(dst, n, "%s.%03llu", hms,
			     (unsigned long long)(ns / 1000000));
	else
		pks_snprintf(dst, n, "%s.%06llu", hms,
			     (unsigned long long)(ns / 1000));
}

static void text(struct pks_buf *b, double x, double y, const char *anchor,
		 const char *attrs, const char *s)
{
	pks_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>",
		       x, y, anchor, attrs);
	pks_xml_text(b, s);
	pks_buf_str(b, "</text>\n");
}

static void draw_y_axis(struct pks_buf *b, const struct frame *f,
			enum pks_rate_unit unit)
{
	const char *u = unit == PKS_RATE_BITS ? "bit/s" : "pkt/s";
	char lab[32], h[16];
	double v;

	for (v = 0; v <= f->vmax * (1 + 1e-9); v += f->vstep) {
		pks_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
			       f->x0, fy(f, v), f->x1, fy(f, v), COLOR_GRID);
		pks_human(h, sizeof(h), v);
		pks_snprintf(lab, sizeof(lab), "%s%s", h, v > 0 ? u : "");
		text(b, f->x0 - 6, fy(f, v) + 4, "end", "", lab);
	}
	pks_snprintf(lab, sizeof(lab), "%s per second (layer 3)",
		     unit == PKS_RATE_BITS ? "bits" : "packets");
	pks_buf_printf(b, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
		       (f->y0 + f->y1) / 2);
	pks_xml_text(b, lab);
	pks_buf_str(b, "</text>\n");
}

static void draw_x_axis(struct pks_buf *b, const struct frame *f)
{
	uint64_t step = time_step(f->t1 - f->t0), t;
	char lab[48], d0[16], d1[16];

	for (t = (f->t0 + step - 1) / step * step; t <= f->t1; t += step) {
		pks_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>\n",
			       fx(f, t), f->y1, fx(f, t), f->y1 + 5);
		time_label(lab, sizeof(lab), t, step);
		text(b, fx(f, t), f->y1 + 19, "middle", "", lab);
	}
	pks_fmt_date(d0, sizeof(d0), (int64_t)(f->t0 / PKS_NSEC));
	pks_fmt_date(d1, sizeof(d1), (int64_t)(f->t1 / PKS_NSEC));
	pks_snprintf(lab, sizeof(lab), "time (UTC), %s%s%s", d0,
		     strcmp(d0, d1) ? " to " : "", strcmp(d0, d1) ? d1 : "");
	text(b, (f->x0 + f->x1) / 2, f->y1 + 44, "middle", "", lab);
}

static void burst_rect(struct pks_buf *b, const struct frame *f, double a,
		       double z)
{
	pks_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.55\"/>\n",
		       a, f->y0, z - a, f->y1 - f->y0, COLOR_BURST);
}

/* A span per burst, at least 3 pixels wide; bursts closer than a pixel
 * share one, so that the drawing stays small with many. */
static void draw_bursts(struct pks_buf *b, const struct pks_plot *p,
			const struct frame *f)
{
	double a = 0, z = -1;
	size_t i;

	for (i = 0; i < p->n_bursts; i++) {
		double x0 = fx(f, p->bursts[i].start_ns);
		double x1 = fmax(fx(f, p->bursts[i].end_ns), x0 + 3);

		if (z >= 0 && x0 <= z + 1) {
			z = fmax(z, x1);
			continue;
		}
		if (z >= 0)
			burst_rect(b, f, a, z);
		a = x0;
		z = x1;
	}
	if (z >= 0)
		burst_rect(b, f, a, z);
}

/* A step line through @v, one step per column. */
static void column_path(struct pks_buf *b, const struct frame *f,
			const double *v, int n)
{
	int c;

	pks_buf_printf(b, "M%.1f %.1f", f->x0, fy(f, v[0]));
	for (c = 0; c < n; c++)
		pks_buf_printf(b, "V%.1fH%.1f", fy(f, v[c]), f->x0 + c + 1);
}

/* The band from the lowest to the highest window rate per column, its
 * top edge, and the line of the average. */
static void draw_series(struct pks_buf *b, const struct frame *f,
			const struct columns *col)
{
	int c;

	pks_buf_printf(b, "<path fill=\"%s\" fill-opacity=\"0.5\" stroke=\"none\" d=\"",
		       COLOR_BAND);
	column_path(b, f, col->hi, col->n);
	for (c = col->n - 1; c >= 0; c--)
		pks_buf_printf(b, "V%.1fH%.1f", fy(f, col->lo[c]), f->x0 + c);
	pks_buf_str(b, "Z\"/>\n");
	pks_buf_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"0.7\" d=\"",
		       COLOR_BAND);
	column_path(b, f, col->hi, col->n);
	pks_buf_printf(b, "\"/>\n<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" d=\"",
		       COLOR_RATE);
	column_path(b, f, col->avg, col->n);
	pks_buf_str(b, "\"/>\n");
}

static bool thr_drawn(const struct pks_plot *p)
{
	return p->thr && p->thr->unit == p->unit;
}

static void draw_threshold(struct pks_buf *b, const struct pks_plot *p,
			   const struct frame *f)
{
	char r[32], lab[64];
	double y;

	if (!thr_drawn(p))
		return;
	y = fy(f, pks_rate_value(p->thr));
	pks_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
		       f->x0, y, f->x1, y, COLOR_THR);
	pks_fmt_rate(r, sizeof(r), p->thr);
	pks_snprintf(lab, sizeof(lab), "threshold %s", r);
	text(b, f->x1 - 4, y - 5, "end", " fill=\"" COLOR_THR "\"", lab);
}

/* "period 10us" or "periods 10us, 20us" (a reload changed it). */
static void periods_text(const struct pks_plot *p, char *dst, size_t n)
{
	uint64_t seen[3];
	size_t i, k, ns = 0, o;

	for (i = 0; i < p->n && ns < 3; i++) {
		for (k = 0; k < ns && seen[k] != p->s[i].period; k++)
			;
		if (k == ns)
			seen[ns++] = p->s[i].period;
	}
	pks_snprintf(dst, n, "period%s ", ns > 1 ? "s" : "");
	for (k = 0; k < ns; k++) {
		o = strlen(dst);
		pks_fmt_period(dst + o, n - o, seen[k]);
		o = strlen(dst);
		if (k + 1 < ns)
			pks_snprintf(dst + o, n - o, ", ");
	}
}

static void draw_titles(struct pks_buf *b, const struct pks_plot *p,
			const struct frame *f)
{
	char per[64], line[256], t0[32], span[16], r[32];
	size_t o;

	periods_text(p, per, sizeof(per));
	pks_snprintf(line, sizeof(line), "xt_pktstat %s: %s", p->name, per);
	text(b, f->x0, 24, "start", " font-size=\"16\" font-weight=\"bold\"",
	     line);
	time_label(t0, sizeof(t0), f->t0, time_step(f->t1 - f->t0));
	pks_fmt_duration(span, sizeof(span), f->t1 - f->t0);
	pks_snprintf(line, sizeof(line), "%zu windows with traffic in %s from %s UTC",
		     p->n, span, t0);
	if (p->thr) {
		o = strlen(line);
		pks_fmt_rate(r, sizeof(r), p->thr);
		pks_snprintf(line + o, sizeof(line) - o,
			     "; %zu bursts (shaded) at or above %s, gap %llu%s",
			     p->n_bursts, r, (unsigned long long)p->gap,
			     thr_drawn(p) ? "" : " (threshold not on this axis)");
	}
	text(b, f->x0, 44, "start", " fill=\"#444444\"", line);
	text(b, f->x0, f->y1 + 58, "start", " font-size=\"11\" fill=\"#666666\"",
	     "band: the quietest to the busiest window of each pixel column; line: the average rate");
}

/* The frame: the time span of the samples, the y axis up to the highest
 * rate and the threshold. */
static void make_frame(const struct pks_plot *p, int w, int h,
		       const struct columns *col, struct frame *f)
{
	double top = 0;
	int c;

	f->x0 = MARGIN_L;
	f->x1 = w - MARGIN_R;
	f->y0 = MARGIN_T;
	f->y1 = h - MARGIN_B;
	for (c = 0; c < col->n; c++)
		top = fmax(top, col->hi[c]);
	if (thr_drawn(p))
		top = fmax(top, pks_rate_value(p->thr) * 1.1);
	if (!(top > 0))
		top = 1;
	f->vstep = nice_step(top, 5);
	f->vmax = ceil(top / f->vstep - 1e-9) * f->vstep;
}

void pks_plot_svg(struct pks_buf *out, const struct pks_plot *p)
{
	int w = p->width ? p->width : 1200, h = p->height ? p->height : 480;
	struct columns col = { .n = w - MARGIN_L - MARGIN_R };
	double *mem = pks_xrealloc(NULL, 4 * (size_t)col.n * sizeof(*mem));
	const struct pks_sample *last = &p->s[p->n - 1];
	struct frame f = { .t0 = p->s[0].ts, .t1 = last->ts + last->period };

	col.hi = mem;
	col.lo = mem + col.n;
	col.avg = mem + 2 * col.n;
	col.cov = mem + 3 * col.n;
	envelope(p, &f, &col);
	make_frame(p, w, h, &col, &f);
	pks_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		       w, h, w, h);
	draw_titles(out, p, &f);
	draw_y_axis(out, &f, p->unit);
	draw_bursts(out, p, &f);
	draw_series(out, &f, &col);
	draw_threshold(out, p, &f);
	pks_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888888\"/>\n",
		       f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
	draw_x_axis(out, &f);
	pks_buf_str(out, "</svg>\n");
	free(mem);
}
