// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: formatting (numbers, human units, times, CSV, JSON) and
 * aggregation (summary, percentiles, sparkline).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pks.h"

char *pks_u64(char *dst, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*dst++ = tmp[--n];
	return dst;
}

void pks_human(char *dst, size_t n, double v)
{
	static const char sfx[] = "kMGTPE";
	int i = -1;

	if (!(v >= 0.5)) {		/* also NaN */
		pks_snprintf(dst, n, "0");
		return;
	}
	if (v < 999.5) {
		pks_snprintf(dst, n, "%.0f", v);
		return;
	}
	while (v >= 999.5 && i < 5) {
		v /= 1000;
		i++;
	}
	if (v < 9.995)
		pks_snprintf(dst, n, "%.2f%c", v, sfx[i]);
	else if (v < 99.95)
		pks_snprintf(dst, n, "%.1f%c", v, sfx[i]);
	else
		pks_snprintf(dst, n, "%.0f%c", v, sfx[i]);
}

void pks_fmt_period(char *dst, size_t n, uint64_t ns)
{
	static const struct {
		const char *u;
		uint64_t d;
	} units[] = { { "s", PKS_NSEC }, { "ms", 1000000 }, { "us", 1000 } };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (ns && ns % units[i].d == 0) {
			pks_snprintf(dst, n, "%llu%s",
				 (unsigned long long)(ns / units[i].d),
				 units[i].u);
			return;
		}
	}
	pks_snprintf(dst, n, "%lluns", (unsigned long long)ns);
}

void pks_fmt_duration(char *dst, size_t n, uint64_t ns)
{
	if (ns >= 10 * PKS_NSEC)
		pks_snprintf(dst, n, "%.0fs", (double)ns / 1e9);
	else if (ns >= PKS_NSEC)
		pks_snprintf(dst, n, "%.1fs", (double)ns / 1e9);
	else if (ns >= 1000000)
		pks_snprintf(dst, n, "%.0fms", (double)ns / 1e6);
	else if (ns >= 1000)
		pks_snprintf(dst, n, "%.0fus", (double)ns / 1e3);
	else
		pks_snprintf(dst, n, "%lluns", (unsigned long long)ns);
}

static char *put_digits(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* "YYYY-mm-dd" then @sep then "HH" @tsep "MM" @tsep "SS"; NUL-terminated */
static void fmt_utc(char *p, int64_t sec, char sep, const char *tsep)
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	p = put_digits(p, (unsigned)(tm.tm_year + 1900), 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)(tm.tm_mon + 1), 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)tm.tm_mday, 2);
	*p++ = sep;
	p = put_digits(p, (unsigned)tm.tm_hour, 2);
	if (*tsep)
		*p++ = *tsep;
	p = put_digits(p, (unsigned)tm.tm_min, 2);
	if (*tsep)
		*p++ = *tsep;
	p = put_digits(p, (unsigned)tm.tm_sec, 2);
	*p = 0;
}

char *pks_fmt_time(char *dst, struct pks_tcache *c, uint64_t ns)
{
	int64_t sec = (int64_t)(ns / PKS_NSEC);

	if (sec != c->sec || !c->s[0]) {
		fmt_utc(c->s, sec, ' ', ":");
		c->sec = sec;
	}
	memcpy(dst, c->s, 19);
	dst[19] = '.';
	put_digits(dst + 20, (unsigned)(ns % PKS_NSEC), 9);
	return dst + 29;
}

void pks_fmt_stamp(char *dst, size_t n, uint64_t sec)
{
	char s[24];

	fmt_utc(s, (int64_t)sec, '-', "");
	pks_snprintf(dst, n, "%s", s);
}

void pks_csv_field(struct pks_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		pks_buf_str(b, s);
		return;
	}
	pks_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			pks_buf_add(b, "\"", 1);
		pks_buf_add(b, s, 1);
	}
	pks_buf_add(b, "\"", 1);
}

void pks_csv_sample(struct pks_buf *b, struct pks_tcache *c, const char *name,
		    uint64_t period, const struct pks_sample *s)
{
	char *p;

	pks_buf_reserve(b, 29 + 4 * 21 + 4);
	p = pks_fmt_time(b->p + b->len, c, s->ts);
	*p++ = ',';
	b->len = (size_t)(p - b->p);
	pks_csv_field(b, name);
	pks_buf_reserve(b, 4 * 21 + 4);
	p = b->p + b->len;
	*p++ = ',';
	p = pks_u64(p, s->ts);
	*p++ = ',';
	p = pks_u64(p, period);
	*p++ = ',';
	p = pks_u64(p, s->frames);
	*p++ = ',';
	p = pks_u64(p, s->bytes);
	*p++ = ',';
	*p++ = '\n';
	*p = 0;
	b->len = (size_t)(p - b->p);
}

