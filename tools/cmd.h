/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: what the commands (cmd_*.c) share: the option parser, the
 * messages and exit statuses of usage errors and failures, the converters
 * of option values, writing to the standard output, and the commands'
 * entry points for the command table of xt-pktstat.c.
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#ifndef PKS_CMD_H
#define PKS_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "pks_buf.h"
#include "pks_rate.h"

/* One option of a command: "--format" with a value, "--once" without. */
struct pks_opt {
	const char *name;
	bool value;
	int id;			/* > 0, what pks_next_arg() returns */
};

struct pks_args {
	int argc;
	char **argv;
	int i;			/* the next argument */
	bool operands;		/* after "--": operands only */
	const char *cmd;	/* the command, for messages */
	const struct pks_opt *opts;	/* the command's; ends with { NULL } */
	const char *usage;	/* printed by --help */
	const char *root;	/* --proc-root, which every command takes */
};

enum { PKS_ARG_END = -1, PKS_ARG_OPERAND = 0 };

/*
 * The next option of @a->opts (its id, its value in *val), an operand
 * (PKS_ARG_OPERAND, in *val) or PKS_ARG_END.  --proc-root and --help
 * are handled here; an unknown option, a missing or unexpected value are
 * usage errors.  "--opt value" and "--opt=value" both work.
 */
int pks_next_arg(struct pks_args *a, const char **val);

__attribute__((noreturn, format(printf, 1, 2)))
void pks_usage_error(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2)))
void pks_fail(const char *fmt, ...);

/* Option values; a bad one is a usage error naming @opt and @v. */
uint64_t pks_duration_arg(const char *opt, const char *v, uint64_t min);
uint64_t pks_u64_arg(const char *opt, const char *v, uint64_t min,
		     uint64_t max);
void pks_name_arg(const char *name);

enum pks_format { PKS_F_TEXT = 1, PKS_F_CSV = 2, PKS_F_JSON = 4 };
/* @allowed: the formats the command has (PKS_F_... ORed). */
enum pks_format pks_format_arg(const char *v, unsigned allowed);

/* --threshold, --link-speed and --gap of bursts, plot and collect. */
struct pks_burst_args {
	const char *threshold, *link_speed;	/* as given, or NULL */
	uint64_t gap;
};

/* Take one of the three options (false: @id is not one of them). */
enum { PKS_OPT_THRESHOLD = 1000, PKS_OPT_LINK_SPEED, PKS_OPT_GAP };
#define PKS_BURST_OPTS						\
	{ "--threshold", true, PKS_OPT_THRESHOLD },		\
	{ "--link-speed", true, PKS_OPT_LINK_SPEED },		\
	{ "--gap", true, PKS_OPT_GAP }
bool pks_burst_opt(struct pks_burst_args *ba, int id, const char *v);
/* The threshold as a rate (false: none given); usage errors as above. */
bool pks_burst_threshold(const struct pks_burst_args *ba,
			 struct pks_rate *thr);

/* Write @b to stdout and empty it; on failure say what was lost (the
 * @samples drained from the kernel) and exit 1. */
void pks_out_flush(struct pks_buf *b, size_t samples);

/* SIGINT and SIGTERM set pks_stop (for watch and bursts --follow). */
extern volatile sig_atomic_t pks_stop;
void pks_stop_on_signals(void);
/* Sleep until CLOCK_MONOTONIC @mono_ns, or pks_stop. */
void pks_sleep_until(uint64_t mono_ns);

int pks_cmd_list(struct pks_args *a);
int pks_cmd_read(struct pks_args *a);
int pks_cmd_watch(struct pks_args *a);
int pks_cmd_collect(struct pks_args *a);
int pks_cmd_bursts(struct pks_args *a);
int pks_cmd_plot(struct pks_args *a);

#endif
