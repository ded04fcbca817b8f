// SPDX-License-Identifier: GPL-2.0
/*
 * hostile: install pktstat matches with malformed rule data through the
 * raw iptables interfaces (setsockopt IPT_SO_SET_REPLACE or
 * IP6T_SO_SET_REPLACE on the filter table) and through nf_tables' compat
 * match, bypassing libxt_pktstat's checks, to test the kernel's own.
 *
 *   hostile [-6] CASE      install a filter table whose INPUT chain holds
 *                          the rule(s) of CASE; prints "CASE: accepted" or
 *                          "CASE: refused errno N (NAME)"; exit 0 accepted,
 *                          1 refused, 2 could not even try
 *   hostile [-6] empty     install a filter table without rules (cleanup)
 *   hostile list           list the cases, one per line
 *   hostile [-6] nft CASE  the same rule(s) through nf_tables' compat match,
 *                          in one batch: table ip (ip6 with -6) "hostile",
 *                          chain "c" (not a base chain), a rule per rule of
 *                          CASE holding the expression match
 *                          (NFTA_MATCH_NAME "pktstat", NFTA_MATCH_REV,
 *                          NFTA_MATCH_INFO the raw info)
 *   hostile [-6] nft-del   delete table ip (ip6) "hostile" (cleanup)
 *
 * Without -6: ip_tables (AF_INET raw socket, struct ipt_*), nft family
 * NFPROTO_IPV4; with -6: ip6_tables (AF_INET6 raw socket, struct ip6t_*),
 * NFPROTO_IPV6.  Only the entry header and the replace/getinfo structures
 * differ between the two; the match (struct xt_entry_match + the info),
 * the standard and error targets are built by the same code, and the nft
 * path uses the same info bytes.
 *
 * The table: INPUT [rules of CASE, each -m pktstat -j ACCEPT] + policy
 * ACCEPT, FORWARD and OUTPUT policy ACCEPT, the ERROR entry at the end.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <arpa/inet.h>
#include <sys/time.h>
#include <unistd.h>

#include "xt_pktstat.h"

#define INFO_SIZE	sizeof(struct xt_pktstat_info)

struct rule {
	uint64_t period;
	uint32_t samples, flags;
	char name[XT_PKTSTAT_NAME_LEN];
	int name_len;		/* bytes of name to copy (-1: strlen + 1) */
	int size_delta;		/* match data size - sizeof(info) */
	uint8_t revision;
};

struct tcase {
	const char *id;
	const char *what;
	unsigned int n;
	struct rule r[2];
};

#define OK_RULE(nm) { .period = 100000000ULL, .samples = 20, .name = nm, .name_len = -1 }

