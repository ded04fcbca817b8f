// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: parsing of the data and stats files, and of durations.
 * The data parser is the hot loop of the collector: hand-written integer
 * parsing, one memchr per line, no stdio.
 */
#include <string.h>

#include "pks_parse.h"

int pks_parse_u64(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	const char *e = pks_parse_u64_at(s, s + n, v);

	return e && e == s + n ? 0 : -1;
}

/* ------------------------------------------------------------ data */

/*
 * "# period_ns N samples M" from @p to @nl (the newline).  Anything after
 * M is ignored: a later module may say more about the setting.
 */
static int parse_setting(const char *p, const char *nl,
			 struct pks_setting *set)
{
	static const char key[] = XT_PKTSTAT_DATA_SETTING_KEY;
	static const char skey[] = " samples ";
	struct pks_setting s = { 0, 0 };
	const char *q = p + sizeof(key) - 1;

	q = pks_parse_u64_at(q, nl, &s.period_ns);
	if (!q || !s.period_ns)
		return -1;
	if (q < nl) {
		if ((size_t)(nl - q) < sizeof(skey) - 1 ||
		    memcmp(q, skey, sizeof(skey) - 1))
			return -1;
		q = pks_parse_u64_at(q + sizeof(skey) - 1, nl, &s.samples);
		if (!q || (q < nl && *q != ' '))
			return -1;
	}
	*set = s;
	return 0;
}

static bool is_setting_line(const char *p, const char *nl)
{
	static const char key[] = XT_PKTSTAT_DATA_SETTING_KEY;

	return (size_t)(nl - p) >= sizeof(key) - 1 &&
	       !memcmp(p, key, sizeof(key) - 1);
}

int pks_parse_data(const char *p, size_t len, struct pks_setting *set,
		   struct pks_samples *out, size_t *bad_line, size_t *partial)
{
	const char *end = p + len;
	size_t line = 0;

	*partial = 0;
	*bad_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct pks_sample *s;
		const char *q;

		line++;
		if (!nl) {
			*partial = (size_t)(end - p);
			break;
		}
		if (*p == '#') {
			if (is_setting_line(p, nl) && parse_setting(p, nl, set) < 0)
				goto bad;
			p = nl + 1;
			continue;
		}
		if (out->n == out->cap)
			pks_samples_grow(out);
		s = &out->v[out->n];
		q = pks_parse_u64_at(p, nl, &s->ts);
		if (!q || q == nl || *q++ != ' ')
			goto bad;
		q = pks_parse_u64_at(q, nl, &s->frames);
		if (!q || q == nl || *q++ != ' ')
			goto bad;
		q = pks_parse_u64_at(q, nl, &s->bytes);
		if (q != nl)
			goto bad;
		s->period = set->period_ns;
		out->n++;
		p = nl + 1;
	}
	return 0;
bad:
	*bad_line = line;
	return -1;
}

/* ------------------------------------------------------------ stats */

static int stats_key(const char *p, size_t klen)
{
	int k;

	for (k = 0; k < PKS_NKEYS; k++)
		if (strlen(pks_key_names[k]) == klen &&
		    !memcmp(p, pks_key_names[k], klen))
			return k;
	return -1;
}

int pks_parse_stats(const char *p, size_t len, struct pks_stats *st,
		    size_t *bad_line)
{
	const char *end = p + len;
	size_t line = 0;

	memset(st, 0, sizeof(*st));
	*bad_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(le - p));
		int k;

		line++;
		if (!sp) {
			if (le != p)	/* a line without a value */
				goto bad;
			p = le + 1;
			continue;
		}
		k = stats_key(p, (size_t)(sp - p));
		if (k == PKS_KEY_name) {
			pks_snprintf(st->name, sizeof(st->name), "%.*s",
				     (int)(le - sp - 1), sp + 1);
			st->have |= 1u << k;
		} else if (k >= 0) {
			if (pks_parse_u64_at(sp + 1, le, &st->v[k]) != le)
				goto bad;
			st->have |= 1u << k;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!(st->have & (1u << PKS_KEY_period_ns)) || !st->v[PKS_KEY_period_ns] ||
	    !(st->have & (1u << PKS_KEY_samples)) || !st->v[PKS_KEY_samples])
		return -1;
	return 0;
bad:
	*bad_line = line;
	return -1;
}

struct pks_setting pks_stats_setting(const struct pks_stats *st)
{
	struct pks_setting s = {
		.period_ns = st->v[PKS_KEY_period_ns],
		.samples = st->v[PKS_KEY_samples],
	};

	return s;
}

/* ------------------------------------------------------------ input */

int pks_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns)
{
	const char *u;
	uint64_t v, mul = default_unit_ns;
	size_t i;

	if (!s || !*s)
		return -1;
	u = pks_parse_u64_at(s, s + strlen(s), &v);
	if (!u)
		return -1;
	if (*u) {
		for (i = 0; i < pks_n_time_units; i++)
			if (!strcmp(u, pks_time_units[i].sfx))
				break;
		if (i == pks_n_time_units)
			return -1;
		mul = pks_time_units[i].ns;
	}
	if (__builtin_mul_overflow(v, mul, ns))
		return -1;
	return 0;
}
