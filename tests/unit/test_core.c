// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests for the xt_pktstat window/FIFO core
 * (src/pktstat_core.[ch]).  No framework: each test prints
 * "ok N - desc" or "not ok N - desc" followed by "#" diagnostic lines, and
 * the program ends with "N passed, M failed" and exits non-zero on failure.
 *
 * The tests drive the core exactly as the module does:
 *   packet:  if (!pktstat_cpu_add(cpu, period, now, len))
 *                pktstat_cpu_packet(fifo, cpu, now, len);      (lock held)
 *   timer:   if (pktstat_cpu_expired(cpu, period, now))
 *                pktstat_cpu_close(fifo, cpu);                 (lock held)
 *   reader:  pktstat_fifo_pop() claims samples (each with its FIFO
 *            sequence number), then per sample pktstat_fifo_delivered()
 *            or pktstat_fifo_unpop(), in any order, from any number of
 *            readers; a claimed or delivered entry keeps its place in
 *            the FIFO (and in the capacity) until the entries before it
 *            are delivered too.
 *
 * Environment (randomized test): TEST_SEED (number, or "random"),
 * TEST_RUNS (default 200), TEST_EVENTS (default 20000).  A failing run
 * prints the seed that replays it alone: TEST_SEED=<seed> TEST_RUNS=1.
 * TEST_TIMEOUT (seconds, default 120, 0: none) bounds each test (the
 * randomized one gets 10us per event more), so that a core that loops
 * forever fails the test instead of hanging it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pktstat_core.h"

/* ------------------------------------------------------------------ */
/* tiny test harness                                                   */

static unsigned int n_run, n_pass, n_fail;
static unsigned int cur_fail;
static char diag[16384];
static size_t diag_len;

