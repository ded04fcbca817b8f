// SPDX-License-Identifier: GPL-2.0
/* HAVE_PROC_OPS: struct proc_ops replaced file_operations for /proc (5.6). */
#include <linux/proc_fs.h>

const struct proc_ops pktstat_probe = {
	.proc_lseek = NULL,
};
