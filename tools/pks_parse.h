/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: parsing of the module's data and stats files, of durations
 * and of numbers.
 */
#ifndef PKS_PARSE_H
#define PKS_PARSE_H

#include <stdint.h>

#include "pks_buf.h"
#include "pks_text.h"

/*
 * A u64 at p (before end): 1 to 20 digits, no overflow.  Returns the
 * first byte after the digits, or NULL.  Up to 19 digits cannot overflow;
 * only a 20th needs a check.  Inline: the data parser's hot loop.
 */
static inline const char *pks_parse_u64_at(const char *p, const char *end,
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

/* Unsigned decimal, whole string, no sign, no overflow. */
int pks_parse_u64(const char *s, uint64_t *v);

/* The settings samples belong to: a reload may change them mid-stream. */
struct pks_setting {
	uint64_t period_ns;
	uint64_t samples;	/* FIFO capacity; 0 if not known */
};

/*
 * Parse the text of a data file.  Every line that is not a comment must
 * be "<u64> <u64> <u64>\n"; a sample gets the period of @set.  A line
 * "# period_ns N samples M" (XT_PKTSTAT_DATA_SETTING) changes @set for
 * the samples after it; other lines starting with '#' are comments.
 * Samples are appended to @out.  A last line without its newline is not
 * an error (a reader gives such a sample back to the FIFO): it is left
 * out, and *partial is set to its length.  Returns 0, or -1 on a bad
 * line: then *bad_line is its number (1-based) and @out holds the samples
 * before it.
 */
int pks_parse_data(const char *p, size_t len, struct pks_setting *set,
		   struct pks_samples *out, size_t *bad_line, size_t *partial);

struct pks_stats {
	char name[64];
	uint64_t v[PKS_NKEYS];	/* v[PKS_KEY_name] unused: see name */
	uint32_t have;		/* bit k: key k was present */
};

/*
 * Parse a stats file ("key value" lines).  Unknown keys are ignored (a
 * newer module may add some).  Returns 0, or -1 if a known key has a bad
 * value or period_ns / samples is missing or zero (*bad_line: the line, 0
 * for a missing key).
 */
int pks_parse_stats(const char *p, size_t len, struct pks_stats *st,
		    size_t *bad_line);

/* The setting in force, from a stats file. */
struct pks_setting pks_stats_setting(const struct pks_stats *st);

/*
 * Durations: a whole number with a unit ns, us, ms, s, m, h (or none:
 * @default_unit_ns).  Returns 0, or -1 for an empty, negative, non-numeric
 * or overflowing value or an unknown unit.
 */
int pks_parse_duration(const char *s, uint64_t default_unit_ns,
		       uint64_t *ns);

#endif