static void diagf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diagf(const char *fmt, ...)
{
	va_list ap;
	int k;

	if (diag_len >= sizeof(diag) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(diag + diag_len, sizeof(diag) - diag_len, fmt, ap);
	va_end(ap);
	if (k > 0)
		diag_len += (size_t)k;
	if (diag_len > sizeof(diag) - 1)
		diag_len = sizeof(diag) - 1;
}

static void failf(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void failf(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	cur_fail++;
	if (cur_fail > 25) {
		if (cur_fail == 26)
			diagf("#   ... further failures not shown\n");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diagf("#   %s:%d: %s\n", file, line, msg);
}

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			failf(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
	} while (0)

#define CHECK_U64(got, exp)						\
	do {								\
		uint64_t g_ = (uint64_t)(got), e_ = (uint64_t)(exp);	\
		if (g_ != e_)						\
			failf(__FILE__, __LINE__,			\
			      "%s = %" PRIu64 ", expected %" PRIu64 " (%s)", \
			      #got, g_, e_, #exp);			\
	} while (0)

#define CHECK_SAMPLE(smp, st, fr, by)					\
	do {								\
		const struct pktstat_sample *s_ = &(smp);		\
		uint64_t st_ = (st), fr_ = (fr), by_ = (by);		\
		if (s_->start != st_ || s_->frames != fr_ || s_->bytes != by_) \
			failf(__FILE__, __LINE__,			\
			      "%s = {%" PRIu64 " %" PRIu64 " %" PRIu64	\
			      "}, expected {%" PRIu64 " %" PRIu64 " %" PRIu64 "}", \
			      #smp, s_->start, s_->frames, s_->bytes,	\
			      st_, fr_, by_);				\
	} while (0)

/* the watchdog: a test that does not finish in time fails, and ends the
 * program (the core is stuck in a loop) */
static unsigned int test_timeout = 120;
static char timeout_msg[512];

static void on_timeout(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, timeout_msg, strlen(timeout_msg));
	r = write(STDOUT_FILENO, diag, diag_len);
	(void)r;
	_exit(1);
}

static void run_test_limit(void (*fn)(void), const char *desc,
			   unsigned int extra_s)
{
	unsigned int limit = test_timeout ? test_timeout + extra_s : 0;

	cur_fail = 0;
	diag_len = 0;
	diag[0] = 0;
	snprintf(timeout_msg, sizeof(timeout_msg), "not ok %u - %s\n#   "
		 "no result after %u s: stuck (a loop in the core?); "
		 "stopping\n", n_run + 1, desc, limit);
	fflush(stdout);
	signal(SIGALRM, on_timeout);
	alarm(limit);
	fn();
	alarm(0);
	n_run++;
	if (cur_fail) {
		n_fail++;
		printf("not ok %u - %s\n%s", n_run, desc, diag);
	} else {
		n_pass++;
		printf("ok %u - %s\n%s", n_run, desc, diag);
	}
	fflush(stdout);
}

#define RUN(fn, desc) run_test_limit(fn, desc, 0)

/* ------------------------------------------------------------------ */
/* a name: one FIFO and its CPUs, driven like the module drives them   */

#define MAXCPU 8
#define NS_PER_S 1000000000ull
#define EPOCH 1700000000000000000ull	/* 2023-11-14, in ns */

struct sim {
	struct pktstat_fifo f;
	struct pktstat_entry *ring;
	struct pktstat_cpu cpu[MAXCPU];
	struct pktstat_drop_slot slots[MAXCPU];
	unsigned int ncpu;
	uint64_t period;
	uint64_t sent_frames, sent_bytes;	/* what the "network" sent */
	uint64_t got_frames, got_bytes;		/* what drain() delivered */
};

static void sim_init(struct sim *s, uint32_t cap, uint64_t period,
		     unsigned int ncpu)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->ring = calloc(cap, sizeof(*s->ring));
	if (!s->ring) {
		perror("calloc");
		exit(2);
	}
	/* the ring's contents are documented as ignored: poison them */
	memset(s->ring, 0xa5, cap * sizeof(*s->ring));
	pktstat_fifo_init(&s->f, s->ring, cap, period, s->slots, MAXCPU);
	s->ncpu = ncpu;
	s->period = period;
	for (i = 0; i < MAXCPU; i++)
		s->cpu[i].entry = PKTSTAT_NO_ENTRY;
}

static void sim_free(struct sim *s)
{
	free(s->ring);
	s->ring = NULL;
}

/* One packet on CPU @c; returns true when it took the fast path. */
static bool pkt(struct sim *s, unsigned int c, uint64_t now, uint32_t len)
{
	s->sent_frames++;
	s->sent_bytes += len;
	if (pktstat_cpu_add(&s->cpu[c], s->period, now, len))
		return true;
	pktstat_cpu_packet(&s->f, &s->cpu[c], now, len);
	return false;
}

/* The per-CPU timer; returns true when it closed a window. */
static bool timer(struct sim *s, unsigned int c, uint64_t now)
{
	if (!pktstat_cpu_expired(&s->cpu[c], s->period, now))
		return false;
	pktstat_cpu_close(&s->f, &s->cpu[c]);
	return true;
}

static void close_all(struct sim *s)
{
	unsigned int i;

	for (i = 0; i < s->ncpu; i++)
		pktstat_cpu_close(&s->f, &s->cpu[i]);
}

/* Pop everything poppable (in odd-sized batches) and deliver it. */
static unsigned int drain(struct sim *s, struct pktstat_sample *out,
			  unsigned int max)
{
	unsigned int n = 0, k, i;

	for (;;) {
		k = pktstat_fifo_pop(&s->f, out + n,
				     max - n < 3 ? max - n : 3);
		if (k)	/* the batch at once, as the module does */
			pktstat_fifo_delivered(&s->f, &out[n], k);
		for (i = 0; i < k; i++) {
			s->got_frames += out[n + i].frames;
			s->got_bytes += out[n + i].bytes;
		}
		n += k;
		if (!k || n == max)
			return n;
	}
}

/* The reader delivers one sample it popped. */
static void deliver(struct sim *s, const struct pktstat_sample *smp)
{
	pktstat_fifo_delivered(&s->f, smp, 1);
	s->got_frames += smp->frames;
	s->got_bytes += smp->bytes;
}

static uint64_t used(const struct sim *s)
{
	return pktstat_fifo_used(&s->f);
}

static const char *state_name(uint32_t st)
{
	switch (st) {
	case PKTSTAT_QUEUED:
		return "QUEUED";
	case PKTSTAT_CLAIMED:
		return "CLAIMED";
	case PKTSTAT_DELIVERED:
		return "DELIVERED";
	}
	return "(invalid)";
}

/*
 * The histogram: every window opened (kept or refused) is either finished
 * and counted once, or still filled by some CPU; the buckets add up to the
 * windows; the sums are those of the finished windows.
 */
static void check_hist(const struct sim *s, const char *file, int line)
{
	const struct pktstat_fifo *f = &s->f;
	const struct pktstat_hist *h = &f->hist;
	uint64_t opened, open = 0, nb = 0, nf = 0, fin_f, fin_b, seq;
	uint64_t slot_f = 0, slot_b = 0;
	const struct pktstat_entry *e;
	unsigned int i;

	opened = f->read.samples + f->dropped.samples + f->queued.samples +
		 f->in_readers.samples;
	fin_f = f->read.frames + f->dropped.frames;
	fin_b = f->read.bytes + f->dropped.bytes;
	for (seq = f->head; seq != f->tail && seq - f->head <= f->capacity;
	     seq++) {
		e = &f->ring[seq % f->capacity];
		if (e->holders) {
			open++;
		} else if (e->state != PKTSTAT_DELIVERED) {
			fin_f += e->frames;
			fin_b += e->bytes;
		}
	}
	for (i = 0; i < f->n_drop_slots; i++) {
		if (!f->drop_slots[i].holders)
			continue;
		open++;
		slot_f += f->drop_slots[i].frames;
		slot_b += f->drop_slots[i].bytes;
	}
	for (i = 0; i < PKTSTAT_HIST_BUCKETS; i++) {
		nb += h->bytes[i];
		nf += h->frames[i];
	}
	if (h->windows + open != opened)
		failf(file, line, "hist: %" PRIu64 " windows finished + %"
		      PRIu64 " open != %" PRIu64 " opened", h->windows, open,
		      opened);
	if (nb != h->windows || nf != h->windows)
		failf(file, line, "hist: buckets hold %" PRIu64 " (bytes) and %"
		      PRIu64 " (frames) windows, not %" PRIu64, nb, nf,
		      h->windows);
	if (h->frames_sum != fin_f - slot_f || h->bytes_sum != fin_b - slot_b)
		failf(file, line, "hist: sums %" PRIu64 "/%" PRIu64 " != "
		      "finished windows' %" PRIu64 "/%" PRIu64, h->frames_sum,
		      h->bytes_sum, fin_f - slot_f, fin_b - slot_b);
}

/*
 * seen = read + dropped + queued + in_readers + CPU partials; capacity;
 * the entries [head, tail) agree with the counters: the QUEUED ones (being
 * filled or finished) hold queued, the CLAIMED ones in_readers, DELIVERED
 * ones wait behind an undelivered one (never at the head), and no QUEUED
 * entry lies before next_queued.
 */
static void check_accounting(const struct sim *s, const char *file, int line)
{
	uint64_t sf = 0, sb = 0, pf = 0, pb = 0, rf, rb;
	uint64_t nq = 0, qf = 0, qb = 0, nc = 0, cf = 0, cb = 0, seq;
	const struct pktstat_fifo *f = &s->f;
	const struct pktstat_entry *e;
	unsigned int i, bad = 0;

	for (i = 0; i < MAXCPU; i++) {
		sf += pktstat_cpu_seen_frames(&s->cpu[i]);
		sb += pktstat_cpu_seen_bytes(&s->cpu[i]);
		pf += s->cpu[i].frames;
		pb += s->cpu[i].bytes;
	}
	rf = f->read.frames + f->dropped.frames + f->queued.frames +
	     f->in_readers.frames + pf;
	rb = f->read.bytes + f->dropped.bytes + f->queued.bytes +
	     f->in_readers.bytes + pb;
	if (sf != s->sent_frames || sb != s->sent_bytes)
		failf(file, line, "seen %" PRIu64 "/%" PRIu64 " != sent %"
		      PRIu64 "/%" PRIu64, sf, sb, s->sent_frames,
		      s->sent_bytes);
	if (sf != rf || sb != rb)
		failf(file, line, "conservation: seen %" PRIu64 "/%" PRIu64
		      " != read+dropped+pending %" PRIu64 "/%" PRIu64,
		      sf, sb, rf, rb);
	if (pktstat_fifo_used(f) > f->capacity) {
		failf(file, line, "used %" PRIu64 " > capacity %u (head %"
		      PRIu64 ", tail %" PRIu64 ")", pktstat_fifo_used(f),
		      f->capacity, f->head, f->tail);
	} else {
		if (f->tail_slot != f->tail % f->capacity)
			failf(file, line, "ring place %u for tail %" PRIu64
			      " of %u", f->tail_slot, f->tail, f->capacity);
		for (seq = f->head; seq != f->tail; seq++) {
			e = &f->ring[seq % f->capacity];
			if (e->holders && e->state != PKTSTAT_QUEUED &&
			    bad++ < 3)
				failf(file, line, "entry %" PRIu64 " is %s "
				      "while %u CPUs fill it", seq,
				      state_name(e->state), e->holders);
			if (seq < f->next_queued &&
			    e->state == PKTSTAT_QUEUED && bad++ < 3)
				failf(file, line, "QUEUED entry %" PRIu64
				      " before next_queued %" PRIu64, seq,
				      f->next_queued);
			switch (e->state) {
			case PKTSTAT_QUEUED:
				nq++;
				qf += e->frames;
				qb += e->bytes;
				break;
			case PKTSTAT_CLAIMED:
				nc++;
				cf += e->frames;
				cb += e->bytes;
				break;
			case PKTSTAT_DELIVERED:
				if (seq == f->head && bad++ < 3)
					failf(file, line, "DELIVERED entry %"
					      PRIu64 " left at the head", seq);
				break;
			default:
				if (bad++ < 3)
					failf(file, line, "entry %" PRIu64
					      " in state %u", seq, e->state);
			}
		}
		if (f->queued.samples != nq || f->queued.frames != qf ||
		    f->queued.bytes != qb)
			failf(file, line, "queued %" PRIu64 "/%" PRIu64 "/%"
			      PRIu64 " != QUEUED entries %" PRIu64 "/%" PRIu64
			      "/%" PRIu64, f->queued.samples, f->queued.frames,
			      f->queued.bytes, nq, qf, qb);
		if (f->in_readers.samples != nc || f->in_readers.frames != cf ||
		    f->in_readers.bytes != cb)
			failf(file, line, "in_readers %" PRIu64 "/%" PRIu64 "/%"
			      PRIu64 " != CLAIMED entries %" PRIu64 "/%" PRIu64
			      "/%" PRIu64, f->in_readers.samples,
			      f->in_readers.frames, f->in_readers.bytes, nc, cf,
			      cb);
	}
	if (f->next_queued > f->tail)
		failf(file, line, "next_queued %" PRIu64 " > tail %" PRIu64,
		      f->next_queued, f->tail);
	check_hist(s, file, line);
	if (f->read.frames != s->got_frames || f->read.bytes != s->got_bytes)
		failf(file, line, "read %" PRIu64 "/%" PRIu64
		      " != delivered by test %" PRIu64 "/%" PRIu64,
		      f->read.frames, f->read.bytes, s->got_frames,
		      s->got_bytes);
}

#define CHECK_ACCOUNTING(s) check_accounting(s, __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* deterministic cases                                                 */

static void test_window_boundaries(void)
{
	const uint64_t P = 1000000;	/* 1ms */
	const uint64_t B = 1700000000123000000ull;	/* multiple of P */
	struct pktstat_sample out[8];
	struct sim s;
	unsigned int n;

	sim_init(&s, 16, P, 1);
	CHECK(!pkt(&s, 0, B - 1, 100));		/* first packet: slow */
	CHECK_U64(s.cpu[0].start, B - P);
	CHECK(s.cpu[0].open);
	CHECK(!pkt(&s, 0, B, 200));			/* new window */
	CHECK_U64(s.cpu[0].start, B);
	CHECK(pkt(&s, 0, B + P - 1, 300));		/* same window */
	CHECK_U64(s.cpu[0].start, B);
	CHECK(!pkt(&s, 0, B + P, 400));		/* next window */
	CHECK_U64(s.cpu[0].start, B + P);
	CHECK_ACCOUNTING(&s);

	/* the window being filled is not readable yet */
	n = drain(&s, out, 8);
	CHECK_U64(n, 2);
	CHECK_SAMPLE(out[0], B - P, 1, 100);
	CHECK_SAMPLE(out[1], B, 2, 500);

	/* the timer closes it exactly at its end */
	CHECK(!pktstat_cpu_expired(&s.cpu[0], P, B + P));
	CHECK(!pktstat_cpu_expired(&s.cpu[0], P, B + 2 * P - 1));
	CHECK(pktstat_cpu_expired(&s.cpu[0], P, B + 2 * P));
	CHECK(!timer(&s, 0, B + 2 * P - 1));
	CHECK_U64(drain(&s, out, 8), 0);
	CHECK(timer(&s, 0, B + 2 * P));
	CHECK(!s.cpu[0].open);
	CHECK(!pktstat_cpu_expired(&s.cpu[0], P, B + 100 * P));
	n = drain(&s, out, 8);
	CHECK_U64(n, 1);
	CHECK_SAMPLE(out[0], B + P, 1, 400);
	CHECK_U64(s.f.clock_back, 0);
	CHECK_U64(s.f.dropped.samples, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* an odd period: start = now - now % period */
	sim_init(&s, 4, 7777, 1);
	pkt(&s, 0, EPOCH, 1);
	CHECK_U64(s.cpu[0].start, 1699999999999995386ull);
	CHECK(pkt(&s, 0, 1699999999999995386ull + 7776, 1));
	CHECK(!pkt(&s, 0, 1699999999999995386ull + 7777, 1));
	CHECK_U64(s.cpu[0].start, 1699999999999995386ull + 7777);
	close_all(&s);
	n = drain(&s, out, 8);
	CHECK_U64(n, 2);
	CHECK_SAMPLE(out[0], 1699999999999995386ull, 2, 2);
	CHECK_SAMPLE(out[1], 1699999999999995386ull + 7777, 1, 1);
	CHECK_U64(out[0].start % 7777, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_period_1us(void)
{
	const uint64_t P = 1000;
	const uint64_t T = 1700000000123456789ull;
	struct pktstat_sample out[64];
	struct sim s;
	unsigned int n, i;
	uint64_t now;

	sim_init(&s, 64, P, 1);
	pkt(&s, 0, T, 60);
	CHECK_U64(s.cpu[0].start, 1700000000123456000ull);
	/* one packet every 250ns for 10us: 40 packets in 10 or 11 windows */
	for (i = 1; i < 40; i++)
		pkt(&s, 0, T + 250 * (uint64_t)i, 60 + i);
	close_all(&s);
	n = drain(&s, out, 64);
	CHECK_U64(n, 11);	/* 789 + 39*250 = 10539: windows 456..466 */
	for (i = 0; i < n; i++) {
		uint64_t ws = 1700000000123456000ull + 1000 * (uint64_t)i;
		uint64_t fr = 0, by = 0, k;

		for (k = 0; k < 40; k++) {
			now = T + 250 * k;
			if (now / P * P == ws) {
				fr++;
				by += 60 + k;
			}
		}
		CHECK_SAMPLE(out[i], ws, fr, by);
		CHECK_U64(out[i].start % P, 0);
	}
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_period_3600s(void)
{
	const uint64_t P = 3600 * NS_PER_S;
	const uint64_t W = 1699999200000000000ull;	/* EPOCH - EPOCH % P */
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 8, P, 2);
	pkt(&s, 0, EPOCH, 1000);
	CHECK_U64(s.cpu[0].start, W);
	pkt(&s, 1, W, 1);
	CHECK(pkt(&s, 0, W + P - 1, 10));
	CHECK(!pkt(&s, 1, W + P, 100));
	CHECK_U64(s.cpu[1].start, W + P);
	CHECK(!pktstat_cpu_expired(&s.cpu[0], P, W + P - 1));
	CHECK(timer(&s, 0, W + P));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], W, 3, 1011);
	CHECK(timer(&s, 1, W + 2 * P + 5));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], W + P, 1, 100);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_uint64_extremes(void)
{
	const uint64_t M = UINT64_MAX;
	struct pktstat_sample out[8];
	struct sim s;

	/* 3600s: the last window of the uint64 clock */
	sim_init(&s, 8, 3600 * NS_PER_S, 1);
	pkt(&s, 0, M - 3600 * NS_PER_S, 7);	/* previous window */
	CHECK_U64(s.cpu[0].start, 18446742000000000000ull - 3600 * NS_PER_S);
	CHECK(!pkt(&s, 0, 18446742000000000000ull, 1));
	CHECK_U64(s.cpu[0].start, 18446742000000000000ull);
	CHECK(pkt(&s, 0, M - 1, 2));
	CHECK(pkt(&s, 0, M, 4));
	/* the window never ends before the clock wraps */
	CHECK(!pktstat_cpu_expired(&s.cpu[0], 3600 * NS_PER_S, M));
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], 18446742000000000000ull - 3600 * NS_PER_S, 1, 7);
	CHECK_SAMPLE(out[1], 18446742000000000000ull, 3, 7);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* 1us: the last window, then a step back to 2023 */
	sim_init(&s, 8, 1000, 2);
	pkt(&s, 0, M, 5);
	CHECK_U64(s.cpu[0].start, 18446744073709551000ull);
	CHECK(pkt(&s, 0, 18446744073709551000ull, 6));
	pkt(&s, 1, M - 615, 7);		/* other CPU, same window */
	CHECK(!pkt(&s, 0, EPOCH, 8));
	CHECK_U64(s.cpu[0].start, EPOCH);
	CHECK_U64(s.f.clock_back, 1);
	CHECK(pktstat_cpu_expired(&s.cpu[1], 1000, EPOCH + 3));
	CHECK(timer(&s, 1, EPOCH + 3));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], 18446744073709551000ull, 3, 18);
	CHECK(pkt(&s, 0, EPOCH + 999, 9));
	CHECK(timer(&s, 0, EPOCH + 1000));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH, 2, 17);
	CHECK_U64(s.f.clock_back, 1);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* ktime_t is s64: the largest real time is 2^63-1 */
	sim_init(&s, 8, 3600 * NS_PER_S, 1);
	pkt(&s, 0, (uint64_t)INT64_MAX, 1);
	CHECK_U64(s.cpu[0].start, 9223369200000000000ull);
	CHECK(pkt(&s, 0, 9223369200000000000ull, 2));
	CHECK(!pkt(&s, 0, 9223369200000000000ull - 1, 4));	/* back 1ns */
	CHECK_U64(s.f.clock_back, 1);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], 9223369200000000000ull, 2, 3);
	CHECK_SAMPLE(out[1], 9223369200000000000ull - 3600 * NS_PER_S, 1, 4);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* 64-bit byte counts: len near UINT32_MAX does not wrap */
	sim_init(&s, 2, 1000, 1);
	pkt(&s, 0, EPOCH, UINT32_MAX);
	pkt(&s, 0, EPOCH + 1, UINT32_MAX);
	pkt(&s, 0, EPOCH + 2, UINT32_MAX);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH, 3, 3 * (uint64_t)UINT32_MAX);
	CHECK_U64(pktstat_cpu_seen_bytes(&s.cpu[0]), 3 * (uint64_t)UINT32_MAX);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_gaps(void)
{
	const uint64_t P = 1000000;
	struct pktstat_sample out[16];
	struct sim s;
	unsigned int n, i;

	sim_init(&s, 16, P, 1);
	pkt(&s, 0, EPOCH + 10, 1);
	pkt(&s, 0, EPOCH + 5 * P + 10, 2);
	pkt(&s, 0, EPOCH + 5 * P + 20, 3);
	pkt(&s, 0, EPOCH + 6 * P, 4);
	CHECK(timer(&s, 0, EPOCH + 7 * P));
	/* the timer fires for nothing: no window, no sample */
	CHECK(!timer(&s, 0, EPOCH + 50 * P));
	pkt(&s, 0, EPOCH + 100 * P + P - 1, 5);
	CHECK(timer(&s, 0, EPOCH + 200 * P));
	n = drain(&s, out, 16);
	CHECK_U64(n, 4);
	CHECK_SAMPLE(out[0], EPOCH, 1, 1);
	CHECK_SAMPLE(out[1], EPOCH + 5 * P, 2, 5);
	CHECK_SAMPLE(out[2], EPOCH + 6 * P, 1, 4);
	CHECK_SAMPLE(out[3], EPOCH + 100 * P, 1, 5);
	for (i = 0; i < n; i++)
		CHECK(out[i].frames > 0);
	CHECK_U64(s.f.queued.samples + s.f.read.samples, 4);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_fifo_full(void)
{
	const uint64_t P = 1000;
	const uint32_t N = 4;
	struct pktstat_sample out[16];
	uint64_t dfr = 0, dby = 0;
	struct sim s;
	unsigned int i, k, n;

	sim_init(&s, N, P, 1);
	/* window i gets i+1 packets of 100+i bytes */
	for (i = 0; i < 10; i++) {
		for (k = 0; k <= i; k++)
			pkt(&s, 0, EPOCH + i * P + k, 100 + i);
		CHECK(used(&s) <= N);
		CHECK_ACCOUNTING(&s);
		if (i >= N) {
			dfr += i + 1;
			dby += (i + 1) * (100 + i);
		}
	}
	CHECK_U64(used(&s), N);
	close_all(&s);
	CHECK_U64(s.f.dropped.samples, 10 - N);
	CHECK_U64(s.f.dropped.frames, dfr);
	CHECK_U64(s.f.dropped.bytes, dby);
	n = drain(&s, out, 16);
	CHECK_U64(n, N);
	for (i = 0; i < n; i++)
		CHECK_SAMPLE(out[i], EPOCH + i * P, i + 1,
			     (uint64_t)(i + 1) * (100 + i));
	CHECK_ACCOUNTING(&s);

	/* once read, new windows are accepted again */
	pkt(&s, 0, EPOCH + 20 * P, 1);
	pkt(&s, 0, EPOCH + 21 * P, 2);
	CHECK_U64(used(&s), 2);
	close_all(&s);
	n = drain(&s, out, 16);
	CHECK_U64(n, 2);
	CHECK_SAMPLE(out[0], EPOCH + 20 * P, 1, 1);
	CHECK_SAMPLE(out[1], EPOCH + 21 * P, 1, 2);
	CHECK_U64(s.f.dropped.samples, 10 - N);
	CHECK_U64(s.f.read.samples, N + 2);
	CHECK_U64(s.f.clock_back, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* A window refused on one CPU stays refused when another CPU opens it
 * later, even if a reader made room in between. */
static void test_dropped_window_stays_dropped(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 2, P, 3);
	pkt(&s, 0, EPOCH, 10);
	pkt(&s, 0, EPOCH + P, 11);
	pkt(&s, 0, EPOCH + 2 * P, 12);		/* FIFO full: refused */
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK(pktstat_cpu_dropping(&s.cpu[0]));
	CHECK_U64(drain(&s, out, 8), 2);	/* room again */
	CHECK_SAMPLE(out[0], EPOCH, 1, 10);
	CHECK_SAMPLE(out[1], EPOCH + P, 1, 11);
	CHECK_U64(used(&s), 0);
	pkt(&s, 1, EPOCH + 2 * P + 5, 13);	/* same window, other CPUs */
	pkt(&s, 2, EPOCH + 2 * P + 6, 14);
	pkt(&s, 1, EPOCH + 2 * P + 7, 15);
	CHECK(pktstat_cpu_dropping(&s.cpu[1]));
	CHECK(pktstat_cpu_dropping(&s.cpu[2]));
	CHECK_U64(s.f.dropped.samples, 1);	/* one window, counted once */
	CHECK_ACCOUNTING(&s);
	/* the next window is accepted */
	pkt(&s, 2, EPOCH + 3 * P, 16);
	CHECK(!pktstat_cpu_dropping(&s.cpu[2]));
	CHECK(timer(&s, 0, EPOCH + 3 * P));
	CHECK(timer(&s, 1, EPOCH + 3 * P));
	CHECK(timer(&s, 2, EPOCH + 4 * P));
	CHECK_U64(s.f.dropped.frames, 4);
	CHECK_U64(s.f.dropped.bytes, 12 + 13 + 14 + 15);
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH + 3 * P, 1, 16);
	CHECK_U64(s.f.clock_back, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* Windows being filled count toward the capacity. */
static void test_open_windows_use_capacity(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 2, P, 3);
	pkt(&s, 0, EPOCH, 1);
	CHECK_U64(used(&s), 1);
	pkt(&s, 1, EPOCH + P, 2);		/* CPU 0 still fills EPOCH */
	CHECK_U64(used(&s), 2);
	pkt(&s, 2, EPOCH + 2 * P, 4);		/* full although nothing ended */
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(used(&s), 2);
	CHECK_U64(drain(&s, out, 8), 0);	/* both still being filled */
	CHECK(timer(&s, 0, EPOCH + 2 * P));
	CHECK(timer(&s, 1, EPOCH + 2 * P));
	CHECK(timer(&s, 2, EPOCH + 3 * P));
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], EPOCH, 1, 1);
	CHECK_SAMPLE(out[1], EPOCH + P, 1, 2);
	CHECK_U64(s.f.dropped.frames, 1);
	CHECK_U64(s.f.dropped.bytes, 4);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_merge_cpus(void)
{
	const uint64_t P = 1000000;
	struct pktstat_sample out[16];
	uint64_t fr[3] = { 0 }, by[3] = { 0 };
	struct sim s;
	unsigned int w, r, c, n;

	sim_init(&s, 8, P, 4);
	/* 4 CPUs interleaved, 5 rounds per window, 3 windows */
	for (w = 0; w < 3; w++)
		for (r = 0; r < 5; r++)
			for (c = 0; c < 4; c++) {
				uint32_t len = 10 * c + r + 100 * w;

				pkt(&s, c, EPOCH + w * P + r * 1000 + c, len);
				fr[w]++;
				by[w] += len;
				CHECK_ACCOUNTING(&s);
			}
	/* only the newest window is open; one entry per window */
	CHECK_U64(s.f.tail - s.f.head, 3);
	close_all(&s);
	n = drain(&s, out, 16);
	CHECK_U64(n, 3);
	for (w = 0; w < 3 && w < n; w++)
		CHECK_SAMPLE(out[w], EPOCH + w * P, fr[w], by[w]);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* An entry cannot be popped while any CPU holds it; the timer path makes
 * it poppable; a held head entry blocks the ones behind it. */
static void test_holders(void)
{
	const uint64_t P = 1000000;
	struct pktstat_sample out[8];
	struct sim s;
	unsigned int c;

	sim_init(&s, 8, P, 4);
	for (c = 0; c < 4; c++)
		pkt(&s, c, EPOCH + 100 + c, 10 + c);
	/* CPUs 0..2 move on, CPU 3 stays silent */
	for (c = 0; c < 3; c++) {
		pkt(&s, c, EPOCH + P + 100 + c, 20 + c);
		CHECK_U64(drain(&s, out, 8), 0);
	}
	/* window 2 finished by CPUs 0..2 on a third window: still behind */
	for (c = 0; c < 3; c++)
		pkt(&s, c, EPOCH + 2 * P + c, 30 + c);
	CHECK_U64(drain(&s, out, 8), 0);
	CHECK_U64(s.f.tail - s.f.head, 3);
	CHECK(!timer(&s, 3, EPOCH + P - 1));
	CHECK_U64(drain(&s, out, 8), 0);
	CHECK(timer(&s, 3, EPOCH + 2 * P + 5));	/* late timer */
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], EPOCH, 4, 10 + 11 + 12 + 13);
	CHECK_SAMPLE(out[1], EPOCH + P, 3, 20 + 21 + 22);
	/* the third window: closed by timers only, one by one */
	CHECK(timer(&s, 0, EPOCH + 3 * P));
	CHECK(timer(&s, 1, EPOCH + 3 * P));
	CHECK_U64(drain(&s, out, 8), 0);
	CHECK(!timer(&s, 3, EPOCH + 3 * P));
	CHECK(timer(&s, 2, EPOCH + 3 * P));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH + 2 * P, 3, 30 + 31 + 32);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_clock_forward(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 8, P, 2);
	pkt(&s, 0, EPOCH + 1, 1);
	pkt(&s, 1, EPOCH + 2, 2);
	/* five hours ahead: one new window, no loop over 1.8e10 windows */
	CHECK(!pkt(&s, 0, EPOCH + 5 * 3600 * NS_PER_S + 123, 4));
	CHECK_U64(s.cpu[0].start, EPOCH + 5 * 3600 * NS_PER_S);
	CHECK(timer(&s, 1, EPOCH + 5 * 3600 * NS_PER_S + 124));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH, 2, 3);
	/* from 1970 to 2023 in one step: ~1.7e15 windows of 1us */
	pkt(&s, 1, EPOCH * 2, 8);
	CHECK_U64(s.cpu[1].start, EPOCH * 2);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], EPOCH + 5 * 3600 * NS_PER_S, 1, 4);
	CHECK_SAMPLE(out[1], EPOCH * 2, 1, 8);
	CHECK_U64(s.f.clock_back, 0);
	CHECK_U64(s.f.dropped.samples, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	sim_init(&s, 8, P, 1);
	pkt(&s, 0, 1500, 1);
	pkt(&s, 0, EPOCH + 7, 2);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], 1000, 1, 1);
	CHECK_SAMPLE(out[1], EPOCH, 1, 2);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_clock_backward(void)
{
	const uint64_t P = 1000000;
	const uint64_t W10 = EPOCH + 10 * P, W11 = EPOCH + 11 * P;
	const uint64_t W3 = EPOCH + 3 * P, W4 = EPOCH + 4 * P;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 8, P, 2);
	pkt(&s, 0, W10 + 1, 1);
	pkt(&s, 1, W10 + 2, 2);
	pkt(&s, 0, W11 + 3, 4);		/* CPU 1 still holds W10 */
	/* the clock steps back 8 windows */
	CHECK(!pkt(&s, 0, W3 + 5, 8));		/* closes W11, opens W3 */
	CHECK_U64(s.cpu[0].start, W3);
	CHECK_U64(s.f.clock_back, 1);
	CHECK_U64(drain(&s, out, 8), 0);	/* W10 held by CPU 1 */
	/* CPU 1's timer sees the step as an expired window */
	CHECK(pktstat_cpu_expired(&s.cpu[1], P, W3 + 6));
	CHECK(timer(&s, 1, W3 + 6));
	CHECK_U64(drain(&s, out, 8), 2);	/* old windows: poppable */
	CHECK_SAMPLE(out[0], W10, 2, 3);
	CHECK_SAMPLE(out[1], W11, 1, 4);
	pkt(&s, 1, W3 + 7, 16);		/* joins W3 */
	CHECK_U64(s.f.clock_back, 1);
	pkt(&s, 0, W3 + 8, 32);
	pkt(&s, 1, W4, 64);
	pkt(&s, 0, W4 + 1, 128);
	CHECK_U64(s.f.clock_back, 1);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], W3, 3, 8 + 16 + 32);
	CHECK_SAMPLE(out[1], W4, 2, 64 + 128);
	CHECK_U64(s.f.dropped.frames, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* One step back by a few ns across a boundary: the same window start
 * shows twice, after one counted step; a step inside a window is not a
 * step as far as windows are concerned. */
static void test_clock_backward_small(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 8, P, 2);
	pkt(&s, 0, EPOCH + 900, 1);
	CHECK(pkt(&s, 0, EPOCH + 100, 2));	/* back inside the window */
	CHECK_U64(s.f.clock_back, 0);
	pkt(&s, 0, EPOCH + P + 1, 4);
	pkt(&s, 1, EPOCH + P + 2, 8);
	CHECK(timer(&s, 1, EPOCH + 2 * P));	/* CPU 1 closed W1 ... */
	CHECK(!pkt(&s, 0, EPOCH + P - 2, 16));	/* ... back 4ns: W0 again */
	CHECK_U64(s.f.clock_back, 1);
	pkt(&s, 1, EPOCH + P - 1, 32);
	CHECK_U64(s.f.clock_back, 1);
	pkt(&s, 1, EPOCH + P + 5, 64);		/* W1 again, not a step */
	CHECK_U64(s.f.clock_back, 1);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 4);
	CHECK_SAMPLE(out[0], EPOCH, 2, 3);
	CHECK_SAMPLE(out[1], EPOCH + P, 2, 12);
	CHECK_SAMPLE(out[2], EPOCH, 2, 48);
	CHECK_SAMPLE(out[3], EPOCH + P, 1, 64);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* A step back into a window that already ended (and maybe was read):
 * a new sample for the same start, after one counted step; the finished
 * entry is not reopened. */
