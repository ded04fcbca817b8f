/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libxt_pktstat: iptables/ip6tables support for the xt_pktstat match.
 *
 *   -m pktstat [--name NAME] [--period VALUE[UNIT]] [--samples N]
 *
 * The match always matches; it counts frames and bytes per time window.
 * All options are taken as strings and checked here, so that every error
 * names the option, the value given and the range allowed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xtables.h>
#include "xt_pktstat.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof(*(x)))
#endif

#define PERIOD_RANGE	"must be between 1us and 3600s"
#define PERIOD_UNITS	"use ns, us, ms or s; a bare number means ms"
#define SAMPLES_RANGE	"must be between 1 and %u (and at most the module's " \
			"max_samples, 65536 unless set otherwise)"
#define NAME_RULE	"must be 1 to 31 characters from letters, digits, " \
			"\"_\", \"-\" and \".\", and not \".\" or \"..\""

enum {
	O_PERIOD = 0,
	O_SAMPLES,
	O_NAME,
};

/*
 * Every option is a plain string without XTOPT_MULTI: libxtables then
 * refuses a repeated option, and "!" (no XTOPT_INVERT), by itself.
 */
static const struct xt_option_entry pktstat_opts[] = {
	{.name = "period", .id = O_PERIOD, .type = XTTYPE_STRING},
	{.name = "samples", .id = O_SAMPLES, .type = XTTYPE_STRING},
	{.name = "name", .id = O_NAME, .type = XTTYPE_STRING},
	XTOPT_TABLEEND,
};

static const struct {
	const char *suffix;
	uint64_t ns;
} pktstat_units[] = {
#define XT_PKTSTAT_UNIT(suffix, ns) { suffix, ns },
#include "xt_pktstat_units.h"
};

/*
 * Parse the leading decimal digits of @s.  Returns false if @s does not
 * start with a digit (this refuses "", " 1", "+1", "-1", which strtoull
 * would take) and sets *overflow if the number does not fit in 64 bits.
 */
static bool pktstat_strtou64(const char *s, uint64_t *val, const char **end,
			     bool *overflow)
{
	unsigned long long v;
	char *e;

	*overflow = false;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		*overflow = true;
	*val = v;
	*end = e;
	return true;
}

static bool pktstat_is_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static uint64_t pktstat_parse_period(const char *arg)
{
	const char *rest;
	uint64_t v, mult = 0;
	bool overflow;
	unsigned int i;

	if (*arg == '\0')
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period \"\": empty value "
			      "(VALUE[UNIT], %s); " PERIOD_RANGE, PERIOD_UNITS);
	if (!pktstat_strtou64(arg, &v, &rest, &overflow))
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period \"%s\": not a number "
			      "(VALUE[UNIT], %s); " PERIOD_RANGE,
			      arg, PERIOD_UNITS);

	if (*rest == '\0') {
		mult = 1000000ULL;	/* bare number: milliseconds */
	} else {
		for (i = 0; i < ARRAY_SIZE(pktstat_units); i++)
			if (strcmp(rest, pktstat_units[i].suffix) == 0)
				mult = pktstat_units[i].ns;
	}
	if (mult == 0) {
		if (pktstat_is_word(rest))
			xtables_error(PARAMETER_PROBLEM,
				      "pktstat: --period \"%s\": unknown unit "
				      "\"%s\" (%s); " PERIOD_RANGE,
				      arg, rest, PERIOD_UNITS);
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period \"%s\": not a whole number "
			      "with an optional unit (VALUE[UNIT], %s); "
			      PERIOD_RANGE, arg, PERIOD_UNITS);
	}

	if (overflow || v > UINT64_MAX / mult)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period \"%s\": number too large; "
			      PERIOD_RANGE, arg);
	v *= mult;
	if (v < XT_PKTSTAT_PERIOD_MIN || v > XT_PKTSTAT_PERIOD_MAX)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period \"%s\": " PERIOD_RANGE, arg);
	return v;
}

/*
 * Up to the hard ceiling: the module's max_samples parameter may be lower,
 * and the kernel checks it (its log says so when it refuses a rule).
 */
static uint32_t pktstat_parse_samples(const char *arg)
{
	const char *rest;
	bool overflow;
	uint64_t v;

	if (*arg == '\0')
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --samples \"\": empty value; " SAMPLES_RANGE,
			      XT_PKTSTAT_SAMPLES_CEIL);
	if (!pktstat_strtou64(arg, &v, &rest, &overflow) || *rest != '\0')
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --samples \"%s\": not a whole number; "
			      SAMPLES_RANGE, arg, XT_PKTSTAT_SAMPLES_CEIL);
	if (overflow || v < 1 || v > XT_PKTSTAT_SAMPLES_CEIL)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --samples \"%s\": " SAMPLES_RANGE, arg,
			      XT_PKTSTAT_SAMPLES_CEIL);
	return (uint32_t)v;
}

static void pktstat_parse_name(const char *arg, char *name)
{
	size_t len = strlen(arg);

	if (len >= XT_PKTSTAT_NAME_LEN ||
	    !xt_pktstat_name_ok(arg, (unsigned int)len + 1))
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --name \"%s\": " NAME_RULE, arg);
	memset(name, 0, XT_PKTSTAT_NAME_LEN);
	memcpy(name, arg, len);
}

