/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harnesses' assertion.  CHECK(cond, fmt, ...): when cond is false,
 * print "FUZZ_NAME: file:line: cond: " and the message to stderr, then
 * abort (libFuzzer reports it as a crash and saves the input).  Define
 * FUZZ_NAME, the harness's name, before including this.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, FUZZ_NAME ": %s:%d: %s: ", __FILE__,	\
			__LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

#endif /* FUZZ_CHECK_H */
