// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the iptables extension's option parsing
 * (xtables/libxt_pktstat.c), through the same x6 interface iptables uses:
 * .init, then .x6_parse per option (which calls libxtables'
 * xtables_option_parse, so repeated options and "!" are refused as in
 * iptables), then .x6_fcheck.  xt_params->exit_err longjmps back here
 * instead of exiting.
 *
 * Input: records of one control byte (low 2 bits: option --period,
 * --samples, --name, or an unused id; bit 2: "!") and a NUL-terminated
 * argument.  Checks, on every accepted rule:
 *   - the fields are in range (period 1us..3600s, samples 1..ceiling,
 *     name accepted by xt_pktstat_name_ok, flags 0);
 *   - every accepted argument has the documented syntax: --period
 *     DIGITS[ns|us|ms|s], --samples DIGITS;
 *   - .save's output parses back to the identical rule (round trip), and
 *     .print does not crash.
 * Refused input must go through exit_err with PARAMETER_PROBLEM and a
 * message starting "pktstat: " (or libxtables' own for repeats/"!").
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xtables.h>

static struct xtables_match *fuzz_match;
static void fuzz_register(struct xtables_match *m) { fuzz_match = m; }

static char outbuf[4096];
static size_t outlen;
static int fuzz_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int fuzz_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(outbuf + outlen, sizeof(outbuf) - outlen, fmt, ap);
	va_end(ap);
	if (n > 0) {
		outlen += (size_t)n;
		if (outlen >= sizeof(outbuf))
			outlen = sizeof(outbuf) - 1;
	}
	return n;
}

/* The extension, with its constructor's registration and its printf
 * redirected here. */
#define xtables_register_match fuzz_register
#define printf fuzz_printf
#include "libxt_pktstat.c"
#undef printf
#undef xtables_register_match

#define FUZZ_NAME "fuzz_ext"
#include "fuzz_check.h"

static jmp_buf jb;
static char errmsg[1024];
static int errstatus;

static void __attribute__((noreturn, format(printf, 2, 3)))
fuzz_exit_err(enum xtables_exittype status, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(errmsg, sizeof(errmsg), msg, ap);
	va_end(ap);
	errstatus = status;
	longjmp(jb, 1);
}

static struct xtables_globals fuzz_globals = {
	.program_name = "fuzz_ext",
	.program_version = "0",
	.exit_err = fuzz_exit_err,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xt_params = &fuzz_globals;
	/* the constructor already ran (it is in this object) */
	if (fuzz_match == NULL)
		abort();
	return 0;
}

#define MATCH_SIZE (sizeof(struct xt_entry_match) + \
		    XT_ALIGN(sizeof(struct xt_pktstat_info)))

struct opt {
	unsigned int id;
	bool invert;
	const char *arg;
};

/* Reference value of DIGITS in 128 bits, saturating at 2^127. */
static unsigned __int128 ref_value(const char *s, size_t n)
{
	unsigned __int128 v = 0, cap = (unsigned __int128)1 << 127;
	size_t i;

	for (i = 0; i < n; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v >= cap / 16)
			return cap;
	}
	return v;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Returns true if the rule was accepted; @m holds it. */
static bool parse_rule(const struct opt *opts, unsigned int n,
		       struct xt_entry_match *m, bool must_pass)
{
	struct xt_pktstat_info *info = (void *)m->data;
	volatile unsigned int xflags = 0;
	unsigned int i;

