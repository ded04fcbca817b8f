// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: count frames and bytes per time window.
 *
 * The match always matches.  Each packet is counted in a per-CPU partial
 * window; finished windows are merged across CPUs into a FIFO per name,
 * drained by reading /proc/net/xt_pktstat/<name>/data.
 *
 * The module's files, each using only those above it in this list:
 *   core   windows, FIFO and histogram (plain C, also built in userspace)
 *   set    one setting of a name: per-CPU windows, their timers
 *   name   names of a namespace, their settings, reloads
 *   proc   the /proc/net/xt_pktstat/<name>/ files
 *   match  the match, its checks, module init (here)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bottom_half.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter/x_tables.h>
#include <linux/preempt.h>
#include <linux/skbuff.h>

#include "pktstat_name.h"
#include "pktstat_proc.h"
#include "xt_pktstat_version.h"

MODULE_AUTHOR("xt_pktstat developers");
MODULE_DESCRIPTION("Xtables: frame and byte counts per time window");
MODULE_LICENSE("GPL");
MODULE_VERSION(XT_PKTSTAT_VERSION);
MODULE_ALIAS("ipt_pktstat");
MODULE_ALIAS("ip6t_pktstat");

static unsigned int pktstat_max_samples __read_mostly =
	XT_PKTSTAT_SAMPLES_DEF_MAX;
module_param_named(max_samples, pktstat_max_samples, uint, 0444);
MODULE_PARM_DESC(max_samples,
		 "largest --samples a rule may ask for (default 65536, at most 1048576)");

/*
 * The packet path.  The per-CPU window must not be interrupted by another
 * update on the same CPU.  iptables-legacy (ipt_do_table) and the receive
 * path already run with bottom halves off, which excludes both softirqs
 * and preemption (and, on PREEMPT_RT, the set's bh_lock does the rest);
 * nf_tables does not turn them off itself and runs OUTPUT rules in process
 * context, so only then do we do it here.
 */
static __always_inline void pktstat_count(const struct sk_buff *skb,
					  const struct xt_action_param *par)
{
	const struct xt_pktstat_info *info = par->matchinfo;

	pktstat_set_count(info->state, info->period_ns, skb->len);
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

/*
 * Every field is checked again: the blob may not come from libxt_pktstat.
 * Every refusal is -EINVAL, the one errno after which iptables tells the
 * user to look at the kernel log, where the reason is.
 */
static int pktstat_mt_check(const struct xt_mtchk_param *par)
{
	struct xt_pktstat_info *info = par->matchinfo;

	if (xt_check_proc_name(info->name, sizeof(info->name)) ||
	    !xt_pktstat_name_ok(info->name, sizeof(info->name))) {
		pr_info_ratelimited("--name \"%.*s\": must be 1 to %u letters, digits, '_', '-' or '.', not \".\" or \"..\"\n",
				    (int)sizeof(info->name), info->name,
				    XT_PKTSTAT_NAME_LEN - 1);
		return -EINVAL;
	}
	if (info->period_ns < XT_PKTSTAT_PERIOD_MIN ||
	    info->period_ns > XT_PKTSTAT_PERIOD_MAX) {
		pr_info_ratelimited("name \"%s\": --period %lluns: must be between 1us and 3600s\n",
				    info->name,
				    (unsigned long long)info->period_ns);
		return -EINVAL;
	}
	if (info->samples < 1 || info->samples > pktstat_max_samples) {
		pr_info_ratelimited("name \"%s\": --samples %u: must be between 1 and %u (module parameter max_samples)\n",
				    info->name, info->samples,
				    pktstat_max_samples);
		return -EINVAL;
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

static int __init pktstat_mt_init(void)
{
	int ret;

	/* revision 0 of the rule blob, as iptables lays it out */
	BUILD_BUG_ON(sizeof(struct xt_pktstat_info) != 56);
	BUILD_BUG_ON(offsetof(struct xt_pktstat_info, state) != 48);

	if (pktstat_max_samples < 1 ||
	    pktstat_max_samples > XT_PKTSTAT_SAMPLES_CEIL) {
		pr_warn("max_samples=%u: must be between 1 and %u, using %u\n",
			pktstat_max_samples, XT_PKTSTAT_SAMPLES_CEIL,
			XT_PKTSTAT_SAMPLES_DEF_MAX);
		pktstat_max_samples = XT_PKTSTAT_SAMPLES_DEF_MAX;
	}
	ret = pktstat_proc_init();
	if (ret)
		return ret;
	ret = pktstat_names_init(&pktstat_proc_hooks);
	if (ret)
		goto err_proc;
	ret = xt_register_match(&pktstat_mt_reg);
	if (ret)
		goto err_names;
	return 0;

err_names:
	pktstat_names_exit();
err_proc:
	pktstat_proc_exit();
	return ret;
}

static void __exit pktstat_mt_exit(void)
{
	xt_unregister_match(&pktstat_mt_reg);
	pktstat_names_exit();
	pktstat_proc_exit();
}

module_init(pktstat_mt_init);
module_exit(pktstat_mt_exit);
