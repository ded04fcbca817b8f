/* SPDX-License-Identifier: GPL-2.0 */
/* xt-pktstat: the collector logs a repeated complaint once a minute, with
 * the count of those it kept quiet. */
#ifndef PKS_RATELIMIT_H
#define PKS_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define PKS_LOG_EVERY_NS	(60 * 1000000000ULL)

struct pks_ratelimit {
	uint64_t last;
	uint64_t suppressed;
};

/* true: log now (*suppressed: how many were not since the last one). */
bool pks_rl_ok(struct pks_ratelimit *r, uint64_t now, uint64_t *suppressed);
void pks_rl_reset(struct pks_ratelimit *r);

#endif