	memset(m, 0xa5, MATCH_SIZE);
	m->u.match_size = MATCH_SIZE;
	fuzz_match->init(m);
	if (setjmp(jb)) {
		CHECK(!must_pass, "round trip refused: %s", errmsg);
		CHECK(errstatus == PARAMETER_PROBLEM,
		      "exit status %d: %s", errstatus, errmsg);
		CHECK(strncmp(errmsg, "pktstat: ", 9) == 0 ||
		      strstr(errmsg, "pktstat") != NULL,
		      "message does not name the extension: %s", errmsg);
		return false;
	}
	for (i = 0; i < n; i++) {
		const struct xt_option_entry *e;
		struct xt_option_call cb;

		for (e = fuzz_match->x6_options; e->name; e++)
			if (e->id == opts[i].id)
				break;
		if (e->name == NULL)
			continue;	/* getopt would have refused it */
		memset(&cb, 0, sizeof(cb));
		cb.arg = opts[i].arg;
		cb.ext_name = fuzz_match->name;
		cb.entry = e;
		cb.data = info;
		cb.xflags = xflags;
		cb.invert = opts[i].invert;
		cb.match = &m;
		/* xtables_option_parse checks getopt's optarg, as iptables
		 * sets it */
		optarg = (char *)opts[i].arg;
		fuzz_match->x6_parse(&cb);
		xflags = cb.xflags | (1U << e->id);
	}
	{
		struct xt_fcheck_call fc = {
			.ext_name = fuzz_match->name,
			.data = info,
			.xflags = xflags,
		};
		fuzz_match->x6_fcheck(&fc);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	static struct opt opts[32], opts2[8];
	static char m1buf[MATCH_SIZE] __attribute__((aligned(8)));
	static char m2buf[MATCH_SIZE] __attribute__((aligned(8)));
	struct xt_entry_match *m1 = (void *)m1buf, *m2 = (void *)m2buf;
	struct xt_pktstat_info *info = (void *)m1->data;
	unsigned int n = 0, n2 = 0, i;
	size_t pos = 0;
	char *tok, *save;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (pos < size && n < 32) {
		uint8_t ctl = (uint8_t)buf[pos++];

		opts[n].id = ctl & 3;
		opts[n].invert = (ctl >> 2) & 1;
		opts[n].arg = buf + pos;
		n++;
		pos += strlen(buf + pos) + 1;
	}

	if (!parse_rule(opts, n, m1, false))
		return 0;

	/* accepted: in range */
	CHECK(info->period_ns >= XT_PKTSTAT_PERIOD_MIN &&
	      info->period_ns <= XT_PKTSTAT_PERIOD_MAX,
	      "period %llu", (unsigned long long)info->period_ns);
	CHECK(info->samples >= 1 && info->samples <= XT_PKTSTAT_SAMPLES_CEIL,
	      "samples %u", info->samples);
	CHECK(xt_pktstat_name_ok(info->name, sizeof(info->name)),
	      "name %.32s", info->name);
	CHECK(info->flags == 0, "flags %u", info->flags);
	/* accepted: documented syntax, each option at most once, no "!" */
	for (i = 0; i < n; i++) {
		const char *a = opts[i].arg;
		size_t len = strlen(a), d = strspn(a, "0123456789");

		if (opts[i].id > O_NAME)
			continue;
		CHECK(!opts[i].invert, "\"!\" accepted");
		if (opts[i].id == O_PERIOD) {
			unsigned __int128 mult = 0;

			if (d == len || !strcmp(a + d, "ms"))
				mult = 1000000;
			else if (!strcmp(a + d, "ns"))
				mult = 1;
			else if (!strcmp(a + d, "us"))
				mult = 1000;
			else if (!strcmp(a + d, "s"))
				mult = 1000000000;
			CHECK(d > 0 && mult, "--period \"%s\" accepted", a);
			/* the value is exactly DIGITS x UNIT (no wrap) */
			CHECK(ref_value(a, d) * mult == info->period_ns,
			      "--period \"%s\" gave %llu ns", a,
			      (unsigned long long)info->period_ns);
		}
		if (opts[i].id == O_SAMPLES) {
			CHECK(all_digits(a, len), "--samples \"%s\" accepted", a);
			CHECK(ref_value(a, len) == info->samples,
			      "--samples \"%s\" gave %u", a, info->samples);
		}
		if (opts[i].id == O_NAME)
			CHECK(len < XT_PKTSTAT_NAME_LEN &&
			      !strncmp(a, info->name, XT_PKTSTAT_NAME_LEN),
			      "--name \"%s\" gave %.32s", a, info->name);
	}

	/* print must not crash; save must parse back to the same rule */
	outlen = 0;
	fuzz_match->print(NULL, m1, 0);
	outlen = 0;
	outbuf[0] = '\0';
	fuzz_match->save(NULL, m1);
	CHECK(outlen < sizeof(outbuf) - 1, "save output too long");
	for (tok = strtok_r(outbuf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		const char *arg = strtok_r(NULL, " ", &save);

		CHECK(arg != NULL && n2 < 8, "save output malformed");
		if (!strcmp(tok, "--period"))
			opts2[n2].id = O_PERIOD;
		else if (!strcmp(tok, "--samples"))
			opts2[n2].id = O_SAMPLES;
		else if (!strcmp(tok, "--name"))
			opts2[n2].id = O_NAME;
		else
			CHECK(0, "save printed unknown option %s", tok);
		opts2[n2].invert = false;
		opts2[n2].arg = arg;
		n2++;
	}
	parse_rule(opts2, n2, m2, true);
	CHECK(memcmp(m1->data, m2->data,
		     offsetof(struct xt_pktstat_info, state)) == 0,
	      "round trip differs: period %llu/%llu samples %u/%u name %.32s/%.32s",
	      (unsigned long long)info->period_ns,
	      (unsigned long long)((struct xt_pktstat_info *)m2->data)->period_ns,
	      info->samples, ((struct xt_pktstat_info *)m2->data)->samples,
	      info->name, ((struct xt_pktstat_info *)m2->data)->name);
	return 0;
}
