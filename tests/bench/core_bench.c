// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction-count benchmark of the xt_pktstat core, meant to run under
 * valgrind --tool=callgrind (see core-callgrind.sh).  Each measured case is
 * one noinline function called once per operation, doing what the module
 * does per packet (fast path, else slow path) or per batch of samples read;
 * callgrind's --toggle-collect=<function> then counts the instructions
 * executed inside it (callees included) and nothing else.
 *
 *   core_bench in   N   N packets inside the CPU's current window
 *   core_bench new  N   N packets each opening a new window (fast-path
 *                       miss, previous window closed, FIFO entry appended)
 *   core_bench join N   N packets each joining a window another CPU opened
 *   core_bench read N   N samples claimed (popped) in batches of 128 and
 *                       delivered, each delivery freeing its entry at
 *                       the head
 *
 * Prints "ops <count>" on stdout: the number of measured operations (for
 * "read": samples) to divide the collected instruction count by, and
 * "ns <time>": the CLOCK_MONOTONIC time of the measured loop (for "read":
 * of the reads only), for the native figures of core-callgrind.sh.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pktstat_core.h"

#ifdef __clang__
#define MEASURED __attribute__((noinline, used))
#else
#define MEASURED __attribute__((noinline, noipa, used))
#endif

#define EPOCH 1700000000000000000ull
#define BATCH 128	/* PKTSTAT_BATCH in src/pktstat_proc.c */

/* the module's pktstat_mt() minus the clock read and the bh toggle */
#define PACKET_BODY							\
	do {								\
		if (!pktstat_cpu_add(c, period, now, len))		\
			pktstat_cpu_packet(f, c, now, len);		\
	} while (0)

MEASURED void pkt_in_window(struct pktstat_fifo *f, struct pktstat_cpu *c,
			    uint64_t period, uint64_t now, uint32_t len)
{
	PACKET_BODY;
}

MEASURED void pkt_new_window(struct pktstat_fifo *f, struct pktstat_cpu *c,
			     uint64_t period, uint64_t now, uint32_t len)
{
	PACKET_BODY;
}

MEASURED void pkt_join_window(struct pktstat_fifo *f, struct pktstat_cpu *c,
			      uint64_t period, uint64_t now, uint32_t len)
{
	PACKET_BODY;
}

/* not measured: the other CPU in the "join" case */
__attribute__((noinline)) void pkt_other(struct pktstat_fifo *f,
					 struct pktstat_cpu *c,
					 uint64_t period, uint64_t now,
					 uint32_t len)
{
	PACKET_BODY;
}

/* the module's reader_settle(): claim a batch, deliver all of it */
MEASURED unsigned int read_batch(struct pktstat_fifo *f,
				 struct pktstat_sample *b, unsigned int max)
{
	unsigned int n = pktstat_fifo_pop(f, b, max), i;

	for (i = 0; i < n; i++)
		pktstat_fifo_delivered(f, &b[i], 1);
	return n;
}

/* not measured: read everything finished */
__attribute__((noinline)) static uint64_t drain(struct pktstat_fifo *f)
{
	struct pktstat_sample b[BATCH];
	uint64_t n = 0;
	unsigned int k;

	while ((k = pktstat_fifo_pop(f, b, BATCH))) {
		pktstat_fifo_delivered(f, b, k);
		n += k;
	}
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* opaque to the optimiser: read at run time */
volatile uint64_t bench_period_in = 1000000;	/* 1ms */
volatile uint64_t bench_period_new = 1000;	/* 1us */

int main(int argc, char **argv)
{
	static struct pktstat_entry ring[4096];
	static struct pktstat_drop_slot slots[2];
	struct pktstat_cpu cpu[2];
	struct pktstat_fifo f;
	uint64_t n, i, ops = 0, period, now, t0, spent = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s in|new|join|read N\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[2], NULL, 0);
	memset(cpu, 0, sizeof(cpu));
	cpu[0].entry = cpu[1].entry = PKTSTAT_NO_ENTRY;
	t0 = now_ns();

	if (!strcmp(argv[1], "in")) {
		period = bench_period_in;
		pktstat_fifo_init(&f, ring, 4096, period, slots, 2);
		pktstat_cpu_packet(&f, &cpu[0], EPOCH, 64);
		for (i = 0; i < n; i++)
			pkt_in_window(&f, &cpu[0], period, EPOCH + (i & 4095),
				      64 + (uint32_t)(i & 1023));
		ops = n;
		if (cpu[0].frames != n + 1) {
			fprintf(stderr, "in: a packet left the window\n");
			return 1;
		}
	} else if (!strcmp(argv[1], "new")) {
		period = bench_period_new;
		pktstat_fifo_init(&f, ring, 4096, period, slots, 2);
		for (i = 0; i < n; i++) {
			pkt_new_window(&f, &cpu[0], period, EPOCH + i * period,
				       64 + (uint32_t)(i & 1023));
			if ((i & 1023) == 1023)
				drain(&f);
		}
		ops = n;
		if (f.dropped.samples || pktstat_cpu_seen_frames(&cpu[0]) != n) {
			fprintf(stderr, "new: unexpected drops\n");
			return 1;
		}
	} else if (!strcmp(argv[1], "join")) {
		period = bench_period_new;
		pktstat_fifo_init(&f, ring, 4096, period, slots, 2);
		for (i = 0; i < n; i++) {
			now = EPOCH + i * period;
			pkt_other(&f, &cpu[1], period, now, 64);
			pkt_join_window(&f, &cpu[0], period, now + 1,
					64 + (uint32_t)(i & 1023));
			if ((i & 1023) == 1023)
				drain(&f);
		}
		ops = n;
		if (f.dropped.samples || f.queued.samples + f.read.samples +
		    f.in_readers.samples > n) {
			fprintf(stderr, "join: windows were not joined\n");
			return 1;
		}
	} else if (!strcmp(argv[1], "read")) {
		struct pktstat_sample b[BATCH];
		uint64_t w = 0;
		unsigned int k;

		period = bench_period_new;
		pktstat_fifo_init(&f, ring, 4096, period, slots, 2);
		while (ops < n) {
			/* 4096 finished windows, then read them all */
			for (i = 0; i < 4096 && ops + i < n; i++, w++)
				pktstat_cpu_packet(&f, &cpu[0],
						   EPOCH + w * period, 100);
			pktstat_cpu_close(&f, &cpu[0]);
			t0 = now_ns();
			while ((k = read_batch(&f, b, BATCH)))
				ops += k;
			spent += now_ns() - t0;
		}
		if (f.read.samples != ops || f.dropped.samples) {
			fprintf(stderr, "read: lost samples\n");
			return 1;
		}
		if (pktstat_fifo_used(&f) || f.in_readers.samples) {
			fprintf(stderr, "read: delivered entries not freed\n");
			return 1;
		}
	} else {
		fprintf(stderr, "unknown case %s\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[1], "read"))
		spent = now_ns() - t0;
	printf("ops %" PRIu64 "\nns %" PRIu64 "\n", ops, spent);
	return 0;
}
