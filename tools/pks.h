/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: every library header of the program, for the unit tests and
 * the benchmark (tests/tools), which link the same objects.  The program's
 * own files include only the headers they use.
 *
 *   pks_buf      buffers, samples, allocation
 *   pks_text     the vocabulary shared with the module (src/xt_pktstat*.h)
 *   pks_parse    data and stats files, durations
 *   pks_fmt      numbers, times, CSV rows
 *   pks_json     the JSON writer
 *   pks_summary  watch's aggregation
 *   pks_rate     rates and the threshold test
 *   pks_burst    burst detection
 *   pks_hist     the window histogram, its Prometheus form
 *   pks_csvin    reading collect's CSV files back
 *   pks_svg      the plot
 *   pks_proc     the files under /proc/net/xt_pktstat
 *   pks_clock, pks_log, pks_ratelimit, pks_files, pks_collect: the
 *                clocks, and the collector's log, files and loop
 */
#ifndef PKS_H
#define PKS_H

#include "pks_buf.h"
#include "pks_burst.h"
#include "pks_clock.h"
#include "pks_collect.h"
#include "pks_csvin.h"
#include "pks_files.h"
#include "pks_fmt.h"
#include "pks_hist.h"
#include "pks_json.h"
#include "pks_log.h"
#include "pks_parse.h"
#include "pks_proc.h"
#include "pks_rate.h"
#include "pks_summary.h"
#include "pks_svg.h"
#include "pks_text.h"

#endif