static void test_clock_back_into_closed_window(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 8, P, 2);
	pkt(&s, 0, EPOCH + 500, 1);
	CHECK(timer(&s, 0, EPOCH + P));		/* W0 finished, unread */
	CHECK(!pkt(&s, 1, EPOCH + 600, 2));	/* back 400ns */
	CHECK_U64(s.f.clock_back, 1);
	CHECK_U64(s.f.tail - s.f.head, 2);
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH, 1, 1);
	CHECK(timer(&s, 1, EPOCH + P));
	CHECK_U64(drain(&s, out, 8), 1);	/* W0 finished and read */
	CHECK_SAMPLE(out[0], EPOCH, 1, 2);
	CHECK(!pkt(&s, 0, EPOCH + 700, 4));	/* back again */
	CHECK_U64(s.f.clock_back, 2);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH, 1, 4);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* Eight CPUs all see the same backward step: it counts once. */
static void test_clock_back_counted_once(void)
{
	const uint64_t P = 1000000;
	struct pktstat_sample out[16];
	struct sim s;
	unsigned int c;

	sim_init(&s, 16, P, 8);
	for (c = 0; c < 8; c++)
		pkt(&s, c, EPOCH + 50 * P + c, 1);
	for (c = 0; c < 8; c++)
		pkt(&s, c, EPOCH + 3600 * NS_PER_S + c, 2);	/* +1h */
	for (c = 0; c < 8; c++)
		pkt(&s, c, EPOCH + c, 4);			/* -1h */
	CHECK_U64(s.f.clock_back, 1);
	for (c = 0; c < 8; c++)
		pkt(&s, c, EPOCH + P + c, 8);
	CHECK_U64(s.f.clock_back, 1);
	close_all(&s);
	CHECK_U64(drain(&s, out, 16), 4);
	CHECK_SAMPLE(out[0], EPOCH + 50 * P, 8, 8);
	CHECK_SAMPLE(out[1], EPOCH + 3600 * NS_PER_S, 8, 16);
	CHECK_SAMPLE(out[2], EPOCH, 8, 32);
	CHECK_SAMPLE(out[3], EPOCH + P, 8, 64);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* n finished windows EPOCH + i*P with i+1 frames and 10*(i+1) bytes */
static void fill_windows(struct sim *s, unsigned int from, unsigned int n)
{
	unsigned int i;

	for (i = from; i < from + n; i++)
		pkt(s, 0, EPOCH + i * s->period, 10 * (i + 1));
	for (i = 0; i < s->ncpu; i++)
		timer(s, i, EPOCH + (from + n) * s->period);
}

#define CHECK_WIN(smp, i, P) \
	CHECK_SAMPLE(smp, EPOCH + (uint64_t)(i) * (P), 1, 10 * ((i) + 1))

static void test_unpop_reverse(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample b[8], out[8];
	struct sim s;
	unsigned int i;

	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 5);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 0), 0);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 3), 3);
	for (i = 0; i < 3; i++) {
		CHECK_WIN(b[i], i, P);
		CHECK_U64(b[i].seq, s.f.head + i);
	}
	CHECK_U64(s.f.in_readers.samples, 3);
	CHECK_U64(s.f.in_readers.frames, 3);
	CHECK_U64(s.f.in_readers.bytes, 60);
	CHECK_U64(s.f.queued.samples, 2);
	CHECK_U64(used(&s), 5);
	CHECK_ACCOUNTING(&s);
	pktstat_fifo_unpop(&s.f, &b[2]);
	pktstat_fifo_unpop(&s.f, &b[1]);
	pktstat_fifo_unpop(&s.f, &b[0]);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(s.f.in_readers.frames, 0);
	CHECK_U64(s.f.in_readers.bytes, 0);
	CHECK_U64(s.f.queued.samples, 5);
	CHECK_U64(used(&s), 5);
	CHECK_U64(s.f.read.samples, 0);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(drain(&s, out, 8), 5);
	for (i = 0; i < 5; i++)
		CHECK_WIN(out[i], i, P);
	CHECK_U64(s.f.read.samples, 5);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* The module's partial read: deliver some, keep the one being returned,
 * give back the rest; later give back (or deliver) the kept one. */
