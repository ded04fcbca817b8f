/*
 * guest_helper: a tiny static program (no libc) that `make bench` puts into
 * the QEMU guest through the command string (base64): the guest image has
 * no nfacct tool and no NFLOG reader, and the icount check needs a loop of a
 * known number of instructions.
 *
 *   guest_helper now                 CLOCK_MONOTONIC in ns
 *   guest_helper loop N              ns of CLOCK_MONOTONIC taken by N
 *                                    iterations of "dec; jnz" (2N instructions)
 *   guest_helper nfacct NAME         create the nfacct object NAME
 *   guest_helper nflog GROUP N       bind NFLOG group GROUP (copy_packet,
 *                                    whole packet, queue threshold 1), read
 *                                    until N packets came, print
 *                                    "nflog PACKETS ENOBUFS CPU_NS" (CPU_NS:
 *                                    the reader's CPU time for reading them,
 *                                    sum_exec_runtime of /proc/self/schedstat)
 *
 * Build: gcc -Os -static -nostdlib -ffreestanding -fno-stack-protector
 *        -fno-pie -no-pie -o guest_helper guest_helper.c       (x86-64 only)
 */
typedef unsigned long size_t;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall" : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
#define sys3(n, a, b, c) sys6(n, a, b, c, 0, 0, 0)

void *memset(void *d, int c, size_t n) { u8 *p = d; while (n--) *p++ = c; return d; }
void *memcpy(void *d, const void *s, size_t n) { u8 *p = d; const u8 *q = s; while (n--) *p++ = *q++; return d; }
static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { sys3(1, 1, (long)s, slen(s)); }
static void die(const char *s) { sys3(1, 2, (long)s, slen(s)); sys3(60, 1, 0, 0); }
static unsigned long num(const char *s) { unsigned long v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }
static void outnum(unsigned long v)
{
	char b[24]; int i = 23; b[i] = 0;
	do { b[--i] = '0' + v % 10; v /= 10; } while (v);
	out(b + i);
}
struct ts { long sec, nsec; };
static unsigned long now(void)
{
	struct ts t;
	sys3(228, 1 /* CLOCK_MONOTONIC */, (long)&t, 0);
	return t.sec * 1000000000UL + t.nsec;
}
/* this task's CPU time in ns (first field of /proc/self/schedstat:
 * sum_exec_runtime, the scheduler's clock) */
static unsigned long cpu_ns(void)
{
	char b[128];
	long fd = sys3(2, (long)"/proc/self/schedstat", 0, 0), n;
	if (fd < 0) return 0;
	n = sys3(0, fd, (long)b, sizeof(b) - 1);
	sys3(3, fd, 0, 0);
	if (n <= 0) return 0;
	b[n] = 0;
	return num(b);
}
static int streq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }

/* netlink */
struct nlmsghdr { u32 len; u16 type, flags; u32 seq, pid; };
struct nfgenmsg { u8 family, version; u16 res_id; };
struct nlattr { u16 len, type; };
struct sockaddr_nl { u16 family, pad; u32 pid, groups; };
static u8 buf[1 << 16];

static int nl_open(void)
{
	struct sockaddr_nl a = { 16 /* AF_NETLINK */, 0, 0, 0 };
	long fd = sys3(41, 16, 3 /* SOCK_RAW */, 12 /* NETLINK_NETFILTER */);
	if (fd < 0) die("socket failed\n");
	if (sys3(49, fd, (long)&a, sizeof(a)) < 0) die("bind failed\n");
	return fd;
}
/* msg: header + nfgenmsg + one attribute; returns the length */
static u32 nl_msg(u8 *m, u16 type, u16 flags, u8 family, u16 res_id_be)
{
	struct nlmsghdr *h = (void *)m;
	struct nfgenmsg *g = (void *)(m + 16);
	memset(m, 0, 20);
	h->type = type; h->flags = flags; h->seq = 1;
	g->family = family; g->version = 0; g->res_id = res_id_be;
	return 20;
}
static u32 nl_attr(u8 *m, u32 off, u16 type, const void *data, u16 len)
{
	struct nlattr *a = (void *)(m + off);
	a->len = 4 + len; a->type = type;
	memcpy(m + off + 4, data, len);
	len = (4 + len + 3) & ~3;
	memset(m + off + a->len, 0, len - a->len);
	return off + len;
}
static void nl_talk(int fd, u8 *m, u32 len, const char *what)
{
	struct sockaddr_nl k = { 16, 0, 0, 0 };
	((struct nlmsghdr *)m)->len = len;
	if (sys6(44, fd, (long)m, len, 0, (long)&k, sizeof(k)) < 0) die("sendto failed\n");
	long n = sys6(45, fd, (long)buf, sizeof(buf), 0, 0, 0);
	struct nlmsghdr *h = (void *)buf;
	if (n < 36 || h->type != 2 /* NLMSG_ERROR */) die("no ack\n");
	int err = *(int *)(buf + 16);
	if (err) { out(what); out(": error "); outnum(-err); out("\n"); sys3(60, 1, 0, 0); }
}

