/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' checks, shared by the test_*.c files of one program.
 * CHECK(cond, fmt, ...) prints "ok N - ..." or "not ok N - ...   <-- cond";
 * cond is evaluated twice: no side effects in it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

#include "pks.h"

extern int n_pass, n_fail, n_test;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		n_test++;                                                  \
		if (cond) {                                                \
			n_pass++;                                          \
			printf("ok %d - ", n_test);                        \
		} else {                                                   \
			n_fail++;                                          \
			printf("not ok %d - ", n_test);                    \
		}                                                          \
		printf(__VA_ARGS__);                                       \
		printf("%s\n", (cond) ? "" : "   <-- " #cond);             \
	} while (0)

#define STREQ(a, b, ...)                                                   \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		CHECK(!strcmp(a_, b_), __VA_ARGS__);                       \
		if (strcmp(a_, b_))                                        \
			printf("#   got \"%s\", expected \"%s\"\n", a_, b_); \
	} while (0)

/* How often @what occurs in @p. */
static inline unsigned count_of(const char *p, const char *what)
{
	unsigned n = 0;

	while ((p = strstr(p, what))) {
		n++;
		p++;
	}
	return n;
}

/* The groups, one file each. */
void test_rates(void);		/* test_rate_burst.c */
void test_bursts(void);
void test_hist(void);		/* test_hist_json.c */
void test_json(void);
void test_drain(void);		/* test_input.c */
void test_csv_in(void);
void test_svg(void);

#endif
