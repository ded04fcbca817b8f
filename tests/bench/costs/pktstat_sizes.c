// SPDX-License-Identifier: GPL-2.0
/*
 * The sizes behind the memory per name that make bench prints: each object
 * below is as big as one of the module's structures (nm -S reads them), so
 * the figure follows the code.  Built, never loaded.
 */
#include <linux/module.h>

#include "pktstat_name.h"

char pktstat_size_name[sizeof(struct pktstat_name)];
char pktstat_size_set[sizeof(struct pktstat_set)];
char pktstat_size_set_cpu[sizeof(struct pktstat_set_cpu)];
char pktstat_size_slot[sizeof(struct pktstat_drop_slot)];
char pktstat_size_entry[sizeof(struct pktstat_entry)];

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xt_pktstat bench: structure sizes (never loaded)");
