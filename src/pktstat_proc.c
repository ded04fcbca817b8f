// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: /proc/net/xt_pktstat/<name>/{data,stats,hist}.
 *
 * data drains the FIFO.  A sample counts as delivered once the reader has
 * been given its newline; until then the reader only holds it, and gives it
 * back, in its place in the FIFO, when it closes (or when read() returns
 * without having started it).  So tiny reads, readers that close mid-way
 * and concurrent readers neither lose nor duplicate a sample.  When the
 * samples change from one setting of the name to another, a line
 * "# period_ns N samples M" comes before the first sample of the new one
 * (and, once the settings changed, before an open file's first sample).
 *
 * stats and hist are snapshots (seq_file); reading them changes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "pktstat_proc.h"
#include "xt_pktstat_text.h"

static unsigned int pktstat_proc_mode __read_mostly = 0400;
static int pktstat_proc_uid __read_mostly = -1;
static int pktstat_proc_gid __read_mostly = -1;

module_param_named(proc_mode, pktstat_proc_mode, uint, 0444);
MODULE_PARM_DESC(proc_mode,
		 "mode of /proc/net/xt_pktstat/*/{data,stats,hist} (default 0400)");
module_param_named(proc_uid, pktstat_proc_uid, int, 0444);
MODULE_PARM_DESC(proc_uid,
		 "owner of the files (default -1: root of the user namespace that owns the network namespace)");
module_param_named(proc_gid, pktstat_proc_gid, int, 0444);
MODULE_PARM_DESC(proc_gid,
		 "group of the files (default -1: root's group of that user namespace)");

/*
 * A reader claims up to PKTSTAT_BATCH samples at a time and formats as many
 * of their lines as fit in PKTSTAT_TEXT, which it copies out in one go.
 */
#define PKTSTAT_BATCH		128
#define PKTSTAT_LINE_MAX	64	/* three u64, two spaces, newline, NUL */
#define PKTSTAT_SETTING_MAX	48	/* "# period_ns N samples M\n" */
#define PKTSTAT_TEXT		4096

static unsigned int pktstat_proc_net_id __read_mostly;

static struct proc_dir_entry **pktstat_proc_root(struct net *net)
{
	return net_generic(net, pktstat_proc_net_id);
}

/* ------------------------------------------------------------------ data */

struct pktstat_reader {
	struct pktstat_name	*n;
	struct mutex		lock;		/* one read() at a time */
	unsigned int		hdr_off;	/* header bytes returned */
	u64			shown_id;	/* setting of the samples told */
	bool			announce;	/* setting line before the claim */
	unsigned int		sec_len;	/* sec_text holds sec in decimal */
	u64			sec;
	char			sec_text[20];
	struct pktstat_claim	claim;		/* batch[0..claim.count) */
	/*
	 * text holds the lines of batch[tstart..formatted), line i ending at
	 * end[i]; text_off bytes of it are returned.  batch[0..first) are
	 * returned whole: delivered at the next settle.
	 */
	unsigned int		first;
	unsigned int		tstart;
	unsigned int		formatted;
	unsigned int		text_len;
	unsigned int		text_off;
	u16			end[PKTSTAT_BATCH];
	char			text[PKTSTAT_TEXT + PKTSTAT_LINE_MAX +
				     PKTSTAT_SETTING_MAX];
	struct pktstat_sample	batch[PKTSTAT_BATCH];
};

/* Where batch[i]'s line starts in text. */
static unsigned int reader_line_start(const struct pktstat_reader *r,
				      unsigned int i)
{
	return i == r->tstart ? 0 : r->end[i - 1];
}

/*
 * Settle the batch: report what was returned whole, give back what was
 * not (all of it, unless @keep_partial keeps the sample whose line is
 * half returned, with its text), and claim up to @want new samples if
 * nothing is left.  A sample given back keeps its place in the FIFO.
 */
static void reader_settle(struct pktstat_reader *r, bool keep_partial,
			  unsigned int want)
{
	unsigned int from = 0, len = 0;
	bool partial = false;

	if (keep_partial && r->first < r->formatted) {
		from = reader_line_start(r, r->first);
		partial = r->text_off > from;
	}
	pktstat_name_settle(r->n, &r->claim, r->batch, r->first, partial);
	if (partial) {
		len = r->end[r->first] - from;
		r->batch[0] = r->batch[r->first];
		memmove(r->text, r->text + from, len);
		r->text_off -= from;
		r->end[0] = len;
	} else {
		r->text_off = 0;
	}
	r->text_len = len;
	r->first = 0;
	r->tstart = 0;
	r->formatted = partial;
	if (!r->claim.count && want &&
	    pktstat_name_claim(r->n, &r->claim, r->batch, want))
		r->announce = r->claim.set_id != r->shown_id;
}

/*
 * @v in decimal at @p, followed by @sep; returns the end.  Two digits per
 * 64-bit division: a drain formats millions of numbers.
 */
static char *put_u64(char *p, u64 v, char sep)
{
	char tmp[20], *q = tmp + sizeof(tmp);
	unsigned int k;

	while (v >= 100) {
		k = (unsigned int)(v % 100);
		v /= 100;
		*--q = '0' + k % 10;
		*--q = '0' + k / 10;
	}
	k = (unsigned int)v;
	*--q = '0' + k % 10;
	if (k >= 10)
		*--q = '0' + k / 10;
	k = tmp + sizeof(tmp) - q;
	memcpy(p, q, k);
	p[k] = sep;
	return p + k + 1;
}

/*
 * A window's start, ns since the epoch, in decimal at @p, and a space.
 * The seconds are the same for many windows in a row: their digits are
 * kept, only the nine of the nanoseconds are made each time.
 */
static char *put_start(struct pktstat_reader *r, char *p, u64 t)
{
	u64 sec = t / NSEC_PER_SEC;
	u32 ns = t - sec * NSEC_PER_SEC, k;
	char *q;

	if (!sec)
		return put_u64(p, t, ' ');
	if (sec != r->sec || !r->sec_len) {
		r->sec = sec;
		r->sec_len = put_u64(r->sec_text, sec, 0) - r->sec_text - 1;
	}
	memcpy(p, r->sec_text, r->sec_len);
	p += r->sec_len;
	q = p + 9;
	for (k = 0; k < 4; k++) {
		u32 d = ns % 100;

		ns /= 100;
		*--q = '0' + d % 10;
		*--q = '0' + d / 10;
	}
	*--q = '0' + ns;
	p[9] = ' ';
	return p + 10;
}

/*
 * Format the lines of the claimed samples after the text, as many as fit:
 * each "start frames bytes\n", the claim's first after a setting line if
 * the samples changed setting.  Starts a new text once the old one is all
 * returned.
 */
static void reader_format(struct pktstat_reader *r)
{
	char *p;

	if (r->text_off == r->text_len && r->first == r->formatted) {
		r->text_len = 0;
		r->text_off = 0;
		r->tstart = r->formatted;
	}
	p = r->text + r->text_len;
	while (r->formatted < r->claim.count && p < r->text + PKTSTAT_TEXT) {
		const struct pktstat_sample *s = &r->batch[r->formatted];

		if (r->announce) {
			p += scnprintf(p, PKTSTAT_SETTING_MAX,
				       XT_PKTSTAT_DATA_SETTING,
				       (unsigned long long)r->claim.period_ns,
				       r->claim.samples);
			r->announce = false;
		}
		p = put_start(r, p, s->start);
		p = put_u64(p, s->frames, ' ');
		p = put_u64(p, s->bytes, '\n');
		r->end[r->formatted++] = p - r->text;
	}
	r->text_len = p - r->text;
}

static ssize_t pktstat_data_read(struct file *file, char __user *buf,
				 size_t size, loff_t *ppos)
{
	static const char header[] = XT_PKTSTAT_DATA_HEADER;
	struct pktstat_reader *r = file->private_data;
	size_t copied = 0;
	int err = 0;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;

	while (copied < size && r->hdr_off < sizeof(header) - 1) {
		size_t k = min(size - copied, sizeof(header) - 1 - r->hdr_off);

		if (copy_to_user(buf + copied, header + r->hdr_off, k)) {
			err = -EFAULT;
			goto out;
		}
		r->hdr_off += k;
		copied += k;
	}

	while (copied < size) {
		size_t k;

		if (r->first == r->claim.count) {
			/*
			 * Claim only the lines that surely fit (and at least
			 * one, which may end half returned and is kept).  A
			 * claimed sample given back at the end of the call
			 * could go to another reader that meanwhile read
			 * newer ones, and that reader's stream would step
			 * back in time (seen under a slow debug kernel with
			 * a 7-byte reader beside a big one).
			 */
			size_t want = (size - copied) / (PKTSTAT_LINE_MAX - 1);

			reader_settle(r, false, clamp_t(size_t, want, 1,
							PKTSTAT_BATCH));
			if (!r->claim.count)
				break;
		}
		if (r->text_off == r->text_len)
			reader_format(r);
		k = min_t(size_t, size - copied, r->text_len - r->text_off);
		if (copy_to_user(buf + copied, r->text + r->text_off, k)) {
			err = -EFAULT;
			break;
		}
		copied += k;
		r->text_off += k;
		while (r->first < r->formatted &&
		       r->end[r->first] <= r->text_off) {
			r->first++;
			r->shown_id = r->claim.set_id;
		}
	}
	/* hold at most one started sample between calls */
	reader_settle(r, true, 0);
out:
	mutex_unlock(&r->lock);
	if (copied)
		*ppos += copied;
	return copied ? copied : err;
}

static int pktstat_data_open(struct inode *inode, struct file *file)
{
	struct pktstat_reader *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->n = pde_data(inode);
	r->shown_id = pktstat_name_open_id(r->n);
	mutex_init(&r->lock);
	file->private_data = r;
	return nonseekable_open(inode, file);
}

static int pktstat_data_release(struct inode *inode, struct file *file)
{
	struct pktstat_reader *r = file->private_data;

	reader_settle(r, false, 0);
	kfree(r);
	return 0;
}

static const struct proc_ops pktstat_data_ops = {
	.proc_open	= pktstat_data_open,
	.proc_read	= pktstat_data_read,
	.proc_release	= pktstat_data_release,
	.proc_lseek	= no_llseek,
};

/* ----------------------------------------------------------------- stats */

/* The keys, in order, and where their values are; the text one: none. */
#define PKTSTAT_STAT_TEXT	SIZE_MAX
static const struct {
	const char	*key;
	size_t		off;
} pktstat_stat_fields[] = {
#define XT_PKTSTAT_STAT_TEXT(key, description) { #key, PKTSTAT_STAT_TEXT },
#define XT_PKTSTAT_STAT(key, description) \
	{ #key, offsetof(struct pktstat_name_stats, key) },
#include "xt_pktstat_stats.h"
};

static int pktstat_stats_show(struct seq_file *m, void *v)
{
	struct pktstat_name *n = m->private;
	struct pktstat_name_stats st;
	unsigned int i;

	pktstat_name_stats(n, &st);
	for (i = 0; i < ARRAY_SIZE(pktstat_stat_fields); i++) {
		size_t off = pktstat_stat_fields[i].off;

		if (off == PKTSTAT_STAT_TEXT)
			seq_printf(m, "%s %s\n", pktstat_stat_fields[i].key,
				   n->name);
		else
			seq_printf(m, "%s %llu\n", pktstat_stat_fields[i].key,
				   *(const u64 *)((const char *)&st + off));
	}
	return 0;
}

static int pktstat_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, pktstat_stats_show, pde_data(inode));
}

