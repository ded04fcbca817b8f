// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: the option parser and the helpers the commands share.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pks_fmt.h"
#include "pks_parse.h"
#include "pks_text.h"

/* "xt-pktstat: <message>" on stderr, without the newline. */
static void say(const char *fmt, va_list ap)
{
	fputs("xt-pktstat: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void pks_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	fputs("\nTry 'xt-pktstat --help'.\n", stderr);
	exit(2);
}

void pks_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------ options */

enum { OPT_PROC_ROOT = -100, OPT_HELP };

static const struct pks_opt common_opts[] = {
	{ "--proc-root", true, OPT_PROC_ROOT },
	{ "--help", false, OPT_HELP },
	{ NULL, false, 0 },
};

static const struct pks_opt *find_opt(const struct pks_opt *opts,
				      const char *s, size_t n)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == n && !memcmp(opts->name, s, n))
			return opts;
	return NULL;
}

/* The option's value, "--opt=value" or "--opt value". */
static const char *opt_value(struct pks_args *a, const struct pks_opt *o,
			     const char *eq)
{
	if (!o->value) {
		if (eq)
			pks_usage_error("%s takes no value", o->name);
		return NULL;
	}
	if (eq)
		return eq + 1;
	if (a->i >= a->argc)
		pks_usage_error("%s needs a value", o->name);
	return a->argv[a->i++];
}

int pks_next_arg(struct pks_args *a, const char **val)
{
	for (;;) {
		const struct pks_opt *o;
		const char *s, *eq;
		size_t n;

		if (a->i >= a->argc)
			return PKS_ARG_END;
		s = a->argv[a->i++];
		if (a->operands || s[0] != '-' || !s[1]) {
			*val = s;
			return PKS_ARG_OPERAND;
		}
		if (!strcmp(s, "--")) {
			a->operands = true;
			continue;
		}
		if (!strcmp(s, "-h"))
			s = "--help";
		eq = s[1] == '-' ? strchr(s, '=') : NULL;
		n = eq ? (size_t)(eq - s) : strlen(s);
		o = find_opt(a->opts, s, n);
		if (!o)
			o = find_opt(common_opts, s, n);
		if (!o)
			pks_usage_error("%s%sunknown option %.*s%s",
					a->cmd ? a->cmd : "", a->cmd ? ": " : "",
					(int)n, s,
					a->cmd ? "" : " (before the command)");
		*val = opt_value(a, o, eq);
		if (o->id == OPT_HELP) {
			fputs(a->usage, stdout);
			exit(0);
		}
		if (o->id != OPT_PROC_ROOT)
			return o->id;
		if (!**val)
			pks_usage_error("--proc-root \"%s\": empty", *val);
		a->root = *val;
	}
}

/* ------------------------------------------------------------ values */

uint64_t pks_duration_arg(const char *opt, const char *v, uint64_t min)
{
	uint64_t ns;
	char m[32];

	if (pks_parse_duration(v, PKS_NSEC, &ns) < 0)
		pks_usage_error("%s \"%s\": not a duration (a whole number and %s)",
				opt, v, pks_time_units_text());
	if (ns < min) {
		pks_fmt_duration(m, sizeof(m), min);
		pks_usage_error("%s \"%s\": must be at least %s", opt, v, m);
	}
	return ns;
}

uint64_t pks_u64_arg(const char *opt, const char *v, uint64_t min,
		     uint64_t max)
{
	uint64_t x;

	if (pks_parse_u64(v, &x) < 0 || x < min || x > max)
		pks_usage_error("%s \"%s\": %llu to %llu", opt, v,
				(unsigned long long)min,
				(unsigned long long)max);
	return x;
}

void pks_name_arg(const char *name)
{
	if (!pks_valid_name(name))
		pks_usage_error("\"%s\": not a name (1 to %d of A-Z a-z 0-9 _ - ., not . or ..)",
				name, PKS_NAME_MAX);
}

enum pks_format pks_format_arg(const char *v, unsigned allowed)
{
	static const struct {
		const char *name;
		enum pks_format f;
	} formats[] = {
		{ "text", PKS_F_TEXT }, { "csv", PKS_F_CSV },
		{ "json", PKS_F_JSON },
	};
	char list[64] = "";
	size_t i, k = 0, n = 0;

	for (i = 0; i < PKS_ARRAY_SIZE(formats); i++)
		if ((allowed & formats[i].f) && !strcmp(v, formats[i].name))
			return formats[i].f;
	for (i = 0; i < PKS_ARRAY_SIZE(formats); i++)
		n += (allowed & formats[i].f) != 0;
	for (i = 0; i < PKS_ARRAY_SIZE(formats); i++) {
		if (!(allowed & formats[i].f))
			continue;
		k++;
		strcat(list, formats[i].name);
		strcat(list, k + 1 < n ? ", " : k + 1 == n ? " or " : "");
	}
	pks_usage_error("--format \"%s\": %s", v, list);
}

bool pks_burst_opt(struct pks_burst_args *ba, int id, const char *v)
{
	switch (id) {
	case PKS_OPT_THRESHOLD:
		ba->threshold = v;
		return true;
	case PKS_OPT_LINK_SPEED:
		ba->link_speed = v;
		return true;
	case PKS_OPT_GAP:
		ba->gap = pks_u64_arg("--gap", v, 0, 1000000);
		return true;
	}
	return false;
}

bool pks_burst_threshold(const struct pks_burst_args *ba,
			 struct pks_rate *thr)
{
	struct pks_rate link = { PKS_RATE_BITS, 0 };
	char err[512];

	if (ba->link_speed &&
	    pks_parse_rate("--link-speed", ba->link_speed, false, NULL, &link,
			   err, sizeof(err)) < 0)
		pks_usage_error("%s", err);
	if (!ba->threshold) {
		if (ba->link_speed)
			pks_usage_error("--link-speed \"%s\": goes with --threshold (P%% of the link's speed)",
					ba->link_speed);
		return false;
	}
	if (pks_parse_rate("--threshold", ba->threshold, true,
			   ba->link_speed ? &link : NULL, thr, err,
			   sizeof(err)) < 0)
		pks_usage_error("%s", err);
	return true;
}

/* ------------------------------------------------------------ output */

void pks_out_flush(struct pks_buf *b, size_t samples)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t w = write(STDOUT_FILENO, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			fprintf(stderr,
				"xt-pktstat: writing to the standard output failed: %s",
				strerror(e));
			if (samples)
				fprintf(stderr, "; %zu samples drained from the kernel are lost",
					samples);
			fprintf(stderr, "\n");
			exit(1);
		}
		off += (size_t)w;
	}
	b->len = 0;
}

/* ------------------------------------------------------------ signals */

volatile sig_atomic_t pks_stop;

static void on_stop(int sig)
{
	(void)sig;
	pks_stop = 1;
}

void pks_stop_on_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void pks_sleep_until(uint64_t mono_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(mono_ns / PKS_NSEC),
		.tv_nsec = (long)(mono_ns % PKS_NSEC),
	};

	while (!pks_stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
