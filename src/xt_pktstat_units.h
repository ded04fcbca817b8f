/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the time units of --period, smallest first, for the module's
 * log, the extension and the reader program (which adds minutes and hours
 * of its own).  A bare number is milliseconds for --period, the original
 * tool's meaning.
 *
 * A list, included as often as needed (no include guard): define
 * XT_PKTSTAT_UNIT(suffix, nanoseconds), then include this file; it
 * undefines it.
 */
XT_PKTSTAT_UNIT("ns", 1ULL)
XT_PKTSTAT_UNIT("us", 1000ULL)
XT_PKTSTAT_UNIT("ms", 1000000ULL)
XT_PKTSTAT_UNIT("s", 1000000000ULL)

#undef XT_PKTSTAT_UNIT
