// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the window/FIFO core (src/pktstat_core.c).
 *
 * The input is a program: a 4-byte header (period, capacity, CPU count)
 * followed by 4-byte operations:
 *   packet   on a CPU, after a clock step (forward, zero or backward), len
 *   timer    closes the CPU's window if it has ended (as the module's timer)
 *   close    closes the CPU's window unconditionally (rule removal)
 *   pop      a reader claims up to N finished windows
 *   settle   a reader delivers or gives back (unpop) some of what it holds
 * The core is used as the module uses it: pktstat_cpu_add() on the hot path
 * with a clock read that may be older than the one the slow path reads.
 * After every operation the invariants are checked and any violation
 * aborts (libFuzzer reports it as a crash):
 *   - conservation, frames and bytes: seen = read + dropped + queued +
 *     in_readers + the CPUs' open partial windows;
 *   - samples: used slots = queued + in_readers samples + delivered slots
 *     not yet freed, and used <= capacity;
 *   - holders: the sum over the FIFO's entries = the CPUs filling one;
 *   - readers get only finished windows, each at most once until given
 *     back, with frames >= 1, bytes = the sum of their packets' lengths
 *     as tracked by a shadow model per window, start aligned to period.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktstat_core.h"

#define MAX_CPUS	4
#define MAX_CAP		16
#define MAX_HELD	(MAX_CAP * 2)

static const uint64_t periods[] = {
	1000, 1001, 4096, 100000, 1000000, 1000000007ULL, 3600000000000ULL,
};

struct held {
	struct pktstat_sample s;
};

struct state {
	struct pktstat_fifo f;
	struct pktstat_entry ring[MAX_CAP];
	struct pktstat_cpu cpu[MAX_CPUS];
	struct pktstat_drop_slot slots[MAX_CPUS];
	unsigned int ncpu;
	uint64_t clock;
	struct held held[MAX_HELD];
	unsigned int nheld;
	/* shadow: frames and bytes each FIFO slot should hold (by seq % cap) */
	uint64_t sh_frames[MAX_CAP], sh_bytes[MAX_CAP];
	uint64_t seen_f, seen_b;	/* independent of the core's own */
};

#define FUZZ_NAME "fuzz_core"
#include "fuzz_check.h"

