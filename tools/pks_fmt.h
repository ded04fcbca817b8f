/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: formatting of numbers, rates, durations, times and CSV rows.
 */
#ifndef PKS_FMT_H
#define PKS_FMT_H

#include <stdint.h>

#include "pks_buf.h"

/* Decimal digits of @v at @dst (no NUL); returns the end. */
char *pks_u64(char *dst, uint64_t v);

/* "0", "999", "1.23k", "12.3M", "123G": 3 significant digits, SI. */
void pks_human(char *dst, size_t n, double v);

/* The shortest decimal text that reads back as @v ("51200000", "0.1");
 * whole numbers below 1e17 without an exponent. */
void pks_fmt_double(char *dst, size_t n, double v);

/* The period in the largest unit that divides it: "10us", "1500ns". */
void pks_fmt_period(char *dst, size_t n, uint64_t ns);

/* A duration for messages: "655ms", "1.5s", "12us". */
void pks_fmt_duration(char *dst, size_t n, uint64_t ns);

/* UTC "YYYY-mm-dd HH:MM:SS" of the second, cached. */
struct pks_tcache {
	int64_t sec;
	char s[20];
};

/* "YYYY-mm-dd HH:MM:SS.nnnnnnnnn" (UTC) at @dst, no NUL; returns the end. */
char *pks_fmt_time(char *dst, struct pks_tcache *c, uint64_t ns);

/* "YYYY-mm-dd-HHMMSS" (UTC), the file name stamp; NUL-terminated. */
void pks_fmt_stamp(char *dst, size_t n, uint64_t sec);

/* "YYYY-mm-dd" and "HH:MM:SS" (UTC) of @sec; NUL-terminated. */
void pks_fmt_date(char *dst, size_t n, int64_t sec);
void pks_fmt_hms(char *dst, size_t n, int64_t sec);

/* CSV: the header row and one row per sample or event. */
#define PKS_CSV_HEADER "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event\n"
void pks_csv_sample(struct pks_buf *b, struct pks_tcache *c, const char *name,
		    const struct pks_sample *s);
void pks_csv_event(struct pks_buf *b, struct pks_tcache *c, const char *name,
		   uint64_t now_ns, uint64_t period, const char *event);
/* A CSV field, quoted when it holds , " CR or LF. */
void pks_csv_field(struct pks_buf *b, const char *s);

/* Rates of a window of @frames / @bytes lasting @period_ns. */
static inline double pks_pps(uint64_t frames, uint64_t period_ns)
{
	return period_ns ? (double)frames * 1e9 / (double)period_ns : 0;
}

static inline double pks_bps(uint64_t bytes, uint64_t period_ns)
{
	return period_ns ? (double)bytes * 8e9 / (double)period_ns : 0;
}

#endif
