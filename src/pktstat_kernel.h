/* SPDX-License-Identifier: GPL-2.0 */
/* xt_pktstat: what the module's files share.  Not part of the ABI. */
#ifndef _PKTSTAT_KERNEL_H
#define _PKTSTAT_KERNEL_H

#include <linux/cache.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "pktstat_core.h"
#include "xt_pktstat.h"

/* Keep equal to debian/changelog and rpm/xt-pktstat.spec (make check
 * compares them): DKMS compares module versions when it installs. */
#define XT_PKTSTAT_VERSION "0.1.0"

/* Per-CPU part of a name.  core is written only by its own CPU, in the
 * packet path or in timer, both with bottom halves off. */
struct pktstat_pcpu {
	struct pktstat_cpu	core;
	struct timer_list	timer;	/* closes a window no packet closed */
	struct pktstat_name	*name;
	unsigned int		cpu;
};

/* The shared state behind one --name in one network namespace. */
struct pktstat_name {
	/* Read by every packet and never written after creation: kept off
	 * the cache lines the slow path and the readers write. */
	struct pktstat_pcpu __percpu *pcpu;

	/* below: under pktstat_mutex */
	struct list_head	list;	/* the namespace's names */
	struct list_head	all;	/* every name, for CPU hotplug */
	unsigned int		refcnt;	/* rules using the name */
	struct proc_dir_entry	*dir;
	struct net		*net;
	char			name[XT_PKTSTAT_NAME_LEN];

	spinlock_t		lock ____cacheline_aligned_in_smp;
	bool			dying;	/* under lock: timers must not re-arm */
	struct pktstat_fifo	fifo;	/* under lock, bottom halves off */
};

struct pktstat_net {
	struct list_head	names;
	unsigned int		count;
	struct proc_dir_entry	*proc;	/* /proc/net/xt_pktstat */
};

extern struct mutex pktstat_mutex;
extern unsigned int pktstat_max_samples;
extern unsigned int pktstat_max_names;
extern unsigned int pktstat_proc_mode;
extern unsigned int pktstat_proc_uid;
extern unsigned int pktstat_proc_gid;

struct pktstat_net *pktstat_pernet(struct net *net);

/* pktstat_name.c */
int pktstat_name_get(struct net *net, const struct xt_pktstat_info *info,
		     struct pktstat_name **out);
void pktstat_name_put(struct pktstat_name *n);
void pktstat_slow_path(struct pktstat_name *n, struct pktstat_pcpu *pc,
		       unsigned int len);
size_t pktstat_name_memory(unsigned int samples);
int pktstat_cpu_prepare(unsigned int cpu);

/* pktstat_proc.c */
int pktstat_proc_net_init(struct net *net);
void pktstat_proc_net_exit(struct net *net);
int pktstat_proc_add(struct pktstat_name *n);
void pktstat_proc_remove(struct pktstat_name *n);

#endif /* _PKTSTAT_KERNEL_H */
