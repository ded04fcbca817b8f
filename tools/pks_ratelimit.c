// SPDX-License-Identifier: GPL-2.0
/* xt-pktstat: rate limit of repeated log messages (pks_ratelimit.h). */
#include "pks_ratelimit.h"

bool pks_rl_ok(struct pks_ratelimit *r, uint64_t now, uint64_t *suppressed)
{
	if (r->last && now - r->last < PKS_LOG_EVERY_NS) {
		r->suppressed++;
		return false;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last = now;
	return true;
}

void pks_rl_reset(struct pks_ratelimit *r)
{
	r->last = 0;
	r->suppressed = 0;
}
