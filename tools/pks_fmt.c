// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: formatting of numbers, human units, durations, times and
 * CSV rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pks_fmt.h"
#include "pks_text.h"

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

void pks_fmt_double(char *dst, size_t n, double v)
{
	int prec;

	if (v >= 0 && v < 1e17 && v == (double)(uint64_t)v && n > 20) {
		*pks_u64(dst, (uint64_t)v) = 0;	/* no exponent, and fast */
		return;
	}
	if (v > -1e17 && v < 0 && v == (double)(int64_t)v) {
		pks_snprintf(dst, n, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		pks_snprintf(dst, n, "%.*g", prec, v);
		if (strtod(dst, NULL) == v)
			return;
	}
	pks_snprintf(dst, n, "%.17g", v);
}

void pks_fmt_period(char *dst, size_t n, uint64_t ns)
{
	size_t i;

	/* the module's units (up to s): "3600s", never "1h" */
	for (i = pks_n_time_units; i-- > 0;) {
		uint64_t d = pks_time_units[i].ns;

		if (d > PKS_NSEC || !ns || ns % d)
			continue;
		pks_snprintf(dst, n, "%llu%s", (unsigned long long)(ns / d),
			     pks_time_units[i].sfx);
		return;
	}
	pks_snprintf(dst, n, "%lluns", (unsigned long long)ns);
}

void pks_fmt_duration(char *dst, size_t n, uint64_t ns)
{
	/* each unit from where rounding would give 1000 of the one below */
	if (ns >= 9950000000ULL)
		pks_snprintf(dst, n, "%.0fs", (double)ns / 1e9);
	else if (ns >= 999500000)
		pks_snprintf(dst, n, "%.1fs", (double)ns / 1e9);
	else if (ns >= 999500)
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

void pks_fmt_date(char *dst, size_t n, int64_t sec)
{
	char s[24];

	fmt_utc(s, sec, ' ', ":");
	pks_snprintf(dst, n, "%.10s", s);
}

void pks_fmt_hms(char *dst, size_t n, int64_t sec)
{
	char s[24];

	fmt_utc(s, sec, ' ', ":");
	pks_snprintf(dst, n, "%s", s + 11);
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
		    const struct pks_sample *s)
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
	p = pks_u64(p, s->period);
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
