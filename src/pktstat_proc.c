// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: /proc/net/xt_pktstat/<name>/{data,stats}.
 *
 * data drains the FIFO.  A sample counts as delivered once the reader has
 * been given its newline; until then the reader only holds it, and gives it
 * back, in its place in the FIFO, when it closes (or when read() returns
 * without having started it).  So tiny reads, readers that close mid-way
 * and concurrent readers neither lose nor duplicate a sample.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "pktstat_kernel.h"

#define PKTSTAT_BATCH		32
#define PKTSTAT_LINE_MAX	64	/* three u64, two spaces, newline, NUL */

static const char pktstat_header[] = "# timestamp frames bytes\n";

struct pktstat_reader {
	struct pktstat_name	*n;
	struct mutex		lock;		/* one read() at a time */
	unsigned int		hdr_off;	/* header bytes returned */
	unsigned int		first;		/* batch[first] is being returned */
	unsigned int		done;		/* batch[0..done) are delivered */
	unsigned int		count;		/* batch[0..count) are held */
	unsigned int		line_len;	/* line holds batch[first] */
	unsigned int		line_off;	/* bytes of line returned */
	char			line[PKTSTAT_LINE_MAX];
	struct pktstat_sample	batch[PKTSTAT_BATCH];
};

/*
 * Settle the batch under the FIFO lock: report what was delivered, give
 * back what was not (all of it, unless @keep_partial keeps a sample whose
 * line is half returned), and pop up to @want new samples if nothing is
 * left.  A sample given back keeps its place in the FIFO.
 */
static void reader_settle(struct pktstat_reader *r, bool keep_partial,
			  unsigned int want)
{
	struct pktstat_fifo *f = &r->n->fifo;
	bool partial = keep_partial && r->line_off;
	unsigned int keep_end = r->first + partial;
	unsigned int i;

	spin_lock_bh(&r->n->lock);
	for (i = 0; i < r->done; i++)
		pktstat_fifo_delivered(f, &r->batch[i]);
	while (r->count > keep_end)
		pktstat_fifo_unpop(f, &r->batch[--r->count]);
	if (partial) {
		r->batch[0] = r->batch[r->first];
		r->count = 1;
	} else {
		r->count = 0;
		r->line_len = 0;
		r->line_off = 0;
	}
	r->first = 0;
	r->done = 0;
	if (!r->count && want)
		r->count = pktstat_fifo_pop(f, r->batch, want);
	spin_unlock_bh(&r->n->lock);
}

