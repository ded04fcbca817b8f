// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: the shared state behind a name, its lifetime and its timers.
 *
 * Rules with the same --name in one network namespace share one
 * struct pktstat_name, found by name in checkentry and counted by refcnt, so
 * that replacing a table (every iptables-legacy -A/-D, iptables-restore)
 * keeps the counters: the new rules take their reference before the old
 * ones drop theirs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "pktstat_kernel.h"

/*
 * A window's timer is never set further ahead than the timer wheel's first
 * level (63 ticks), where it has one-tick accuracy; a long window's timer
 * just fires again.  So a finished window is readable about one tick after
 * its end, whatever the period.
 */
#define PKTSTAT_TIMER_MAX_TICKS	63

/* Called from the window's own CPU, bottom halves off, n->lock held. */
static void pktstat_arm(struct pktstat_pcpu *pc, u64 period, u64 now)
{
	u64 end = pc->core.start + period;
	unsigned long ticks = 0;

	if (end > now)
		ticks = min_t(u64, nsecs_to_jiffies64(end - now),
			      PKTSTAT_TIMER_MAX_TICKS);
	/* only ever moves an armed timer earlier: cheap when already set */
	timer_reduce(&pc->timer, jiffies + ticks + 1);
}

/*
 * The first packet of a window on this CPU.  The clock is read again under
 * the lock so that windows are opened in time order across CPUs.
 */
void pktstat_slow_path(struct pktstat_name *n, struct pktstat_pcpu *pc,
		       unsigned int len)
{
	u64 now;

	spin_lock(&n->lock);
	now = ktime_get_real_ns();
	pktstat_cpu_packet(&n->fifo, &pc->core, now, len);
	pktstat_arm(pc, n->fifo.period, now);
	spin_unlock(&n->lock);
}

/*
 * Close a window that no later packet closed.  The timer is pinned to the
 * window's CPU, so it never runs concurrently with that CPU's packet path,
 * with one exception: when a CPU dies, the timer code moves its timers to
 * a live CPU.  They then close the dead CPU's windows from there, which is
 * safe because nothing else touches them while it is offline, and
 * pktstat_cpu_prepare() takes them back before the CPU comes online again.
 */
static void pktstat_timer(struct timer_list *t)
{
	struct pktstat_pcpu *pc = timer_container_of(pc, t, timer);
	struct pktstat_name *n = pc->name;
	u64 now;

	spin_lock(&n->lock);
	if (n->dying)
		goto out;
	now = ktime_get_real_ns();
	if (pktstat_cpu_expired(&pc->core, n->fifo.period, now))
		pktstat_cpu_close(&n->fifo, &pc->core);
	else if (pc->core.open)
		pktstat_arm(pc, n->fifo.period, now);
out:
	spin_unlock(&n->lock);
}

/*
 * Every name of every namespace, for CPU hotplug; under pktstat_mutex.
 * The hotplug code calls pktstat_cpu_prepare() with the hotplug lock held,
 * and nothing takes that lock under pktstat_mutex.
 */
static LIST_HEAD(pktstat_all_names);

/*
 * CPU hotplug, on a control CPU before @cpu comes online (a "prepare"
 * step): take back the timers that followed a window of @cpu to another
 * CPU when it died.  Once deleted (waiting for a callback in progress),
 * nothing but this function touches @cpu's windows until it is online:
 * close those that ended meanwhile and re-arm the others on @cpu itself,
 * so that no timer ever runs away from a CPU that is online.
 */
int pktstat_cpu_prepare(unsigned int cpu)
{
	struct pktstat_name *n;
	struct pktstat_pcpu *pc;
	u64 now;

	mutex_lock(&pktstat_mutex);
	list_for_each_entry(n, &pktstat_all_names, all) {
		pc = per_cpu_ptr(n->pcpu, cpu);
		timer_delete_sync(&pc->timer);
		spin_lock_bh(&n->lock);
		now = ktime_get_real_ns();
		if (pktstat_cpu_expired(&pc->core, n->fifo.period, now)) {
			pktstat_cpu_close(&n->fifo, &pc->core);
		} else if (pc->core.open) {
			pc->timer.expires = jiffies + 1;
			add_timer_on(&pc->timer, cpu);
		}
		spin_unlock_bh(&n->lock);
	}
	mutex_unlock(&pktstat_mutex);
	return 0;
}

