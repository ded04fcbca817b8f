// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: growable buffers and allocation helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pks_buf.h"

void *pks_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "xt-pktstat: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return q;
}

void pks_snprintf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

void pks_buf_reserve(struct pks_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;	/* room for a NUL */
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	b->p = pks_xrealloc(b->p, cap);
	b->cap = cap;
}

void pks_buf_add(struct pks_buf *b, const void *p, size_t n)
{
	pks_buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void pks_buf_str(struct pks_buf *b, const char *s)
{
	pks_buf_add(b, s, strlen(s));
}

void pks_buf_printf(struct pks_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	pks_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pks_buf_consume(struct pks_buf *b, size_t n)
{
	if (!n)
		return;
	if (n > b->len)
		n = b->len;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = 0;
}

void pks_buf_free(struct pks_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void pks_samples_grow(struct pks_samples *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;

	s->v = pks_xrealloc(s->v, cap * sizeof(*s->v));
	s->cap = cap;
}

void pks_samples_push(struct pks_samples *s, const struct pks_sample *x)
{
	if (s->n == s->cap)
		pks_samples_grow(s);
	s->v[s->n++] = *x;
}

void pks_samples_free(struct pks_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