static const struct tcase cases[] = {
	{ "valid", "positive control: period 100ms samples 20 name 0", 1,
	  { OK_RULE("0") } },
	{ "period-zero", "period 0", 1,
	  { { .period = 0, .samples = 20, .name = "0", .name_len = -1 } } },
	{ "period-huge", "period 2^64-1", 1,
	  { { .period = UINT64_MAX, .samples = 20, .name = "0", .name_len = -1 } } },
	{ "period-999ns", "period 999ns", 1,
	  { { .period = 999, .samples = 20, .name = "0", .name_len = -1 } } },
	{ "period-3600s+1ns", "period 3600s + 1ns", 1,
	  { { .period = 3600000000001ULL, .samples = 20, .name = "0", .name_len = -1 } } },
	{ "samples-zero", "samples 0", 1,
	  { { .period = 100000000ULL, .samples = 0, .name = "0", .name_len = -1 } } },
	{ "samples-over-max", "samples max_samples + 1 (65537)", 1,
	  { { .period = 100000000ULL, .samples = 65537, .name = "0", .name_len = -1 } } },
	{ "samples-ceil+1", "samples 2^20 + 1", 1,
	  { { .period = 100000000ULL, .samples = (1U << 20) + 1, .name = "0", .name_len = -1 } } },
	{ "samples-huge", "samples 0xffffffff", 1,
	  { { .period = 100000000ULL, .samples = 0xffffffffU, .name = "0", .name_len = -1 } } },
	{ "name-no-nul", "name of 32 non-NUL bytes", 1,
	  { { .period = 100000000ULL, .samples = 20,
	      .name = "abcdefghijklmnopqrstuvwxyz012345", .name_len = 32 } } },
	{ "name-slash", "name \"a/b\"", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "a/b", .name_len = -1 } } },
	{ "name-dot", "name \".\"", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = ".", .name_len = -1 } } },
	{ "name-dotdot", "name \"..\"", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "..", .name_len = -1 } } },
	{ "name-empty", "empty name", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "", .name_len = -1 } } },
	{ "name-space", "name \"a b\"", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "a b", .name_len = -1 } } },
	{ "name-ctrl", "name with a newline", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "a\nb", .name_len = -1 } } },
	{ "flags-unknown", "flags 0x1", 1,
	  { { .period = 100000000ULL, .samples = 20, .flags = 1, .name = "0", .name_len = -1 } } },
	{ "flags-high", "flags 0x80000000", 1,
	  { { .period = 100000000ULL, .samples = 20, .flags = 0x80000000U, .name = "0", .name_len = -1 } } },
	{ "size-small", "match data 8 bytes smaller than the info", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "0", .name_len = -1, .size_delta = -8 } } },
	{ "size-large", "match data 8 bytes larger than the info", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "0", .name_len = -1, .size_delta = 8 } } },
	{ "size-zero", "match data of 0 bytes", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "0", .name_len = -1,
	      .size_delta = -(int)sizeof(struct xt_pktstat_info) } } },
	{ "revision-1", "revision 1 (does not exist)", 1,
	  { { .period = 100000000ULL, .samples = 20, .name = "0", .name_len = -1, .revision = 1 } } },
	{ "valid-then-bad", "a valid rule, then a bad one in the same table", 2,
	  { OK_RULE("first"),
	    { .period = 0, .samples = 20, .name = "second", .name_len = -1 } } },
	{ "empty", "no rules", 0, { { 0 } } },
};

/* The address family: which x_tables flavour and which nft family. */
struct family {
	const char *name;	/* for messages */
	int v6;			/* the switch: 0 ip_tables, 1 ip6_tables */
	int af, level;		/* socket(af, SOCK_RAW, IPPROTO_RAW), sockopt level */
	int so_get_info, so_set_replace;
	uint8_t nfproto;	/* nft table family */
	size_t entry_size;	/* struct ipt_entry / struct ip6t_entry */
	size_t replace_size;	/* struct ipt_replace / struct ip6t_replace */
};

static const struct family families[] = {
	{ "ip_tables", 0, AF_INET, IPPROTO_IP, IPT_SO_GET_INFO,
	  IPT_SO_SET_REPLACE, NFPROTO_IPV4,
	  sizeof(struct ipt_entry), sizeof(struct ipt_replace) },
	{ "ip6_tables", 1, AF_INET6, IPPROTO_IPV6, IP6T_SO_GET_INFO,
	  IP6T_SO_SET_REPLACE, NFPROTO_IPV6,
	  sizeof(struct ip6t_entry), sizeof(struct ip6t_replace) },
};

/* A zeroed entry header at @p (any address, port, interface: matches
 * everything) with the given offsets. */
static void put_entry(const struct family *f, unsigned char *p,
		      uint16_t target_offset, uint16_t next_offset)
{
	memset(p, 0, f->entry_size);
	if (f->v6) {
		struct ip6t_entry *e = (void *)p;

		e->target_offset = target_offset;
		e->next_offset = next_offset;
	} else {
		struct ipt_entry *e = (void *)p;

		e->target_offset = target_offset;
		e->next_offset = next_offset;
	}
}

/* The rule data of @r as the kernel would receive it: fills @data (at
 * least INFO_SIZE + 64 bytes, zeroed beyond the info) and returns its
 * size, INFO_SIZE + r->size_delta.  Shared by the x_tables and nft paths. */
