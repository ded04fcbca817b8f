// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat list: the names of this network namespace, their settings
 * and how full their FIFO is.  Reads only stats: takes no sample.
 */
#include <stdio.h>

#include "cmd.h"
#include "pks_fmt.h"
#include "pks_json.h"
#include "pks_proc.h"

enum { OPT_FORMAT = 1 };

static const struct pks_opt list_opts[] = {
	{ "--format", true, OPT_FORMAT },
	{ NULL, false, 0 },
};

static void text_line(struct pks_buf *out, const char *name,
		      const struct pks_stats *s)
{
	uint64_t cap = s->v[PKS_KEY_samples];
	uint64_t wp = s->v[PKS_KEY_waiting_period_ns];
	char p[32], fi[32];

	pks_fmt_period(p, sizeof(p), s->v[PKS_KEY_period_ns]);
	pks_fmt_duration(fi, sizeof(fi), s->v[PKS_KEY_period_ns] *
			 (cap > 1 ? cap - 1 : 1));
	pks_buf_printf(out, "%-20s %8s %9llu %9s %9llu %9llu %6llu\n",
		       name, p, (unsigned long long)cap, fi,
		       (unsigned long long)s->v[PKS_KEY_samples_pending],
		       (unsigned long long)s->v[PKS_KEY_samples_dropped],
		       (unsigned long long)s->v[PKS_KEY_rules]);
	if (!wp)
		return;
	/* a reload's new setting, refused by a rule of the old one */
	pks_fmt_period(p, sizeof(p), wp);
	pks_buf_printf(out, "%-20s waiting: period %s, %llu samples, %llu rule%s: in force once the rules of the setting above are gone\n",
		       "", p,
		       (unsigned long long)s->v[PKS_KEY_waiting_samples],
		       (unsigned long long)s->v[PKS_KEY_waiting_rules],
		       s->v[PKS_KEY_waiting_rules] == 1 ? "" : "s");
}

static void json_entry(struct pks_json *j, const char *name,
		       const struct pks_stats *s)
{
	int k;

	pks_json_open(j, NULL, '{', false);
	pks_json_str(j, "name", name);
	for (k = 0; k < PKS_NKEYS; k++)
		if (k != PKS_KEY_name && (s->have & (1u << k)))
			pks_json_u64(j, pks_key_names[k], s->v[k]);
	pks_json_close(j);
}

int pks_cmd_list(struct pks_args *a)
{
	enum pks_format f = PKS_F_TEXT;
	struct pks_status st;
	struct pks_buf rb = { 0 }, out = { 0 };
	struct pks_json j = PKS_JSON_INIT(&out);
	const char *v;
	char **names;
	size_t n, i;
	int id, rc = 0;

	a->opts = list_opts;
	while ((id = pks_next_arg(a, &v)) != PKS_ARG_END) {
		if (id == PKS_ARG_OPERAND)
			pks_usage_error("list: unexpected argument \"%s\"", v);
		f = pks_format_arg(v, PKS_F_TEXT | PKS_F_JSON);
	}
	if (pks_list_names(a->root, &names, &n, &st) < 0)
		pks_fail("%s", st.msg);
	if (f == PKS_F_TEXT)
		pks_buf_printf(&out, "%-20s %8s %9s %9s %9s %9s %6s\n", "NAME",
			       "PERIOD", "CAPACITY", "FILLS-IN", "BUFFERED",
			       "DROPPED", "RULES");
	else
		pks_json_open(&j, NULL, '[', true);
	for (i = 0; i < n; i++) {
		struct pks_stats s;

		if (pks_read_stats(a->root, names[i], &rb, &s, &st) < 0) {
			fprintf(stderr, "xt-pktstat: %s\n", st.msg);
			rc = 1;
		} else if (f == PKS_F_TEXT) {
			text_line(&out, names[i], &s);
		} else {
			json_entry(&j, names[i], &s);
		}
	}
	if (f == PKS_F_JSON) {
		pks_json_close(&j);
		pks_buf_str(&out, "\n");
	}
	pks_out_flush(&out, 0);
	if (!n)
		fprintf(stderr,
			"xt-pktstat: no names in %s: no -m pktstat rule in this network namespace\n",
			a->root);
	pks_free_names(names, n);
	pks_buf_free(&rb);
	pks_buf_free(&out);
	return rc;
}