static void test_partial_read(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample b[8], out[8];
	struct sim s;
	unsigned int i;

	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 6);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 5), 5);
	CHECK_U64(used(&s), 6);
	deliver(&s, &b[0]);
	CHECK_U64(used(&s), 5);
	deliver(&s, &b[1]);
	/* b[2] half returned: kept; b[4], b[3] given back */
	pktstat_fifo_unpop(&s.f, &b[4]);
	pktstat_fifo_unpop(&s.f, &b[3]);
	CHECK_U64(s.f.in_readers.samples, 1);
	CHECK_U64(s.f.in_readers.bytes, 30);
	CHECK_U64(s.f.read.samples, 2);
	CHECK_U64(used(&s), 4);
	CHECK_ACCOUNTING(&s);
	/* b[2] is still claimed: the next pop starts behind it */
	CHECK_U64(pktstat_fifo_pop(&s.f, out, 1), 1);
	CHECK_WIN(out[0], 3, P);
	CHECK_U64(out[0].seq, b[3].seq);
	pktstat_fifo_unpop(&s.f, &out[0]);
	/* the reader closes: b[2] goes back too */
	pktstat_fifo_unpop(&s.f, &b[2]);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(used(&s), 4);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(drain(&s, out, 8), 4);
	for (i = 0; i < 4; i++)
		CHECK_WIN(out[i], i + 2, P);
	CHECK_U64(s.f.read.samples, 6);
	CHECK_U64(s.f.read.frames, 6);
	CHECK_U64(s.f.read.bytes, 10 + 20 + 30 + 40 + 50 + 60);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* Popped samples keep their place in the capacity, so unpop never fails,
 * even when the FIFO is otherwise full and the ring has wrapped. */
static void test_unpop_when_full(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample b[8], out[8];
	struct sim s;
	unsigned int i;

	sim_init(&s, 3, P, 1);
	/* wrap the ring a few times first */
	for (i = 0; i < 4; i++) {
		fill_windows(&s, 3 * i, 3);
		CHECK_U64(drain(&s, out, 8), 3);
		CHECK_WIN(out[0], 3 * i, P);
		CHECK_WIN(out[2], 3 * i + 2, P);
	}
	fill_windows(&s, 20, 2);			/* W20, W21 */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 1), 1);	/* W20 held */
	CHECK_WIN(b[0], 20, P);
	pkt(&s, 0, EPOCH + 22 * P, 10 * 23);		/* W22 being filled */
	CHECK_U64(used(&s), 3);
	CHECK_U64(s.f.dropped.samples, 0);
	pkt(&s, 0, EPOCH + 23 * P, 10 * 24);		/* full: dropped */
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(s.f.dropped.frames, 0);		/* still partial */
	CHECK_ACCOUNTING(&s);
	pktstat_fifo_unpop(&s.f, &b[0]);
	CHECK_U64(used(&s), 3);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_ACCOUNTING(&s);
	pkt(&s, 0, EPOCH + 24 * P, 10 * 25);		/* full: dropped */
	CHECK_U64(s.f.dropped.samples, 2);
	CHECK_U64(s.f.dropped.frames, 1);
	CHECK_U64(s.f.dropped.bytes, 240);
	close_all(&s);
	CHECK_U64(drain(&s, out, 8), 3);
	CHECK_WIN(out[0], 20, P);
	CHECK_WIN(out[1], 21, P);
	CHECK_WIN(out[2], 22, P);
	CHECK_U64(s.f.dropped.frames, 2);
	CHECK_ACCOUNTING(&s);

	/* everything claimed: claimed samples fill the capacity alone */
	fill_windows(&s, 30, 3);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 8), 3);
	CHECK_U64(s.f.in_readers.samples, 3);
	CHECK_U64(s.f.queued.samples, 0);
	CHECK_U64(pktstat_fifo_pop(&s.f, out, 8), 0);
	CHECK_U64(used(&s), 3);
	pkt(&s, 0, EPOCH + 40 * P, 1);			/* dropped */
	CHECK_U64(s.f.dropped.samples, 3);
	pktstat_fifo_unpop(&s.f, &b[2]);
	pktstat_fifo_unpop(&s.f, &b[1]);
	pktstat_fifo_unpop(&s.f, &b[0]);
	CHECK_U64(used(&s), 3);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(drain(&s, out, 8), 3);
	for (i = 0; i < 3; i++)
		CHECK_WIN(out[i], 30 + i, P);
	close_all(&s);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(used(&s), 0);
	sim_free(&s);
}

/*
 * Two readers, as the module's data file allows: each holds the sample
 * whose line it has half returned (dd bs=1), and both close.  Each gives
 * its samples back in the reverse order it popped them (as the module
 * does), but the readers interleave.  The FIFO must still return the
 * windows oldest first (spec 4.5: within a stream timestamps increase; no
 * clock step happened here).
 */
static void test_two_readers_give_back(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample a[4], b[4], out[8];
	struct sim s;
	unsigned int n, i;

	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 4);
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 1), 1);	/* reader A: W0 */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 1), 1);	/* reader B: W1 */
	CHECK_WIN(a[0], 0, P);
	CHECK_WIN(b[0], 1, P);
	CHECK_U64(b[0].seq, a[0].seq + 1);
	CHECK_U64(s.f.in_readers.samples, 2);
	pktstat_fifo_unpop(&s.f, &a[0]);		/* A closes first */
	CHECK_U64(s.f.in_readers.samples, 1);
	pktstat_fifo_unpop(&s.f, &b[0]);		/* then B */
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(used(&s), 4);
	CHECK_ACCOUNTING(&s);
	n = drain(&s, out, 8);
	CHECK_U64(n, 4);
	for (i = 0; i < n; i++) {
		CHECK_WIN(out[i], i, P);
		CHECK_U64(out[i].seq, a[0].seq + i);
	}
	CHECK_U64(used(&s), 0);
	sim_free(&s);

	/* the module's batch pattern: A pops 4, is returning W0, gives back
	 * W3..W1; B pops W1, W2, is returning W1, gives back W2; A closes,
	 * then B closes. */
	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 5);
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 4), 4);
	pktstat_fifo_unpop(&s.f, &a[3]);
	pktstat_fifo_unpop(&s.f, &a[2]);
	pktstat_fifo_unpop(&s.f, &a[1]);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 2), 2);
	CHECK_WIN(b[0], 1, P);
	CHECK_WIN(b[1], 2, P);
	pktstat_fifo_unpop(&s.f, &b[1]);
	pktstat_fifo_unpop(&s.f, &a[0]);
	pktstat_fifo_unpop(&s.f, &b[0]);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(used(&s), 5);
	CHECK_ACCOUNTING(&s);
	n = drain(&s, out, 8);
	CHECK_U64(n, 5);
	for (i = 0; i < n; i++)
		CHECK_WIN(out[i], i, P);
	sim_free(&s);

	/* both readers deliver what they hold, the later one first */
	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 4);
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 2), 2);	/* A: W0, W1 */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 1), 1);	/* B: W2 */
	CHECK_WIN(b[0], 2, P);
	deliver(&s, &b[0]);
	pktstat_fifo_unpop(&s.f, &a[1]);
	deliver(&s, &a[0]);
	CHECK_U64(used(&s), 3);				/* W1, W2, W3 */
	CHECK_ACCOUNTING(&s);
	n = drain(&s, out, 8);
	CHECK_U64(n, 2);
	CHECK_WIN(out[0], 1, P);
	CHECK_WIN(out[1], 3, P);
	CHECK_U64(used(&s), 0);
	CHECK_U64(s.f.read.samples, 4);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/*
 * unpop() in any order, from the middle too: a given-back sample is popped
 * again in its place, before the newer ones, and claimed ones are skipped.
 */
static void test_unpop_any_order(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample b[8], x[8], out[8];
	struct sim s;
	unsigned int i;

	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 6);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 4), 4);	/* W0..W3 */
	pktstat_fifo_unpop(&s.f, &b[1]);		/* W1 back, first */
	CHECK_U64(s.f.in_readers.samples, 3);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(pktstat_fifo_pop(&s.f, x, 1), 1);	/* W1 again */
	CHECK_WIN(x[0], 1, P);
	CHECK_U64(x[0].seq, b[1].seq);
	pktstat_fifo_unpop(&s.f, &x[0]);
	pktstat_fifo_unpop(&s.f, &b[0]);		/* oldest, then ... */
	pktstat_fifo_unpop(&s.f, &b[3]);		/* ... a newer one */
	CHECK_U64(s.f.in_readers.samples, 1);		/* W2 still out */
	CHECK_U64(used(&s), 6);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(pktstat_fifo_pop(&s.f, x, 8), 5);	/* W2 skipped */
	CHECK_WIN(x[0], 0, P);
	CHECK_WIN(x[1], 1, P);
	CHECK_WIN(x[2], 3, P);
	CHECK_WIN(x[3], 4, P);
	CHECK_WIN(x[4], 5, P);
	CHECK_U64(x[2].seq, b[3].seq);
	/* all back, oldest first this time */
	for (i = 0; i < 5; i++)
		pktstat_fifo_unpop(&s.f, &x[i]);
	pktstat_fifo_unpop(&s.f, &b[2]);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_U64(s.f.read.samples, 0);
	CHECK_U64(used(&s), 6);
	CHECK_ACCOUNTING(&s);
	CHECK_U64(drain(&s, out, 8), 6);
	for (i = 0; i < 6; i++) {
		CHECK_WIN(out[i], i, P);
		CHECK_U64(out[i].seq, b[0].seq + i);
	}
	CHECK_U64(used(&s), 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/*
 * A DELIVERED entry behind a CLAIMED one keeps occupying the capacity
 * until the claimed one is settled; then the whole delivered run is freed
 * at once.  pop() skips CLAIMED and DELIVERED entries without reordering.
 */
static void test_delivered_behind_claimed(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample a[4], b[4], c[4], out[8];
	struct sim s;
	unsigned int i;
	uint64_t h;

	sim_init(&s, 4, P, 1);
	fill_windows(&s, 0, 4);				/* full */
	h = s.f.head;
	CHECK_U64(used(&s), 4);
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 1), 1);	/* A: W0 */
	CHECK_WIN(a[0], 0, P);
	CHECK_U64(a[0].seq, h);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 2), 2);	/* B: W1, W2 */
	CHECK_WIN(b[0], 1, P);
	CHECK_WIN(b[1], 2, P);
	CHECK_U64(b[0].seq, h + 1);
	CHECK_U64(b[1].seq, h + 2);
	/* B delivers W2, then W1: both wait behind the claimed W0 */
	deliver(&s, &b[1]);
	CHECK_U64(used(&s), 4);
	CHECK_U64(s.f.head, h);
	CHECK_U64(s.f.in_readers.samples, 2);
	CHECK_U64(s.f.read.samples, 1);
	CHECK_U64(s.f.read.bytes, 30);
	CHECK_ACCOUNTING(&s);
	deliver(&s, &b[0]);
	CHECK_U64(used(&s), 4);
	CHECK_U64(s.f.head, h);
	CHECK_U64(s.f.in_readers.samples, 1);
	CHECK_U64(s.f.read.samples, 2);
	CHECK_ACCOUNTING(&s);
	/* so the FIFO is still full: a new window is refused */
	pkt(&s, 0, EPOCH + 4 * P, 50);
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK(pktstat_cpu_dropping(&s.cpu[0]));
	CHECK(timer(&s, 0, EPOCH + 5 * P));
	/* C's pop skips the claimed W0 and the delivered W1, W2 */
	CHECK_U64(pktstat_fifo_pop(&s.f, c, 4), 1);
	CHECK_WIN(c[0], 3, P);
	CHECK_U64(c[0].seq, h + 3);
	CHECK_U64(pktstat_fifo_pop(&s.f, out, 4), 0);
	pktstat_fifo_unpop(&s.f, &c[0]);
	CHECK_U64(pktstat_fifo_pop(&s.f, c, 4), 1);	/* W3 again, alone */
	CHECK_WIN(c[0], 3, P);
	pktstat_fifo_unpop(&s.f, &c[0]);
	/* A gives W0 back: queued again in its place; nothing is freed */
	pktstat_fifo_unpop(&s.f, &a[0]);
	CHECK_U64(used(&s), 4);
	CHECK_U64(s.f.head, h);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_ACCOUNTING(&s);
	/* W0 then W3: the delivered ones skipped, nothing reordered */
	CHECK_U64(pktstat_fifo_pop(&s.f, out, 8), 2);
	CHECK_WIN(out[0], 0, P);
	CHECK_WIN(out[1], 3, P);
	CHECK_U64(out[0].seq, h);
	CHECK_U64(out[1].seq, h + 3);
	CHECK_U64(used(&s), 4);
	/* delivering W0 frees W0, W1 and W2 together */
	deliver(&s, &out[0]);
	CHECK_U64(used(&s), 1);
	CHECK_U64(s.f.head, h + 3);
	CHECK_ACCOUNTING(&s);
	deliver(&s, &out[1]);
	CHECK_U64(used(&s), 0);
	CHECK_U64(s.f.read.samples, 4);
	CHECK_U64(s.f.read.frames, 4);
	CHECK_U64(s.f.read.bytes, 10 + 20 + 30 + 40);
	CHECK_ACCOUNTING(&s);
	/* the room is real: four new windows are kept */
	fill_windows(&s, 10, 4);
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(used(&s), 4);
	CHECK_U64(drain(&s, out, 8), 4);
	for (i = 0; i < 4; i++)
		CHECK_WIN(out[i], 10 + i, P);
	CHECK_U64(s.f.dropped.frames, 1);
	CHECK_U64(s.f.dropped.bytes, 50);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* the claimed head settled by delivering it: it and the delivered
	 * entry behind it are freed, up to a queued one, which still keeps
	 * the delivered entry behind it */
	sim_init(&s, 4, P, 1);
	fill_windows(&s, 0, 4);
	h = s.f.head;
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 1), 1);	/* A: W0 */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 3), 3);	/* B: W1..W3 */
	deliver(&s, &b[0]);				/* W1 */
	deliver(&s, &b[2]);				/* W3 */
	pktstat_fifo_unpop(&s.f, &b[1]);		/* W2 back */
	CHECK_U64(used(&s), 4);
	CHECK_U64(s.f.head, h);
	CHECK_ACCOUNTING(&s);
	deliver(&s, &a[0]);				/* W0: frees W0, W1 */
	CHECK_U64(used(&s), 2);
	CHECK_U64(s.f.head, h + 2);
	CHECK_U64(s.f.in_readers.samples, 0);
	CHECK_ACCOUNTING(&s);
	pkt(&s, 0, EPOCH + 4 * P, 50);			/* room: kept */
	CHECK(!pktstat_cpu_dropping(&s.cpu[0]));
	CHECK_U64(used(&s), 3);
	/* W2 only: W3 is delivered, W4 still being filled */
	CHECK_U64(pktstat_fifo_pop(&s.f, out, 8), 1);
	CHECK_WIN(out[0], 2, P);
	CHECK_U64(out[0].seq, h + 2);
	deliver(&s, &out[0]);				/* frees W2, W3 */
	CHECK_U64(used(&s), 1);
	CHECK_U64(s.f.head, h + 4);
	CHECK(timer(&s, 0, EPOCH + 5 * P));
	CHECK_U64(drain(&s, out, 8), 1);
	CHECK_SAMPLE(out[0], EPOCH + 4 * P, 1, 50);
	CHECK_U64(out[0].seq, h + 4);
	CHECK_U64(used(&s), 0);
	CHECK_U64(s.f.read.samples, 5);
	CHECK_U64(s.f.dropped.samples, 0);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/*
 * A window refused by a full FIFO must not make the same window start of a
 * later clock era (after a backward step) be refused too: that loses
 * traffic while the FIFO has room, without counting a dropped sample or
 * the step.
 */
