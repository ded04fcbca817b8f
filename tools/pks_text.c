// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: tables expanded from the module's lists of stats keys and
 * time units.
 */
#include <string.h>

#include "pks_buf.h"
#include "pks_text.h"

const char *const pks_key_names[PKS_NKEYS] = {
#define XT_PKTSTAT_STAT_TEXT(key, desc)	#key,
#define XT_PKTSTAT_STAT(key, desc)	#key,
#include "xt_pktstat_stats.h"
};

const struct pks_unit pks_time_units[] = {
#define XT_PKTSTAT_UNIT(sfx, ns)	{ sfx, ns },
#include "xt_pktstat_units.h"
	{ "m", 60 * PKS_NSEC },
	{ "h", 3600 * PKS_NSEC },
};
const size_t pks_n_time_units = PKS_ARRAY_SIZE(pks_time_units);

const char *pks_time_units_text(void)
{
	static char text[64];
	size_t i, n = pks_n_time_units;

	if (text[0])
		return text;
	for (i = 0; i < n; i++) {
		strcat(text, pks_time_units[i].sfx);
		if (i + 2 < n)
			strcat(text, ", ");
		else if (i + 2 == n)
			strcat(text, " or ");
	}
	return text;
}

bool pks_valid_name(const char *name)
{
	return xt_pktstat_name_ok(name, (unsigned int)strlen(name) + 1);
}
