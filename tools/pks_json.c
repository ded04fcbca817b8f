// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: the JSON writer (see pks_json.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pks_fmt.h"
#include "pks_json.h"

static bool plain(unsigned char c)
{
	return c != '"' && c != '\\' && c >= 0x20;
}

void pks_json_escape(struct pks_buf *b, const char *s)
{
	const char *p = s;

	while (*p && plain((unsigned char)*p))
		p++;
	pks_buf_add(b, "\"", 1);
	pks_buf_add(b, s, (size_t)(p - s));	/* mostly all of it */
	for (s = p; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };

			pks_buf_add(b, e, 2);
		} else if (ch < 0x20) {
			pks_buf_printf(b, "\\u%04x", ch);
		} else {
			pks_buf_add(b, s, 1);
		}
	}
	pks_buf_add(b, "\"", 1);
}

/* What comes before a value: the separator, the line break, the key. */
static void member(struct pks_json *j, const char *key)
{
	if (j->depth) {
		unsigned d = j->depth - 1;

		if (j->nonempty[d])
			pks_buf_add(j->b, ", ", j->lined[d] ? 1 : 2);
		if (j->lined[d])
			pks_buf_printf(j->b, "\n%*s", (int)j->depth, "");
		j->nonempty[d] = true;
	}
	if (key) {
		pks_json_escape(j->b, key);
		pks_buf_add(j->b, ": ", 2);
	}
}

void pks_json_open(struct pks_json *j, const char *key, char bracket,
		   bool lined)
{
	if (j->depth >= PKS_JSON_DEPTH)	/* a caller's bug, not the input's */
		abort();
	member(j, key);
	pks_buf_add(j->b, &bracket, 1);
	j->close[j->depth] = bracket == '[' ? ']' : '}';
	j->nonempty[j->depth] = false;
	j->lined[j->depth] = lined;
	j->depth++;
}

void pks_json_close(struct pks_json *j)
{
	unsigned d;

	if (!j->depth)
		return;
	d = --j->depth;
	if (j->lined[d] && j->nonempty[d])
		pks_buf_printf(j->b, "\n%*s", (int)d, "");
	pks_buf_add(j->b, &j->close[d], 1);
}

void pks_json_str(struct pks_json *j, const char *key, const char *s)
{
	member(j, key);
	pks_json_escape(j->b, s);
}

void pks_json_u64(struct pks_json *j, const char *key, uint64_t v)
{
	member(j, key);
	pks_buf_reserve(j->b, 20);
	j->b->len = (size_t)(pks_u64(j->b->p + j->b->len, v) - j->b->p);
	j->b->p[j->b->len] = 0;
}

void pks_json_bool(struct pks_json *j, const char *key, bool v)
{
	member(j, key);
	pks_buf_str(j->b, v ? "true" : "false");
}

/* A number with printf's %.<prec><conv>; null if not finite. */
static void number(struct pks_json *j, const char *key, double v, int prec,
		   char conv)
{
	member(j, key);
	if (isfinite(v))
		pks_buf_printf(j->b, conv == 'f' ? "%.*f" : "%.*g", prec, v);
	else
		pks_buf_str(j->b, "null");
}

void pks_json_double(struct pks_json *j, const char *key, double v,
		     int digits)
{
	number(j, key, v, digits, 'g');
}

void pks_json_fixed(struct pks_json *j, const char *key, double v,
		    int decimals)
{
	number(j, key, v, decimals, 'f');
}

void pks_json_num(struct pks_json *j, const char *key, double v)
{
	char t[40];

	member(j, key);
	if (isfinite(v)) {
		pks_fmt_double(t, sizeof(t), v);
		pks_buf_str(j->b, t);
	} else {
		pks_buf_str(j->b, "null");
	}
}