static ssize_t pktstat_data_read(struct file *file, char __user *buf,
				 size_t size, loff_t *ppos)
{
	struct pktstat_reader *r = file->private_data;
	size_t copied = 0;
	int err = 0;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;

	while (copied < size && r->hdr_off < sizeof(pktstat_header) - 1) {
		size_t k = min(size - copied,
			       sizeof(pktstat_header) - 1 - r->hdr_off);

		if (copy_to_user(buf + copied, pktstat_header + r->hdr_off, k)) {
			err = -EFAULT;
			goto out;
		}
		r->hdr_off += k;
		copied += k;
	}

	while (copied < size) {
		const struct pktstat_sample *s;
		size_t k;

		if (r->first == r->count) {
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
			if (!r->count)
				break;
		}
		s = &r->batch[r->first];
		if (!r->line_len)
			r->line_len = scnprintf(r->line, sizeof(r->line),
						"%llu %llu %llu\n",
						(unsigned long long)s->start,
						(unsigned long long)s->frames,
						(unsigned long long)s->bytes);
		k = min_t(size_t, size - copied, r->line_len - r->line_off);
		if (copy_to_user(buf + copied, r->line + r->line_off, k)) {
			err = -EFAULT;
			break;
		}
		copied += k;
		r->line_off += k;
		if (r->line_off == r->line_len) {
			r->first++;
			r->done = r->first;
			r->line_len = 0;
			r->line_off = 0;
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

static int pktstat_stats_show(struct seq_file *m, void *v)
{
	struct pktstat_name *n = m->private;
	struct pktstat_count seen = {}, partial = {};
	struct pktstat_fifo f;
	unsigned int cpu;

	/* Slow-path moves between per-CPU and FIFO counts happen under the
	 * lock, so the sums below agree once traffic stops. */
	spin_lock_bh(&n->lock);
	f = n->fifo;
	for_each_possible_cpu(cpu) {
		const struct pktstat_cpu *c = &per_cpu_ptr(n->pcpu, cpu)->core;

		seen.frames += READ_ONCE(c->seen_frames);
		seen.bytes += READ_ONCE(c->seen_bytes);
		partial.frames += READ_ONCE(c->frames);
		partial.bytes += READ_ONCE(c->bytes);
	}
	spin_unlock_bh(&n->lock);

	seq_printf(m, "name %s\n", n->name);
	seq_printf(m, "period_ns %llu\n", (unsigned long long)f.period);
	seq_printf(m, "samples %u\n", f.capacity);
	seq_printf(m, "rules %u\n", READ_ONCE(n->refcnt));
	seq_printf(m, "frames_seen %llu\n", (unsigned long long)seen.frames);
	seq_printf(m, "bytes_seen %llu\n", (unsigned long long)seen.bytes);
	seq_printf(m, "samples_read %llu\n", (unsigned long long)f.read.samples);
	seq_printf(m, "frames_read %llu\n", (unsigned long long)f.read.frames);
	seq_printf(m, "bytes_read %llu\n", (unsigned long long)f.read.bytes);
	seq_printf(m, "samples_dropped %llu\n",
		   (unsigned long long)f.dropped.samples);
	seq_printf(m, "frames_dropped %llu\n",
		   (unsigned long long)f.dropped.frames);
	seq_printf(m, "bytes_dropped %llu\n",
		   (unsigned long long)f.dropped.bytes);
	seq_printf(m, "samples_pending %llu\n",
		   (unsigned long long)(f.queued.samples + f.in_readers.samples));
	seq_printf(m, "frames_pending %llu\n",
		   (unsigned long long)(f.queued.frames + f.in_readers.frames +
					partial.frames));
	seq_printf(m, "bytes_pending %llu\n",
		   (unsigned long long)(f.queued.bytes + f.in_readers.bytes +
					partial.bytes));
	seq_printf(m, "clock_steps_back %llu\n",
		   (unsigned long long)f.clock_back);
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

/* Under pktstat_mutex. */
int pktstat_proc_add(struct pktstat_name *n)
{
	struct pktstat_net *pn = pktstat_pernet(n->net);
	kuid_t uid = make_kuid(&init_user_ns, pktstat_proc_uid);
	kgid_t gid = make_kgid(&init_user_ns, pktstat_proc_gid);
	struct proc_dir_entry *data, *stats;

	if (!pn->proc)
		return -ENOENT;
	if (!uid_valid(uid) || !gid_valid(gid))
		return -EINVAL;
	n->dir = proc_mkdir_data(n->name, 0555, pn->proc, n);
	if (!n->dir)
		return -ENOMEM;
	data = proc_create_data("data", pktstat_proc_mode, n->dir,
				&pktstat_data_ops, n);
	stats = proc_create_data("stats", pktstat_proc_mode, n->dir,
				 &pktstat_stats_ops, n);
	if (!data || !stats) {
		proc_remove(n->dir);
		n->dir = NULL;
		return -ENOMEM;
	}
	proc_set_user(data, uid, gid);
	proc_set_user(stats, uid, gid);
	return 0;
}

/* Under pktstat_mutex.  Returns once no reader is inside our file code. */
void pktstat_proc_remove(struct pktstat_name *n)
{
	proc_remove(n->dir);
	n->dir = NULL;
}

int pktstat_proc_net_init(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);

	pn->proc = proc_mkdir("xt_pktstat", net->proc_net);
	return pn->proc ? 0 : -ENOMEM;
}

/*
 * The namespace goes away; its rules may still be destroyed after this
 * (pernet exits run in reverse registration order), so the names stay and
 * only lose their directories.
 */
void pktstat_proc_net_exit(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);
	struct pktstat_name *n;

	mutex_lock(&pktstat_mutex);
	list_for_each_entry(n, &pn->names, list)
		pktstat_proc_remove(n);
	remove_proc_entry("xt_pktstat", net->proc_net);
	pn->proc = NULL;
	mutex_unlock(&pktstat_mutex);
}