static const struct proc_ops pktstat_stats_ops = {
	.proc_open	= pktstat_stats_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* ------------------------------------------------------------------ hist */

/* @key_le lines: cumulative counts of @b, every bound, then +Inf. */
static void pktstat_hist_lines(struct seq_file *m, const char *key,
			       const u64 *b)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < XT_PKTSTAT_HIST_BOUNDS; i++) {
		sum += b[i];
		seq_printf(m, "%s_le %llu %llu\n", key,
			   (unsigned long long)pktstat_hist_bound(i),
			   (unsigned long long)sum);
	}
	sum += b[XT_PKTSTAT_HIST_BOUNDS];
	seq_printf(m, "%s_le +Inf %llu\n", key, (unsigned long long)sum);
}

static int pktstat_hist_show(struct seq_file *m, void *v)
{
	struct pktstat_name *n = m->private;
	struct pktstat_name_hist *h;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	pktstat_name_hist(n, h);
	seq_puts(m, "# windows that saw traffic, by bytes and by frames; cumulative since created_ns\n");
	seq_printf(m, "name %s\n", n->name);
	seq_printf(m, "period_ns %llu\n", (unsigned long long)h->period_ns);
	seq_printf(m, "created_ns %llu\n", (unsigned long long)h->created_ns);
	seq_printf(m, "windows %llu\n", (unsigned long long)h->hist.windows);
	seq_printf(m, "frames_sum %llu\n",
		   (unsigned long long)h->hist.frames_sum);
	seq_printf(m, "bytes_sum %llu\n", (unsigned long long)h->hist.bytes_sum);
	pktstat_hist_lines(m, "bytes", h->hist.bytes);
	pktstat_hist_lines(m, "frames", h->hist.frames);
	kfree(h);
	return 0;
}

