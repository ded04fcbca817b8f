/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: /proc/net/xt_pktstat/<name>/{data,stats,hist}.  Above the
 * names: a name's directory is made and removed through the hooks the
 * names are given at init (pktstat_proc_hooks).
 */
#ifndef _PKTSTAT_PROC_H
#define _PKTSTAT_PROC_H

#include "pktstat_name.h"

extern const struct pktstat_name_hooks pktstat_proc_hooks;

int pktstat_proc_init(void);
void pktstat_proc_exit(void);

#endif /* _PKTSTAT_PROC_H */
