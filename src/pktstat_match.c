// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: count frames and bytes per time window.
 *
 * The match always matches.  Each packet is counted in a per-CPU partial
 * window; finished windows are merged across CPUs into a FIFO per name,
 * drained by reading /proc/net/xt_pktstat/<name>/data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bottom_half.h>
#include <linux/cpuhotplug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter/x_tables.h>
#include <linux/preempt.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <net/netns/generic.h>

#include "pktstat_kernel.h"

MODULE_AUTHOR("xt_pktstat developers");
MODULE_DESCRIPTION("Xtables: frame and byte counts per time window");
MODULE_LICENSE("GPL");
MODULE_VERSION(XT_PKTSTAT_VERSION);
MODULE_ALIAS("ipt_pktstat");
MODULE_ALIAS("ip6t_pktstat");

unsigned int pktstat_max_samples __read_mostly = XT_PKTSTAT_SAMPLES_DEF_MAX;
unsigned int pktstat_max_names __read_mostly = 64;
unsigned int pktstat_proc_mode __read_mostly = 0400;
unsigned int pktstat_proc_uid __read_mostly;
unsigned int pktstat_proc_gid __read_mostly;

module_param_named(max_samples, pktstat_max_samples, uint, 0444);
MODULE_PARM_DESC(max_samples,
		 "largest --samples a rule may ask for (default 65536, at most 1048576)");
module_param_named(max_names, pktstat_max_names, uint, 0444);
MODULE_PARM_DESC(max_names,
		 "most names one network namespace may hold (default 64)");
module_param_named(proc_mode, pktstat_proc_mode, uint, 0444);
MODULE_PARM_DESC(proc_mode,
		 "mode of /proc/net/xt_pktstat/*/{data,stats} (default 0400)");
module_param_named(proc_uid, pktstat_proc_uid, uint, 0444);
MODULE_PARM_DESC(proc_uid, "owner of /proc/net/xt_pktstat/* files (default 0)");
module_param_named(proc_gid, pktstat_proc_gid, uint, 0444);
MODULE_PARM_DESC(proc_gid, "group of /proc/net/xt_pktstat/* files (default 0)");

DEFINE_MUTEX(pktstat_mutex);
static unsigned int pktstat_net_id __read_mostly;
static enum cpuhp_state pktstat_hp_state;

struct pktstat_net *pktstat_pernet(struct net *net)
{
	return net_generic(net, pktstat_net_id);
}

/*
 * The packet path: a clock read and four additions on this CPU's own cache
 * line in the common case.  The per-CPU window must not be interrupted by
 * another update on the same CPU.  iptables-legacy (ipt_do_table) and the
 * receive path already run with bottom halves off, which excludes both
 * softirqs and preemption; nf_tables does not turn them off itself and
 * runs OUTPUT rules in process context, so only then do we do it here.
 */
static __always_inline void pktstat_count(const struct sk_buff *skb,
					  const struct xt_action_param *par)
{
	/* The clock first: fewer values live across the call, fewer
	 * registers to save. */
	u64 now = ktime_get_real_ns();
	const struct xt_pktstat_info *info = par->matchinfo;
	struct pktstat_name *n = info->state;
	struct pktstat_pcpu *pc = this_cpu_ptr(n->pcpu);

	if (unlikely(!pktstat_cpu_add(&pc->core, info->period_ns, now,
				      skb->len)))
		pktstat_slow_path(n, pc, skb->len);
}

static bool pktstat_mt(const struct sk_buff *skb, struct xt_action_param *par)
{
	if (likely(softirq_count())) {
		pktstat_count(skb, par);
	} else {
		local_bh_disable();
		pktstat_count(skb, par);
		local_bh_enable();
	}
	return true;
}

