/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: the version, in one place.  The module (MODULE_VERSION, which
 * DKMS compares when it installs), the extension and xt-pktstat print it;
 * debian/changelog and rpm/xt-pktstat.spec must say the same (make check
 * compares them).
 */
#ifndef _XT_PKTSTAT_VERSION_H
#define _XT_PKTSTAT_VERSION_H

#define XT_PKTSTAT_VERSION "0.2.0"

#endif /* _XT_PKTSTAT_VERSION_H */
