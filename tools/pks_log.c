// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: the collector's log.  Under systemd (JOURNAL_STREAM set)
 * each line starts with its syslog priority, "<4>", which journald
 * reads; elsewhere with a local timestamp and the level in words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pks_log.h"

void pks_log(int prio, const char *fmt, ...)
{
	static const char *const level[8] = {
		"emergency: ", "alert: ", "critical: ", "error: ",
		"warning: ", "", "", "",
	};
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (getenv("JOURNAL_STREAM")) {
		fprintf(stderr, "<%d>%s\n", prio & 7, msg);
	} else {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s xt-pktstat: %s%s\n", ts, level[prio & 7],
			msg);
	}
	fflush(stderr);
}
