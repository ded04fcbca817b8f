// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: reading back the CSV files of collect (see pks_csvin.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pks_csvin.h"
#include "pks_fmt.h"
#include "pks_parse.h"

enum { F_TIME, F_NAME, F_TS, F_PERIOD, F_FRAMES, F_BYTES, F_EVENT, NF };

struct field {
	const char *p;
	size_t n;
};

/* Split the row @p..@end into fields (a quoted one keeps its quotes).
 * Returns how many, or -1 for an unterminated quote. */
static int split_row(const char *p, const char *end, struct field *f,
		     int max)
{
	int n = 0;

	for (;;) {
		const char *s = p;

		if (p < end && *p == '"') {
			for (p++; p < end; p++)
				if (*p == '"' && (p + 1 == end || p[1] != '"'))
					break;
				else if (*p == '"')
					p++;	/* "" inside */
			if (p == end)
				return -1;
			p++;
		}
		while (p < end && *p != ',')
			p++;
		if (n < max)
			f[n] = (struct field){ s, (size_t)(p - s) };
		n++;
		if (p == end)
			return n;
		p++;
	}
}

static int field_u64(const struct field *f, uint64_t *v)
{
	return f->n && pks_parse_u64_at(f->p, f->p + f->n, v) == f->p + f->n ?
	       0 : -1;
}

/* One data row into @s; 1 if it is an event row, -1 if it is bad. */
static int parse_row(const struct field *f, struct pks_sample *s)
{
	if (f[F_EVENT].n)
		return 1;
	if (field_u64(&f[F_TS], &s->ts) < 0 ||
	    field_u64(&f[F_PERIOD], &s->period) < 0 || !s->period ||
	    field_u64(&f[F_FRAMES], &s->frames) < 0 ||
	    field_u64(&f[F_BYTES], &s->bytes) < 0)
		return -1;
	return 0;
}

/* Is the row's name the one wanted?  0 yes, 1 no, -1 a second name. */
static int which_name(const struct field *f, char *name, bool name_given)
{
	if (!name[0] && !name_given) {
		pks_snprintf(name, 64, "%.*s", (int)f->n, f->p);
		return 0;
	}
	if (f->n == strlen(name) && !memcmp(f->p, name, f->n))
		return 0;
	return name_given ? 1 : -1;
}

int pks_csv_parse(const char *file, const char *p, size_t len, char *name,
		  bool name_given, struct pks_samples *out, char *err,
		  size_t errn)
{
	const char *end = p + len, *nl;
	size_t hl = strlen(PKS_CSV_HEADER), line = 1;

	if (len < hl || memcmp(p, PKS_CSV_HEADER, hl)) {
		pks_snprintf(err, errn, "%s: not a CSV file of xt-pktstat collect (its first line is not %.*s)",
			     file, (int)hl - 1, PKS_CSV_HEADER);
		return -1;
	}
	for (p += hl; p < end; p = nl + 1) {
		struct field f[NF];
		struct pks_sample s;
		int r, w;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		if (split_row(p, nl, f, NF) != NF || (r = parse_row(f, &s)) < 0) {
			pks_snprintf(err, errn, "%s: line %zu: not a row of collect: \"%.*s\"",
				     file, line, (int)(nl - p > 80 ? 80 : nl - p), p);
			return -1;
		}
		if (r == 1)
			continue;
		w = which_name(&f[F_NAME], name, name_given);
		if (w < 0) {
			pks_snprintf(err, errn, "%s: line %zu: rows of two names, %s and %.*s: say which one to plot (xt-pktstat plot NAME --csv ...)",
				     file, line, name, (int)f[F_NAME].n, f[F_NAME].p);
			return -1;
		}
		if (w == 0)
			pks_samples_push(out, &s);
	}
	return 0;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct pks_sample *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

void pks_samples_sort(struct pks_samples *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_ts);
}