static void check(struct state *st, unsigned int step)
{
	struct pktstat_fifo *f = &st->f;
	uint64_t part_f = 0, part_b = 0, seen_f = 0, seen_b = 0;
	uint64_t holders = 0, filling = 0, delivered = 0, used, seq;
	unsigned int i;

	for (i = 0; i < st->ncpu; i++) {
		struct pktstat_cpu *c = &st->cpu[i];

		seen_f += pktstat_cpu_seen_frames(c);
		seen_b += pktstat_cpu_seen_bytes(c);
		if (c->open) {
			part_f += c->frames;
			part_b += c->bytes;
			CHECK(c->frames >= 1, "step %u cpu %u open, no frame", step, i);
			if (!pktstat_cpu_dropping(c)) {
				filling++;
				CHECK(c->entry >= f->head && c->entry < f->tail,
				      "step %u cpu %u entry %llu outside [%llu,%llu)",
				      step, i, (unsigned long long)c->entry,
				      (unsigned long long)f->head,
				      (unsigned long long)f->tail);
				CHECK(f->ring[c->entry % f->capacity].start == c->start,
				      "step %u cpu %u window/entry start differ", step, i);
				CHECK(c->slot == c->entry % f->capacity,
				      "step %u cpu %u ring place %u for entry %llu",
				      step, i, c->slot, (unsigned long long)c->entry);
			}
		} else {
			CHECK(c->frames == 0 && c->bytes == 0,
			      "step %u cpu %u closed with a partial", step, i);
		}
	}
	CHECK(seen_f == st->seen_f && seen_b == st->seen_b,
	      "step %u seen %llu/%llu, fed %llu/%llu", step,
	      (unsigned long long)seen_f, (unsigned long long)seen_b,
	      (unsigned long long)st->seen_f, (unsigned long long)st->seen_b);
	CHECK(seen_f == f->read.frames + f->dropped.frames + f->queued.frames +
		       f->in_readers.frames + part_f,
	      "step %u frames: seen %llu read %llu dropped %llu queued %llu "
	      "readers %llu partial %llu", step, (unsigned long long)seen_f,
	      (unsigned long long)f->read.frames,
	      (unsigned long long)f->dropped.frames,
	      (unsigned long long)f->queued.frames,
	      (unsigned long long)f->in_readers.frames,
	      (unsigned long long)part_f);
	CHECK(seen_b == f->read.bytes + f->dropped.bytes + f->queued.bytes +
		       f->in_readers.bytes + part_b,
	      "step %u bytes do not add up", step);

	used = pktstat_fifo_used(f);
	CHECK(f->tail >= f->head, "step %u tail before head", step);
	CHECK(used <= f->capacity, "step %u used %llu > capacity %u", step,
	      (unsigned long long)used, f->capacity);
	for (seq = f->head; seq < f->tail; seq++) {
		const struct pktstat_entry *e = &f->ring[seq % f->capacity];

		holders += e->holders;
		CHECK(e->state <= PKTSTAT_DELIVERED, "step %u bad state", step);
		if (e->state == PKTSTAT_DELIVERED)
			delivered++;
		CHECK(e->start % f->period == 0, "step %u unaligned start", step);
		CHECK(e->holders || e->frames >= 1,
		      "step %u finished entry without frames", step);
		CHECK(e->holders || (e->frames == st->sh_frames[seq % f->capacity] &&
				     e->bytes == st->sh_bytes[seq % f->capacity]),
		      "step %u entry %llu holds %llu/%llu, packets gave %llu/%llu",
		      step, (unsigned long long)seq,
		      (unsigned long long)e->frames, (unsigned long long)e->bytes,
		      (unsigned long long)st->sh_frames[seq % f->capacity],
		      (unsigned long long)st->sh_bytes[seq % f->capacity]);
	}
	/* histogram: every window opened is finished once or still open */
	{
		uint64_t open = 0, nb = 0;

		for (seq = f->head; seq < f->tail; seq++)
			open += f->ring[seq % f->capacity].holders != 0;
		for (i = 0; i < f->n_drop_slots; i++)
			open += f->drop_slots[i].holders != 0;
		for (i = 0; i < PKTSTAT_HIST_BUCKETS; i++)
			nb += f->hist.bytes[i];
		CHECK(f->hist.windows + open == f->read.samples +
		      f->dropped.samples + f->queued.samples +
		      f->in_readers.samples && nb == f->hist.windows,
		      "step %u hist windows %llu + open %llu, buckets %llu",
		      step, (unsigned long long)f->hist.windows,
		      (unsigned long long)open, (unsigned long long)nb);
	}
	CHECK(f->head == f->tail ||
	      f->ring[f->head % f->capacity].state != PKTSTAT_DELIVERED,
	      "step %u delivered entry left at head", step);
	CHECK(holders == filling, "step %u holders %llu, CPUs filling %llu",
	      step, (unsigned long long)holders, (unsigned long long)filling);
	CHECK(used == f->queued.samples + f->in_readers.samples + delivered,
	      "step %u used %llu = queued %llu + readers %llu + delivered %llu",
	      step, (unsigned long long)used,
	      (unsigned long long)f->queued.samples,
	      (unsigned long long)f->in_readers.samples,
	      (unsigned long long)delivered);
	CHECK(f->in_readers.samples == st->nheld,
	      "step %u in_readers %llu, held %u", step,
	      (unsigned long long)f->in_readers.samples, st->nheld);
}