/* Every field is checked again: the blob may not come from libxt_pktstat. */
static int pktstat_mt_check(const struct xt_mtchk_param *par)
{
	struct xt_pktstat_info *info = par->matchinfo;
	int ret;

	ret = xt_check_proc_name(info->name, sizeof(info->name));
	if (ret || !xt_pktstat_name_ok(info->name, sizeof(info->name))) {
		pr_info_ratelimited("--name \"%.*s\": must be 1 to %u letters, digits, '_', '-' or '.', not \".\" or \"..\"\n",
				    (int)sizeof(info->name), info->name,
				    XT_PKTSTAT_NAME_LEN - 1);
		return ret ? ret : -EINVAL;
	}
	if (info->period_ns < XT_PKTSTAT_PERIOD_MIN ||
	    info->period_ns > XT_PKTSTAT_PERIOD_MAX) {
		pr_info_ratelimited("name \"%s\": --period %lluns: must be between 1us and 3600s\n",
				    info->name,
				    (unsigned long long)info->period_ns);
		return -ERANGE;
	}
	if (info->samples < 1 || info->samples > pktstat_max_samples) {
		pr_info_ratelimited("name \"%s\": --samples %u: must be between 1 and %u (module parameter max_samples)\n",
				    info->name, info->samples,
				    pktstat_max_samples);
		return -ERANGE;
	}
	if (info->flags & ~XT_PKTSTAT_FLAGS_KNOWN) {
		pr_info_ratelimited("name \"%s\": unknown flags 0x%x\n",
				    info->name, info->flags);
		return -EINVAL;
	}
	return pktstat_name_get(par->net, info, &info->state);
}

static void pktstat_mt_destroy(const struct xt_mtdtor_param *par)
{
	const struct xt_pktstat_info *info = par->matchinfo;

	pktstat_name_put(info->state);
}

static struct xt_match pktstat_mt_reg __read_mostly = {
	.name		= "pktstat",
	.revision	= 0,
	.family		= NFPROTO_UNSPEC,
	.match		= pktstat_mt,
	.checkentry	= pktstat_mt_check,
	.destroy	= pktstat_mt_destroy,
	.matchsize	= sizeof(struct xt_pktstat_info),
	.usersize	= offsetof(struct xt_pktstat_info, state),
	.me		= THIS_MODULE,
};

static int __net_init pktstat_net_init(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);

	INIT_LIST_HEAD(&pn->names);
	pn->count = 0;
	return pktstat_proc_net_init(net);
}

static void __net_exit pktstat_net_exit(struct net *net)
{
	pktstat_proc_net_exit(net);
}

static struct pernet_operations pktstat_net_ops = {
	.init	= pktstat_net_init,
	.exit	= pktstat_net_exit,
	.id	= &pktstat_net_id,
	.size	= sizeof(struct pktstat_net),
};

static int __init pktstat_mt_init(void)
{
	int ret;

	if (pktstat_max_samples < 1 ||
	    pktstat_max_samples > XT_PKTSTAT_SAMPLES_CEIL) {
		pr_warn("max_samples=%u: must be between 1 and %u, using %u\n",
			pktstat_max_samples, XT_PKTSTAT_SAMPLES_CEIL,
			XT_PKTSTAT_SAMPLES_DEF_MAX);
		pktstat_max_samples = XT_PKTSTAT_SAMPLES_DEF_MAX;
	}
	if (pktstat_proc_mode & ~0777U) {
		pr_warn("proc_mode=%#o: only permission bits (0 to 0777) are allowed, using 0400\n",
			pktstat_proc_mode);
		pktstat_proc_mode = 0400;
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"netfilter/xt_pktstat:prepare",
					pktstat_cpu_prepare, NULL);
	if (ret < 0)
		return ret;
	pktstat_hp_state = ret;
	ret = register_pernet_subsys(&pktstat_net_ops);
	if (ret)
		goto err_hp;
	ret = xt_register_match(&pktstat_mt_reg);
	if (ret)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&pktstat_net_ops);
err_hp:
	cpuhp_remove_state_nocalls(pktstat_hp_state);
	return ret;
}

static void __exit pktstat_mt_exit(void)
{
	xt_unregister_match(&pktstat_mt_reg);
	unregister_pernet_subsys(&pktstat_net_ops);
	cpuhp_remove_state_nocalls(pktstat_hp_state);
}

module_init(pktstat_mt_init);
module_exit(pktstat_mt_exit);
