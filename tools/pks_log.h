/* SPDX-License-Identifier: GPL-2.0 */
/* xt-pktstat: the collector's log (stderr; with syslog priorities when
 * under systemd-journald). */
#ifndef PKS_LOG_H
#define PKS_LOG_H

enum { PKS_LOG_ERR = 3, PKS_LOG_WARNING = 4, PKS_LOG_NOTICE = 5,
       PKS_LOG_INFO = 6 };

void pks_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