/* The shadow model follows a CPU's partial into its entry on close. */
static void shadow_close(struct state *st, struct pktstat_cpu *c)
{
	if (c->open && !pktstat_cpu_dropping(c)) {
		st->sh_frames[c->entry % st->f.capacity] += c->frames;
		st->sh_bytes[c->entry % st->f.capacity] += c->bytes;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state st;
	struct pktstat_sample out[MAX_CAP];
	unsigned int step = 0, i;
	uint64_t prev_tail;

	if (size < 4)
		return 0;
	memset(&st, 0, sizeof(st));
	pktstat_fifo_init(&st.f, st.ring, 1 + data[1] % MAX_CAP,
			  periods[data[0] % (sizeof(periods) / sizeof(*periods))],
			  st.slots, MAX_CPUS);
	st.ncpu = 1 + data[2] % MAX_CPUS;
	/* start somewhere on the wall clock, aligned or not */
	st.clock = 1700000000000000000ULL + (uint64_t)data[3] * 977;
	for (i = 0; i < st.ncpu; i++)
		st.cpu[i].entry = PKTSTAT_NO_ENTRY;
	data += 4;
	size -= 4;

	for (; size >= 4; data += 4, size -= 4, step++) {
		uint8_t op = data[0] >> 4, cpu = (data[0] & 0xf) % st.ncpu;
		uint16_t arg = (uint16_t)(data[1] | data[2] << 8);
		uint8_t b = data[3];
		struct pktstat_cpu *c = &st.cpu[cpu];
		uint64_t p = st.f.period, step_ns, hot;

		switch (op) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: {
			/* packet: clock step in units of period/64 .. period*8 */
			uint32_t len = 20 + (uint32_t)b * 7 + (op == 6 ? 0xfff00000u : 0);

			step_ns = (b & 0x80) ? (uint64_t)arg * (p / 64 + 1)
					     : (uint64_t)arg;
			if (op == 5 && (b & 1)) {
				/* wall clock stepped back */
				uint64_t back = (uint64_t)arg * (p / 16 + 1);

				st.clock -= back < st.clock ? back : 0;
			} else {
				st.clock += step_ns;
			}
			/* the hot path's clock read may be a little older
			 * than the one the slow path reads under the lock */
			hot = st.clock - (b & 0x3);
			st.seen_f++;
			st.seen_b += len;
			if (!pktstat_cpu_add(c, p, hot, len)) {
				shadow_close(&st, c);
				prev_tail = st.f.tail;
				pktstat_cpu_packet(&st.f, c, st.clock, len);
				if (st.f.tail != prev_tail) {
					/* a new entry: its shadow restarts */
					st.sh_frames[c->entry % st.f.capacity] = 0;
					st.sh_bytes[c->entry % st.f.capacity] = 0;
				}
				CHECK(c->open && c->frames == 1 && c->bytes == len,
				      "step %u slow path did not count", step);
				CHECK(c->start % p == 0 && c->start <= st.clock &&
				      st.clock - c->start < p,
				      "step %u window does not hold now", step);
			}
			break;
		}
		case 7: case 8:
			/* timer on its CPU */
			st.clock += arg;
			if (pktstat_cpu_expired(c, p, st.clock)) {
				shadow_close(&st, c);
				pktstat_cpu_close(&st.f, c);
			}
			break;
		case 9:
			/* unconditional close (rule going away) */
			shadow_close(&st, c);
			pktstat_cpu_close(&st.f, c);
			CHECK(!c->open, "step %u close left it open", step);
			break;
		case 10: case 11: {
			uint32_t max = 1 + b % MAX_CAP, n, k;
			uint64_t last_seq = 0;

			if (st.nheld + max > MAX_HELD)
				max = MAX_HELD - st.nheld;
			n = pktstat_fifo_pop(&st.f, out, max);
			CHECK(n <= max, "step %u pop returned too many", step);
			for (k = 0; k < n; k++) {
				const struct pktstat_entry *e =
					&st.f.ring[out[k].seq % st.f.capacity];
				unsigned int h;

				CHECK(out[k].seq >= st.f.head && out[k].seq < st.f.tail,
				      "step %u popped seq outside FIFO", step);
				CHECK(k == 0 || out[k].seq > last_seq,
				      "step %u pop out of order", step);
				last_seq = out[k].seq;
				CHECK(e->holders == 0 && e->state == PKTSTAT_CLAIMED,
				      "step %u popped an unfinished entry", step);
				CHECK(out[k].frames >= 1, "step %u empty sample", step);
				CHECK(out[k].frames == e->frames &&
				      out[k].bytes == e->bytes &&
				      out[k].start == e->start,
				      "step %u sample differs from entry", step);
				for (h = 0; h < st.nheld; h++)
					CHECK(st.held[h].s.seq != out[k].seq,
					      "step %u seq %llu handed out twice", step,
					      (unsigned long long)out[k].seq);
				st.held[st.nheld++].s = out[k];
			}
			break;
		}
		case 12: case 13: case 14: {
			/* settle held sample(s): bit pattern picks deliver/unpop */
			unsigned int cnt = 1 + (arg & 7), k;

			for (k = 0; k < cnt && st.nheld; k++) {
				unsigned int idx = (unsigned int)(arg >> 3) % st.nheld;
				struct pktstat_sample s = st.held[idx].s;

				st.held[idx] = st.held[--st.nheld];
				if ((b >> (k & 7)) & 1)
					pktstat_fifo_delivered(&st.f, &s, 1);
				else
					pktstat_fifo_unpop(&st.f, &s);
			}
			break;
		}
		case 15:
			/* a big clock jump: every window ends */
			st.clock += (uint64_t)arg * p;
			break;
		}
		check(&st, step);
	}

	/* the end: close every CPU, drain, and everything must be read or
	 * dropped */
	for (i = 0; i < st.ncpu; i++) {
		shadow_close(&st, &st.cpu[i]);
		pktstat_cpu_close(&st.f, &st.cpu[i]);
	}
	while (st.nheld) {
		struct pktstat_sample s = st.held[--st.nheld].s;

		pktstat_fifo_delivered(&st.f, &s, 1);
	}
	for (;;) {
		uint32_t n = pktstat_fifo_pop(&st.f, out, MAX_CAP);

		if (n == 0)
			break;
		pktstat_fifo_delivered(&st.f, out, n);
	}
	check(&st, step);
	CHECK(pktstat_fifo_used(&st.f) == 0, "end: %llu windows left",
	      (unsigned long long)pktstat_fifo_used(&st.f));
	CHECK(st.seen_f == st.f.read.frames + st.f.dropped.frames &&
	      st.seen_b == st.f.read.bytes + st.f.dropped.bytes,
	      "end: not all read or dropped");
	return 0;
}
