// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: parsing of the data and stats files, durations and names.
 * The data parser is the hot loop of the collector: hand-written integer
 * parsing, one memchr per line, no stdio.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pks.h"

/* ------------------------------------------------------------ buffers */

void *pks_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "xt-pktstat: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return q;
}

void pks_snprintf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

void pks_buf_reserve(struct pks_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;	/* room for a NUL */

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	b->p = pks_xrealloc(b->p, cap);
	b->cap = cap;
}

void pks_buf_add(struct pks_buf *b, const void *p, size_t n)
{
	pks_buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void pks_buf_str(struct pks_buf *b, const char *s)
{
	pks_buf_add(b, s, strlen(s));
}

void pks_buf_printf(struct pks_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	pks_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pks_buf_free(struct pks_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void samples_grow(struct pks_samples *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;

	s->v = pks_xrealloc(s->v, cap * sizeof(*s->v));
	s->cap = cap;
}

void pks_samples_push(struct pks_samples *s, uint64_t ts, uint64_t frames,
		      uint64_t bytes)
{
	if (s->n == s->cap)
		samples_grow(s);
	s->v[s->n].ts = ts;
	s->v[s->n].frames = frames;
	s->v[s->n].bytes = bytes;
	s->n++;
}

void pks_samples_free(struct pks_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ------------------------------------------------------------ numbers */

/*
 * A u64 at p (before end): 1 to 20 digits, no overflow.  Returns the
 * first byte after the digits, or NULL.  Up to 19 digits cannot overflow;
 * only a 20th needs a check.
 */
static inline const char *parse_u64(const char *p, const char *end,
				    uint64_t *out)
{
	const char *s = p;
	const char *lim = end - p > 19 ? p + 19 : end;
	uint64_t x = 0;
	unsigned d;

	while (p < lim && (d = (unsigned char)*p - '0') < 10) {
		x = x * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	if (p == lim && p < end && (d = (unsigned char)*p - '0') < 10) {
		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
		p++;
		if (p < end && (unsigned)((unsigned char)*p - '0') < 10)
			return NULL;
	}
	*out = x;
	return p;
}

int pks_parse_u64(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	const char *e = parse_u64(s, s + n, v);

	return e && e == s + n ? 0 : -1;
}

/* ------------------------------------------------------------ data */

int pks_parse_data(const char *p, size_t len, struct pks_samples *out,
		   size_t *bad_line, size_t *partial)
{
	const char *end = p + len;
	size_t line = 0;

	*partial = 0;
	*bad_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint64_t ts, fr, by;
		const char *q;

		line++;
		if (!nl) {
			*partial = (size_t)(end - p);
			break;
		}
		if (*p == '#') {
			p = nl + 1;
			continue;
		}
		q = parse_u64(p, nl, &ts);
		if (!q || q == nl || *q++ != ' ')
			goto bad;
		q = parse_u64(q, nl, &fr);
		if (!q || q == nl || *q++ != ' ')
			goto bad;
		q = parse_u64(q, nl, &by);
		if (q != nl)
			goto bad;
		if (out->n == out->cap)
			samples_grow(out);
		out->v[out->n].ts = ts;
		out->v[out->n].frames = fr;
		out->v[out->n].bytes = by;
		out->n++;
		p = nl + 1;
	}
	return 0;
bad:
	*bad_line = line;
	return -1;
}

/* ------------------------------------------------------------ stats */

const char *const pks_key_names[PKS_NKEYS] = {
	[PKS_PERIOD_NS] = "period_ns",
	[PKS_SAMPLES] = "samples",
	[PKS_RULES] = "rules",
	[PKS_FRAMES_SEEN] = "frames_seen",
	[PKS_BYTES_SEEN] = "bytes_seen",
	[PKS_SAMPLES_READ] = "samples_read",
	[PKS_FRAMES_READ] = "frames_read",
	[PKS_BYTES_READ] = "bytes_read",
	[PKS_SAMPLES_DROPPED] = "samples_dropped",
	[PKS_FRAMES_DROPPED] = "frames_dropped",
	[PKS_BYTES_DROPPED] = "bytes_dropped",
	[PKS_SAMPLES_PENDING] = "samples_pending",
	[PKS_FRAMES_PENDING] = "frames_pending",
	[PKS_BYTES_PENDING] = "bytes_pending",
	[PKS_CLOCK_STEPS_BACK] = "clock_steps_back",
};

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
		size_t klen;
		int k;

		line++;
		if (!sp) {
			if (le != p)	/* a line without a value */
				goto bad;
			p = le + 1;
			continue;
		}
		klen = (size_t)(sp - p);
		if (klen == 4 && !memcmp(p, "name", 4)) {
			size_t vl = (size_t)(le - sp - 1);

			if (vl >= sizeof(st->name))
				vl = sizeof(st->name) - 1;
			memcpy(st->name, sp + 1, vl);
			st->name[vl] = 0;
		} else {
			for (k = 0; k < PKS_NKEYS; k++) {
				if (strlen(pks_key_names[k]) == klen &&
				    !memcmp(p, pks_key_names[k], klen))
					break;
			}
			if (k < PKS_NKEYS) {
				const char *q = parse_u64(sp + 1, le,
							  &st->v[k]);

				if (q != le)
					goto bad;
				st->have |= 1u << k;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!(st->have & (1u << PKS_PERIOD_NS)) || !st->v[PKS_PERIOD_NS] ||
	    !(st->have & (1u << PKS_SAMPLES)) || !st->v[PKS_SAMPLES])
		return -1;
	return 0;
bad:
	*bad_line = line;
	return -1;
}

/* ------------------------------------------------------------ input */

int pks_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns)
{
	static const struct {
		const char *u;
		uint64_t mul;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", PKS_NSEC }, { "m", 60 * PKS_NSEC },
		{ "h", 3600 * PKS_NSEC },
	};
	const char *u;
	uint64_t v, mul = default_unit_ns;
	size_t i;

	if (!s || !*s)
		return -1;
	u = parse_u64(s, s + strlen(s), &v);
	if (!u)
		return -1;
	if (*u) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(u, units[i].u))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		mul = units[i].mul;
	}
	if (__builtin_mul_overflow(v, mul, ns))
		return -1;
	return 0;
}

bool pks_valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 1 || n > PKS_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}
