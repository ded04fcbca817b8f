// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat: list, read, watch, collect, analyse and plot the samples of
 * xt_pktstat (/proc/net/xt_pktstat/<name>/{data,stats,hist}).  See
 * xt-pktstat(8).  This file holds the command table and the global
 * options; each command is in cmd_<command>.c.
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "pks_buf.h"
#include "cmd.h"
#include "pks_text.h"

static const struct command {
	const char *name;
	int (*run)(struct pks_args *a);
	const char *synopsis;	/* after the name */
	const char *help;
} commands[] = {
	{ "list", pks_cmd_list, "[--format text|json]",
	  "the names in this network namespace: period, capacity, buffered\n"
	  "samples, drops, rules" },
	{ "read", pks_cmd_read, "NAME [--format text|csv|json]",
	  "drain NAME's samples once and print them" },
	{ "watch", pks_cmd_watch,
	  "NAME [--interval 1s] [--once] [--bars N] [--ascii] [--format text|json]",
	  "one line per interval: average, peak and p99 window rates, windows,\n"
	  "drops and a bar of the window rates" },
	{ "bursts", pks_cmd_bursts,
	  "NAME --threshold RATE [--link-speed RATE] [--gap N] [--follow]\n"
	  "[--format text|json]",
	  "drain NAME and report its bursts: runs of windows at or above RATE,\n"
	  "with up to N windows below inside one" },
	{ "plot", pks_cmd_plot,
	  "NAME | --csv FILE... [--name NAME] [--threshold RATE\n"
	  "[--link-speed RATE] [--gap N]] [--pps] [-o OUT.svg]",
	  "an SVG chart of the window rates (drained from NAME, or from\n"
	  "collect's CSV files), the threshold and the bursts" },
	{ "collect", pks_cmd_collect,
	  "[NAME...] [--dir DIR] [--rotate 5m] [--prometheus FILE]\n"
	  "[--prometheus-interval 15s] [--interval DURATION] [--quiet]\n"
	  "[--threshold RATE [--link-speed RATE] [--gap N]]",
	  "daemon: drain in time, write rotated CSV files (and burst files)\n"
	  "and a Prometheus textfile; without NAME, every name (also those\n"
	  "added later)" },
};

static const struct pks_opt global_opts[] = {
	{ "--version", false, 1 },
	{ NULL, false, 0 },
};

/* Continuation lines of @s indented by @ind. */
static void indented(struct pks_buf *b, const char *s, int ind)
{
	const char *nl;

	while ((nl = strchr(s, '\n'))) {
		pks_buf_printf(b, "%.*s\n%*s", (int)(nl - s), s, ind, "");
		s = nl + 1;
	}
	pks_buf_printf(b, "%s\n", s);
}

static void make_usage(struct pks_buf *b)
{
	size_t i;

	pks_buf_str(b, "Usage: xt-pktstat [--proc-root DIR] COMMAND [ARGS]\n\n");
	for (i = 0; i < PKS_ARRAY_SIZE(commands); i++) {
		pks_buf_printf(b, "  %-7s ", commands[i].name);
		indented(b, commands[i].synopsis, 10);
		pks_buf_str(b, "          ");
		indented(b, commands[i].help, 10);
	}
	pks_buf_printf(b, "\n  --proc-root DIR   where the names are (default %s)\n"
		       "Durations: a whole number and a unit %s (default s).\n"
		       "Rates: a number and bps, kbit, Mbit, Gbit, Tbit or pps, kpps, Mpps,\n"
		       "or P%% of --link-speed.\n"
		       "Reading data removes the samples: run one reader per name.  See xt-pktstat(8).\n",
		       PKS_DEFAULT_ROOT, pks_time_units_text());
}

/* "list, read, watch, collect, bursts or plot" */
static void command_names(char *dst, size_t n)
{
	size_t i, k = PKS_ARRAY_SIZE(commands), o = 0;

	for (i = 0; i < k && o < n; i++) {
		pks_snprintf(dst + o, n - o, "%s%s", commands[i].name,
			     i + 2 < k ? ", " : i + 2 == k ? " or " : "");
		o += strlen(dst + o);
	}
}

/* static: reachable until the end, whichever way a command exits */
static struct pks_buf usage;

int main(int argc, char **argv)
{
	struct pks_args a = {
		.argc = argc, .argv = argv, .i = 1, .opts = global_opts,
		.root = PKS_DEFAULT_ROOT,
	};
	const char *cmd = NULL, *v;
	char names[128];
	size_t i;
	int id;

	make_usage(&usage);
	a.usage = usage.p;
	command_names(names, sizeof(names));
	/* global options, then the command */
	while (!cmd && (id = pks_next_arg(&a, &v)) != PKS_ARG_END) {
		if (id == PKS_ARG_OPERAND) {
			cmd = v;
		} else {
			printf("xt-pktstat %s\n", XT_PKTSTAT_VERSION);
			return 0;
		}
	}
	if (!cmd)
		pks_usage_error("which command? %s", names);
	if (!strcmp(cmd, "help")) {
		fputs(a.usage, stdout);
		return 0;
	}
	for (i = 0; i < PKS_ARRAY_SIZE(commands); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		a.cmd = commands[i].name;
		a.opts = NULL;
		return commands[i].run(&a);
	}
	pks_usage_error("unknown command \"%s\" (%s)", cmd, names);
}