static unsigned int rule_info(const struct rule *r, unsigned char *data)
{
	unsigned int dsize = (unsigned int)((int)INFO_SIZE + r->size_delta);
	struct xt_pktstat_info info;

	memset(&info, 0, sizeof(info));
	info.period_ns = r->period;
	info.samples = r->samples;
	info.flags = r->flags;
	memcpy(info.name, r->name,
	       r->name_len < 0 ? strlen(r->name) + 1 : (size_t)r->name_len);
	memset(data, 0, INFO_SIZE + 64);
	memcpy(data, &info, dsize < INFO_SIZE ? dsize : INFO_SIZE);
	return dsize;
}

/* The pktstat match of @r at @p; returns its (aligned) size. */
static unsigned int put_match(unsigned char *p, const struct rule *r)
{
	struct xt_entry_match *m = (void *)p;
	unsigned char data[INFO_SIZE + 64];
	unsigned int dsize = rule_info(r, data);
	unsigned int msize = XT_ALIGN(sizeof(*m) + dsize);

	memset(m, 0, msize);
	m->u.user.match_size = (uint16_t)msize;
	strcpy(m->u.user.name, "pktstat");
	m->u.user.revision = r->revision;
	memcpy(m->data, data, dsize);
	return msize;
}

/* An entry at @p whose matches take @matches bytes (already written after
 * the header), then the standard target (a verdict); returns its end. */
static unsigned char *put_verdict(const struct family *f, unsigned char *p,
				  unsigned int matches, int verdict)
{
	struct xt_standard_target *t;
	uint16_t target_offset = (uint16_t)(f->entry_size + matches);

	put_entry(f, p, target_offset,
		  (uint16_t)(target_offset + XT_ALIGN(sizeof(*t))));
	t = (void *)(p + target_offset);
	memset(t, 0, XT_ALIGN(sizeof(*t)));
	t->target.u.user.target_size = XT_ALIGN(sizeof(*t));
	strcpy(t->target.u.user.name, XT_STANDARD_TARGET);
	t->verdict = verdict;
	return p + target_offset + XT_ALIGN(sizeof(*t));
}

static unsigned char *put_standard(const struct family *f, unsigned char *p,
				   int verdict)
{
	return put_verdict(f, p, 0, verdict);
}

static unsigned char *put_rule(const struct family *f, unsigned char *p,
			       const struct rule *r)
{
	/* the match first: put_verdict() then writes the header around it */
	unsigned int msize = put_match(p + f->entry_size, r);

	return put_verdict(f, p, msize, -NF_ACCEPT - 1);
}

static unsigned char *put_error(const struct family *f, unsigned char *p)
{
	struct xt_error_target *t;

	put_entry(f, p, (uint16_t)f->entry_size,
		  (uint16_t)(f->entry_size + XT_ALIGN(sizeof(*t))));
	t = (void *)(p + f->entry_size);
	memset(t, 0, XT_ALIGN(sizeof(*t)));
	t->target.u.user.target_size = XT_ALIGN(sizeof(*t));
	strcpy(t->target.u.user.name, XT_ERROR_TARGET);
	strcpy(t->errorname, XT_ERROR_TARGET);
	return p + f->entry_size + XT_ALIGN(sizeof(*t));
}

/* The replace header: same fields in struct ipt_replace and ip6t_replace. */
#define FILL_REPLACE(rep) do {						\
	strcpy((rep)->name, "filter");					\
	(rep)->valid_hooks = valid_hooks;				\
	(rep)->num_entries = num_entries;				\
	(rep)->size = size;						\
	memcpy((rep)->hook_entry, hook_entry, sizeof(hook_entry));	\
	memcpy((rep)->underflow, underflow, sizeof(underflow));	\
	(rep)->num_counters = old_entries;				\
	(rep)->counters = ctrs;						\
} while (0)

