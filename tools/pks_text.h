/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: the vocabulary shared with the module and the extension,
 * taken from their headers (src/) so that it is written once: the stats
 * keys, the data file's header, the time units, the name rule and the
 * version.  The reader's own additions (minutes and hours) are here too.
 */
#ifndef PKS_TEXT_H
#define PKS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xt_pktstat.h"
#include "xt_pktstat_text.h"
#include "xt_pktstat_version.h"

#define PKS_DEFAULT_ROOT	"/proc/net/xt_pktstat"
#define PKS_NAME_MAX		(XT_PKTSTAT_NAME_LEN - 1)

/* The keys of a stats file, in the module's order: PKS_KEY_period_ns... */
enum pks_key {
#define XT_PKTSTAT_STAT_TEXT(key, desc)	PKS_KEY_##key,
#define XT_PKTSTAT_STAT(key, desc)	PKS_KEY_##key,
#include "xt_pktstat_stats.h"
	PKS_NKEYS
};

extern const char *const pks_key_names[PKS_NKEYS];

/* Time units of durations, smallest first: the module's, then m and h. */
struct pks_unit {
	const char *sfx;
	uint64_t ns;
};

extern const struct pks_unit pks_time_units[];
extern const size_t pks_n_time_units;

/* "ns, us, ms, s, m or h": the units for messages. */
const char *pks_time_units_text(void);

/* The module's rule (xt_pktstat_name_ok): 1 to 31 of A-Z a-z 0-9 _ - .,
 * not "." or "..". */
bool pks_valid_name(const char *name);

#endif
