// SPDX-License-Identifier: GPL-2.0
/* HAVE_PDE_DATA_LOWER: pde_data() replaced PDE_DATA() in 5.17. */
#include <linux/proc_fs.h>

void *pktstat_probe(const struct inode *inode);
void *pktstat_probe(const struct inode *inode)
{
	return pde_data(inode);
}