/* Memory of one name, for the limit check and the man page's formula. */
size_t pktstat_name_memory(unsigned int samples)
{
	return sizeof(struct pktstat_name) +
	       (size_t)samples * sizeof(struct pktstat_entry) +
	       (size_t)num_possible_cpus() * sizeof(struct pktstat_pcpu);
}

static void pktstat_name_free(struct pktstat_name *n)
{
	unsigned int cpu;

	if (n->pcpu) {
		spin_lock_bh(&n->lock);
		n->dying = true;
		spin_unlock_bh(&n->lock);
		for_each_possible_cpu(cpu)
			timer_delete_sync(&per_cpu_ptr(n->pcpu, cpu)->timer);
		free_percpu(n->pcpu);
	}
	kvfree(n->fifo.ring);
	kfree(n);
}

static struct pktstat_name *pktstat_name_alloc(struct net *net,
					       const struct xt_pktstat_info *info)
{
	struct pktstat_entry *ring;
	struct pktstat_name *n;
	unsigned int cpu;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	spin_lock_init(&n->lock);
	ring = kvcalloc(info->samples, sizeof(*ring), GFP_KERNEL);
	pktstat_fifo_init(&n->fifo, ring, info->samples, info->period_ns);
	n->pcpu = alloc_percpu(struct pktstat_pcpu);
	if (n->pcpu) {
		for_each_possible_cpu(cpu) {
			struct pktstat_pcpu *pc = per_cpu_ptr(n->pcpu, cpu);

			pc->core.entry = PKTSTAT_NO_ENTRY;
			pc->name = n;
			pc->cpu = cpu;
			timer_setup(&pc->timer, pktstat_timer, TIMER_PINNED);
		}
	}
	if (!ring || !n->pcpu) {
		pktstat_name_free(n);
		return NULL;
	}
	n->net = net;
	n->refcnt = 1;
	strscpy(n->name, info->name, sizeof(n->name));
	return n;
}

/* checkentry: find the rule's name or create it, and take a reference. */
int pktstat_name_get(struct net *net, const struct xt_pktstat_info *info,
		     struct pktstat_name **out)
{
	struct pktstat_net *pn = pktstat_pernet(net);
	struct pktstat_name *n;
	int ret = 0;

	mutex_lock(&pktstat_mutex);
	list_for_each_entry(n, &pn->names, list) {
		if (strcmp(n->name, info->name))
			continue;
		if (n->fifo.period != info->period_ns ||
		    n->fifo.capacity != info->samples) {
			pr_info_ratelimited("name \"%s\": --period %lluns --samples %u conflicts with the rules already using it (--period %lluns --samples %u)\n",
					    info->name,
					    (unsigned long long)info->period_ns,
					    info->samples,
					    (unsigned long long)n->fifo.period,
					    n->fifo.capacity);
			ret = -EEXIST;
			goto out;
		}
		n->refcnt++;
		*out = n;
		goto out;
	}

	if (pn->count >= pktstat_max_names) {
		pr_info_ratelimited("name \"%s\": this network namespace already has %u names, the limit (module parameter max_names)\n",
				    info->name, pn->count);
		ret = -ENOSPC;
		goto out;
	}
	n = pktstat_name_alloc(net, info);
	if (!n) {
		pr_info_ratelimited("name \"%s\": cannot allocate %zu bytes for --samples %u\n",
				    info->name,
				    pktstat_name_memory(info->samples),
				    info->samples);
		ret = -ENOMEM;
		goto out;
	}
	ret = pktstat_proc_add(n);
	if (ret) {
		pr_info_ratelimited("name \"%s\": cannot create /proc/net/xt_pktstat/%s (%d)\n",
				    info->name, info->name, ret);
		pktstat_name_free(n);
		goto out;
	}
	list_add(&n->list, &pn->names);
	list_add(&n->all, &pktstat_all_names);
	pn->count++;
	*out = n;
out:
	mutex_unlock(&pktstat_mutex);
	return ret;
}

/* destroy: drop a rule's reference; the last one removes the name. */
void pktstat_name_put(struct pktstat_name *n)
{
	struct pktstat_net *pn = pktstat_pernet(n->net);

	mutex_lock(&pktstat_mutex);
	if (--n->refcnt) {
		mutex_unlock(&pktstat_mutex);
		return;
	}
	list_del(&n->list);
	list_del(&n->all);
	pn->count--;
	/* waits for reads in progress and releases the open files */
	pktstat_proc_remove(n);
	mutex_unlock(&pktstat_mutex);
	pktstat_name_free(n);
}