static void test_drop_then_clock_back(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	struct sim s;

	sim_init(&s, 2, P, 1);
	pkt(&s, 0, EPOCH, 10);			/* W0 */
	pkt(&s, 0, EPOCH + P, 11);		/* W1 */
	pkt(&s, 0, EPOCH + 2 * P, 12);		/* W2: FIFO full, refused */
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(drain(&s, out, 8), 2);	/* W0, W1 read: empty */
	pkt(&s, 0, EPOCH + 3 * P, 13);		/* W3 */
	CHECK_U64(used(&s), 1);
	/* the wall clock steps back 995ns, into W2 */
	pkt(&s, 0, EPOCH + 2 * P + 5, 14);
	CHECK_U64(s.f.clock_back, 1);
	CHECK(!pktstat_cpu_dropping(&s.cpu[0]));	/* room: kept */
	CHECK(timer(&s, 0, EPOCH + 3 * P));
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(s.f.dropped.frames, 1);
	CHECK_U64(s.f.dropped.bytes, 12);
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_SAMPLE(out[0], EPOCH + 3 * P, 1, 13);
	CHECK_SAMPLE(out[1], EPOCH + 2 * P, 1, 14);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* The bucket table: 1..8, then each bound at most 25 % above the one
 * before; every size lands in the first bucket whose bound holds it. */
static void test_hist_bounds(void)
{
	uint64_t prev = 0, b, v;
	unsigned int i;

	for (i = 0; i < XT_PKTSTAT_HIST_BOUNDS; i++) {
		b = pktstat_hist_bound(i);
		if (i < XT_PKTSTAT_HIST_SMALL)
			CHECK_U64(b, i + 1);
		else if (b * 4 > prev * 5)
			failf(__FILE__, __LINE__, "bound %u = %" PRIu64
			      " more than 25 %% above %" PRIu64, i, b, prev);
		if (b <= prev)
			failf(__FILE__, __LINE__, "bound %u = %" PRIu64
			      " not above %" PRIu64, i, b, prev);
		/* the bound itself, and the next size, land right */
		CHECK_U64(pktstat_hist_bucket(b), i);
		CHECK_U64(pktstat_hist_bucket(b + 1), i + 1);
		if (i && b - prev > 1)
			CHECK_U64(pktstat_hist_bucket(prev + 1), i);
		prev = b;
	}
	CHECK_U64(pktstat_hist_bound(XT_PKTSTAT_HIST_BOUNDS - 1),
		  (uint64_t)1 << 48);
	CHECK_U64(pktstat_hist_bucket(0), 0);
	CHECK_U64(pktstat_hist_bucket(1), 0);
	CHECK_U64(pktstat_hist_bucket(10), 8);
	CHECK_U64(pktstat_hist_bucket(11), 9);
	CHECK_U64(pktstat_hist_bucket(~(uint64_t)0), XT_PKTSTAT_HIST_BOUNDS);
	/* every size: bucket(v) is the first bound >= v */
	for (v = 1; v < 100000; v++) {
		i = pktstat_hist_bucket(v);
		if (pktstat_hist_bound(i) < v ||
		    (i && pktstat_hist_bound(i - 1) >= v)) {
			failf(__FILE__, __LINE__, "size %" PRIu64 " in bucket %u"
			      " (bound %" PRIu64 ")", v, i,
			      pktstat_hist_bound(i));
			break;
		}
	}
}

/* Kept and dropped windows are counted once each, when finished, with
 * the sum over their CPUs; windows still filled are not counted yet. */
static void test_hist_kept_and_dropped(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample out[8];
	const struct pktstat_hist *h;
	struct sim s;

	sim_init(&s, 2, P, 3);
	h = &s.f.hist;
	pkt(&s, 0, EPOCH, 100);			/* W0: 2 CPUs, 3 frames */
	pkt(&s, 1, EPOCH + 1, 200);
	pkt(&s, 0, EPOCH + 2, 300);
	CHECK_U64(h->windows, 0);		/* still filled */
	pkt(&s, 0, EPOCH + P, 50);		/* W1: CPU 0 leaves W0 */
	CHECK_U64(h->windows, 0);		/* CPU 1 still fills W0 */
	CHECK(timer(&s, 1, EPOCH + P));
	CHECK_U64(h->windows, 1);
	CHECK_U64(h->frames[pktstat_hist_bucket(3)], 1);
	CHECK_U64(h->bytes[pktstat_hist_bucket(600)], 1);
	/* W2 refused (FIFO full: W0 finished, W1 filled), on 3 CPUs */
	pkt(&s, 1, EPOCH + 2 * P, 1000);
	CHECK(pktstat_cpu_dropping(&s.cpu[1]));
	pkt(&s, 2, EPOCH + 2 * P + 1, 1000);
	CHECK(pktstat_cpu_dropping(&s.cpu[2]));
	pkt(&s, 0, EPOCH + 2 * P + 2, 1000);	/* closes W1: 1 frame */
	CHECK(pktstat_cpu_dropping(&s.cpu[0]));
	CHECK_U64(s.f.dropped.samples, 1);
	CHECK_U64(h->windows, 2);
	CHECK(timer(&s, 0, EPOCH + 3 * P));
	CHECK(timer(&s, 2, EPOCH + 3 * P));
	CHECK_U64(h->windows, 2);		/* CPU 1 still fills W2 */
	CHECK_ACCOUNTING(&s);
	CHECK(timer(&s, 1, EPOCH + 3 * P));
	CHECK_U64(h->windows, 3);		/* W2 whole: 3 frames, 3000 B */
	CHECK_U64(h->frames[pktstat_hist_bucket(3)], 2);
	CHECK_U64(h->bytes[pktstat_hist_bucket(3000)], 1);
	CHECK_U64(h->frames[pktstat_hist_bucket(1)], 1);
	CHECK_U64(h->bytes[pktstat_hist_bucket(50)], 1);
	CHECK_U64(h->frames_sum, 3 + 1 + 3);
	CHECK_U64(h->bytes_sum, 600 + 50 + 3000);
	CHECK_U64(s.f.drop_free, 0);		/* the slot is free again */
	CHECK_ACCOUNTING(&s);
	/* reading changes nothing */
	CHECK_U64(drain(&s, out, 8), 2);
	CHECK_U64(h->windows, 3);
	CHECK_U64(h->windows, s.f.read.samples + s.f.dropped.samples);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* Discarding a setting's FIFO: finished windows nobody holds are counted
 * as dropped at once, held ones when given back; delivered ones stay read;
 * the FIFO ends empty and the books balance. */
/*
 * pktstat_fifo_late: a clock reading taken before the lock is out of date
 * once its window is older than the newest or no longer filled.  The
 * module then reads the clock again; without that, a CPU whose reading
 * predates a timer's close of the same window opened it a second time
 * (seen on the debug kernel: two samples with one timestamp).
 */
/* a reading at @now, as the module asks: by its window's start */
static bool late(const struct sim *s, uint64_t now)
{
	return pktstat_fifo_late(&s->f, pktstat_window_start(&s->f, now));
}

/*
 * pktstat_fifo_stepped_back: from a window opened before the latest one
 * (the clock went back) until one after the latest opens; then windows
 * take the short way again.  The module meanwhile reads the clock again
 * rather than trust a time worked out from a reading that may predate the
 * step.
 */
static void test_stepped_back(void)
{
	const uint64_t P = 1000;
	struct sim s;

	sim_init(&s, 8, P, 2);
	CHECK(!pktstat_fifo_stepped_back(&s.f));	/* nothing opened */
	pkt(&s, 0, EPOCH + 5 * P, 100);
	pkt(&s, 0, EPOCH + 6 * P, 100);
	CHECK(!pktstat_fifo_stepped_back(&s.f));	/* forward only */
	pkt(&s, 1, EPOCH + 2 * P, 100);			/* back 4 windows */
	CHECK(pktstat_fifo_stepped_back(&s.f));
	CHECK_U64(s.f.clock_back, 1);
	pkt(&s, 1, EPOCH + 4 * P, 100);			/* catching up */
	CHECK(pktstat_fifo_stepped_back(&s.f));
	pkt(&s, 1, EPOCH + 6 * P + 1, 100);		/* the latest's time */
	CHECK(pktstat_fifo_stepped_back(&s.f));
	pkt(&s, 1, EPOCH + 7 * P, 100);			/* after it */
	CHECK(!pktstat_fifo_stepped_back(&s.f));	/* caught up */
	pkt(&s, 1, EPOCH + 8 * P, 100);
	CHECK(!pktstat_fifo_stepped_back(&s.f));
	CHECK_U64(s.f.clock_back, 1);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_late_reading(void)
{
	const uint64_t P = 1000;
	struct sim s;

	sim_init(&s, 8, P, 2);
	CHECK(!late(&s, EPOCH));		/* nothing opened */
	pkt(&s, 0, EPOCH, 100);				/* W0 on CPU 0 */
	CHECK(!late(&s, EPOCH + 1));	/* W0 filled: join */
	CHECK(!late(&s, EPOCH + P));	/* a newer window */
	CHECK(timer(&s, 0, EPOCH + P));			/* the timer closes W0 */
	CHECK(late(&s, EPOCH + P - 1));	/* W0 finished */
	CHECK(!late(&s, EPOCH + P));
	pkt(&s, 1, EPOCH + P, 100);			/* W1 on CPU 1 */
	CHECK(late(&s, EPOCH + P - 1));	/* older than W1 */
	CHECK(!late(&s, EPOCH + 2 * P - 1));
	CHECK(timer(&s, 1, EPOCH + 2 * P));
	CHECK(late(&s, EPOCH + 2 * P - 1));
	CHECK_ACCOUNTING(&s);
	sim_free(&s);

	/* the same for a window a full FIFO refused (a drop slot) */
	sim_init(&s, 1, P, 2);
	pkt(&s, 0, EPOCH, 100);				/* W0 kept */
	CHECK(timer(&s, 0, EPOCH + P));
	pkt(&s, 1, EPOCH + P, 100);			/* W1 refused */
	CHECK(pktstat_cpu_dropping(&s.cpu[1]));
	CHECK(!late(&s, EPOCH + P + 1));	/* W1 filled */
	CHECK(timer(&s, 1, EPOCH + 2 * P));
	CHECK(late(&s, EPOCH + P + 1));	/* W1 finished */
	CHECK(!late(&s, EPOCH + 2 * P));
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

static void test_discard(void)
{
	const uint64_t P = 1000;
	struct pktstat_sample a[4], b[4];
	struct sim s;

	sim_init(&s, 8, P, 1);
	fill_windows(&s, 0, 5);
	CHECK_U64(pktstat_fifo_pop(&s.f, a, 2), 2);	/* W0, W1 claimed */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 1), 1);	/* W2 claimed */
	deliver(&s, &b[0]);				/* W2 read */
	pktstat_fifo_discard(&s.f);
	CHECK_U64(s.f.dropped.samples, 2);		/* W3, W4 */
	CHECK_U64(s.f.queued.samples, 0);
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 4), 0);
	CHECK_U64(used(&s), 5);
	CHECK_ACCOUNTING(&s);
	pktstat_fifo_unpop(&s.f, &a[1]);		/* W1 given back */
	CHECK_U64(s.f.dropped.samples, 3);
	CHECK_U64(used(&s), 5);				/* W0 still held */
	CHECK_U64(pktstat_fifo_pop(&s.f, b, 4), 0);
	deliver(&s, &a[0]);				/* W0 read */
	CHECK_U64(used(&s), 0);
	CHECK_U64(s.f.read.samples, 2);
	CHECK_U64(s.f.dropped.samples, 3);
	CHECK_U64(s.f.hist.windows, 5);
	CHECK_ACCOUNTING(&s);
	sim_free(&s);
}