static int pktstat_hist_open(struct inode *inode, struct file *file)
{
	/* about 10 KiB of text: one pass, no retry with a bigger buffer */
	return single_open_size(file, pktstat_hist_show, pde_data(inode),
				16384);
}

static const struct proc_ops pktstat_hist_ops = {
	.proc_open	= pktstat_hist_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* ------------------------------------------------------------ directories */

/*
 * The files' owner: proc_uid / proc_gid when set (ids of the initial user
 * namespace), else the root of the user namespace that owns the network
 * namespace, so that a rootless container reads its own names.
 */
static void pktstat_proc_owner(const struct net *net, kuid_t *uid, kgid_t *gid)
{
	*uid = pktstat_proc_uid >= 0 ?
	       make_kuid(&init_user_ns, pktstat_proc_uid) :
	       make_kuid(net->user_ns, 0);
	*gid = pktstat_proc_gid >= 0 ?
	       make_kgid(&init_user_ns, pktstat_proc_gid) :
	       make_kgid(net->user_ns, 0);
	if (!uid_valid(*uid))
		*uid = GLOBAL_ROOT_UID;
	if (!gid_valid(*gid))
		*gid = GLOBAL_ROOT_GID;
}

static const struct {
	const char		*name;
	const struct proc_ops	*ops;
} pktstat_files[] = {
	{ "data", &pktstat_data_ops },
	{ "stats", &pktstat_stats_ops },
	{ "hist", &pktstat_hist_ops },
};

static int pktstat_proc_publish(struct pktstat_name *n)
{
	struct proc_dir_entry *root = *pktstat_proc_root(n->net);
	struct proc_dir_entry *dir, *pde;
	unsigned int i;
	kuid_t uid;
	kgid_t gid;

	if (!root)
		return -ENOENT;
	pktstat_proc_owner(n->net, &uid, &gid);
	dir = proc_mkdir_data(n->name, 0555, root, n);
	if (!dir)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(pktstat_files); i++) {
		pde = proc_create_data(pktstat_files[i].name, pktstat_proc_mode,
				       dir, pktstat_files[i].ops, n);
		if (!pde) {
			proc_remove(dir);
			return -ENOMEM;
		}
		proc_set_user(pde, uid, gid);
	}
	n->published = dir;
	return 0;
}

