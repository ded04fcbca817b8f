/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: the JSON writer every command that prints JSON uses.  It
 * puts the commas, the escapes and the line breaks; a command only says
 * what goes in.
 *
 *   struct pks_json j = PKS_JSON_INIT(&buf);
 *   pks_json_open(&j, NULL, '{', false);
 *   pks_json_str(&j, "name", "web");
 *   pks_json_u64(&j, "period_ns", 10000);
 *   pks_json_close(&j);         -> {"name": "web", "period_ns": 10000}
 *
 * Members are separated by ", "; the members of a container opened with
 * @lined = true go on lines of their own, indented by their depth.  A key
 * is NULL for the elements of an array.
 */
#ifndef PKS_JSON_H
#define PKS_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "pks_buf.h"

#define PKS_JSON_DEPTH	8

struct pks_json {
	struct pks_buf *b;
	unsigned depth;
	char close[PKS_JSON_DEPTH];	/* '}' or ']' per open container */
	bool nonempty[PKS_JSON_DEPTH];
	bool lined[PKS_JSON_DEPTH];
};

#define PKS_JSON_INIT(buf)	{ .b = (buf) }

/* A JSON string with its quotes and escapes. */
void pks_json_escape(struct pks_buf *b, const char *s);

void pks_json_open(struct pks_json *j, const char *key, char bracket,
		   bool lined);
void pks_json_close(struct pks_json *j);
void pks_json_str(struct pks_json *j, const char *key, const char *s);
void pks_json_u64(struct pks_json *j, const char *key, uint64_t v);
void pks_json_bool(struct pks_json *j, const char *key, bool v);
/* A number printed with printf's %.<digits>g ("%.6g" for rates). */
void pks_json_double(struct pks_json *j, const char *key, double v,
		     int digits);
/* A number in its shortest exact form (pks_fmt_double). */
void pks_json_num(struct pks_json *j, const char *key, double v);
/* A number printed with %.<decimals>f. */
void pks_json_fixed(struct pks_json *j, const char *key, double v,
		    int decimals);

#endif