/* ------------------------------------------------------------------ */
/* randomized runs with an independent reference model                */

static uint64_t rng_state;
static uint64_t n_exact, n_multi;	/* reference checks done / skipped */
static uint64_t n_waiting;	/* deliveries left behind an undelivered entry */
static uint64_t n_skipped;	/* pops that skipped CLAIMED/DELIVERED entries */

static uint64_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)	/* uniform enough in [0, n) */
{
	return n ? rng() % n : 0;
}

/* reference: per window start, what the test sent, over all clock eras */
struct refwin {
	uint64_t start;
	bool used;
	bool multi_era;		/* packets in this start in >1 clock era */
	bool dropped;		/* some of it refused or dropped */
	uint64_t era;		/* era of the first packet */
	uint64_t frames, bytes;
	uint64_t drop_frames, drop_bytes;
	uint64_t deliv_frames, deliv_bytes;
	uint32_t deliv_count;
};

/* reference: the FIFO entry with sequence number seq, as the test sees
 * it from the CPUs it saw fill it and from what the readers did */
struct refent {
	uint64_t start;
	uint64_t frames, bytes;	/* closed partials added so far */
	uint32_t holders;	/* CPUs the test saw join and not close */
	uint32_t state;		/* PKTSTAT_QUEUED/CLAIMED/DELIVERED */
};

#define LOGN 24
#define NREADERS 3
#define RBATCH 64

struct reader {
	struct pktstat_sample batch[RBATCH];
	unsigned int count;	/* batch[0..count) are claimed */
};

struct rnd {
	struct sim s;
	unsigned int run;
	uint64_t seed;
	uint64_t ev;		/* event index */
	uint64_t now;
	uint64_t era;		/* backward steps across a window boundary */
	/* the test's own view of each CPU */
	bool cpu_open[MAXCPU];
	bool cpu_refused[MAXCPU];
	uint64_t cpu_win[MAXCPU];
	uint64_t cpu_fr[MAXCPU], cpu_by[MAXCPU];
	uint64_t cpu_seq[MAXCPU];	/* its FIFO entry, unless refused */
	/* the sticky refusal: the window refused last, while no other
	 * window was opened since */
	bool sticky;
	uint64_t sticky_start;
	uint64_t sticky_slot;		/* its drop slot (PKTSTAT_DROP_BIT | i) */
	uint32_t sticky_holders;	/* CPUs filling it */
	/* windows opened (kept or newly refused): the expected clock_back */
	bool have_last;
	uint64_t last_start;
	uint64_t clock_back;
	/* the readers */
	struct reader rd[NREADERS];
	unsigned int nreaders;
	/* the FIFO model: entries [mhead, mtail), ent[seq] */
	struct refent *ent;
	uint64_t entsz;
	uint64_t mhead, mtail;
	/* the FIFO's output: entries in the order they leave at the head */
	bool have_prev;
	uint64_t prev_start;
	uint64_t nonincr;
	uint64_t drop_fr, drop_by;	/* attributed by the test */
	/* reference */
	struct refwin *tab;
	size_t tabsz;		/* power of two */
	size_t tabused;
	/* event log for diagnostics */
	char log[LOGN][160];
	unsigned int logpos;
	bool failed;
};

static struct refwin *ref_get(struct rnd *R, uint64_t start, bool create)
{
	size_t mask = R->tabsz - 1;
	size_t i = (size_t)((start / R->s.period) * 0x9e3779b97f4a7c15ull) & mask;

	for (;;) {
		struct refwin *w = &R->tab[i];

		if (!w->used) {
			if (!create)
				return NULL;
			if (R->tabused * 2 >= R->tabsz) {
				fprintf(stderr, "reference table full\n");
				exit(2);
			}
			memset(w, 0, sizeof(*w));
			w->used = true;
			w->start = start;
			w->era = R->era;
			R->tabused++;
			return w;
		}
		if (w->start == start)
			return w;
		i = (i + 1) & mask;
	}
}

