// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: burst detection (see pks_burst.h).
 */
#include <string.h>

#include "pks_burst.h"
#include "pks_fmt.h"
#include "pks_json.h"

void pks_burst_init(struct pks_burst_det *d, const struct pks_rate *thr,
		    uint64_t gap, pks_burst_fn *emit, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->thr = *thr;
	d->gap = gap;
	d->emit = emit;
	d->ctx = ctx;
}

static void end_burst(struct pks_burst_det *d, bool open)
{
	struct pks_burst *b = &d->cur;

	if (!d->in_burst)
		return;
	b->end_ns = d->last_above_ts + d->period;
	b->windows = (b->end_ns - b->start_ns) / d->period;
	b->open = open;
	d->in_burst = false;
	d->pend_frames = d->pend_bytes = 0;
	d->emit(d->ctx, b);
}

static void peaks(struct pks_burst_det *d, const struct pks_sample *s)
{
	struct pks_burst *b = &d->cur;

	if (s->frames > b->peak_frames)
		b->peak_frames = s->frames;
	if (s->bytes > b->peak_bytes)
		b->peak_bytes = s->bytes;
}

static void start_burst(struct pks_burst_det *d, const struct pks_sample *s,
			uint64_t count)
{
	struct pks_burst *b = &d->cur;

	memset(b, 0, sizeof(*b));
	b->start_ns = s->ts;
	b->period_ns = s->period;
	b->frames = s->frames;
	b->bytes = s->bytes;
	b->peak_ts = s->ts;
	peaks(d, s);
	d->peak_count = count;
	d->last_above_ts = s->ts;
	d->in_burst = true;
}

/* A window above the threshold within @gap windows of the last one. */
static void extend_burst(struct pks_burst_det *d, const struct pks_sample *s,
			 uint64_t count)
{
	struct pks_burst *b = &d->cur;

	b->frames += d->pend_frames + s->frames;
	b->bytes += d->pend_bytes + s->bytes;
	d->pend_frames = d->pend_bytes = 0;
	peaks(d, s);
	if (count > d->peak_count) {
		d->peak_count = count;
		b->peak_ts = s->ts;
	}
	d->last_above_ts = s->ts;
}

/* A new stream: the first sample, another period, a clock step back. */
static void restart(struct pks_burst_det *d, const struct pks_sample *s)
{
	end_burst(d, false);
	if (s->period != d->period) {
		d->period = s->period;
		d->min_count = pks_rate_min_count(&d->thr, s->period);
	}
}

void pks_burst_feed(struct pks_burst_det *d, const struct pks_sample *s)
{
	uint64_t count, below, next;
	bool above;

	if (!s->period)
		return;		/* no rate without a period */
	if (s->period != d->period || (d->have_last && s->ts <= d->last_ts))
		restart(d, s);
	d->have_last = true;
	d->last_ts = s->ts;
	count = pks_rate_count(&d->thr, s->frames, s->bytes);
	above = count >= d->min_count;
	if (d->in_burst) {
		/* windows strictly between the last one above and this one */
		next = d->last_above_ts + d->period;
		below = s->ts > next ? (s->ts - next) / d->period : 0;
		if (above && below <= d->gap) {
			extend_burst(d, s, count);
			return;
		}
		if (!above && below + 1 <= d->gap) {
			d->pend_frames += s->frames;
			d->pend_bytes += s->bytes;
			peaks(d, s);
			return;
		}
		end_burst(d, false);
	}
	if (above)
		start_burst(d, s, count);
}

void pks_burst_advance(struct pks_burst_det *d, uint64_t known_ns)
{
	uint64_t next;

	if (!d->in_burst)
		return;
	next = d->last_above_ts + d->period;
	if (known_ns >= next && (known_ns - next) / d->period > d->gap)
		end_burst(d, false);
}

void pks_burst_finish(struct pks_burst_det *d)
{
	end_burst(d, true);
	d->have_last = false;
}

double pks_burst_peak_bps(const struct pks_burst *b)
{
	return pks_bps(b->peak_bytes, b->period_ns);
}

double pks_burst_peak_pps(const struct pks_burst *b)
{
	return pks_pps(b->peak_frames, b->period_ns);
}

void pks_burst_json(struct pks_buf *out, const char *name,
		    const struct pks_burst *b)
{
	struct pks_json j = PKS_JSON_INIT(out);

	pks_json_open(&j, NULL, '{', false);
	pks_json_u64(&j, "v", 1);
	pks_json_str(&j, "name", name);
	pks_json_u64(&j, "start_ns", b->start_ns);
	pks_json_u64(&j, "end_ns", b->end_ns);
	pks_json_u64(&j, "duration_ns", b->end_ns - b->start_ns);
	pks_json_u64(&j, "windows", b->windows);
	pks_json_u64(&j, "frames", b->frames);
	pks_json_u64(&j, "bytes", b->bytes);
	pks_json_num(&j, "peak_bits_per_second", pks_burst_peak_bps(b));
	pks_json_num(&j, "peak_packets_per_second", pks_burst_peak_pps(b));
	pks_json_u64(&j, "peak_window_start_ns", b->peak_ts);
	pks_json_u64(&j, "period_ns", b->period_ns);
	pks_json_bool(&j, "open", b->open);
	pks_json_close(&j);
	pks_buf_add(out, "\n", 1);
}
