// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat read: drain a name once and print its samples, as text, CSV
 * or JSON.  Samples drained before an error are printed before the error
 * is reported: the module has already given them away.
 */
#include <stdio.h>

#include "cmd.h"
#include "pks_fmt.h"
#include "pks_json.h"
#include "pks_proc.h"

enum { OPT_FORMAT = 1 };

static const struct pks_opt read_opts[] = {
	{ "--format", true, OPT_FORMAT },
	{ NULL, false, 0 },
};

static void text_sample(struct pks_buf *out, struct pks_tcache *tc,
			const struct pks_sample *x, uint64_t *shown_period)
{
	char t[32], pp[16], bb[16];

	if (x->period != *shown_period) {
		pks_fmt_period(t, sizeof(t), x->period);
		pks_buf_printf(out, "# period %s from here (the settings changed)\n",
			       t);
		*shown_period = x->period;
	}
	*pks_fmt_time(t, tc, x->ts) = 0;
	pks_human(pp, sizeof(pp), pks_pps(x->frames, x->period));
	pks_human(bb, sizeof(bb), pks_bps(x->bytes, x->period));
	pks_buf_printf(out, "%-29s %12llu %14llu %10s %10s\n", t,
		       (unsigned long long)x->frames,
		       (unsigned long long)x->bytes, pp, bb);
}

static void json_sample(struct pks_json *j, const struct pks_sample *x)
{
	pks_json_open(j, NULL, '{', false);
	pks_json_u64(j, "timestamp", x->ts);
	pks_json_u64(j, "frames", x->frames);
	pks_json_u64(j, "bytes", x->bytes);
	pks_json_u64(j, "period_ns", x->period);
	pks_json_close(j);
}

/* The counters after the drain (those before if they can't be read). */
static void json_stats(struct pks_json *j, const char *root, const char *name,
		       struct pks_buf *rb, const struct pks_stats *before)
{
	struct pks_stats s = *before, after;
	struct pks_status st;
	int k;

	if (pks_read_stats(root, name, rb, &after, &st) == 0)
		s = after;
	pks_json_open(j, "stats", '{', false);
	for (k = 0; k < PKS_NKEYS; k++)
		if (k != PKS_KEY_name && (s.have & (1u << k)))
			pks_json_u64(j, pks_key_names[k], s.v[k]);
	pks_json_close(j);
}

static void print_samples(enum pks_format f, const char *root,
			  const char *name, const struct pks_stats *s,
			  const struct pks_samples *smp, struct pks_buf *rb)
{
	struct pks_buf out = { 0 };
	struct pks_json j = PKS_JSON_INIT(&out);
	struct pks_tcache tc = { 0 };
	uint64_t shown = s->v[PKS_KEY_period_ns];
	char p[32];
	size_t i;

	pks_fmt_period(p, sizeof(p), shown);
	if (f == PKS_F_TEXT) {
		pks_buf_printf(&out, "# name %s, period %s, %zu samples\n",
			       name, p, smp->n);
		pks_buf_printf(&out, "%-29s %12s %14s %10s %10s\n",
			       "time (UTC)", "frames", "bytes", "pkt/s", "bit/s");
	} else if (f == PKS_F_CSV) {
		pks_buf_str(&out, PKS_CSV_HEADER);
	} else {
		pks_json_open(&j, NULL, '{', false);
		pks_json_str(&j, "name", name);
		pks_json_u64(&j, "period_ns", shown);
		pks_json_open(&j, "samples", '[', true);
	}
	for (i = 0; i < smp->n; i++) {
		if (f == PKS_F_TEXT)
			text_sample(&out, &tc, &smp->v[i], &shown);
		else if (f == PKS_F_CSV)
			pks_csv_sample(&out, &tc, name, &smp->v[i]);
		else
			json_sample(&j, &smp->v[i]);
		if (out.len > (1u << 20))
			pks_out_flush(&out, smp->n);
	}
	if (f == PKS_F_JSON) {
		pks_json_close(&j);
		json_stats(&j, root, name, rb, s);
		pks_json_close(&j);
		pks_buf_str(&out, "\n");
	}
	pks_out_flush(&out, smp->n);
	pks_buf_free(&out);
}

int pks_cmd_read(struct pks_args *a)
{
	enum pks_format f = PKS_F_TEXT;
	const char *v, *name = NULL;
	struct pks_status st, dst;
	struct pks_stats s;
	struct pks_setting set;
	struct pks_buf rb = { 0 };
	struct pks_samples smp = { 0 };
	int id;

	a->opts = read_opts;
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		if (id == PKS_ARG_OPERAND) {
			if (name)
				pks_usage_error("read: one NAME only (\"%s\")", v);
			name = v;
		} else {
			f = pks_format_arg(v, PKS_F_TEXT | PKS_F_CSV | PKS_F_JSON);
		}
	}
	if (!name)
		pks_usage_error("read: which NAME?");
	pks_name_arg(name);
	if (pks_read_stats(a->root, name, &rb, &s, &st) < 0)
		pks_fail("%s", st.msg);
	set = pks_stats_setting(&s);
	if (pks_drain(a->root, name, &rb, &set, &smp, &dst) < 0 && !smp.n)
		pks_fail("%s", dst.msg);
	print_samples(f, a->root, name, &s, &smp, &rb);
	pks_buf_free(&rb);
	pks_samples_free(&smp);
	if (dst.err != PKS_OK)
		pks_fail("%s", dst.msg);
	return 0;
}
