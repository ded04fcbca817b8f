// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat core: windows, per-CPU partials, the FIFO and the histogram.
 * See pktstat_core.h for the model.  No kernel interface is used here on
 * purpose: this file is also compiled into the userspace unit tests,
 * fuzzers and benchmarks.
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
		       uint32_t capacity, uint64_t period,
		       struct pktstat_drop_slot *slots, uint32_t n_slots)
{
	uint32_t i;

	*f = (struct pktstat_fifo){
		.period = period,
		.capacity = capacity,
		.ring = ring,
		.drop_slots = slots,
		.n_drop_slots = n_slots,
	};
	for (i = 0; i < n_slots; i++)
		slots[i] = (struct pktstat_drop_slot){ .next_free = i + 1 };
}

/* A free drop slot for the window starting at @start, or n_drop_slots. */
static uint32_t drop_slot_get(struct pktstat_fifo *f, uint64_t start)
{
	uint32_t i = f->drop_free;
	struct pktstat_drop_slot *s;

	if (i >= f->n_drop_slots)
		return f->n_drop_slots;
	s = &f->drop_slots[i];
	f->drop_free = s->next_free;
	*s = (struct pktstat_drop_slot){ .start = start, .holders = 1 };
	return i;
}

/*
 * A CPU's partial of a dropped window: lost traffic, but the window's
 * size still reaches the histogram once its last CPU is done.
 */
void pktstat_drop_slot_close(struct pktstat_fifo *f,
			     const struct pktstat_cpu *c)
{
	uint32_t i = c->slot;
	struct pktstat_drop_slot *s;

	count_add(&f->dropped, 0, c->frames, c->bytes);
	if (i >= f->n_drop_slots)	/* no slot was free: not summed */
		return;
	s = &f->drop_slots[i];
	s->frames += c->frames;
	s->bytes += c->bytes;
	if (--s->holders)
		return;
	pktstat_hist_add(&f->hist, s->frames, s->bytes);
	s->next_free = f->drop_free;
	f->drop_free = i;
}

void pktstat_cpu_close(struct pktstat_fifo *f, struct pktstat_cpu *c)
{
	if (!c->open)
		return;
	pktstat_cpu_end(f, c);
	c->open = false;
	c->frames = 0;
	c->bytes = 0;
	c->entry = PKTSTAT_NO_ENTRY;
}

uint64_t pktstat_fifo_older(struct pktstat_fifo *f, uint64_t start,
			    uint32_t *slot)
{
	uint32_t *holders;
	uint64_t seq;

	/* a refusal holds only until another window opens */
	if (f->have_drop && f->last_drop != start)
		f->have_drop = false;
	holders = pktstat_fifo_filling(f, start, &seq);
	if (holders) {
		(*holders)++;
		*slot = seq & PKTSTAT_DROP_BIT ? (uint32_t)seq :
						      pktstat_fifo_newest_slot(f);
		return seq;
	}
	if (f->have_last && start <= f->last_start) {
		f->clock_back++;
		if (!pktstat_fifo_stepped_back(f)) {
			f->step_top = f->top_start;
			f->top_start = PKTSTAT_STEPPING;
		}
	} else if (pktstat_fifo_stepped_back(f) && start > f->step_top) {
		f->top_start = start;	/* caught up */
	}
	return PKTSTAT_NO_ENTRY;
}

uint64_t pktstat_fifo_refuse(struct pktstat_fifo *f, uint64_t start,
			     uint32_t *slot)
{
	*slot = drop_slot_get(f, start);
	f->last_drop = start;
	f->have_drop = true;
	f->drop_cur = *slot;
	f->dropped.samples++;
	return PKTSTAT_DROP_BIT | *slot;
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

/* Free the delivered run at the head. */
static void advance_head(struct pktstat_fifo *f)
{
	while (f->head != f->tail &&
	       entry_at(f, f->head)->state == PKTSTAT_DELIVERED)
		f->head++;
}

void pktstat_fifo_delivered(struct pktstat_fifo *f,
			    const struct pktstat_sample *s, uint32_t n)
{
	uint64_t frames = 0, bytes = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		entry_at(f, s[i].seq)->state = PKTSTAT_DELIVERED;
		frames += s[i].frames;
		bytes += s[i].bytes;
	}
	count_sub(&f->in_readers, n, frames, bytes);
	count_add(&f->read, n, frames, bytes);
	advance_head(f);
}

void pktstat_fifo_unpop(struct pktstat_fifo *f, const struct pktstat_sample *s)
{
	count_sub(&f->in_readers, 1, s->frames, s->bytes);
	if (f->discarding) {
		entry_at(f, s->seq)->state = PKTSTAT_DELIVERED;
		count_add(&f->dropped, 1, s->frames, s->bytes);
		advance_head(f);
		return;
	}
	entry_at(f, s->seq)->state = PKTSTAT_QUEUED;
	count_add(&f->queued, 1, s->frames, s->bytes);
	if (s->seq < f->next_queued)
		f->next_queued = s->seq;
}

void pktstat_fifo_discard(struct pktstat_fifo *f)
{
	struct pktstat_entry *e;
	uint64_t seq;

	f->discarding = true;
	for (seq = f->head; seq != f->tail; seq++) {
		e = entry_at(f, seq);
		if (e->state != PKTSTAT_QUEUED)
			continue;
		e->state = PKTSTAT_DELIVERED;
		count_sub(&f->queued, 1, e->frames, e->bytes);
		count_add(&f->dropped, 1, e->frames, e->bytes);
	}
	f->next_queued = f->tail;
	advance_head(f);
}
