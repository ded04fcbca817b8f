/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the text interface of /proc/net/xt_pktstat/<name>/, in one
 * place for the module that writes it, and the extension and the reader
 * program that read it or speak its vocabulary.
 *
 * Plain C without includes: the module, libxt_pktstat and xt-pktstat
 * include it as it is.  Only macros and string constants live here, so
 * every user expands them into its own tables.
 */
#ifndef _XT_PKTSTAT_TEXT_H
#define _XT_PKTSTAT_TEXT_H

/*
 * Time units of --period and of the reader's durations, smallest first:
 * X(suffix, nanoseconds).  A bare number is milliseconds for --period (the
 * original tool's meaning); the reader adds minutes and hours of its own.
 */
#define XT_PKTSTAT_TIME_UNITS(X)	\
	X("ns", 1ULL)			\
	X("us", 1000ULL)		\
	X("ms", 1000000ULL)		\
	X("s", 1000000000ULL)

/* data: the first line of every open file. */
#define XT_PKTSTAT_DATA_HEADER	"# timestamp frames bytes\n"

/*
 * data: the line announcing the settings of the samples after it, printed
 * when a read crosses from one setting of the name to another (a reload
 * changed --period or --samples): "# period_ns 2000000 samples 50".
 * Samples before any such line in one open file have the settings the
 * name had when the file was opened (stats).
 */
#define XT_PKTSTAT_DATA_SETTING	"# period_ns %llu samples %u\n"
#define XT_PKTSTAT_DATA_SETTING_KEY	"# period_ns "

/*
 * stats: one "key value" line each, in this order.  X(key, description).
 * name is a string, every other value an unsigned decimal.  Readers must
 * ignore keys they do not know: later versions may add some.
 */
#define XT_PKTSTAT_STATS_KEYS(X)					\
	X(name, "the name (the directory's)")				\
	X(period_ns, "window width of the setting in force")		\
	X(samples, "FIFO capacity of the setting in force, in windows")	\
	X(rules, "rules using the setting in force")			\
	X(frames_seen, "frames counted since the name was created")	\
	X(bytes_seen, "bytes counted since the name was created")	\
	X(samples_read, "samples delivered to readers")			\
	X(frames_read, "frames in the samples delivered")		\
	X(bytes_read, "bytes in the samples delivered")			\
	X(samples_dropped, "windows lost to a full FIFO (or discarded)") \
	X(frames_dropped, "frames in the windows lost")			\
	X(bytes_dropped, "bytes in the windows lost")			\
	X(samples_pending, "finished windows not yet delivered")	\
	X(frames_pending, "frames counted, not yet delivered or lost")	\
	X(bytes_pending, "bytes counted, not yet delivered or lost")	\
	X(clock_steps_back, "windows opened before an earlier one")	\
	X(close_latency_ns, "longest wait after a window's end before it is readable") \
	X(settings_changes, "times a reload put new settings in force") \
	X(waiting_rules, "rules of newer settings waiting for the old ones to go") \
	X(waiting_period_ns, "--period of the newest waiting setting, 0 if none") \
	X(waiting_samples, "--samples of the newest waiting setting, 0 if none")

/*
 * hist: the distribution of the finished windows of the setting in force
 * (every window that saw traffic, kept or dropped), cumulative since that
 * setting was created; reading never resets it.  Lines, in this order:
 *   # comment lines
 *   name NAME
 *   period_ns N
 *   created_ns N           when the setting was created (ns since the epoch)
 *   windows N
 *   frames_sum N
 *   bytes_sum N
 *   bytes_le BOUND COUNT   cumulative: windows with at most BOUND bytes,
 *   ...                    every bound of the table below, then
 *   bytes_le +Inf COUNT    (= windows)
 *   frames_le BOUND COUNT  the same for frames
 *   ...
 *   frames_le +Inf COUNT
 * Bounds: 1, 2, ... 8, then four per power of two, (5..8) << (e - 2) for
 * e = 3 ... 47 (10, 12, 14, 16, 20, 24, 28, 32, 40, ...), the last 2^48:
 * each at most 25 % above the one before.
 */
#define XT_PKTSTAT_HIST_SMALL		8	/* bounds 1..8, one each */
#define XT_PKTSTAT_HIST_SUB		4	/* bounds per power of two */
#define XT_PKTSTAT_HIST_MAX_EXP		47	/* last e: bound 8 << 45 */
#define XT_PKTSTAT_HIST_BOUNDS		(XT_PKTSTAT_HIST_SMALL + \
	XT_PKTSTAT_HIST_SUB * (XT_PKTSTAT_HIST_MAX_EXP - 2))	/* 188 */

#endif /* _XT_PKTSTAT_TEXT_H */