static void logev(struct rnd *R, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logev(struct rnd *R, const char *fmt, ...)
{
	char *p = R->log[R->logpos++ % LOGN];
	va_list ap;
	int k;

	k = snprintf(p, sizeof(R->log[0]), "e%" PRIu64 ": ", R->ev);
	va_start(ap, fmt);
	vsnprintf(p + k, sizeof(R->log[0]) - (size_t)k, fmt, ap);
	va_end(ap);
}

static void rfail(struct rnd *R, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void rfail(struct rnd *R, const char *file, int line,
		  const char *fmt, ...)
{
	char msg[512];
	unsigned int i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (R->failed) {
		failf(file, line, "  and: %s", msg);
		return;
	}
	R->failed = true;
	failf(file, line, "run %u (replay: TEST_SEED=%" PRIu64
	      " TEST_RUNS=1), event %" PRIu64 ", period %" PRIu64
	      ", capacity %u, %u CPUs: %s", R->run, R->seed, R->ev,
	      R->s.period, R->s.f.capacity, R->s.ncpu, msg);
	diagf("#   last events:\n");
	for (i = 0; i < LOGN; i++) {
		const char *l = R->log[(R->logpos + i) % LOGN];

		if (l[0])
			diagf("#     %s\n", l);
	}
}

#define RCHECK(R, cond, ...)						\
	do {								\
		if (!(cond))						\
			rfail(R, __FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

static uint64_t win_of(const struct rnd *R, uint64_t now)
{
	return now / R->s.period * R->s.period;
}

/* the sample a reader holds, as the model has it (NULL: not claimed) */
static struct refent *r_claimed(struct rnd *R, const struct pktstat_sample *smp,
				const char *what)
{
	struct refent *e;

	if (smp->seq < R->mhead || smp->seq >= R->mtail) {
		RCHECK(R, false, "%s: sample seq %" PRIu64 " outside the "
		       "model's FIFO [%" PRIu64 ", %" PRIu64 ")", what,
		       smp->seq, R->mhead, R->mtail);
		return NULL;
	}
	e = &R->ent[smp->seq];
	RCHECK(R, e->state == PKTSTAT_CLAIMED, "%s: sample seq %" PRIu64
	       " is %s in the model", what, smp->seq, state_name(e->state));
	return e->state == PKTSTAT_CLAIMED ? e : NULL;
}

/* An entry leaves the FIFO at the head: the FIFO's output order.  Within
 * it timestamps increase, except after a backward clock step. */
static void r_freed(struct rnd *R, const struct refent *e)
{
	if (R->have_prev && e->start <= R->prev_start) {
		R->nonincr++;
		RCHECK(R, R->nonincr <= R->s.f.clock_back,
		       "FIFO order goes back %" PRIu64 " -> %" PRIu64
		       " (%" PRIu64 " times) but clock_back is %" PRIu64,
		       R->prev_start, e->start, R->nonincr,
		       R->s.f.clock_back);
	}
	R->have_prev = true;
	R->prev_start = e->start;
}

static void r_delivered(struct rnd *R, const struct pktstat_sample *smp)
{
	const uint64_t P = R->s.period;
	struct pktstat_fifo *f = &R->s.f;
	uint64_t u = pktstat_fifo_used(f);
	struct refent *e = r_claimed(R, smp, "delivered");
	struct refwin *w;

	if (!e)
		return;
	pktstat_fifo_delivered(f, smp, 1);
	R->s.got_frames += smp->frames;
	R->s.got_bytes += smp->bytes;
	logev(R, "delivered {%" PRIu64 " %" PRIu64 " %" PRIu64 "} seq %"
	      PRIu64, smp->start, smp->frames, smp->bytes, smp->seq);

	/* the model: delivered, freed with the delivered run at the head */
	e->state = PKTSTAT_DELIVERED;
	n_waiting += smp->seq != R->mhead;
	while (R->mhead != R->mtail &&
	       R->ent[R->mhead].state == PKTSTAT_DELIVERED)
		r_freed(R, &R->ent[R->mhead++]);
	RCHECK(R, f->head == R->mhead && f->tail == R->mtail,
	       "delivered seq %" PRIu64 ": FIFO [%" PRIu64 ", %" PRIu64
	       "), model [%" PRIu64 ", %" PRIu64 "); used was %" PRIu64,
	       smp->seq, f->head, f->tail, R->mhead, R->mtail, u);

	RCHECK(R, smp->start % P == 0, "sample start %" PRIu64
	       " not a multiple of the period", smp->start);
	RCHECK(R, smp->frames > 0, "empty sample at %" PRIu64, smp->start);

	w = ref_get(R, smp->start, false);
	if (!w) {
		RCHECK(R, false, "sample for window %" PRIu64
		       " that saw no packet", smp->start);
		return;
	}
	if (!w->multi_era) {
		RCHECK(R, w->deliv_count == 0,
		       "window %" PRIu64 " delivered twice without a clock "
		       "step", smp->start);
		RCHECK(R, !w->dropped, "window %" PRIu64 " delivered {%"
		       PRIu64 " %" PRIu64 "} although partly refused "
		       "(%" PRIu64 " frames dropped so far)", smp->start,
		       smp->frames, smp->bytes, w->drop_frames);
		n_exact += !w->dropped;
		if (!w->dropped)
			RCHECK(R, smp->frames == w->frames &&
			       smp->bytes == w->bytes,
			       "window %" PRIu64 ": sample {%" PRIu64 " %"
			       PRIu64 "}, reference {%" PRIu64 " %" PRIu64 "}",
			       smp->start, smp->frames, smp->bytes,
			       w->frames, w->bytes);
	} else {
		n_multi++;
	}
	w->deliv_count++;
	w->deliv_frames += smp->frames;
	w->deliv_bytes += smp->bytes;
}

static void r_unpop(struct rnd *R, const struct pktstat_sample *smp)
{
	uint64_t u = pktstat_fifo_used(&R->s.f);
	struct refent *e = r_claimed(R, smp, "unpop");

	if (!e)
		return;
	pktstat_fifo_unpop(&R->s.f, smp);
	e->state = PKTSTAT_QUEUED;
	logev(R, "unpop {%" PRIu64 " %" PRIu64 " %" PRIu64 "} seq %" PRIu64,
	      smp->start, smp->frames, smp->bytes, smp->seq);
	RCHECK(R, pktstat_fifo_used(&R->s.f) == u,
	       "unpop changed used %" PRIu64 " -> %" PRIu64, u,
	       pktstat_fifo_used(&R->s.f));
}

/* close accounting: the CPU's partial went to dropped or to the FIFO */
static void r_after_close(struct rnd *R, unsigned int c, uint64_t dfr,
			  uint64_t dby, uint64_t qfr, uint64_t qby)
{
	struct refwin *w;

	if (!R->cpu_open[c]) {
		RCHECK(R, dfr == 0 && qfr == 0, "closing no window on CPU %u"
		       " moved %" PRIu64 "/%" PRIu64 " frames", c, dfr, qfr);
		return;
	}
	if (R->cpu_refused[c])
		RCHECK(R, dfr == R->cpu_fr[c] && dby == R->cpu_by[c] &&
		       qfr == 0 && qby == 0, "CPU %u closed refused window %"
		       PRIu64 " holding %" PRIu64 "/%" PRIu64 ": dropped +%"
		       PRIu64 "/%" PRIu64 ", queued +%" PRIu64 "/%" PRIu64,
		       c, R->cpu_win[c], R->cpu_fr[c], R->cpu_by[c], dfr, dby,
		       qfr, qby);
	else
		RCHECK(R, qfr == R->cpu_fr[c] && qby == R->cpu_by[c] &&
		       dfr == 0 && dby == 0, "CPU %u closed window %" PRIu64
		       " holding %" PRIu64 "/%" PRIu64 ": dropped +%" PRIu64
		       "/%" PRIu64 ", queued +%" PRIu64 "/%" PRIu64, c,
		       R->cpu_win[c], R->cpu_fr[c], R->cpu_by[c], dfr, dby,
		       qfr, qby);
	if (R->cpu_refused[c] && R->sticky &&
	    R->cpu_seq[c] == R->sticky_slot && R->sticky_holders)
		R->sticky_holders--;
	if (dfr || dby) {
		w = ref_get(R, R->cpu_win[c], true);
		w->dropped = true;
		w->drop_frames += dfr;
		w->drop_bytes += dby;
		R->drop_fr += dfr;
		R->drop_by += dby;
	}
	if (!R->cpu_refused[c]) {
		uint64_t seq = R->cpu_seq[c];
		struct refent *e = seq >= R->mhead && seq < R->mtail ?
				   &R->ent[seq] : NULL;

		if (e && e->holders) {
			e->frames += R->cpu_fr[c];
			e->bytes += R->cpu_by[c];
			e->holders--;
		} else {
			RCHECK(R, false, "CPU %u closed entry %" PRIu64
			       " which the model has no CPU filling", c, seq);
		}
	}
	R->cpu_open[c] = false;
	R->cpu_fr[c] = 0;
	R->cpu_by[c] = 0;
}

static void r_ref_add(struct rnd *R, uint64_t start, uint32_t len)
{
	struct refwin *w = ref_get(R, start, true);

	if (w->era != R->era)
		w->multi_era = true;
	w->frames++;
	w->bytes += len;
}

static void r_packet(struct rnd *R)
{
	struct pktstat_fifo *f = &R->s.f;
	unsigned int c = (unsigned int)below(R->s.ncpu);
	uint64_t k = below(1000), now = R->now, S = win_of(R, now);
	uint64_t u0, tail0, ds0, df0, db0, qf0, qb0;
	struct pktstat_cpu *cpu = &R->s.cpu[c];
	bool refused, joinable, opened, sticky_live;
	struct refent *e;
	uint32_t len;

	if (k < 900)
		len = 40 + (uint32_t)below(1461);
	else if (k < 990)
		len = (uint32_t)below(65536);
	else if (k < 995)
		len = 0;
	else
		len = UINT32_MAX - (uint32_t)below(1000);

	R->s.sent_frames++;
	R->s.sent_bytes += len;
	if (pktstat_cpu_add(cpu, R->s.period, now, len)) {
		logev(R, "pkt cpu%u now %" PRIu64 " len %u: fast", c, now,
		      len);
		RCHECK(R, R->cpu_open[c] && R->cpu_win[c] == S,
		       "fast path took a packet at %" PRIu64 " (window %"
		       PRIu64 ") on CPU %u whose window is %" PRIu64 " (%s)",
		       now, S, c, R->cpu_win[c],
		       R->cpu_open[c] ? "open" : "closed");
		R->cpu_fr[c]++;
		R->cpu_by[c] += len;
		r_ref_add(R, S, len);
		return;
	}
	RCHECK(R, !(R->cpu_open[c] && R->cpu_win[c] == S),
	       "fast path refused a packet at %" PRIu64 " in CPU %u's open "
	       "window %" PRIu64, now, c, S);

	u0 = pktstat_fifo_used(f);
	tail0 = f->tail;
	ds0 = f->dropped.samples;
	df0 = f->dropped.frames;
	db0 = f->dropped.bytes;
	qf0 = f->queued.frames + f->read.frames + f->in_readers.frames;
	qb0 = f->queued.bytes + f->read.bytes + f->in_readers.bytes;
	pktstat_cpu_packet(f, cpu, now, len);
	refused = pktstat_cpu_dropping(cpu);
	logev(R, "pkt cpu%u now %" PRIu64 " len %u: slow, window %" PRIu64
	      " %s, used %" PRIu64 "/%u, clock_back %" PRIu64, c, now, len,
	      S, refused ? "refused" : "kept", pktstat_fifo_used(f),
	      f->capacity, f->clock_back);
	r_after_close(R, c, f->dropped.frames - df0, f->dropped.bytes - db0,
		      f->queued.frames + f->read.frames + f->in_readers.frames
		      - qf0, f->queued.bytes + f->read.bytes +
		      f->in_readers.bytes - qb0);

	RCHECK(R, cpu->open && cpu->start == S && cpu->frames == 1 &&
	       cpu->bytes == len, "slow path at %" PRIu64 " left CPU %u at "
	       "{open %d start %" PRIu64 " %" PRIu64 " %" PRIu64 "}, "
	       "expected window %" PRIu64, now, c, cpu->open, cpu->start,
	       cpu->frames, cpu->bytes, S);

	/* the FIFO model: the newest entry is joined while CPUs still fill
	 * it for this window; otherwise the window is appended or refused */
	e = R->mtail != R->mhead ? &R->ent[R->mtail - 1] : NULL;
	joinable = e && e->start == S && e->holders;
	if (joinable) {
		RCHECK(R, !refused && cpu->entry == R->mtail - 1 &&
		       f->tail == tail0, "window %" PRIu64 " not joined to "
		       "the newest entry %" PRIu64 " which %u CPUs fill: "
		       "entry %" PRIu64 ", tail %" PRIu64 " -> %" PRIu64, S,
		       R->mtail - 1, e->holders, cpu->entry, tail0, f->tail);
		e->holders++;
	} else if (refused) {
		RCHECK(R, f->tail == tail0, "refused window %" PRIu64
		       " moved tail %" PRIu64 " -> %" PRIu64, S, tail0,
		       f->tail);
	} else {
		RCHECK(R, cpu->entry == R->mtail && f->tail == R->mtail + 1,
		       "window %" PRIu64 " kept: entry %" PRIu64 ", tail %"
		       PRIu64 " -> %" PRIu64 ", expected a new entry %" PRIu64,
		       S, cpu->entry, tail0, f->tail, R->mtail);
		if (R->mtail >= R->entsz) {
			fprintf(stderr, "FIFO model full\n");
			exit(2);
		}
		R->ent[R->mtail++] = (struct refent){
			.start = S,
			.holders = 1,
			.state = PKTSTAT_QUEUED,
		};
	}
	/* a window opened (kept or newly refused, not joined nor refused
	 * again) at or before the last one opened is a backward step */
	opened = !joinable && !(refused && f->dropped.samples == ds0);
	if (opened) {
		if (R->have_last && S <= R->last_start)
			R->clock_back++;
		R->have_last = true;
		R->last_start = S;
	}

	/* refusals: only a full FIFO refuses a new window (and counts it);
	 * the window refused last stays refused while CPUs fill it, until
	 * another one opens */
	sticky_live = R->sticky && R->sticky_start == S && R->sticky_holders;
	if (f->dropped.samples != ds0) {
		RCHECK(R, f->dropped.samples == ds0 + 1 && refused,
		       "dropped.samples %" PRIu64 " -> %" PRIu64 " (%s)",
		       ds0, f->dropped.samples, refused ? "refused" : "kept");
		RCHECK(R, u0 >= f->capacity, "window %" PRIu64 " refused "
		       "and counted with used %" PRIu64 " < capacity %u",
		       S, u0, f->capacity);
		RCHECK(R, !sticky_live, "refused window %" PRIu64
		       " counted twice", S);
		RCHECK(R, (cpu->entry & ~PKTSTAT_DROP_BIT) < f->n_drop_slots,
		       "refused window %" PRIu64 " got no drop slot", S);
		R->sticky = true;
		R->sticky_start = S;
		R->sticky_slot = cpu->entry;
		R->sticky_holders = 1;
	} else if (refused) {
		RCHECK(R, sticky_live && cpu->entry == R->sticky_slot,
		       "window %" PRIu64 " refused without counting a "
		       "dropped sample (used %" PRIu64 "/%u, last refused "
		       "%s%" PRIu64 ", %u CPUs fill it)", S, u0, f->capacity,
		       R->sticky ? "" : "[none; other windows opened "
		       "since] ", R->sticky_start, R->sticky_holders);
		R->sticky_holders++;
	} else {
		RCHECK(R, !sticky_live, "window %" PRIu64 " refused earlier, "
		       "now accepted: a sample with part of its traffic", S);
		if (R->sticky && R->sticky_start != S)
			R->sticky = false;
	}

	R->cpu_open[c] = true;
	R->cpu_refused[c] = refused;
	R->cpu_seq[c] = cpu->entry;
	R->cpu_win[c] = S;
	R->cpu_fr[c] = 1;
	R->cpu_by[c] = len;
	r_ref_add(R, S, len);
	if (refused) {
		struct refwin *w = ref_get(R, S, true);

		w->dropped = true;
	}
}

static void r_timer(struct rnd *R, unsigned int c)
{
	struct pktstat_fifo *f = &R->s.f;
	uint64_t df0 = f->dropped.frames, db0 = f->dropped.bytes;
	uint64_t qf0 = f->queued.frames, qb0 = f->queued.bytes;
	bool want = R->cpu_open[c] && (R->now < R->cpu_win[c] ||
				       R->now - R->cpu_win[c] >= R->s.period);
	bool exp = pktstat_cpu_expired(&R->s.cpu[c], R->s.period, R->now);

	RCHECK(R, exp == want, "expired(CPU %u, now %" PRIu64 ") = %d, "
	       "window %" PRIu64 " %s", c, R->now, exp, R->cpu_win[c],
	       R->cpu_open[c] ? "open" : "closed");
	if (!exp)
		return;
	pktstat_cpu_close(f, &R->s.cpu[c]);
	logev(R, "timer cpu%u now %" PRIu64 ": closed window %" PRIu64,
	      c, R->now, R->cpu_win[c]);
	RCHECK(R, !R->s.cpu[c].open && R->s.cpu[c].frames == 0 &&
	       R->s.cpu[c].bytes == 0, "CPU %u not empty after close", c);
	r_after_close(R, c, f->dropped.frames - df0, f->dropped.bytes - db0,
		      f->queued.frames - qf0, f->queued.bytes - qb0);
}

/* A reader pops up to @max samples: the oldest QUEUED entries, in FIFO
 * order, skipping CLAIMED and DELIVERED ones, stopping at the first entry
 * still being filled. */
static void r_pop(struct rnd *R, struct reader *rd, unsigned int max)
{
	struct pktstat_fifo *f = &R->s.f;
	uint64_t want[RBATCH], seq;
	unsigned int n = 0, i;

	bool gap = false, skipped = false;

	for (seq = R->mhead; seq != R->mtail && n < max; seq++) {
		if (R->ent[seq].holders)
			break;
		if (R->ent[seq].state == PKTSTAT_QUEUED) {
			want[n++] = seq;
			skipped |= gap;
		} else {
			gap = true;
		}
	}
	n_skipped += skipped;
	rd->count = pktstat_fifo_pop(f, rd->batch, max);
	logev(R, "reader %u: pop max %u: %u, seqs %" PRIu64 "..%" PRIu64,
	      (unsigned int)(rd - R->rd), max, rd->count,
	      rd->count ? rd->batch[0].seq : 0,
	      rd->count ? rd->batch[rd->count - 1].seq : 0);
	RCHECK(R, rd->count == n, "pop max %u returned %u samples, the "
	       "model has %u (first %" PRIu64 ")", max, rd->count, n,
	       n ? want[0] : 0);
	if (rd->count > n)
		rd->count = n;	/* hold only what the model can follow */
	for (i = 0; i < rd->count; i++) {
		const struct pktstat_sample *smp = &rd->batch[i];
		struct refent *e = &R->ent[want[i]];

		RCHECK(R, smp->seq == want[i] && smp->start == e->start &&
		       smp->frames == e->frames && smp->bytes == e->bytes,
		       "pop: sample %u of %u is {seq %" PRIu64 " %" PRIu64
		       " %" PRIu64 " %" PRIu64 "}, the model's {seq %" PRIu64
		       " %" PRIu64 " %" PRIu64 " %" PRIu64 "}", i, rd->count,
		       smp->seq, smp->start, smp->frames, smp->bytes, want[i],
		       e->start, e->frames, e->bytes);
		e->state = PKTSTAT_CLAIMED;
	}
	if (R->failed)
		rd->count = 0;
}

/* Settle everything @rd holds: deliver it all, in pop order. */
static void r_settle_all(struct rnd *R, struct reader *rd)
{
	unsigned int i;

	for (i = 0; i < rd->count && !R->failed; i++)
		r_delivered(R, &rd->batch[i]);
	rd->count = 0;
}

/*
 * Settle the batch @rd holds.  Mostly the way the module does: deliver a
 * prefix, maybe keep the one being returned, give back the rest (in
 * reverse pop order like the module, or forwards, or shuffled); else each
 * sample delivered or given back, in a random order.
 */
static void r_settle(struct rnd *R, struct reader *rd)
{
	unsigned int k, i, j, t, keep, mode = (unsigned int)below(8);
	unsigned int idx[RBATCH], nidx = 0;

	if (mode < 6) {
		k = (unsigned int)below(rd->count + 1);
		for (i = 0; i < k; i++)
			r_delivered(R, &rd->batch[i]);
		keep = k < rd->count && below(2);
		for (i = k + keep; i < rd->count; i++)
			idx[nidx++] = i;
		if (mode < 4) {
			for (i = 0; i < nidx / 2; i++) {
				t = idx[i];
				idx[i] = idx[nidx - 1 - i];
				idx[nidx - 1 - i] = t;
			}
		} else if (mode == 5) {
			for (i = nidx; i > 1; i--) {
				j = (unsigned int)below(i);
				t = idx[i - 1];
				idx[i - 1] = idx[j];
				idx[j] = t;
			}
		}
		for (i = 0; i < nidx; i++)
			r_unpop(R, &rd->batch[idx[i]]);
		if (keep) {
			rd->batch[0] = rd->batch[k];
			rd->count = 1;
		} else {
			rd->count = 0;
		}
		return;
	}
	for (i = 0; i < rd->count; i++)
		idx[i] = i;
	for (i = rd->count; i > 1; i--) {
		j = (unsigned int)below(i);
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
	for (i = 0; i < rd->count; i++) {
		if (below(2))
			r_delivered(R, &rd->batch[idx[i]]);
		else
			r_unpop(R, &rd->batch[idx[i]]);
	}
	rd->count = 0;
}

/* one of the readers pops a batch, or settles the batch it holds */
static void r_reader(struct rnd *R)
{
	struct pktstat_fifo *f = &R->s.f;
	struct reader *rd = &R->rd[below(R->nreaders)];
	unsigned int max;

	if (!rd->count) {
		max = (unsigned int)below(f->capacity + 3 < RBATCH ?
					  f->capacity + 3 : RBATCH);
		r_pop(R, rd, max);
	} else {
		r_settle(R, rd);
	}
}

static void r_advance(struct rnd *R)
{
	const uint64_t P = R->s.period;
	uint64_t k = below(1000), d, old = R->now;
	bool back = false;

	if (k < 700) {
		d = below(P / 8 + 1);
	} else if (k < 900) {
		d = below(P + 1);
	} else if (k < 970) {
		d = (1 + below(5)) * P + below(P);
	} else if (k < 975) {
		d = P + below(10 * 3600 * NS_PER_S);	/* hours */
	} else if (k < 985) {
		d = below(P / 2 + 1);
		back = true;
	} else if (k < 995) {
		d = (1 + below(10)) * P + below(P);
		back = true;
	} else {
		d = below(10 * 3600 * NS_PER_S);
		back = true;
	}
	if (back)
		R->now = R->now >= d ? R->now - d : 0;
	else
		R->now = UINT64_MAX - R->now >= d ? R->now + d : UINT64_MAX;
	if (win_of(R, R->now) < win_of(R, old))
		R->era++;
	logev(R, "clock %s %" PRIu64 " -> %" PRIu64 " (era %" PRIu64 ")",
	      back ? "back" : "fwd", old, R->now, R->era);
}

static void r_check(struct rnd *R)
{
	const struct pktstat_fifo *f = &R->s.f;
	unsigned int saved = cur_fail;

	uint64_t held = 0;
	unsigned int i;

	for (i = 0; i < R->nreaders; i++)
		held += R->rd[i].count;
	check_accounting(&R->s, __FILE__, __LINE__);
	if (cur_fail != saved && !R->failed)
		rfail(R, __FILE__, __LINE__, "accounting (see above)");
	RCHECK(R, f->in_readers.samples == held, "in_readers.samples %"
	       PRIu64 ", the readers hold %" PRIu64, f->in_readers.samples,
	       held);
	RCHECK(R, f->head == R->mhead && f->tail == R->mtail,
	       "FIFO [%" PRIu64 ", %" PRIu64 "), model [%" PRIu64 ", %"
	       PRIu64 ")", f->head, f->tail, R->mhead, R->mtail);
	RCHECK(R, f->clock_back == R->clock_back, "clock_back %" PRIu64
	       ", expected %" PRIu64, f->clock_back, R->clock_back);
	RCHECK(R, f->dropped.frames == R->drop_fr &&
	       f->dropped.bytes == R->drop_by, "dropped %" PRIu64 "/%" PRIu64
	       " != attributed %" PRIu64 "/%" PRIu64, f->dropped.frames,
	       f->dropped.bytes, R->drop_fr, R->drop_by);
	RCHECK(R, f->clock_back <= R->era, "clock_back %" PRIu64
	       " > backward steps %" PRIu64, f->clock_back, R->era);
}

static const uint64_t periods[] = {
	1000, 1000, 7777, 1000000, 1000000, 250000, 1000000000,
	3600 * NS_PER_S,
};

static bool random_run(unsigned int run, uint64_t seed, uint64_t events,
		       uint64_t *nstats)
{
	struct rnd *R = calloc(1, sizeof(*R));
	struct pktstat_fifo *f;
	unsigned int c, cap;
	uint64_t i, k, P;
	bool ok;
	size_t t;

	if (!R) {
		perror("calloc");
		exit(2);
	}
	rng_state = seed;
	R->run = run;
	R->seed = seed;
	P = periods[below(sizeof(periods) / sizeof(periods[0]))];
	if (below(4) == 0)
		P = 1000 * (1 + below(3600 * 1000000ull));	/* 1us..3600s */
	k = below(10);
	cap = k < 3 ? 1 + (unsigned int)below(3) :
	      k < 8 ? 1 + (unsigned int)below(16) :
		      1 + (unsigned int)below(300);
	sim_init(&R->s, cap, P, 1 + (unsigned int)below(MAXCPU));
	f = &R->s.f;
	k = below(10);
	R->now = k < 7 ? EPOCH + below(100ull * 365 * 86400 * NS_PER_S) :
		 k < 9 ? UINT64_MAX - below(200 * 3600 * NS_PER_S) :
			 below(1000 * P);
	for (R->tabsz = 1024; R->tabsz < 2 * events + 64; R->tabsz *= 2)
		;
	R->tab = calloc(R->tabsz, sizeof(*R->tab));
	/* at most one entry per packet */
	R->entsz = events + 1;
	R->ent = calloc(R->entsz, sizeof(*R->ent));
	if (!R->tab || !R->ent) {
		perror("calloc");
		exit(2);
	}
	R->nreaders = 1 + (unsigned int)below(NREADERS);

	for (i = 0; i < events && !R->failed; i++) {
		R->ev = i;
		k = below(100);
		if (k < 55)
			r_packet(R);
		else if (k < 80)
			r_advance(R);
		else if (k < 86)
			r_timer(R, (unsigned int)below(R->s.ncpu));
		else if (k < 88)
			for (c = 0; c < R->s.ncpu; c++)
				r_timer(R, c);
		else
			r_reader(R);
		r_check(R);
	}

	/* the end: every window closed, every sample read */
	R->ev = events;
	if (!R->failed) {
		uint64_t dfr = f->dropped.frames, dby = f->dropped.bytes;
		uint64_t qfr = f->queued.frames, qby = f->queued.bytes;

		for (c = 0; c < R->nreaders; c++)
			r_settle_all(R, &R->rd[c]);
		for (c = 0; c < R->s.ncpu; c++) {
			dfr = f->dropped.frames;
			dby = f->dropped.bytes;
			qfr = f->queued.frames;
			qby = f->queued.bytes;
			pktstat_cpu_close(f, &R->s.cpu[c]);
			r_after_close(R, c, f->dropped.frames - dfr,
				      f->dropped.bytes - dby,
				      f->queued.frames - qfr,
				      f->queued.bytes - qby);
		}
		while (!R->failed) {
			r_pop(R, &R->rd[0], RBATCH);
			if (!R->rd[0].count)
				break;
			r_settle_all(R, &R->rd[0]);
		}
		r_check(R);
		RCHECK(R, pktstat_fifo_used(f) == 0 &&
		       R->mhead == R->mtail && f->in_readers.samples == 0 &&
		       f->queued.samples == 0 && f->queued.frames == 0 &&
		       f->queued.bytes == 0 && f->in_readers.frames == 0,
		       "FIFO not empty at the end: used %" PRIu64 ", queued %"
		       PRIu64 "/%" PRIu64, pktstat_fifo_used(f),
		       f->queued.samples, f->queued.frames);
		RCHECK(R, f->read.frames + f->dropped.frames ==
		       R->s.sent_frames && f->read.bytes + f->dropped.bytes ==
		       R->s.sent_bytes, "end: read+dropped %" PRIu64 "/%"
		       PRIu64 " != sent %" PRIu64 "/%" PRIu64,
		       f->read.frames + f->dropped.frames,
		       f->read.bytes + f->dropped.bytes, R->s.sent_frames,
		       R->s.sent_bytes);
		for (t = 0; t < R->tabsz && !R->failed; t++) {
			struct refwin *w = &R->tab[t];

			if (!w->used)
				continue;
			RCHECK(R, w->deliv_frames + w->drop_frames ==
			       w->frames && w->deliv_bytes + w->drop_bytes ==
			       w->bytes, "window %" PRIu64 ": sent %" PRIu64
			       "/%" PRIu64 ", delivered %" PRIu64 "/%" PRIu64
			       ", dropped %" PRIu64 "/%" PRIu64, w->start,
			       w->frames, w->bytes, w->deliv_frames,
			       w->deliv_bytes, w->drop_frames, w->drop_bytes);
		}
	}
	nstats[0] += R->s.sent_frames;
	nstats[1] += f->read.samples;
	nstats[2] += f->dropped.samples;
	nstats[3] += f->clock_back;
	nstats[4] += R->era;
	ok = !R->failed;
	free(R->ent);
	free(R->tab);
	sim_free(&R->s);
	free(R);
	return ok;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	uint64_t x;

	if (!v || !*v)
		return def;
	x = strtoull(v, &end, 0);
	if (*end) {
		fprintf(stderr, "%s=%s: not a number\n", name, v);
		exit(2);
	}
	return x;
}

static uint64_t seed0;
static uint64_t nruns, nevents;

static void test_random(void)
{
	uint64_t nstats[5] = { 0 };
	unsigned int run, bad = 0;

	for (run = 0; run < nruns; run++) {
		if (!random_run(run, seed0 + run, nevents, nstats))
			bad++;
		if (bad >= 3)
			break;
	}
	diagf("# %" PRIu64 " runs x %" PRIu64 " events: %" PRIu64
	      " packets, %" PRIu64 " samples read (%" PRIu64 " checked "
	      "exactly against the reference, %" PRIu64 " spanning clock "
	      "eras), %" PRIu64 " dropped, clock_back %" PRIu64 " of %"
	      PRIu64 " backward steps; %" PRIu64 " deliveries behind an "
	      "undelivered entry, %" PRIu64 " pops past claimed/delivered "
	      "entries%s\n", nruns, nevents, nstats[0], nstats[1], n_exact,
	      n_multi, nstats[2], nstats[3], nstats[4], n_waiting, n_skipped,
	      bad ? " (stopped early)" : "");
}

int main(void)
{
	const char *s = getenv("TEST_SEED");
	static char desc[256];

	if (s && !strcmp(s, "random"))
		seed0 = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)clock();
	else
		seed0 = env_u64("TEST_SEED", 20240601);
	nruns = env_u64("TEST_RUNS", 200);
	nevents = env_u64("TEST_EVENTS", 20000);
	test_timeout = (unsigned int)env_u64("TEST_TIMEOUT", 120);
	printf("# pktstat core unit tests; TEST_SEED=%" PRIu64 "\n", seed0);

	RUN(test_window_boundaries, "window boundaries: start-1, start, "
	    "start+period-1, start+period; start = now - now % period");
	RUN(test_period_1us, "period 1us at epoch times");
	RUN(test_period_3600s, "period 3600s at epoch times");
	RUN(test_uint64_extremes, "uint64 extremes: last windows of u64 and "
	    "s64 time, 64-bit bytes");
	RUN(test_gaps, "only windows with packets produce samples");
	RUN(test_fifo_full, "full FIFO keeps the N oldest, counts the rest, "
	    "recovers after reading");
	RUN(test_dropped_window_stays_dropped, "a refused window stays "
	    "refused on other CPUs");
	RUN(test_open_windows_use_capacity, "windows being filled count "
	    "toward the capacity");
	RUN(test_merge_cpus, "4 CPUs interleaved: one sample per window with "
	    "the sum");
	RUN(test_holders, "held entries are not poppable; timer close "
	    "makes them poppable");
	RUN(test_clock_forward, "clock steps forward by hours / decades: one "
	    "new window");
	RUN(test_clock_backward, "clock steps back: counted once, old window "
	    "closed and poppable, nothing lost");
	RUN(test_clock_backward_small, "small backward steps, inside and "
	    "across a boundary");
	RUN(test_clock_back_into_closed_window, "a step back into a finished "
	    "window makes a new sample, counted");
	RUN(test_clock_back_counted_once, "a backward step seen by 8 CPUs "
	    "counts once");
	RUN(test_unpop_reverse, "unpop in reverse order restores the head");
	RUN(test_partial_read, "partial read: deliver, keep one, give back "
	    "the rest");
	RUN(test_unpop_when_full, "unpop never fails, FIFO otherwise full, "
	    "ring wrapped");
	RUN(test_two_readers_give_back, "two readers giving samples back "
	    "keep the FIFO oldest first");
	RUN(test_drop_then_clock_back, "a window refused on a full FIFO does "
	    "not refuse the same start after a backward step");
	RUN(test_unpop_any_order, "unpop in any order: a sample given back is "
	    "popped again in its place");
	RUN(test_delivered_behind_claimed, "a delivered entry behind a claimed "
	    "one keeps its capacity until that one is settled; pop skips "
	    "both, in order");
	RUN(test_hist_bounds, "histogram bounds: 1..8, then at most 25 % "
	    "apart, up to 2^48; every size in the first bound that holds it");
	RUN(test_hist_kept_and_dropped, "histogram: kept and dropped windows "
	    "counted once when finished, summed over their CPUs");
	RUN(test_late_reading, "a clock reading older than the newest window, "
	    "or of a window a timer closed, is late");
	RUN(test_stepped_back, "after the clock went back, the FIFO says so "
	    "until a window after the latest opens");
	RUN(test_discard, "discard: unheld windows dropped at once, held ones "
	    "when given back, delivered ones stay read");
	snprintf(desc, sizeof(desc), "randomized conservation and reference "
		 "model: %" PRIu64 " runs x %" PRIu64 " events, seed %" PRIu64,
		 nruns, nevents, seed0);
	run_test_limit(test_random, desc,
		       (unsigned int)(nruns * nevents / 100000));

	printf("%u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
