/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the text interface of /proc/net/xt_pktstat/<name>/, in one
 * place for the module that writes it, and the extension and the reader
 * program that read it or speak its vocabulary.
 *
 * Plain C without includes: the module, libxt_pktstat and xt-pktstat
 * include it as it is.  Only macros and string constants live here.
 */
#ifndef _XT_PKTSTAT_TEXT_H
#define _XT_PKTSTAT_TEXT_H

/* data: the first line of every open file. */
#define XT_PKTSTAT_DATA_HEADER	"# timestamp frames bytes\n"

/*
 * data: the line announcing the settings of the samples after it, printed
 * when a read crosses from one setting of the name to another (a reload
 * changed --period or --samples): "# period_ns 2000000 samples 50".
 * Before any such line, samples have the settings in force when the file
 * was opened (stats); once a name's settings have changed, every open
 * file announces the settings of its first sample too.
 */
#define XT_PKTSTAT_DATA_SETTING	"# period_ns %llu samples %u\n"
#define XT_PKTSTAT_DATA_SETTING_KEY	"# period_ns "

/*
 * stats: the keys are in xt_pktstat_stats.h, the time units in
 * xt_pktstat_units.h (lists, included as often as needed).
 */

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