static int install(const struct family *f, const struct tcase *c)
{
	union {
		struct ipt_getinfo v4;
		struct ip6t_getinfo v6;
	} gi;
	socklen_t len;
	unsigned int hook_entry[NF_INET_NUMHOOKS] = { 0 };
	unsigned int underflow[NF_INET_NUMHOOKS] = { 0 };
	unsigned int valid_hooks, old_entries, num_entries = 0, size;
	struct xt_counters *ctrs;
	unsigned char *buf, *p, *base;
	unsigned int i, hook;
	int fd, ret, err;

	fd = socket(f->af, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("socket");
		return 2;
	}
	memset(&gi, 0, sizeof(gi));
	if (f->v6) {
		strcpy(gi.v6.name, "filter");
		len = sizeof(gi.v6);
	} else {
		strcpy(gi.v4.name, "filter");
		len = sizeof(gi.v4);
	}
	if (getsockopt(fd, f->level, f->so_get_info, &gi, &len) < 0) {
		fprintf(stderr, "%s: SO_GET_INFO filter: %s\n", f->name,
			strerror(errno));
		return 2;
	}
	valid_hooks = f->v6 ? gi.v6.valid_hooks : gi.v4.valid_hooks;
	old_entries = f->v6 ? gi.v6.num_entries : gi.v4.num_entries;
	buf = calloc(1, 65536);
	ctrs = calloc(old_entries + 1, sizeof(*ctrs));
	if (!buf || !ctrs)
		return 2;
	base = p = buf + f->replace_size;	/* the entries follow the header */

	for (hook = 0; hook < NF_INET_NUMHOOKS; hook++) {
		if (!(valid_hooks & (1U << hook)))
			continue;
		hook_entry[hook] = (unsigned int)(p - base);
		if (hook == NF_INET_LOCAL_IN) {
			for (i = 0; i < c->n; i++) {
				p = put_rule(f, p, &c->r[i]);
				num_entries++;
			}
		}
		underflow[hook] = (unsigned int)(p - base);
		p = put_standard(f, p, -NF_ACCEPT - 1);
		num_entries++;
	}
	p = put_error(f, p);
	num_entries++;
	size = (unsigned int)(p - base);

	if (f->v6)
		FILL_REPLACE((struct ip6t_replace *)buf);
	else
		FILL_REPLACE((struct ipt_replace *)buf);

	ret = setsockopt(fd, f->level, f->so_set_replace, buf,
			 (socklen_t)(f->replace_size + size));
	err = errno;
	if (ret == 0) {
		printf("%s: accepted\n", c->id);
		return 0;
	}
	printf("%s: refused errno %d (%s)\n", c->id, err, strerror(err));
	return 1;
}

/* ------------------------------------------------------------ nf_tables */

struct nlbuf {
	unsigned char *b;
	size_t len;
};

static struct nlmsghdr *nl_msg(struct nlbuf *nb, uint16_t type, uint16_t flags,
			       uint8_t family, uint16_t res_id, uint32_t seq)
{
	struct nlmsghdr *h = (void *)(nb->b + nb->len);
	struct nfgenmsg *g;

	memset(h, 0, NLMSG_SPACE(sizeof(*g)));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*g));
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq;
	g = NLMSG_DATA(h);
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return h;
}

static void nl_end(struct nlbuf *nb, struct nlmsghdr *h)
{
	nb->len += NLMSG_ALIGN(h->nlmsg_len);
}

static struct nlattr *nl_put(struct nlmsghdr *h, uint16_t type,
			     const void *data, size_t len)
{
	struct nlattr *a = (void *)((unsigned char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memset((unsigned char *)a + NLA_HDRLEN, 0, NLA_ALIGN(len));
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void nl_str(struct nlmsghdr *h, uint16_t type, const char *s)
{
	nl_put(h, type, s, strlen(s) + 1);
}

static struct nlattr *nl_nest(struct nlmsghdr *h, uint16_t type)
{
	return nl_put(h, type | NLA_F_NESTED, NULL, 0);
}

static void nl_nest_end(struct nlmsghdr *h, struct nlattr *a)
{
	a->nla_len = (uint16_t)((unsigned char *)h + h->nlmsg_len -
				(unsigned char *)a);
}

#define NFT_TYPE(m)	((NFNL_SUBSYS_NFTABLES << 8) | (m))

/* Sends @nb and returns the first error of the batch (0: all acked). */
static int nl_talk(struct nlbuf *nb, uint32_t last_seq)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	static unsigned char rbuf[65536];
	int fd, err = 0, done = 0;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0) {
		perror("socket(NETLINK_NETFILTER)");
		return -1000;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, nb->b, nb->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sendto");
		close(fd);
		return -1000;
	}
	while (!done && (n = recv(fd, rbuf, sizeof(rbuf), 0)) > 0) {
		struct nlmsghdr *h;

		for (h = (void *)rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error && !err)
					err = e->error;
				if (e->error || h->nlmsg_seq == last_seq)
					done = 1;
			}
		}
	}
	close(fd);
	return err;
}