/* Returns once no reader is inside the files; open ones get EIO. */
static void pktstat_proc_unpublish(struct pktstat_name *n)
{
	proc_remove(n->published);
	n->published = NULL;
}

const struct pktstat_name_hooks pktstat_proc_hooks = {
	.publish	= pktstat_proc_publish,
	.unpublish	= pktstat_proc_unpublish,
};

static int __net_init pktstat_proc_net_init(struct net *net)
{
	struct proc_dir_entry **root = pktstat_proc_root(net);

	*root = proc_mkdir("xt_pktstat", net->proc_net);
	return *root ? 0 : -ENOMEM;
}

/* After the names' exit (registered later, so run earlier): empty. */
static void __net_exit pktstat_proc_net_exit(struct net *net)
{
	remove_proc_entry("xt_pktstat", net->proc_net);
	*pktstat_proc_root(net) = NULL;
}

static struct pernet_operations pktstat_proc_net_ops = {
	.init	= pktstat_proc_net_init,
	.exit	= pktstat_proc_net_exit,
	.id	= &pktstat_proc_net_id,
	.size	= sizeof(struct proc_dir_entry *),
};

int pktstat_proc_init(void)
{
	if (pktstat_proc_mode & ~0777U) {
		pr_warn("proc_mode=%#o: only permission bits (0 to 0777) are allowed, using 0400\n",
			pktstat_proc_mode);
		pktstat_proc_mode = 0400;
	}
	return register_pernet_subsys(&pktstat_proc_net_ops);
}

void pktstat_proc_exit(void)
{
	unregister_pernet_subsys(&pktstat_proc_net_ops);
}
