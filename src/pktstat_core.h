/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktstat core: time windows, per-CPU partial windows, the FIFO of
 * finished windows and their histogram.  Plain C with no kernel interface,
 * so that the same code runs in the module and in userspace tests,
 * fuzzers and benchmarks.
 *
 * Model.  Every CPU fills its own partial window (struct pktstat_cpu); a
 * packet that falls inside it costs two additions on CPU-local memory.  The
 * first packet outside it takes the slow path, under the caller's lock:
 * the partial is added to its FIFO entry, and the window holding "now" is
 * opened, joining the newest FIFO entry when another CPU opened the same
 * window, else appending a new one.  An entry counts the CPUs still filling
 * it ("holders"); it is finished, and can be handed to a reader, when that
 * count reaches zero.  The caller closes a CPU's window that saw no further
 * packet (a timer in the module), so a finished window becomes readable
 * without later traffic.
 *
 * A window that finds the FIFO full is dropped whole.  Its CPUs' partials
 * are still summed, in a drop slot instead of a FIFO entry, so that the
 * histogram sees the dropped window's real size.  At most one window is
 * open per CPU, so as many drop slots as CPUs always suffice.
 *
 * Every finished window, kept or dropped, is counted once in the
 * histogram (struct pktstat_hist): a count per size bucket of its bytes
 * and of its frames.  Bucket i holds the sizes up to pktstat_hist_bound(i):
 * 1..8 one each, then four buckets per power of two, each bound at most
 * 25 % above the one before (xt_pktstat_text.h has the table's shape).
 *
 * Locking is the caller's business: pktstat_cpu_count() and
 * pktstat_cpu_add() may run locklessly on the CPU that owns the slot;
 * every other function needs the caller's lock for the FIFO, and touches
 * a slot only from its owner (or while its owner runs no packet).
 */
#ifndef _PKTSTAT_CORE_H
#define _PKTSTAT_CORE_H

/*
 * The window edge's functions (at the end) are inlined into the module's
 * packet path even where a kernel build would call a copy; userspace
 * builds leave it to the compiler.
 */
#ifdef __KERNEL__
#include <linux/types.h>
#define pktstat_edge_inline	__always_inline
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define pktstat_edge_inline	inline
#endif

#include "xt_pktstat_text.h"

#define PKTSTAT_NO_ENTRY	(~(uint64_t)0)
/* pktstat_fifo.top_start while the clock catches up after going back */
#define PKTSTAT_STEPPING	(~(uint64_t)0)
/* pktstat_cpu.entry of a dropped window: this bit, then its drop slot. */
#define PKTSTAT_DROP_BIT	((uint64_t)1 << 63)

/* Histogram buckets: the finite bounds, then one for bigger sizes. */
#define PKTSTAT_HIST_BUCKETS	(XT_PKTSTAT_HIST_BOUNDS + 1)

/* One finished window, as a reader gets it. */
struct pktstat_sample {
	uint64_t start;		/* window start, ns since the epoch */
	uint64_t frames;
	uint64_t bytes;
	uint64_t seq;		/* its place in the FIFO */
};

/* What readers have done with a finished entry. */
enum pktstat_entry_state {
	PKTSTAT_QUEUED,		/* waiting for a reader */
	PKTSTAT_CLAIMED,	/* a reader is returning it */
	PKTSTAT_DELIVERED,	/* returned; freed once it reaches the head */
};

/* A window in the FIFO, finished once holders is 0. */
struct pktstat_entry {
	uint64_t start;
	uint64_t frames;
	uint64_t bytes;
	uint32_t holders;	/* CPUs whose partial is not yet added */
	uint32_t state;		/* enum pktstat_entry_state */
};

/* A dropped window being summed; free once holders is 0. */
struct pktstat_drop_slot {
	uint64_t start;
	uint64_t frames;
	uint64_t bytes;
	uint32_t holders;
	uint32_t next_free;	/* free list, while holders is 0 */
};

/* Per-CPU state: written only by the CPU that owns it. */
struct pktstat_cpu {
	uint64_t start;		/* start of the window being filled */
	uint64_t frames;	/* ... and what it holds so far */
	uint64_t bytes;
	uint64_t closed_frames;	/* every packet of the windows closed here */
	uint64_t closed_bytes;
	/* FIFO sequence number, or PKTSTAT_DROP_BIT | drop slot, or none */
	uint64_t entry;
	uint32_t slot;		/* entry's place in the ring, or its drop slot */
	bool open;		/* a window is being filled */
};

struct pktstat_count {
	uint64_t samples;
	uint64_t frames;
	uint64_t bytes;
};

/* Finished windows by size, cumulative. */
struct pktstat_hist {
	uint64_t windows;
	uint64_t frames_sum;
	uint64_t bytes_sum;
	uint64_t bytes[PKTSTAT_HIST_BUCKETS];
	uint64_t frames[PKTSTAT_HIST_BUCKETS];
};

/* The FIFO of one name; the caller serialises every access. */
struct pktstat_fifo {
	uint64_t period;	/* ns */
	uint32_t capacity;	/* windows, the ones being filled included */
	bool discarding;	/* samples given back are dropped, not queued */
	uint64_t head;		/* sequence numbers: entries are [head, tail) */
	uint64_t tail;
	uint32_t tail_slot;	/* tail's place in the ring: no division */
	uint64_t next_queued;	/* no QUEUED entry before this one */
	uint64_t last_start;	/* newest window opened (kept or dropped) */
	/*
	 * The latest window opened: one after it joins none and steps not
	 * back.  PKTSTAT_STEPPING while the clock has gone back and not
	 * caught up again with step_top, the latest window before the step.
	 */
	uint64_t top_start;
	uint64_t step_top;
	uint64_t last_drop;	/* newest window dropped on a full FIFO */
	bool have_last;
	bool have_drop;
	uint32_t drop_cur;	/* the drop slot of last_drop */
	uint32_t drop_free;	/* first free drop slot, or n_drop_slots */
	uint32_t n_drop_slots;
	uint64_t clock_back;	/* windows opened before an earlier one */
	struct pktstat_count read;	/* delivered to readers */
	struct pktstat_count dropped;	/* lost to a full FIFO, or discarded */
	struct pktstat_count queued;	/* flushed into FIFO entries */
	struct pktstat_count in_readers; /* claimed, not yet delivered */
	struct pktstat_entry *ring;	/* capacity entries, caller-allocated */
	struct pktstat_drop_slot *drop_slots;	/* caller-allocated */
	struct pktstat_hist hist;
};

/*
 * The hot path: count a packet that the caller knows to fall in the CPU's
 * open window.  Two additions: what a CPU has seen is what its windows
 * held when they closed plus what the open one holds.
 */
static inline void pktstat_cpu_count(struct pktstat_cpu *c, uint32_t len)
{
	c->frames++;
	c->bytes += len;
}

/*
 * Count a packet seen at @now if it falls in the CPU's current window.
 * Returns false, counting nothing, when the slow path must run.  The
 * unsigned difference also sends a clock that went backwards to the slow
 * path.  (The rule the unit tests and fuzzers drive the core with; the
 * module decides by the CPU's cycle counter where it can, pktstat_set.c.)
 */
static inline bool pktstat_cpu_add(struct pktstat_cpu *c, uint64_t period,
				   uint64_t now, uint32_t len)
{
	if (!c->open || now - c->start >= period)
		return false;
	pktstat_cpu_count(c, len);
	return true;
}

/* Every packet ever counted on the CPU. */
static inline uint64_t pktstat_cpu_seen_frames(const struct pktstat_cpu *c)
{
	return c->closed_frames + c->frames;
}

static inline uint64_t pktstat_cpu_seen_bytes(const struct pktstat_cpu *c)
{
	return c->closed_bytes + c->bytes;
}

/* True when the CPU's window has ended at @now (or the clock stepped back). */
static inline bool pktstat_cpu_expired(const struct pktstat_cpu *c,
				       uint64_t period, uint64_t now)
{
	return c->open && now - c->start >= period;
}

/* True when the CPU fills a window that the full FIFO refused. */
static inline bool pktstat_cpu_dropping(const struct pktstat_cpu *c)
{
	return c->open && (c->entry & PKTSTAT_DROP_BIT);
}

/*
 * Set up @f over @ring (@capacity entries) and @slots (@n_slots drop
 * slots, at least one per CPU that can count packets; contents of both
 * ignored).
 */
void pktstat_fifo_init(struct pktstat_fifo *f, struct pktstat_entry *ring,
		       uint32_t capacity, uint64_t period,
		       struct pktstat_drop_slot *slots, uint32_t n_slots);

/* The start of the window holding @now. */
static inline uint64_t pktstat_window_start(const struct pktstat_fifo *f,
					    uint64_t now)
{
	return now - now % f->period;
}

/*
 * Caller's lock held: add the CPU's partial window to its entry (or to its
 * drop slot) and leave the CPU with no open window.
 */
void pktstat_cpu_close(struct pktstat_fifo *f, struct pktstat_cpu *c);

/*
 * Readers, caller's lock held.  pop() claims up to @max finished windows,
 * oldest first, and copies them to @out; each must then be settled exactly
 * once: delivered() once the reader has returned all of it (@n of them at
 * once), or unpop() when it could not, which makes it available again.  A claimed window keeps its
 * place in the FIFO (and in the capacity), so giving it back never fails
 * and never reorders the FIFO, whatever several readers do.
 */
uint32_t pktstat_fifo_pop(struct pktstat_fifo *f, struct pktstat_sample *out,
			  uint32_t max);
void pktstat_fifo_delivered(struct pktstat_fifo *f,
			    const struct pktstat_sample *s, uint32_t n);
void pktstat_fifo_unpop(struct pktstat_fifo *f, const struct pktstat_sample *s);

/*
 * Caller's lock held, every CPU's window closed: count every finished
 * window no reader holds as dropped and free it; the ones readers hold
 * are dropped when given back (delivered ones still count as read).  For
 * the windows of a setting that nobody will read any more.
 */
void pktstat_fifo_discard(struct pktstat_fifo *f);

/* Windows in the FIFO (being filled, finished, or held by readers). */
static inline uint64_t pktstat_fifo_used(const struct pktstat_fifo *f)
{
	return f->tail - f->head;
}

/* The ring place of the newest entry (the FIFO must not be empty). */
static inline uint32_t pktstat_fifo_newest_slot(const struct pktstat_fifo *f)
{
	return (f->tail_slot ? f->tail_slot : f->capacity) - 1;
}

/*
 * The holder count of the window starting at @start, if some CPU still
 * fills it, and in @seq its FIFO entry or PKTSTAT_DROP_BIT | drop slot;
 * NULL if none does.  Only the newest window can be joined: the last
 * entry, or the drop slot of a window the full FIFO refused last.  (With
 * no free drop slot a refused window cannot be joined.)
 */
static inline uint32_t *pktstat_fifo_filling(const struct pktstat_fifo *f,
					     uint64_t start, uint64_t *seq)
{
	struct pktstat_entry *e;

	if (f->tail != f->head) {
		e = &f->ring[pktstat_fifo_newest_slot(f)];
		if (e->start == start && e->holders) {
			*seq = f->tail - 1;
			return &e->holders;
		}
	}
	if (f->have_drop && f->last_drop == start &&
	    f->drop_cur < f->n_drop_slots &&
	    f->drop_slots[f->drop_cur].holders) {
		*seq = PKTSTAT_DROP_BIT | f->drop_cur;
		return &f->drop_slots[f->drop_cur].holders;
	}
	return NULL;
}

/*
 * Is a clock reading, taken before the caller got the FIFO lock and in
 * the window starting at @start, out of date?  It is when its window is
 * older than the newest one opened, or is that window but no CPU fills it
 * any more (a timer closed it meanwhile): opening it again would give the
 * FIFO a second sample of one window.  The caller then reads the clock
 * again, under the lock.
 */
static inline bool pktstat_fifo_late(const struct pktstat_fifo *f,
				     uint64_t start)
{
	uint64_t seq;

	if (start > f->top_start || !f->have_last || start > f->last_start)
		return false;
	return start < f->last_start || !pktstat_fifo_filling(f, start, &seq);
}

/*
 * Has the clock gone back (a window opened before the latest one), and
 * not yet caught up again?  A time worked out from a clock reading taken
 * before the step would open a window of the time before it.
 */
static inline bool pktstat_fifo_stepped_back(const struct pktstat_fifo *f)
{
	return f->top_start == PKTSTAT_STEPPING;
}

/* The histogram bucket of a window of @v bytes or frames. */
static inline unsigned int pktstat_hist_bucket(uint64_t v)
{
	uint64_t x = v - (v != 0);	/* 0 and 1 share bucket 0 */
	unsigned int e;

	if (x < XT_PKTSTAT_HIST_SMALL)
		return (unsigned int)x;
	e = 63 ^ (unsigned int)__builtin_clzll(x);	/* x >= 8: e >= 3 */
	if (e > XT_PKTSTAT_HIST_MAX_EXP)
		return XT_PKTSTAT_HIST_BOUNDS;
	return e * XT_PKTSTAT_HIST_SUB + (unsigned int)((x >> (e - 2)) & 3) -
	       (3 * XT_PKTSTAT_HIST_SUB - XT_PKTSTAT_HIST_SMALL);
}

/* The upper bound (inclusive) of histogram bucket @i < XT_PKTSTAT_HIST_BOUNDS. */
static inline uint64_t pktstat_hist_bound(unsigned int i)
{
	unsigned int k;

	if (i < XT_PKTSTAT_HIST_SMALL)
		return i + 1;
	k = i - XT_PKTSTAT_HIST_SMALL;
	return (uint64_t)(5 + k % XT_PKTSTAT_HIST_SUB) <<
	       (1 + k / XT_PKTSTAT_HIST_SUB);
}

/*
 * The window edge: the first packet of a window on a CPU, caller's lock
 * held.  Inline, so that the module's packet path runs it without a call
 * (it is most of what such a packet costs); its rare cases are out of
 * line in pktstat_core.c.
 */

/* A window is finished: count it in the histogram, once. */
static pktstat_edge_inline void
pktstat_hist_add(struct pktstat_hist *h, uint64_t frames, uint64_t bytes)
{
	h->windows++;
	h->frames_sum += frames;
	h->bytes_sum += bytes;
	h->bytes[pktstat_hist_bucket(bytes)]++;
	h->frames[pktstat_hist_bucket(frames)]++;
}

/* A CPU's partial of a window the full FIFO refused. */
void pktstat_drop_slot_close(struct pktstat_fifo *f,
			     const struct pktstat_cpu *c);
/*
 * A window not later than every one opened: join the newest if it is that
 * one and still filled (its entry or drop slot, in @slot); else count a
 * step back of the clock if it is one, and return PKTSTAT_NO_ENTRY: a new
 * entry is needed.
 */
uint64_t pktstat_fifo_older(struct pktstat_fifo *f, uint64_t start,
			    uint32_t *slot);
/* The full FIFO refuses the window starting at @start. */
uint64_t pktstat_fifo_refuse(struct pktstat_fifo *f, uint64_t start,
			     uint32_t *slot);

/*
 * The CPU's window ends: its partial goes to its entry (or drop slot) and
 * to the CPU's closed totals; the caller resets or reopens the window.
 */
static pktstat_edge_inline void pktstat_cpu_end(struct pktstat_fifo *f,
						struct pktstat_cpu *c)
{
	uint64_t frames = c->frames, bytes = c->bytes;
	struct pktstat_entry *e;

	if (c->entry & PKTSTAT_DROP_BIT) {
		/* its sample counts in dropped.samples already */
		pktstat_drop_slot_close(f, c);
	} else {
		e = &f->ring[c->slot];
		e->frames += frames;
		e->bytes += bytes;
		f->queued.frames += frames;
		f->queued.bytes += bytes;
		if (!--e->holders)
			pktstat_hist_add(&f->hist, e->frames, e->bytes);
	}
	c->closed_frames += frames;
	c->closed_bytes += bytes;
}

/*
 * The FIFO entry (or drop slot) for the window starting at @start, its
 * place in @slot, appending one if needed; @later: @start is after
 * top_start.  Only the newest window can be
 * joined, and only while some CPU still fills it: callers read the clock
 * under the FIFO lock (or check with pktstat_fifo_late() that an earlier
 * reading is still good), so windows are opened in time order, and a
 * finished window for @start can only mean the wall clock went back.  A
 * window refused by the full FIFO stays refused while it is filled, even
 * if a reader makes room meanwhile, so that no sample holds only some of
 * its traffic.
 */
static pktstat_edge_inline uint64_t
pktstat_fifo_entry_for(struct pktstat_fifo *f, uint64_t start, bool later,
		       uint32_t *slot)
{
	struct pktstat_entry *e;
	uint32_t i;
	uint64_t seq;

	if (later) {
		/* later than every window: a refusal held for an earlier one */
		f->have_drop = false;
		f->top_start = start;
	} else {
		seq = pktstat_fifo_older(f, start, slot);
		if (seq != PKTSTAT_NO_ENTRY)
			return seq;
	}
	f->last_start = start;
	f->have_last = true;

	if (pktstat_fifo_used(f) >= f->capacity)
		return pktstat_fifo_refuse(f, start, slot);

	i = f->tail_slot;
	*slot = i;
	f->tail_slot = i + 1 == f->capacity ? 0 : i + 1;
	e = &f->ring[i];
	e->start = start;
	e->frames = 0;
	e->bytes = 0;
	e->holders = 1;
	e->state = PKTSTAT_QUEUED;
	f->queued.samples++;
	return f->tail++;
}

/*
 * Close the CPU's window, open the one starting at @start and count the
 * packet in it.
 */
static pktstat_edge_inline void pktstat_cpu_open(struct pktstat_fifo *f,
						 struct pktstat_cpu *c,
						 uint64_t start, uint32_t len)
{
	/* read before the close, which leaves it alone: tested once */
	bool later = start > f->top_start;

	if (c->open)
		pktstat_cpu_end(f, c);
	c->entry = pktstat_fifo_entry_for(f, start, later, &c->slot);
	c->start = start;
	c->open = true;
	c->frames = 1;
	c->bytes = len;
}

/* The same for a packet seen at @now. */
static inline void pktstat_cpu_packet(struct pktstat_fifo *f,
				      struct pktstat_cpu *c, uint64_t now,
				      uint32_t len)
{
	pktstat_cpu_open(f, c, pktstat_window_start(f, now), len);
}

#endif /* _PKTSTAT_CORE_H */