static void pktstat_help(void)
{
	printf(
"pktstat match options (always matches; counts frames and bytes per window):\n"
"  --period VALUE[UNIT]  Window width. UNIT is ns, us, ms or s; a bare\n"
"                        number means ms. 1us to 3600s (default 1s).\n"
"  --samples N           FIFO capacity in windows, 1 to the module's\n"
"                        max_samples (65536 unless set; default %u).\n"
"  --name NAME           Counter set, read from /proc/net/xt_pktstat/NAME/.\n"
"                        1 to %u characters from letters, digits, _ - .\n"
"                        and not . or .. (default \"%s\").\n"
"Rules with the same name share its counters.  Rules that give a name\n"
"other --period or --samples wait until the name's older rules are gone\n"
"(a reload that changes the settings).\n",
	       XT_PKTSTAT_DEF_SAMPLES, XT_PKTSTAT_NAME_LEN - 1,
	       XT_PKTSTAT_DEF_NAME);
}

static void pktstat_init(struct xt_entry_match *match)
{
	struct xt_pktstat_info *info = (void *)match->data;

	info->period_ns = XT_PKTSTAT_DEF_PERIOD;
	info->samples = XT_PKTSTAT_DEF_SAMPLES;
	info->flags = 0;
	memset(info->name, 0, sizeof(info->name));
	strcpy(info->name, XT_PKTSTAT_DEF_NAME);
}

static void pktstat_parse(struct xt_option_call *cb)
{
	struct xt_pktstat_info *info = cb->data;

	/* Refuses a repeated option and "!" before doing anything else. */
	xtables_option_parse(cb);
	switch (cb->entry->id) {
	case O_PERIOD:
		info->period_ns = pktstat_parse_period(cb->arg);
		break;
	case O_SAMPLES:
		info->samples = pktstat_parse_samples(cb->arg);
		break;
	case O_NAME:
		pktstat_parse_name(cb->arg, info->name);
		break;
	}
}

/*
 * The options fill in a complete rule on their own (.init set the
 * defaults); check that what goes to the kernel is consistent.
 */
static void pktstat_check(struct xt_fcheck_call *cb)
{
	struct xt_pktstat_info *info = cb->data;

	if (info->period_ns < XT_PKTSTAT_PERIOD_MIN ||
	    info->period_ns > XT_PKTSTAT_PERIOD_MAX)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --period %" PRIu64 "ns: " PERIOD_RANGE,
			      (uint64_t)info->period_ns);
	if (info->samples < 1 || info->samples > XT_PKTSTAT_SAMPLES_CEIL)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --samples %u: must be between 1 and %u",
			      info->samples, XT_PKTSTAT_SAMPLES_CEIL);
	if (!xt_pktstat_name_ok(info->name, sizeof(info->name)))
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: --name \"%.*s\": " NAME_RULE,
			      (int)sizeof(info->name), info->name);
	info->flags = 0;
}

/* The period in the largest unit that divides it exactly. */
static void pktstat_print_period(uint64_t ns)
{
	unsigned int i = ARRAY_SIZE(pktstat_units);

	while (--i > 0)
		if (ns % pktstat_units[i].ns == 0)
			break;
	printf("%" PRIu64 "%s", ns / pktstat_units[i].ns,
	       pktstat_units[i].suffix);
}

static void pktstat_print(const void *ip, const struct xt_entry_match *match,
			  int numeric)
{
	const struct xt_pktstat_info *info = (const void *)match->data;

	(void)ip;
	(void)numeric;
	printf(" pktstat name %.*s period ",
	       (int)sizeof(info->name), info->name);
	pktstat_print_period(info->period_ns);
	printf(" samples %u", info->samples);
}

static void pktstat_save(const void *ip, const struct xt_entry_match *match)
{
	const struct xt_pktstat_info *info = (const void *)match->data;

	(void)ip;
	if (strncmp(info->name, XT_PKTSTAT_DEF_NAME, sizeof(info->name)) != 0)
		printf(" --name %.*s", (int)sizeof(info->name), info->name);
	printf(" --period ");
	pktstat_print_period(info->period_ns);
	printf(" --samples %u", info->samples);
}

static struct xtables_match pktstat_match = {
	.family		= NFPROTO_UNSPEC,
	.name		= "pktstat",
	.revision	= 0,
	.version	= XTABLES_VERSION,
	.size		= XT_ALIGN(sizeof(struct xt_pktstat_info)),
	.userspacesize	= offsetof(struct xt_pktstat_info, state),
	.help		= pktstat_help,
	.init		= pktstat_init,
	.print		= pktstat_print,
	.save		= pktstat_save,
	.x6_parse	= pktstat_parse,
	.x6_fcheck	= pktstat_check,
	.x6_options	= pktstat_opts,
};

/*
 * iptables' own extensions write "void _init(void)" and rely on xtables.h
 * turning that into a constructor, which it does only for XTABLES_INTERNAL
 * builds; a plain "_init" would clash with the one from crti.o.  An
 * out-of-tree extension therefore declares its constructor itself.
 */
static __attribute__((constructor)) void pktstat_mt_ldr(void)
{
	xtables_register_match(&pktstat_match);
}
