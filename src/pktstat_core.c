// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat core: windows, per-CPU partials and the FIFO.  See pktstat_core.h
 * for the model.  No kernel interface is used here on purpose: this file is
 * also compiled into the userspace unit tests, fuzzers and benchmarks.
 */
#include "pktstat_core.h"

static struct pktstat_entry *entry_at(struct pktstat_fifo *f, uint64_t seq)
{
	return &f->ring[seq % f->capacity];
}

static void count_add(struct pktstat_count *c, uint64_t samples,
		      uint64_t frames, uint64_t bytes)
{
	c->samples += samples;
	c->frames += frames;
	c->bytes += bytes;
}

static void count_sub(struct pktstat_count *c, uint64_t samples,
		      uint64_t frames, uint64_t bytes)
{
	c->samples -= samples;
	c->frames -= frames;
	c->bytes -= bytes;
}

void pktstat_fifo_init(struct pktstat_fifo *f, struct pktstat_entry *ring,
		       uint32_t capacity, uint64_t period)
{
	*f = (struct pktstat_fifo){
		.period = period,
		.capacity = capacity,
		.ring = ring,
	};
}

void pktstat_cpu_close(struct pktstat_fifo *f, struct pktstat_cpu *c)
{
	struct pktstat_entry *e;

	if (!c->open)
		return;
	if (c->entry == PKTSTAT_NO_ENTRY) {
		/* the window was refused by a full FIFO: its samples count
		 * in dropped.samples already, only the traffic is added */
		count_add(&f->dropped, 0, c->frames, c->bytes);
	} else {
		e = entry_at(f, c->entry);
		e->frames += c->frames;
		e->bytes += c->bytes;
		e->holders--;
		count_add(&f->queued, 0, c->frames, c->bytes);
	}
	c->open = false;
	c->frames = 0;
	c->bytes = 0;
	c->entry = PKTSTAT_NO_ENTRY;
}

/*
 * Find the FIFO entry for the window starting at @start, appending one if
 * needed.  Only the newest entry can be joined, and only while some CPU
 * still fills it: callers read the clock under the FIFO lock, so windows
 * are opened in time order, and a closed entry for @start can only mean the
 * wall clock went back.
 */
static uint64_t entry_for(struct pktstat_fifo *f, uint64_t start)
{
	struct pktstat_entry *e;

	/* a refusal holds only until another window opens */
	if (f->have_drop && f->last_drop != start)
		f->have_drop = false;

	if (f->tail != f->head) {
		e = entry_at(f, f->tail - 1);
		if (e->start == start && e->holders) {
			e->holders++;
			return f->tail - 1;
		}
	}

	/* A window already refused stays refused, so that no sample
	 * holds only some of its traffic. */
	if (f->have_drop && f->last_drop == start)
		return PKTSTAT_NO_ENTRY;

	if (f->have_last && start <= f->last_start)
		f->clock_back++;
	f->last_start = start;
	f->have_last = true;

	if (pktstat_fifo_used(f) >= f->capacity) {
		f->last_drop = start;
		f->have_drop = true;
		f->dropped.samples++;
		return PKTSTAT_NO_ENTRY;
	}

	e = entry_at(f, f->tail);
	e->start = start;
	e->frames = 0;
	e->bytes = 0;
	e->holders = 1;
	e->state = PKTSTAT_QUEUED;
	f->queued.samples++;
	return f->tail++;
}

void pktstat_cpu_packet(struct pktstat_fifo *f, struct pktstat_cpu *c,
			uint64_t now, uint32_t len)
{
	uint64_t start = now - now % f->period;

	pktstat_cpu_close(f, c);
	c->entry = entry_for(f, start);
	c->start = start;
	c->open = true;
	c->frames = 1;
	c->bytes = len;
	c->seen_frames++;
	c->seen_bytes += len;
}

uint32_t pktstat_fifo_pop(struct pktstat_fifo *f, struct pktstat_sample *out,
			  uint32_t max)
{
	uint64_t seq = f->next_queued > f->head ? f->next_queued : f->head;
	struct pktstat_entry *e;
	uint32_t n = 0;

	/* entries are finished in order: stop at the first one still filled */
	for (; n < max && seq != f->tail; seq++) {
		e = entry_at(f, seq);
		if (e->holders)
			break;
		if (e->state != PKTSTAT_QUEUED)
			continue;
		e->state = PKTSTAT_CLAIMED;
		out[n++] = (struct pktstat_sample){
			.start = e->start,
			.frames = e->frames,
			.bytes = e->bytes,
			.seq = seq,
		};
		count_sub(&f->queued, 1, e->frames, e->bytes);
		count_add(&f->in_readers, 1, e->frames, e->bytes);
	}
	f->next_queued = seq;
	return n;
}

void pktstat_fifo_delivered(struct pktstat_fifo *f,
			    const struct pktstat_sample *s)
{
	entry_at(f, s->seq)->state = PKTSTAT_DELIVERED;
	count_sub(&f->in_readers, 1, s->frames, s->bytes);
	count_add(&f->read, 1, s->frames, s->bytes);
	/* free the delivered run at the head */
	while (f->head != f->tail &&
	       entry_at(f, f->head)->state == PKTSTAT_DELIVERED)
		f->head++;
}

void pktstat_fifo_unpop(struct pktstat_fifo *f, const struct pktstat_sample *s)
{
	entry_at(f, s->seq)->state = PKTSTAT_QUEUED;
	count_sub(&f->in_readers, 1, s->frames, s->bytes);
	count_add(&f->queued, 1, s->frames, s->bytes);
	if (s->seq < f->next_queued)
		f->next_queued = s->seq;
}
