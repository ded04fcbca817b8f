// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: the names of each network namespace, their settings, and
 * the change of settings by a reload.
 *
 * Rules with the same --name in one namespace share one struct
 * pktstat_name, found in checkentry and counted in destroy, so that
 * replacing a table (every iptables-legacy -A/-D, iptables-restore) keeps
 * the counters: the new rules take their reference before the old ones
 * drop theirs.
 *
 * A rule whose --period or --samples differ from the name's gets a new
 * setting, which waits: it counts from the start, but its windows are read
 * only once the rules of the setting in force are gone.  That is what a
 * reload that changes the settings does (the new rules are checked while
 * the old ones still hold the name), and what a restore that fails undoes
 * (the new setting's rules go, the old setting stays in force).  The
 * setting that goes keeps its unread windows for the readers, up to the
 * next change; a waiting setting that goes before it came into force
 * never will be read, and its windows count as dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "pktstat_name.h"

static unsigned int pktstat_max_names __read_mostly = 64;
module_param_named(max_names, pktstat_max_names, uint, 0444);
MODULE_PARM_DESC(max_names,
		 "most names one network namespace may hold, each setting of a name counting as one (default 64)");

struct pktstat_net {
	struct list_head	names;		/* under pktstat_names_mutex */
	/*
	 * settings that hold memory: live ones, and old ones with unread
	 * windows; readers free the latter, without the mutex
	 */
	atomic_t		sets;
};

/* Guards every namespace's names, their rules counts and publication. */
static DEFINE_MUTEX(pktstat_names_mutex);
static unsigned int pktstat_names_net_id __read_mostly;
static const struct pktstat_name_hooks *pktstat_hooks;

static struct pktstat_net *pktstat_names_net(struct net *net)
{
	return net_generic(net, pktstat_names_net_id);
}

/* The setting in force: the oldest one with rules.  Name lock held. */
static struct pktstat_set *pktstat_in_force(struct pktstat_name *n)
{
	struct pktstat_set *s;

	list_for_each_entry(s, &n->sets, node)
		if (s->rules)
			return s;
	return NULL;
}

/* The settings' counts go to the name's past, and the setting away. */
static void pktstat_name_unlink(struct pktstat_name *n, struct pktstat_set *s)
{
	const struct pktstat_fifo *f = &s->fifo;

	lockdep_assert_held(&n->lock);
	n->past_read.samples += f->read.samples;
	n->past_read.frames += f->read.frames;
	n->past_read.bytes += f->read.bytes;
	n->past_dropped.samples += f->dropped.samples;
	n->past_dropped.frames += f->dropped.frames;
	n->past_dropped.bytes += f->dropped.bytes;
	n->past_seen_frames += s->seen_frames;
	n->past_seen_bytes += s->seen_bytes;
	n->past_clock_back += f->clock_back;
	list_del(&s->node);
}

/*
 * Unlink the settings that nobody uses any more: no rules, and no window
 * left to read or held by a reader.  Name lock held; the caller frees
 * them from @gone after unlocking.
 */
static void pktstat_name_reap(struct pktstat_name *n, struct list_head *gone)
{
	struct pktstat_set *s, *tmp;

	list_for_each_entry_safe(s, tmp, &n->sets, node) {
		if (s->rules || !s->stopped || pktstat_fifo_used(&s->fifo))
			continue;
		pktstat_name_unlink(n, s);
		list_add(&s->node, gone);
	}
}

static void pktstat_name_free_sets(struct net *net, struct list_head *gone)
{
	struct pktstat_set *s, *tmp;

	list_for_each_entry_safe(s, tmp, gone, node) {
		atomic_dec(&pktstat_names_net(net)->sets);
		pktstat_set_free(s);
	}
}

static struct pktstat_set *pktstat_name_add_set(struct pktstat_name *n,
						const struct xt_pktstat_info *info)
{
	struct pktstat_set *s;

	s = pktstat_set_create(info->period_ns, info->samples, &n->lock);
	if (!s) {
		pr_info_ratelimited("name \"%s\": cannot allocate %zu bytes for --samples %u: out of memory, or over the memory cgroup's limit\n",
				    info->name,
				    pktstat_set_memory(info->samples),
				    info->samples);
		return NULL;
	}
	s->name = n;
	s->id = n->next_id++;
	s->rules = 1;
	spin_lock_bh(&n->lock);
	list_add_tail(&s->node, &n->sets);
	spin_unlock_bh(&n->lock);
	atomic_inc(&pktstat_names_net(n->net)->sets);
	if (info->period_ns * (info->samples - 1) <
	    pktstat_set_close_latency_ns()) {
		char p[PKTSTAT_PERIOD_STR], l[PKTSTAT_PERIOD_STR];

		pr_info_ratelimited("name \"%s\": --period %s x --samples %u is shorter than the %s a finished window may wait for an idle CPU's timer: windows can be dropped even while a reader keeps up\n",
				    info->name,
				    pktstat_fmt_period(p, sizeof(p), info->period_ns),
				    info->samples,
				    pktstat_fmt_period(l, sizeof(l),
						       pktstat_set_close_latency_ns()));
	}
	return s;
}

static struct pktstat_name *pktstat_name_find(struct pktstat_net *pn,
					      const char *name)
{
	struct pktstat_name *n;

	list_for_each_entry(n, &pn->names, node)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

static struct pktstat_name *pktstat_name_create(struct net *net,
						const struct xt_pktstat_info *info)
{
	struct pktstat_name *n;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	spin_lock_init(&n->lock);
	INIT_LIST_HEAD(&n->sets);
	n->net = net;
	strscpy(n->name, info->name, sizeof(n->name));
	return n;
}

/* The namespace's limit, counting settings that hold memory. */
static int pktstat_check_room(struct pktstat_net *pn,
			      const struct xt_pktstat_info *info)
{
	if (atomic_read(&pn->sets) < pktstat_max_names)
		return 0;
	pr_info_ratelimited("name \"%s\": this network namespace already holds %u names and settings, the limit (module parameter max_names)\n",
			    info->name, atomic_read(&pn->sets));
	return -EINVAL;
}

/*
 * A rule whose settings no setting of the name has: a new one, which
 * waits for the one in force to go.
 */
static struct pktstat_set *pktstat_name_wait(struct pktstat_name *n,
					     const struct xt_pktstat_info *info)
{
	struct pktstat_set *cur, *s;

	s = pktstat_name_add_set(n, info);
	if (!s)
		return NULL;
	spin_lock_bh(&n->lock);
	cur = pktstat_in_force(n);
	spin_unlock_bh(&n->lock);
	if (cur != s) {
		char p[PKTSTAT_PERIOD_STR], q[PKTSTAT_PERIOD_STR];

		pr_info_ratelimited("name \"%s\": --period %s --samples %u waits for the rules with --period %s --samples %u to go (a reload that changes the settings does that)\n",
				    n->name,
				    pktstat_fmt_period(p, sizeof(p), info->period_ns),
				    info->samples,
				    pktstat_fmt_period(q, sizeof(q), cur->period),
				    cur->samples);
	}
	return s;
}

/* checkentry: find the rule's setting or create it, and take a reference. */
int pktstat_name_get(struct net *net, const struct xt_pktstat_info *info,
		     struct pktstat_set **out)
{
	struct pktstat_net *pn = pktstat_names_net(net);
	struct pktstat_set *s, *found = NULL;
	struct pktstat_name *n;
	int ret = 0;

	mutex_lock(&pktstat_names_mutex);
	n = pktstat_name_find(pn, info->name);
	if (n) {
		spin_lock_bh(&n->lock);
		list_for_each_entry(s, &n->sets, node) {
			if (s->rules && s->period == info->period_ns &&
			    s->samples == info->samples) {
				found = s;
				found->rules++;
				break;
			}
		}
		spin_unlock_bh(&n->lock);
		if (!found) {
			ret = pktstat_check_room(pn, info);
			if (!ret) {
				found = pktstat_name_wait(n, info);
				ret = found ? 0 : -EINVAL;
			}
		}
		if (!ret)
			n->rules++;
		goto out;
	}

	ret = pktstat_check_room(pn, info);
	if (ret)
		goto out;
	ret = -EINVAL;
	n = pktstat_name_create(net, info);
	if (!n)
		goto out;
	found = pktstat_name_add_set(n, info);
	if (!found)
		goto err_name;
	n->rules = 1;
	ret = pktstat_hooks->publish(n);
	if (ret) {
		pr_info_ratelimited("name \"%s\": cannot create /proc/net/xt_pktstat/%s (%d)\n",
				    info->name, info->name, ret);
		ret = -EINVAL;
		goto err_set;
	}
	list_add(&n->node, &pn->names);
	goto out;

err_set:
	pktstat_set_stop(found);
	pktstat_set_free(found);
	atomic_dec(&pn->sets);
err_name:
	kfree(n);
out:
	if (!ret)
		*out = found;
	mutex_unlock(&pktstat_names_mutex);
	return ret;
}

/*
 * The last rule of setting @s went.  If it was in force, the next waiting
 * setting comes into force, and @s keeps its unread windows for the
 * readers (older settings' leftovers are dropped: one is kept at most).
 * If an older setting is still in force, @s never came into force and its
 * windows never will be read: dropped.
 */
static void pktstat_name_retire(struct pktstat_name *n, struct pktstat_set *s)
{
	struct pktstat_set *t, *next = NULL;
	bool older_live = false, after = false;

	lockdep_assert_held(&n->lock);
	list_for_each_entry(t, &n->sets, node) {
		if (t == s)
			after = true;
		else if (!after)
			older_live |= t->rules != 0;
		else if (t->rules && !next)
			next = t;
	}
	if (older_live) {
		pktstat_fifo_discard(&s->fifo);
		return;
	}
	list_for_each_entry(t, &n->sets, node) {
		if (t == s)
			break;
		pktstat_fifo_discard(&t->fifo);
	}
	if (next) {
		char p[PKTSTAT_PERIOD_STR], q[PKTSTAT_PERIOD_STR];

		n->settings_changes++;
		pr_info_ratelimited("name \"%s\": now --period %s --samples %u (%llu windows of --period %s left to read first)\n",
				    n->name,
				    pktstat_fmt_period(p, sizeof(p), next->period),
				    next->samples,
				    (unsigned long long)(s->fifo.queued.samples +
							 s->fifo.in_readers.samples),
				    pktstat_fmt_period(q, sizeof(q), s->period));
	}
}

/* destroy: drop a rule's reference; the name's last one removes it. */
void pktstat_name_put(struct pktstat_set *s)
{
	struct pktstat_name *n = s->name;
	unsigned int left;
	LIST_HEAD(gone);

	mutex_lock(&pktstat_names_mutex);
	n->rules--;
	spin_lock_bh(&n->lock);
	left = --s->rules;
	spin_unlock_bh(&n->lock);
	if (!left) {
		pktstat_set_stop(s);
		spin_lock_bh(&n->lock);
		s->stopped = true;
		pktstat_name_retire(n, s);
		if (n->rules)
			pktstat_name_reap(n, &gone);
		spin_unlock_bh(&n->lock);
	}
	if (!n->rules) {
		/* waits for reads in progress, gives back what readers hold */
		pktstat_hooks->unpublish(n);
		list_del(&n->node);
		list_splice_init(&n->sets, &gone);
	}
	pktstat_name_free_sets(n->net, &gone);
	if (!n->rules)
		kfree(n);
	mutex_unlock(&pktstat_names_mutex);
}

/* ---------------------------------------------------------------- readers */

/*
 * The setting that a newly opened data file's samples are in without
 * saying so: the one in force (stats tells it), as long as the name's
 * settings never changed.  After a change, none: the first sample is
 * announced, so that a reader that read stats before a reload cannot take
 * the new samples for the old period.
 */
u64 pktstat_name_open_id(struct pktstat_name *n)
{
	struct pktstat_set *s;
	u64 id = U64_MAX;

	spin_lock_bh(&n->lock);
	s = pktstat_in_force(n);
	if (s && !n->settings_changes)
		id = s->id;
	spin_unlock_bh(&n->lock);
	return id;
}

/*
 * Settle a claim: @delivered samples were returned whole, the one after
 * them is kept if @keep (its line is half returned), the rest go back to
 * their places in the FIFO.  A setting without rules whose last window
 * was settled is freed.
 */
void pktstat_name_settle(struct pktstat_name *n, struct pktstat_claim *c,
			 const struct pktstat_sample *samples, u32 delivered,
			 u32 keep)
{
	struct pktstat_fifo *f;
	LIST_HEAD(gone);
	u32 i;

	if (!c->set)
		return;
	f = &c->set->fifo;
	spin_lock_bh(&n->lock);
	if (delivered)
		pktstat_fifo_delivered(f, samples, delivered);
	for (i = c->count; i > delivered + keep; i--)
		pktstat_fifo_unpop(f, &samples[i - 1]);
	c->count = keep;
	if (!keep) {
		c->set = NULL;
		pktstat_name_reap(n, &gone);
	}
	spin_unlock_bh(&n->lock);
	pktstat_name_free_sets(n->net, &gone);
}

/*
 * Claim up to @max finished windows, oldest first: the windows of the
 * settings that went come first; a waiting setting's wait until it is in
 * force.  Nothing must be held (c->count == 0).
 */
u32 pktstat_name_claim(struct pktstat_name *n, struct pktstat_claim *c,
		       struct pktstat_sample *out, u32 max)
{
	struct pktstat_set *s;
	u32 k = 0;

	spin_lock_bh(&n->lock);
	list_for_each_entry(s, &n->sets, node) {
		k = pktstat_fifo_pop(&s->fifo, out, max);
		if (k) {
			*c = (struct pktstat_claim){
				.set = s,
				.set_id = s->id,
				.period_ns = s->period,
				.samples = s->samples,
				.count = k,
			};
			break;
		}
		if (s->rules)
			break;
	}
	spin_unlock_bh(&n->lock);
	return k;
}

void pktstat_name_stats(struct pktstat_name *n, struct pktstat_name_stats *st)
{
	struct pktstat_set_counts c;
	struct pktstat_set *s, *cur;

	spin_lock_bh(&n->lock);
	*st = (struct pktstat_name_stats){
		.frames_seen = n->past_seen_frames,
		.bytes_seen = n->past_seen_bytes,
		.samples_read = n->past_read.samples,
		.frames_read = n->past_read.frames,
		.bytes_read = n->past_read.bytes,
		.samples_dropped = n->past_dropped.samples,
		.frames_dropped = n->past_dropped.frames,
		.bytes_dropped = n->past_dropped.bytes,
		.clock_steps_back = n->past_clock_back,
		.close_latency_ns = pktstat_set_close_latency_ns(),
		.fast_clock = pktstat_clock_fast(),
		.settings_changes = n->settings_changes,
	};
	cur = pktstat_in_force(n);
	list_for_each_entry(s, &n->sets, node) {
		const struct pktstat_fifo *f = &s->fifo;

		pktstat_set_counts(s, &c);
		st->frames_seen += c.seen_frames;
		st->bytes_seen += c.seen_bytes;
		st->samples_read += f->read.samples;
		st->frames_read += f->read.frames;
		st->bytes_read += f->read.bytes;
		st->samples_dropped += f->dropped.samples;
		st->frames_dropped += f->dropped.frames;
		st->bytes_dropped += f->dropped.bytes;
		st->samples_pending += f->queued.samples + f->in_readers.samples;
		st->frames_pending += f->queued.frames + f->in_readers.frames +
				      c.partial_frames;
		st->bytes_pending += f->queued.bytes + f->in_readers.bytes +
				     c.partial_bytes;
		st->clock_steps_back += f->clock_back;
		if (s == cur) {
			st->period_ns = s->period;
			st->samples = s->samples;
			st->rules = s->rules;
		} else if (cur && s->rules) {
			st->waiting_rules += s->rules;
			st->waiting_period_ns = s->period;
			st->waiting_samples = s->samples;
		}
	}
	spin_unlock_bh(&n->lock);
}

void pktstat_name_hist(struct pktstat_name *n, struct pktstat_name_hist *h)
{
	struct pktstat_set *s;

	memset(h, 0, sizeof(*h));
	spin_lock_bh(&n->lock);
	s = pktstat_in_force(n);
	if (s) {
		h->period_ns = s->period;
		h->created_ns = s->created_ns;
		h->hist = s->fifo.hist;
	}
	spin_unlock_bh(&n->lock);
}

/* ------------------------------------------------------------- namespaces */

static int __net_init pktstat_names_net_init(struct net *net)
{
	struct pktstat_net *pn = pktstat_names_net(net);

	INIT_LIST_HEAD(&pn->names);
	atomic_set(&pn->sets, 0);
	return 0;
}

/*
 * The namespace goes away.  Its rules may still be destroyed after this
 * (pernet exits run in reverse registration order), so the names stay
 * and only lose their directories, before the files' own exit removes
 * /proc/net/xt_pktstat.
 */
static void __net_exit pktstat_names_net_exit(struct net *net)
{
	struct pktstat_net *pn = pktstat_names_net(net);
	struct pktstat_name *n;

	mutex_lock(&pktstat_names_mutex);
	list_for_each_entry(n, &pn->names, node)
		pktstat_hooks->unpublish(n);
	mutex_unlock(&pktstat_names_mutex);
}

static struct pernet_operations pktstat_names_net_ops = {
	.init	= pktstat_names_net_init,
	.exit	= pktstat_names_net_exit,
	.id	= &pktstat_names_net_id,
	.size	= sizeof(struct pktstat_net),
};

int pktstat_names_init(const struct pktstat_name_hooks *hooks)
{
	int ret;

	pktstat_hooks = hooks;
	ret = pktstat_sets_init();
	if (ret)
		return ret;
	ret = register_pernet_subsys(&pktstat_names_net_ops);
	if (ret)
		pktstat_sets_exit();
	return ret;
}

void pktstat_names_exit(void)
{
	unregister_pernet_subsys(&pktstat_names_net_ops);
	pktstat_sets_exit();
}