void pks_csv_event(struct pks_buf *b, struct pks_tcache *c, const char *name,
		   uint64_t now_ns, uint64_t period, const char *event)
{
	char *p;

	pks_buf_reserve(b, 29 + 2);
	p = pks_fmt_time(b->p + b->len, c, now_ns);
	*p++ = ',';
	b->len = (size_t)(p - b->p);
	pks_csv_field(b, name);
	pks_buf_add(b, ",,", 2);
	if (period) {
		pks_buf_reserve(b, 21);
		b->len = (size_t)(pks_u64(b->p + b->len, period) - b->p);
	}
	pks_buf_add(b, ",,,", 3);
	pks_csv_field(b, event);
	pks_buf_add(b, "\n", 1);
}

void pks_json_str(struct pks_buf *b, const char *s)
{
	pks_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };

			pks_buf_add(b, e, 2);
		} else if (ch < 0x20) {
			pks_buf_printf(b, "\\u%04x", ch);
		} else {
			pks_buf_add(b, s, 1);
		}
	}
	pks_buf_add(b, "\"", 1);
}

/* --------------------------------------------------------- aggregation */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t pks_percentile(uint64_t *vals, size_t n, uint64_t zeros, double pct)
{
	uint64_t total = (uint64_t)n + zeros, rank;

	if (!total)
		return 0;
	if (pct <= 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* nearest rank: the smallest value with at least pct% at or below */
	rank = (uint64_t)ceil(pct / 100.0 * (double)total);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	if (rank <= zeros)
		return 0;
	qsort(vals, n, sizeof(*vals), cmp_u64);
	return vals[rank - zeros - 1];
}

void pks_summarize(const struct pks_sample *s, size_t n,
		   uint64_t total_windows, double pct, uint64_t *scratch,
		   struct pks_summary *out)
{
	uint64_t zeros;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->windows = n;
	for (i = 0; i < n; i++) {
		out->frames += s[i].frames;
		out->bytes += s[i].bytes;
		if (s[i].frames > out->max_frames)
			out->max_frames = s[i].frames;
		if (s[i].bytes > out->max_bytes)
			out->max_bytes = s[i].bytes;
	}
	if (!n)
		return;
	zeros = total_windows > n ? total_windows - n : 0;
	for (i = 0; i < n; i++)
		scratch[i] = s[i].frames;
	out->p_frames = pks_percentile(scratch, n, zeros, pct);
	for (i = 0; i < n; i++)
		scratch[i] = s[i].bytes;
	out->p_bytes = pks_percentile(scratch, n, zeros, pct);
}

void pks_sparkline(const struct pks_sample *s, size_t n, uint64_t t0,
		   uint64_t t1, int width, bool utf8, char *dst, size_t dn)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[8] = { '_', '.', ':', '-', '=', '+', '*', '#' };
	uint64_t slot[256] = { 0 }, max = 0;
	size_t i, o = 0;
	int k;

	if (width > 256)
		width = 256;
	if (width < 1 || dn < 1) {
		if (dn)
			dst[0] = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		double f = t1 > t0 && s[i].ts > t0 ?
			(double)(s[i].ts - t0) / (double)(t1 - t0) : 0;
		int x = (int)(f * width);

		if (x >= width)
			x = width - 1;
		if (s[i].frames > slot[x])
			slot[x] = s[i].frames;
		if (slot[x] > max)
			max = slot[x];
	}
	for (k = 0; k < width; k++) {
		const char *c;
		size_t cl;
		char a[2] = { ' ', 0 };

		if (slot[k]) {
			int lvl = (int)ceil((double)slot[k] * 8 / (double)max);

			lvl = lvl < 1 ? 1 : lvl > 8 ? 8 : lvl;
			if (utf8) {
				c = blocks[lvl - 1];
			} else {
				a[0] = ascii[lvl - 1];
				c = a;
			}
		} else {
			c = a;
		}
		cl = strlen(c);
		if (o + cl >= dn)
			break;
		memcpy(dst + o, c, cl);
		o += cl;
	}
	dst[o] = 0;
}
