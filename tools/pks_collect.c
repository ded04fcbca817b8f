// SPDX-License-Identifier: GPL-2.0
/*
 * xt-pktstat collect: the collector daemon's loop.
 *
 * Every poll it reads the stats and drains the data of each name
 * (pks_collect_poll.c), writes the rows into rotated files (pks_files.c),
 * and now and then rewrites the Prometheus textfile (pks_collect_prom.c).
 * It polls often enough for the FIFO of every name (a quarter of period x
 * samples, between 1ms and 1s) and says so when it could not.  SIGHUP
 * completes the open files and starts new ones; SIGTERM and SIGINT read
 * once more, complete everything and exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pks_clock.h"
#include "pks_collect_int.h"
#include "pks_log.h"

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Before the first read: a name we may not read is a configuration
 * error; a missing one may come with a rule added later. */
static int check_access(struct pks_collector *c)
{
	size_t i;

	for (i = 0; i < c->nn; i++) {
		struct pks_stats st;
		struct pks_status s;

		if (pks_read_stats(c->o->root, c->n[i]->name, &c->rbuf, &st,
				   &s) < 0 && s.err == PKS_E_ACCESS) {
			pks_log(PKS_LOG_ERR, "%s: %s", c->n[i]->name, s.msg);
			return -1;
		}
	}
	return 0;
}

static void on_hup(struct pks_collector *c)
{
	const struct pks_collect_opts *o = c->o;

	pks_log(PKS_LOG_NOTICE,
		"SIGHUP: closing the open files and opening new ones");
	pks_collect_poll_all(c);
	if (o->dir) {
		pks_files_finalize_all(&c->files);
		pks_files_open(&c->files, false);
	}
	pks_rl_reset(&c->files.rl_write);
	pks_rl_reset(&c->rl_prom);
	if (o->prom)
		pks_collect_write_prom(c, pks_now_mono(), false);
}

/* Poll at the pace the names need until SIGTERM. */
static void run(struct pks_collector *c)
{
	uint64_t next = pks_now_mono();

	while (!got_term) {
		struct timespec ts;
		uint64_t now;

		next += pks_collect_poll_interval(c);
		now = pks_now_mono();
		if (next < now)
			next = now;	/* late: poll_name() tells */
		ts.tv_sec = (time_t)(next / PKS_NSEC);
		ts.tv_nsec = (long)(next % PKS_NSEC);
		while (!got_term && !got_hup &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		if (got_term)
			break;
		if (got_hup) {
			got_hup = 0;
			on_hup(c);
			continue;
		}
		pks_collect_poll_all(c);
		if (c->o->prom &&
		    pks_now_mono() - c->last_prom >= c->o->prom_interval_ns)
			pks_collect_write_prom(c, pks_now_mono(), false);
	}
}

static void log_start(const struct pks_collect_opts *o)
{
	char thr[32];

	if (o->quiet)
		return;
	pks_log(PKS_LOG_INFO, "collecting %s from %s%s%s%s%s",
		o->n_names ? "the names given" : "every name",
		o->root, o->dir ? ", CSV files in " : "",
		o->dir ? o->dir : "", o->prom ? ", Prometheus file " : "",
		o->prom ? o->prom : "");
	if (o->bursts) {
		pks_fmt_rate(thr, sizeof(thr), &o->threshold);
		pks_log(PKS_LOG_INFO,
			"bursts: windows at or above %s, up to %llu below inside one",
			thr, (unsigned long long)o->gap);
	}
}

static void collector_free(struct pks_collector *c)
{
	size_t i;

	if (c->o->dir)
		pks_files_finalize_all(&c->files);
	pks_files_close(&c->files);
	pks_buf_free(&c->rbuf);
	pks_samples_free(&c->smp);
	for (i = 0; i < c->nn; i++)
		free(c->n[i]);
	free(c->n);
}

int pks_collect(const struct pks_collect_opts *o)
{
	struct pks_collector c = {
		.o = o,
		.files = {
			.dir = o->dir, .rotate_ns = o->rotate_ns,
			.nkinds = o->bursts ? 2 : 1, .lock_fd = -1,
		},
	};
	size_t i;
	int rc = 1;

	catch_signals();
	c.start_real = pks_now_real();
	if (o->dir && pks_files_open(&c.files, true) < 0)
		goto out;
	for (i = 0; i < o->n_names; i++)
		pks_collect_add_name(&c, o->names[i], true);
	if (check_access(&c) < 0)
		goto out;
	log_start(o);
	pks_collect_poll_all(&c);
	if (o->prom && pks_collect_write_prom(&c, pks_now_mono(), true) == -2)
		goto out;
	run(&c);
	/* SIGTERM: one last read, then everything out */
	pks_collect_poll_all(&c);
	pks_collect_stop_names(&c);
	if (o->dir)
		pks_files_finalize_all(&c.files);
	if (o->prom)
		pks_collect_write_prom(&c, pks_now_mono(), false);
	if (!o->quiet)
		pks_log(PKS_LOG_INFO, "stopped");
	rc = 0;
out:
	collector_free(&c);
	return rc;
}
