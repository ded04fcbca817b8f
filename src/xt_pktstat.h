/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat: rule data shared by the kernel match and libxt_pktstat.
 *
 * This is ABI: the layout of revision 0 never changes.  Only fixed-size
 * types are used so that 32-bit iptables on a 64-bit kernel sees the same
 * layout, and the kernel-only pointer comes last (aligned to 8) so that
 * .usersize can hide it from iptables-save.
 */
#ifndef _XT_PKTSTAT_H
#define _XT_PKTSTAT_H

#include <linux/types.h>

/* Longest name, terminating NUL included (so 31 visible characters). */
#define XT_PKTSTAT_NAME_LEN	32

/* --period limits, in nanoseconds: 1us to 3600s. */
#define XT_PKTSTAT_PERIOD_MIN	1000ULL
#define XT_PKTSTAT_PERIOD_MAX	3600000000000ULL

/* Hard ceiling for --samples; the max_samples module parameter may be lower. */
#define XT_PKTSTAT_SAMPLES_CEIL	(1U << 20)
/* Default of the max_samples module parameter. */
#define XT_PKTSTAT_SAMPLES_DEF_MAX	65536U

/* Defaults the extension fills in for a missing option. */
#define XT_PKTSTAT_DEF_PERIOD	1000000000ULL	/* 1s */
#define XT_PKTSTAT_DEF_SAMPLES	60U
#define XT_PKTSTAT_DEF_NAME	"0"

/* No flag is defined in revision 0: the kernel refuses any bit set. */
#define XT_PKTSTAT_FLAGS_KNOWN	0U

struct pktstat_set;

struct xt_pktstat_info {
	__aligned_u64	period_ns;	/* window width */
	__u32		samples;	/* FIFO capacity in windows */
	__u32		flags;		/* must be 0 */
	char		name[XT_PKTSTAT_NAME_LEN];

	/*
	 * Used internally by the kernel: the name's setting this rule uses.
	 * 8 bytes, 8-aligned, whatever the pointer size (32-bit iptables on
	 * a 64-bit kernel).
	 */
	union {
		struct pktstat_set *state;
		__aligned_u64 state_u64;
	};
};

/*
 * The name becomes a directory under /proc/net/xt_pktstat/: letters,
 * digits, '_', '-' and '.', 1 to XT_PKTSTAT_NAME_LEN - 1 of them, not "."
 * or "..".  Shared by the kernel and the extension so both accept the same
 * set.  @len is the size of the buffer; the name must end inside it.
 */
static inline int xt_pktstat_name_ok(const char *name, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len && name[i] != '\0'; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	if (i == 0 || i >= len || i >= XT_PKTSTAT_NAME_LEN)
		return 0;
	if (name[0] == '.' && (i == 1 || (i == 2 && name[1] == '.')))
		return 0;
	return 1;
}

#endif /* _XT_PKTSTAT_H */
