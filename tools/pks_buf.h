/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: growable buffers (text, samples) and the allocation and
 * formatting helpers everything else uses.  No other pks_ header is below
 * this one.
 */
#ifndef PKS_BUF_H
#define PKS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKS_NSEC	1000000000ULL

/* A growable byte buffer (output text, file contents), NUL-terminated. */
struct pks_buf {
	char *p;
	size_t len, cap;
};

void pks_buf_reserve(struct pks_buf *b, size_t extra);
void pks_buf_add(struct pks_buf *b, const void *p, size_t n);
void pks_buf_str(struct pks_buf *b, const char *s);
void pks_buf_printf(struct pks_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop the first @n bytes (written out). */
void pks_buf_consume(struct pks_buf *b, size_t n);
void pks_buf_free(struct pks_buf *b);

/*
 * One finished window.  @period is the width of the window: a reload may
 * change it between two samples of one stream, so every sample carries
 * its own (rates, CSV rows and bursts use it).
 */
struct pks_sample {
	uint64_t ts;		/* window start, ns since the epoch */
	uint64_t frames;
	uint64_t bytes;
	uint64_t period;	/* ns */
};

struct pks_samples {
	struct pks_sample *v;
	size_t n, cap;
};

void pks_samples_grow(struct pks_samples *s);
void pks_samples_push(struct pks_samples *s, const struct pks_sample *x);
void pks_samples_free(struct pks_samples *s);

/* snprintf without the compiler's truncation warnings: messages and paths
 * are cut at the buffer's end, on purpose. */
void pks_snprintf(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* malloc/realloc that exit(1) with a message when memory runs out. */
void *pks_xrealloc(void *p, size_t n);

#define PKS_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
