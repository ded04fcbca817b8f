/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: rates (--threshold, --link-speed): bits or packets per
 * second, and the test "is this window at or above the rate".
 *
 * A rate is kept in thousandths of a unit per second, an integer, so that
 * "2.5Gbit" and "12.5%" are exact and the comparison of a window with it
 * is done in integers: a window of B bytes lasting P ns is at or above R
 * bits per second when B * 8e9 / P >= R, i.e. B >= ceil(R * P / 8e9).
 */
#ifndef PKS_RATE_H
#define PKS_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pks_rate_unit {
	PKS_RATE_BITS,		/* bits per second: the window's bytes count */
	PKS_RATE_PACKETS,	/* packets per second: its frames count */
};

struct pks_rate {
	enum pks_rate_unit unit;
	uint64_t milli;		/* 1/1000 bit (or packet) per second; 0: none */
};

/* The largest rate: 10^15 bits or packets per second. */
#define PKS_RATE_MAX_MILLI	1000000000000000000ULL

/*
 * Parse @s, the value of option @opt ("--threshold"): a number, decimals
 * allowed, and a unit: bps (or bit), kbit (kbps), Mbit (Mbps), Gbit
 * (Gbps), Tbit (Tbps); pps, kpps, Mpps, Gpps.  With @pct_ok, "P%" is P
 * percent of @link (0 < P <= 100), which must then be given.  Returns 0,
 * or -1 with a message for the user in @err that names the option, the
 * value and the allowed form or range.
 */
int pks_parse_rate(const char *opt, const char *s, bool pct_ok,
		   const struct pks_rate *link, struct pks_rate *out,
		   char *err, size_t errn);

/* The least count (bytes for bits, frames for packets) of a window of
 * @period_ns at or above @r; at least 1, so an empty window is below. */
uint64_t pks_rate_min_count(const struct pks_rate *r, uint64_t period_ns);

/* The count of a window that is compared with @r. */
static inline uint64_t pks_rate_count(const struct pks_rate *r,
				      uint64_t frames, uint64_t bytes)
{
	return r->unit == PKS_RATE_BITS ? bytes : frames;
}

/* Per second, as a double, for display and Prometheus. */
static inline double pks_rate_value(const struct pks_rate *r)
{
	return (double)r->milli / 1000.0;
}

/* "1.00Gbit/s", "2.00Mpkt/s". */
void pks_fmt_rate(char *dst, size_t n, const struct pks_rate *r);

#endif