static void do_nfacct(const char *name)
{
	u8 m[128];
	int fd = nl_open();
	/* NFNL_SUBSYS_ACCT=7, NFNL_MSG_ACCT_NEW=0; REQUEST|ACK|CREATE */
	u32 len = nl_msg(m, 7 << 8, 1 | 4 | 0x400, 0, 0);
	len = nl_attr(m, len, 1 /* NFACCT_NAME */, name, slen(name) + 1);
	nl_talk(fd, m, len, "nfacct new");
}

static void do_nflog(unsigned group, unsigned long want)
{
	u8 m[128];
	int fd = nl_open();
	int sz = 256 << 20;
	u16 g = (u16)((group >> 8) | (group << 8));
	sys6(54, fd, 1 /* SOL_SOCKET */, 33 /* SO_RCVBUFFORCE */, (long)&sz, 4, 0);
	/* NFNL_SUBSYS_ULOG=4, NFULNL_MSG_CONFIG=1; NFULA_CFG_CMD=1 BIND=1 */
	u8 cmd = 1;
	u32 len = nl_msg(m, 4 << 8 | 1, 1 | 4, 2 /* AF_INET */, g);
	len = nl_attr(m, len, 1, &cmd, 1);
	nl_talk(fd, m, len, "nflog bind");
	/* NFULA_CFG_MODE=2: be32 copy_range, u8 copy_mode (COPY_PACKET=2), pad */
	u8 mode[6] = { 0, 0, 0xff, 0xff, 2, 0 };
	len = nl_msg(m, 4 << 8 | 1, 1 | 4, 2, g);
	len = nl_attr(m, len, 2, mode, 6);
	nl_talk(fd, m, len, "nflog mode");
	/* NFULA_CFG_QTHRESH=4 (be32): one packet per message, no batching, so
	 * that the last packets are not held back by the 1 s flush timer */
	u8 qt[4] = { 0, 0, 0, 1 };
	len = nl_msg(m, 4 << 8 | 1, 1 | 4, 2, g);
	len = nl_attr(m, len, 4, qt, 4);
	nl_talk(fd, m, len, "nflog qthresh");
	unsigned long c0 = cpu_ns();
	out("nflog ready\n");
	unsigned long got = 0, nobufs = 0;
	while (got < want) {
		long n = sys6(45, fd, (long)buf, sizeof(buf), 0, 0, 0);
		if (n == -105 /* ENOBUFS */) { nobufs++; continue; }
		if (n < 0) die("recv failed\n");
		long off = 0;
		while (off + 16 <= n) {
			struct nlmsghdr *h = (void *)(buf + off);
			if (h->len < 16) break;
			if (h->type == (4 << 8 | 0) /* NFULNL_MSG_PACKET */) got++;
			off += (h->len + 3) & ~3;
		}
	}
	unsigned long c1 = cpu_ns();
	out("nflog "); outnum(got); out(" "); outnum(nobufs); out(" "); outnum(c1 - c0); out("\n");
}

int cmain(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	if (argc >= 2 && streq(argv[1], "now")) {
		outnum(now()); out("\n");
	} else if (argc >= 3 && streq(argv[1], "loop")) {
		unsigned long n = num(argv[2]);
		unsigned long t0 = now();
		__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
		unsigned long t1 = now();
		outnum(t1 - t0); out("\n");
	} else if (argc >= 3 && streq(argv[1], "nfacct")) {
		do_nfacct(argv[2]);
	} else if (argc >= 4 && streq(argv[1], "nflog")) {
		do_nflog(num(argv[2]), num(argv[3]));
	} else {
		die("usage: guest_helper now | loop N | nfacct NAME | nflog GROUP N\n");
	}
	sys3(60, 0, 0, 0);
	return 0;
}

__asm__(".globl _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall cmain\n\thlt\n");
