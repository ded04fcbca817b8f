// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: parsing and comparing rates (see pks_rate.h).
 */
#include <stdbool.h>
#include <string.h>

#include "pks_buf.h"
#include "pks_fmt.h"
#include "pks_parse.h"
#include "pks_rate.h"

typedef unsigned __int128 u128;

static const struct {
	const char *sfx;
	uint64_t mul;
	enum pks_rate_unit unit;
} units[] = {
	{ "bps", 1, PKS_RATE_BITS },
	{ "bit", 1, PKS_RATE_BITS },
	{ "kbit", 1000, PKS_RATE_BITS },
	{ "kbps", 1000, PKS_RATE_BITS },
	{ "Mbit", 1000000, PKS_RATE_BITS },
	{ "Mbps", 1000000, PKS_RATE_BITS },
	{ "Gbit", 1000000000, PKS_RATE_BITS },
	{ "Gbps", 1000000000, PKS_RATE_BITS },
	{ "Tbit", 1000000000000ULL, PKS_RATE_BITS },
	{ "Tbps", 1000000000000ULL, PKS_RATE_BITS },
	{ "pps", 1, PKS_RATE_PACKETS },
	{ "kpps", 1000, PKS_RATE_PACKETS },
	{ "Mpps", 1000000, PKS_RATE_PACKETS },
	{ "Gpps", 1000000000, PKS_RATE_PACKETS },
};

/* "bps, bit, kbit, ... Tbps (bits per second) or pps, ... Gpps (packets
 * per second)", from the table. */
static void units_text(char *dst, size_t n)
{
	size_t i, o = 0;

	dst[0] = 0;
	for (i = 0; i < PKS_ARRAY_SIZE(units) && o < n; i++) {
		bool last = i + 1 == PKS_ARRAY_SIZE(units) ||
			    units[i + 1].unit != units[i].unit;

		pks_snprintf(dst + o, n - o, "%s%s", units[i].sfx,
			     !last ? ", " : units[i].unit == PKS_RATE_BITS ?
			     " (bits per second) or " : " (packets per second)");
		o += strlen(dst + o);
	}
}

static void not_a_rate(const char *opt, const char *s, bool pct_ok,
		       char *err, size_t errn)
{
	char u[200];

	units_text(u, sizeof(u));
	pks_snprintf(err, errn,
		     "%s \"%s\": not a rate: a number (decimals allowed) and a unit: %s%s",
		     opt, s, u, pct_ok ? ", or P% of --link-speed" : "");
}

/*
 * "123.45" followed by a suffix: *num / 10^*dec, the suffix in *rest.
 * At most 18 decimals; the whole part must fit in 64 bits.
 */
static int parse_decimal(const char *s, uint64_t *whole, uint64_t *frac,
			 uint64_t *scale, const char **rest, bool *overflow)
{
	const char *end = s + strlen(s), *q;

	*overflow = false;
	*frac = 0;
	*scale = 1;
	if (*s < '0' || *s > '9')
		return -1;
	q = pks_parse_u64_at(s, end, whole);
	if (!q) {
		*overflow = true;
		return -1;
	}
	if (*q == '.') {
		q++;
		if (*q < '0' || *q > '9')
			return -1;
		for (; *q >= '0' && *q <= '9'; q++) {
			if (*scale == 1000000000000000000ULL)
				return -1;
			*frac = *frac * 10 + (uint64_t)(*q - '0');
			*scale *= 10;
		}
	}
	*rest = q;
	return 0;
}

/* (whole + frac / scale) * mul, rounded, or -1 if above @max. */
static int scale_value(uint64_t whole, uint64_t frac, uint64_t scale,
		       uint64_t mul, uint64_t max, uint64_t *out)
{
	u128 v = (u128)whole * mul + ((u128)frac * mul + scale / 2) / scale;

	if (v > max)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int parse_percent(const char *opt, const char *s, uint64_t whole,
			 uint64_t frac, uint64_t scale,
			 const struct pks_rate *link, struct pks_rate *out,
			 char *err, size_t errn)
{
	uint64_t pm;	/* thousandths of a percent */

	if (!link || !link->milli) {
		pks_snprintf(err, errn,
			     "%s \"%s\": a percentage needs --link-speed RATE (the link's speed)",
			     opt, s);
		return -1;
	}
	if (scale_value(whole, frac, scale, 1000, 100000, &pm) < 0 || !pm) {
		pks_snprintf(err, errn,
			     "%s \"%s\": must be more than 0%% and at most 100%%",
			     opt, s);
		return -1;
	}
	out->unit = link->unit;
	out->milli = (uint64_t)(((u128)link->milli * pm + 50000) / 100000);
	if (!out->milli) {
		pks_snprintf(err, errn, "%s \"%s\": must be more than 0", opt, s);
		return -1;
	}
	return 0;
}

int pks_parse_rate(const char *opt, const char *s, bool pct_ok,
		   const struct pks_rate *link, struct pks_rate *out,
		   char *err, size_t errn)
{
	uint64_t whole, frac, scale;
	const char *rest;
	bool overflow;
	size_t i;

	if (parse_decimal(s, &whole, &frac, &scale, &rest, &overflow) < 0) {
		if (overflow)
			goto too_large;
		not_a_rate(opt, s, pct_ok, err, errn);
		return -1;
	}
	if (pct_ok && !strcmp(rest, "%"))
		return parse_percent(opt, s, whole, frac, scale, link, out,
				     err, errn);
	for (i = 0; i < PKS_ARRAY_SIZE(units); i++)
		if (!strcmp(rest, units[i].sfx))
			break;
	if (i == PKS_ARRAY_SIZE(units)) {
		not_a_rate(opt, s, pct_ok, err, errn);
		return -1;
	}
	out->unit = units[i].unit;
	if (scale_value(whole, frac, scale, units[i].mul * 1000,
			PKS_RATE_MAX_MILLI, &out->milli) < 0)
		goto too_large;
	if (!out->milli) {
		pks_snprintf(err, errn, "%s \"%s\": must be more than 0", opt, s);
		return -1;
	}
	return 0;
too_large:
	pks_snprintf(err, errn,
		     "%s \"%s\": too large: at most 1000Tbit (10^15 bits per second) or 1000000Gpps",
		     opt, s);
	return -1;
}

uint64_t pks_rate_min_count(const struct pks_rate *r, uint64_t period_ns)
{
	/* bits: B * 8e9 * 1000 / P >= milli; packets: F * 1e9 * 1000 / P */
	u128 per = r->unit == PKS_RATE_BITS ? (u128)8000000000000ULL :
					      (u128)1000000000000ULL;
	u128 c = ((u128)r->milli * period_ns + per - 1) / per;

	if (c < 1)
		c = 1;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

void pks_fmt_rate(char *dst, size_t n, const struct pks_rate *r)
{
	char v[16];

	pks_human(v, sizeof(v), pks_rate_value(r));
	pks_snprintf(dst, n, "%s%s", v,
		     r->unit == PKS_RATE_BITS ? "bit/s" : "pkt/s");
}
