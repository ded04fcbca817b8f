/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the keys of /proc/net/xt_pktstat/<name>/stats, in the order
 * the module prints them, for the module and the programs that read them.
 *
 * A list, included as often as needed (no include guard): define
 * XT_PKTSTAT_STAT(key, description) for the keys with an unsigned decimal
 * value and, if wanted, XT_PKTSTAT_STAT_TEXT(key, description) for the one
 * with a text value, then include this file; it undefines both.  Readers
 * must ignore keys they do not know: later versions may add some.
 */
#ifndef XT_PKTSTAT_STAT_TEXT
#define XT_PKTSTAT_STAT_TEXT(key, description)
#endif

XT_PKTSTAT_STAT_TEXT(name, "the name (its directory's)")
XT_PKTSTAT_STAT(period_ns, "window width of the setting in force")
XT_PKTSTAT_STAT(samples, "FIFO capacity of the setting in force, in windows")
XT_PKTSTAT_STAT(rules, "rules using the setting in force")
XT_PKTSTAT_STAT(frames_seen, "frames counted since the name was created")
XT_PKTSTAT_STAT(bytes_seen, "bytes counted since the name was created")
XT_PKTSTAT_STAT(samples_read, "samples delivered to readers")
XT_PKTSTAT_STAT(frames_read, "frames in the samples delivered")
XT_PKTSTAT_STAT(bytes_read, "bytes in the samples delivered")
XT_PKTSTAT_STAT(samples_dropped, "windows lost to a full FIFO, or discarded")
XT_PKTSTAT_STAT(frames_dropped, "frames in the windows lost")
XT_PKTSTAT_STAT(bytes_dropped, "bytes in the windows lost")
XT_PKTSTAT_STAT(samples_pending, "windows not yet delivered or lost")
XT_PKTSTAT_STAT(frames_pending, "frames counted, not yet delivered or lost")
XT_PKTSTAT_STAT(bytes_pending, "bytes counted, not yet delivered or lost")
XT_PKTSTAT_STAT(clock_steps_back, "windows opened before an earlier one")
XT_PKTSTAT_STAT(close_latency_ns, "longest wait after a window's end before it is readable")
XT_PKTSTAT_STAT(fast_clock, "1: in-window packets are counted by the CPU's cycle counter")
XT_PKTSTAT_STAT(settings_changes, "times a reload put new settings in force")
XT_PKTSTAT_STAT(waiting_rules, "rules of newer settings waiting for the ones in force to go")
XT_PKTSTAT_STAT(waiting_period_ns, "--period of the newest waiting setting, 0 if none")
XT_PKTSTAT_STAT(waiting_samples, "--samples of the newest waiting setting, 0 if none")

#undef XT_PKTSTAT_STAT
#undef XT_PKTSTAT_STAT_TEXT
