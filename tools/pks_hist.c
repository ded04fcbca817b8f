// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: parsing the module's window histogram, and writing it as a
 * Prometheus histogram of window rates.
 */
#include <string.h>

#include "pks_fmt.h"
#include "pks_hist.h"
#include "pks_json.h"
#include "pks_parse.h"

uint64_t pks_hist_bound(unsigned i)
{
	unsigned j, e, m;

	if (i < XT_PKTSTAT_HIST_SMALL)
		return i + 1;
	j = i - XT_PKTSTAT_HIST_SMALL;
	e = 3 + j / XT_PKTSTAT_HIST_SUB;
	m = 5 + j % XT_PKTSTAT_HIST_SUB;
	return (uint64_t)m << (e - 2);
}

/* ------------------------------------------------------------ parsing */

enum { H_PERIOD, H_CREATED, H_WINDOWS, H_FRAMES_SUM, H_BYTES_SUM, H_NKEYS };

static const char *const hist_keys[H_NKEYS] = {
	[H_PERIOD] = "period_ns", [H_CREATED] = "created_ns",
	[H_WINDOWS] = "windows", [H_FRAMES_SUM] = "frames_sum",
	[H_BYTES_SUM] = "bytes_sum",
};

static bool key_is(const char *p, size_t klen, const char *key)
{
	return strlen(key) == klen && !memcmp(p, key, klen);
}

/* Is @v..@sp the bound expected next in @d? (else why not) */
static int check_bound(const char *key, const struct pks_hist_dist *d,
		       const char *v, const char *sp, bool inf, char *why,
		       size_t whyn)
{
	uint64_t bound;

	if (d->have_inf) {
		pks_snprintf(why, whyn, "%s: a bound after +Inf", key);
		return -1;
	}
	if (inf && d->n != PKS_HIST_N) {
		pks_snprintf(why, whyn, "%s +Inf: after %u of the %u bounds",
			     key, d->n, PKS_HIST_N);
		return -1;
	}
	if (!inf && d->n == PKS_HIST_N) {
		pks_snprintf(why, whyn, "%s %.*s: +Inf was expected", key,
			     (int)(sp - v), v);
		return -1;
	}
	if (!inf && (pks_parse_u64_at(v, sp, &bound) != sp ||
		     bound != pks_hist_bound(d->n))) {
		pks_snprintf(why, whyn, "%s %.*s: the bound %llu was expected",
			     key, (int)(sp - v), v,
			     (unsigned long long)pks_hist_bound(d->n));
		return -1;
	}
	return 0;
}

/* "BOUND COUNT" or "+Inf COUNT" of one distribution, from @v to @le. */
static int parse_le(const char *key, struct pks_hist_dist *d, const char *v,
		    const char *le, char *why, size_t whyn)
{
	const char *sp = memchr(v, ' ', (size_t)(le - v));
	uint64_t count, prev = d->n ? d->le[d->n - 1] : 0;
	bool inf;

	if (!sp || pks_parse_u64_at(sp + 1, le, &count) != le) {
		pks_snprintf(why, whyn, "%s: not \"BOUND COUNT\"", key);
		return -1;
	}
	inf = sp - v == 4 && !memcmp(v, "+Inf", 4);
	if (check_bound(key, d, v, sp, inf, why, whyn) < 0)
		return -1;
	if (count < prev) {
		pks_snprintf(why, whyn, "%s %.*s: %llu is less than the count before (%llu): not cumulative",
			     key, (int)(sp - v), v, (unsigned long long)count,
			     (unsigned long long)prev);
		return -1;
	}
	if (inf) {
		d->inf = count;
		d->have_inf = true;
	} else {
		d->le[d->n++] = count;
	}
	return 0;
}

/* One "key value" line; unknown keys are ignored. */
static int hist_line(struct pks_hist *h, const char *p, const char *le,
		     unsigned *have, char *why, size_t whyn)
{
	const char *sp = memchr(p, ' ', (size_t)(le - p));
	size_t klen;
	int k;

	if (!sp) {
		pks_snprintf(why, whyn, "a key without a value");
		return -1;
	}
	klen = (size_t)(sp - p);
	if (key_is(p, klen, "bytes_le"))
		return parse_le("bytes_le", &h->bytes, sp + 1, le, why, whyn);
	if (key_is(p, klen, "frames_le"))
		return parse_le("frames_le", &h->frames, sp + 1, le, why, whyn);
	if (key_is(p, klen, "name")) {
		pks_snprintf(h->name, sizeof(h->name), "%.*s",
			     (int)(le - sp - 1), sp + 1);
		return 0;
	}
	for (k = 0; k < H_NKEYS; k++) {
		uint64_t *v[H_NKEYS] = {
			&h->period_ns, &h->created_ns, &h->windows,
			&h->frames_sum, &h->bytes_sum,
		};

		if (!key_is(p, klen, hist_keys[k]))
			continue;
		if (pks_parse_u64_at(sp + 1, le, v[k]) != le) {
			pks_snprintf(why, whyn, "%s: not a number", hist_keys[k]);
			return -1;
		}
		*have |= 1u << k;
	}
	return 0;
}

