/* SPDX-License-Identifier: GPL-2.0 */
/* xt-pktstat: the two clocks, in ns: the windows' (CLOCK_REALTIME) and
 * the one to pace reads by (CLOCK_MONOTONIC). */
#ifndef PKS_CLOCK_H
#define PKS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pks_clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static inline uint64_t pks_now_real(void)
{
	return pks_clock_ns(CLOCK_REALTIME);
}

static inline uint64_t pks_now_mono(void)
{
	return pks_clock_ns(CLOCK_MONOTONIC);
}

#endif