static int nft_run(const struct family *f, const struct tcase *c, int del)
{
	static unsigned char buf[65536];
	struct nlbuf nb = { .b = buf };
	struct nlmsghdr *h;
	uint32_t seq = 1, i;
	int err;

	h = nl_msg(&nb, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++);
	nl_end(&nb, h);
	if (del) {
		h = nl_msg(&nb, NFT_TYPE(NFT_MSG_DELTABLE), NLM_F_ACK,
			   f->nfproto, 0, seq++);
		nl_str(h, NFTA_TABLE_NAME, "hostile");
		nl_end(&nb, h);
	} else {
		h = nl_msg(&nb, NFT_TYPE(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_ACK,
			   f->nfproto, 0, seq++);
		nl_str(h, NFTA_TABLE_NAME, "hostile");
		nl_end(&nb, h);
		h = nl_msg(&nb, NFT_TYPE(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_ACK,
			   f->nfproto, 0, seq++);
		nl_str(h, NFTA_CHAIN_TABLE, "hostile");
		nl_str(h, NFTA_CHAIN_NAME, "c");
		nl_end(&nb, h);
		for (i = 0; i < c->n; i++) {
			const struct rule *r = &c->r[i];
			unsigned char data[INFO_SIZE + 64];
			unsigned int dsize = rule_info(r, data);
			struct nlattr *exprs, *elem, *edata;
			uint32_t rev = htonl(r->revision);

			h = nl_msg(&nb, NFT_TYPE(NFT_MSG_NEWRULE),
				   NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
				   f->nfproto, 0, seq++);
			nl_str(h, NFTA_RULE_TABLE, "hostile");
			nl_str(h, NFTA_RULE_CHAIN, "c");
			exprs = nl_nest(h, NFTA_RULE_EXPRESSIONS);
			elem = nl_nest(h, NFTA_LIST_ELEM);
			nl_str(h, NFTA_EXPR_NAME, "match");
			edata = nl_nest(h, NFTA_EXPR_DATA);
			nl_str(h, NFTA_MATCH_NAME, "pktstat");
			nl_put(h, NFTA_MATCH_REV, &rev, sizeof(rev));
			nl_put(h, NFTA_MATCH_INFO, data, dsize);
			nl_nest_end(h, edata);
			nl_nest_end(h, elem);
			nl_nest_end(h, exprs);
			nl_end(&nb, h);
		}
	}
	h = nl_msg(&nb, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq);
	nl_end(&nb, h);

	err = nl_talk(&nb, seq - 1);
	if (err == 0) {
		printf("%s: accepted\n", del ? "nft-del" : c->id);
		return 0;
	}
	if (err == -1000)
		return 2;
	printf("%s: refused errno %d (%s)\n", del ? "nft-del" : c->id, -err,
	       strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	const struct family *f = &families[0];
	size_t i;
	int nft = 0;

	if (argc >= 2 && !strcmp(argv[1], "-6")) {
		f = &families[1];
		argv++;
		argc--;
	}
	if (argc == 2 && !strcmp(argv[1], "nft-del"))
		return nft_run(f, NULL, 1);
	if (argc == 3 && !strcmp(argv[1], "nft")) {
		nft = 1;
		argv++;
		argc--;
	}

	if (argc != 2) {
		fprintf(stderr, "usage: hostile [-6] [nft] CASE | list | [-6] nft-del\n");
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (!strcmp(argv[1], "list")) {
			printf("%s\t%s\n", cases[i].id, cases[i].what);
			continue;
		}
		if (!strcmp(argv[1], cases[i].id))
			return nft ? nft_run(f, &cases[i], 0) : install(f, &cases[i]);
	}
	if (!strcmp(argv[1], "list"))
		return 0;
	fprintf(stderr, "hostile: unknown case %s\n", argv[1]);
	return 2;
}
