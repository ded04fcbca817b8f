/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt-pktstat: the user program of xt_pktstat.  Shared declarations of the
 * parser (pks_parse.c), the formatting and aggregation helpers
 * (pks_fmt.c), the /proc access (pks_proc.c) and the collector
 * (pks_collect.c).  Everything here is plain C11 + POSIX, without global
 * state, so that the unit tests (tests/tools) link the same objects.
 */
#ifndef PKS_H
#define PKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKS_VERSION		"0.1.0"
#define PKS_DEFAULT_ROOT	"/proc/net/xt_pktstat"
#define PKS_HEADER		"# timestamp frames bytes"
#define PKS_NAME_MAX		31	/* the module's limit */
#define PKS_NSEC		1000000000ULL

/* ------------------------------------------------------------ buffers */

struct pks_sample {
	uint64_t ts;		/* window start, ns since the epoch */
	uint64_t frames;
	uint64_t bytes;
};

struct pks_samples {
	struct pks_sample *v;
	size_t n, cap;
};

/* A growable byte buffer (output text, file contents). */
struct pks_buf {
	char *p;
	size_t len, cap;
};

void pks_buf_reserve(struct pks_buf *b, size_t extra);
void pks_buf_add(struct pks_buf *b, const void *p, size_t n);
void pks_buf_str(struct pks_buf *b, const char *s);
void pks_buf_printf(struct pks_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pks_buf_free(struct pks_buf *b);
void pks_samples_push(struct pks_samples *s, uint64_t ts, uint64_t frames,
		      uint64_t bytes);
void pks_samples_free(struct pks_samples *s);

/* snprintf without the compiler's truncation warnings: messages and paths
 * are cut at the buffer's end, on purpose. */
void pks_snprintf(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* malloc/realloc that exit(1) with a message when memory runs out. */
void *pks_xrealloc(void *p, size_t n);

/* ------------------------------------------------------------ parsing */

/*
 * Parse the text of a data file: lines starting with '#' (the header) are
 * skipped, every other line must be "<u64> <u64> <u64>\n".  Samples are
 * appended to @out.  A last line without its newline is not an error (a
 * reader gives such a sample back to the FIFO): it is left out, and
 * *partial is set to its length.  Returns 0, or -1 on a bad line: then
 * *bad_line is its number (1-based) and @out holds the samples before it.
 */
int pks_parse_data(const char *p, size_t len, struct pks_samples *out,
		   size_t *bad_line, size_t *partial);

enum pks_key {
	PKS_PERIOD_NS,
	PKS_SAMPLES,
	PKS_RULES,
	PKS_FRAMES_SEEN,
	PKS_BYTES_SEEN,
	PKS_SAMPLES_READ,
	PKS_FRAMES_READ,
	PKS_BYTES_READ,
	PKS_SAMPLES_DROPPED,
	PKS_FRAMES_DROPPED,
	PKS_BYTES_DROPPED,
	PKS_SAMPLES_PENDING,
	PKS_FRAMES_PENDING,
	PKS_BYTES_PENDING,
	PKS_CLOCK_STEPS_BACK,
	PKS_NKEYS
};

extern const char *const pks_key_names[PKS_NKEYS];

struct pks_stats {
	char name[64];
	uint64_t v[PKS_NKEYS];
	uint32_t have;		/* bit k: key k was present */
};

/*
 * Parse a stats file ("key value" lines).  Unknown keys are ignored (a
 * newer module may add some).  Returns 0, or -1 if a known key has a bad
 * value or period_ns / samples is missing or zero (*bad_line: the line, 0
 * for a missing key).
 */
int pks_parse_stats(const char *p, size_t len, struct pks_stats *st,
		    size_t *bad_line);

/*
 * Durations: a whole number with a unit ns, us, ms, s, m, h (or none:
 * @default_unit_ns).  Returns 0, or -1 for an empty, negative, non-numeric
 * or overflowing value or an unknown unit.
 */
int pks_parse_duration(const char *s, uint64_t default_unit_ns,
		       uint64_t *ns);

/* Unsigned decimal, whole string, no sign, no overflow. */
int pks_parse_u64(const char *s, uint64_t *v);

/* 1 to 31 of A-Z a-z 0-9 _ - . and not "." or "..": the module's rule. */
bool pks_valid_name(const char *name);

/* ---------------------------------------------------------- formatting */

/* Decimal digits of @v at @dst (no NUL); returns the end. */
char *pks_u64(char *dst, uint64_t v);

/* "0", "999", "1.23k", "12.3M", "123G": 3 significant digits, SI. */
void pks_human(char *dst, size_t n, double v);

/* The period in the largest unit that divides it: "10us", "1500ns". */
void pks_fmt_period(char *dst, size_t n, uint64_t ns);

/* A duration for messages: "655ms", "1.5s", "12us". */
void pks_fmt_duration(char *dst, size_t n, uint64_t ns);

/* UTC "YYYY-mm-dd HH:MM:SS" of the second, cached. */
struct pks_tcache {
	int64_t sec;
	char s[20];
};

/* "YYYY-mm-dd HH:MM:SS.nnnnnnnnn" (UTC) at @dst, no NUL; returns the end. */
char *pks_fmt_time(char *dst, struct pks_tcache *c, uint64_t ns);

/* "YYYY-mm-dd-HHMMSS" (UTC), the file name stamp; NUL-terminated. */
void pks_fmt_stamp(char *dst, size_t n, uint64_t sec);

/* CSV: the header row and one row per sample or event. */
#define PKS_CSV_HEADER "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event\n"
void pks_csv_sample(struct pks_buf *b, struct pks_tcache *c, const char *name,
		    uint64_t period, const struct pks_sample *s);
void pks_csv_event(struct pks_buf *b, struct pks_tcache *c, const char *name,
		   uint64_t now_ns, uint64_t period, const char *event);
/* A CSV field, quoted when it holds , " CR or LF. */
void pks_csv_field(struct pks_buf *b, const char *s);
/* A JSON string with its quotes. */
void pks_json_str(struct pks_buf *b, const char *s);

/* --------------------------------------------------------- aggregation */

struct pks_summary {
	uint64_t windows;		/* samples (windows that saw traffic) */
	uint64_t frames, bytes;
	uint64_t max_frames, max_bytes;	/* the busiest window's */
	uint64_t p_frames, p_bytes;	/* the percentile's (pks_summarize) */
};

/*
 * Summary of @n samples, and the @pct percentile (0 < pct <= 100) of the
 * frames and of the bytes per window over @total_windows windows: the
 * windows missing from the samples (no traffic) count as zeros.  Nearest
 * rank.  @scratch (n entries) is overwritten.
 */
void pks_summarize(const struct pks_sample *s, size_t n,
		   uint64_t total_windows, double pct, uint64_t *scratch,
		   struct pks_summary *out);

/* Nearest-rank percentile of @vals (sorted in place) plus @zeros zeros. */
uint64_t pks_percentile(uint64_t *vals, size_t n, uint64_t zeros, double pct);

/*
 * Sparkline of the busiest window (frames) per slot: @width slots across
 * [t0, t1), samples outside clamped to the ends; heights relative to the
 * busiest slot.  An empty slot is a blank, a non-empty one at least the
 * lowest bar.  UTF-8 blocks or ASCII.  Writes a NUL-terminated string.
 */
void pks_sparkline(const struct pks_sample *s, size_t n, uint64_t t0,
		   uint64_t t1, int width, bool utf8, char *dst, size_t dn);

/* Rates of a window of @frames / @bytes lasting @period_ns. */
static inline double pks_pps(uint64_t frames, uint64_t period_ns)
{
	return period_ns ? (double)frames * 1e9 / (double)period_ns : 0;
}
static inline double pks_bps(uint64_t bytes, uint64_t period_ns)
{
	return period_ns ? (double)bytes * 8e9 / (double)period_ns : 0;
}

/* ------------------------------------------------------------- /proc */

enum pks_err {
	PKS_OK = 0,
	PKS_E_NOROOT,		/* the proc root is missing: module not loaded */
	PKS_E_NONAME,		/* the name's directory is missing */
	PKS_E_ACCESS,		/* permission denied */
	PKS_E_GONE,		/* removed while reading (EIO) */
	PKS_E_FORMAT,		/* unexpected contents */
	PKS_E_OTHER,
};

struct pks_status {
	enum pks_err err;
	int errnum;
	char msg[512];		/* a full sentence for the user */
};

/* Read a whole file into @b (replacing its contents). -1 with errno. */
int pks_read_file(const char *path, struct pks_buf *b);

/*
 * Drain NAME's data file once: append the samples to @out.  @b is a
 * reusable read buffer.  Outside procfs (a test tree given with
 * --proc-root), a writable data file is emptied under flock(2) after the
 * read, as the module's destructive read would.
 */
int pks_drain(const char *root, const char *name, struct pks_buf *b,
	      struct pks_samples *out, struct pks_status *st);

int pks_read_stats(const char *root, const char *name, struct pks_buf *b,
		   struct pks_stats *stats, struct pks_status *st);

/* The names under @root, sorted; *names is a malloc'ed array of malloc'ed
 * strings.  -1 and @st filled if @root can't be read. */
int pks_list_names(const char *root, char ***names, size_t *n,
		   struct pks_status *st);
void pks_free_names(char **names, size_t n);

/* Clocks, in ns. */
uint64_t pks_now_real(void);
uint64_t pks_now_mono(void);

/* ----------------------------------------------------------- collector */

struct pks_collect_opts {
	const char *root;
	const char *dir;		/* CSV directory, or NULL */
	const char *prom;		/* Prometheus textfile, or NULL */
	const char **names;		/* NULL-terminated; none: every name */
	size_t n_names;
	uint64_t rotate_ns;		/* CSV file period */
	uint64_t prom_interval_ns;
	uint64_t interval_ns;		/* 0: from period x samples */
	bool quiet;
};

int pks_collect(const struct pks_collect_opts *o);

/* Logging (stderr; with syslog priorities when under systemd-journald). */
enum { PKS_LOG_ERR = 3, PKS_LOG_WARNING = 4, PKS_LOG_NOTICE = 5,
       PKS_LOG_INFO = 6 };
void pks_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