static int hist_complete(const struct pks_hist *h, unsigned have, char *why,
			 size_t whyn)
{
	int k;

	for (k = 0; k < H_NKEYS; k++)
		if (!(have & (1u << k))) {
			pks_snprintf(why, whyn, "%s missing", hist_keys[k]);
			return -1;
		}
	if (!h->period_ns) {
		pks_snprintf(why, whyn, "period_ns is 0");
		return -1;
	}
	if (!h->bytes.have_inf || !h->frames.have_inf) {
		pks_snprintf(why, whyn, "%s_le: %u of the %u bounds and +Inf expected",
			     !h->bytes.have_inf ? "bytes" : "frames",
			     !h->bytes.have_inf ? h->bytes.n : h->frames.n,
			     PKS_HIST_N);
		return -1;
	}
	return 0;
}

int pks_parse_hist(const char *p, size_t len, struct pks_hist *h,
		   size_t *bad_line, char *why, size_t whyn)
{
	const char *end = p + len;
	unsigned have = 0;
	size_t line = 0;

	memset(h, 0, sizeof(*h));
	*bad_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		line++;
		if (le != p && *p != '#' &&
		    hist_line(h, p, le, &have, why, whyn) < 0) {
			*bad_line = line;
			return -1;
		}
		p = le + 1;
	}
	return hist_complete(h, have, why, whyn);
}

/* --------------------------------------------------------- Prometheus */

void pks_hist_prom_range(uint64_t period_ns, unsigned *kmin, unsigned *kmax)
{
	/* bytes a window holds at the top rate: rate / 8 * period / 1e9 */
	unsigned __int128 top = (unsigned __int128)PKS_PROM_HIST_MAX_BPS *
				period_ns / 8000000000ULL;
	unsigned k = PKS_PROM_HIST_KMIN;

	while (k < 48 && ((unsigned __int128)1 << k) < top)
		k++;
	*kmin = PKS_PROM_HIST_KMIN;
	*kmax = k;
}

static unsigned bound_index(uint64_t bound)
{
	unsigned i;

	for (i = 0; i < PKS_HIST_N; i++)
		if (pks_hist_bound(i) == bound)
			break;
	return i;
}

static void bucket_line(struct pks_buf *b, const char *metric,
			const char *name, const char *le, uint64_t count)
{
	pks_buf_printf(b, "%s_bucket{name=", metric);
	pks_json_escape(b, name);	/* names are [A-Za-z0-9_.-] */
	pks_buf_printf(b, ",le=\"%s\"} %llu\n", le, (unsigned long long)count);
}

void pks_hist_prom(struct pks_buf *b, const char *metric, const char *name,
		   const struct pks_hist *h)
{
	unsigned k, kmin, kmax;
	uint64_t count = 0;
	char v[40];

	pks_hist_prom_range(h->period_ns, &kmin, &kmax);
	for (k = kmin; k <= kmax; k++) {
		unsigned i = bound_index(1ULL << k);
		uint64_t c = i < PKS_HIST_N ? h->bytes.le[i] : count;

		count = c > count ? c : count;
		pks_fmt_double(v, sizeof(v),
			       (double)(1ULL << k) * 8e9 / (double)h->period_ns);
		bucket_line(b, metric, name, v, count);
	}
	count = h->bytes.inf > count ? h->bytes.inf : count;
	bucket_line(b, metric, name, "+Inf", count);
	pks_fmt_double(v, sizeof(v),
		       (double)h->bytes_sum * 8e9 / (double)h->period_ns);
	pks_buf_printf(b, "%s_sum{name=", metric);
	pks_json_escape(b, name);
	pks_buf_printf(b, "} %s\n%s_count{name=", v, metric);
	pks_json_escape(b, name);
	pks_buf_printf(b, "} %llu\n", (unsigned long long)count);
}
