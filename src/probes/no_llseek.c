// SPDX-License-Identifier: GPL-2.0
/* HAVE_NO_LLSEEK: no_llseek became NULL in 6.0 and was removed in 6.12. */
#include <linux/fs.h>

loff_t (*pktstat_probe)(struct file *file, loff_t offset, int whence);
loff_t (*pktstat_probe)(struct file *file, loff_t offset, int whence) = no_llseek;
