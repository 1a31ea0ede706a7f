/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap_parse.h - parse the structured stream (results.ktap) written by the
 * in-guest runner. The format is described in scripts/guest/stream-format.txt.
 *
 * The parser never fails on bad input: unknown or malformed lines are
 * ignored, a stream cut anywhere (even mid-line) yields what was complete.
 * The only errors are I/O errors and allocation failures.
 */
#ifndef MMT_KTAP_PARSE_H
#define MMT_KTAP_PARSE_H

#include <stddef.h>
#include <stdio.h>

/* Longest line kept; the rest of a longer line is read and dropped. */
#define KTAP_LINE_MAX	(64 * 1024)

enum ktap_status {
	KTAP_NONE = 0,		/* no result seen (internal) */
	KTAP_PASS,
	KTAP_FAIL,
	KTAP_SKIP,
	KTAP_TIMEOUT,
	KTAP_INCOMPLETE,	/* begun, but the stream was cut before a result */
};

const char *ktap_status_name(enum ktap_status s);

/* Ordered list of string pairs; setting an existing key replaces it. */
struct ktap_kv {
	char *key;
	char *value;
};

struct ktap_kvlist {
	struct ktap_kv *v;
	size_t n;
	size_t cap;
};

/* Returns 0, or -1 with errno = ENOMEM. */
int kvlist_set(struct ktap_kvlist *l, const char *key, const char *value);
const char *kvlist_get(const struct ktap_kvlist *l, const char *key);
void kvlist_free(struct ktap_kvlist *l);

struct ktap_metric {
	char *name;		/* [A-Za-z0-9_.-]+ */
	char *value;		/* a valid JSON number, as text */
	char *unit;		/* NULL if none */
};

struct ktap_subtest {
	char *name;
	unsigned long long index;
	enum ktap_status status;
	char *reason;		/* directive text (SKIP reason), or NULL */
};

/*
 * A shell test's skip reason: ktap_helpers.sh's ktap_test_skip takes none,
 * so the tests print "# NAME skipped: REASON" on the line before NAME's
 * "ok N NAME # SKIP". Held until the next nested line.
 */
#define KTAP_SKIP_NOTE " skipped: "

struct ktap_test {
	unsigned long long index;
	char *name;
	enum ktap_status status;	/* final, set by the parser at the end */
	enum ktap_status end_status;	/* from "# mmt-end", or KTAP_NONE */
	enum ktap_status res_status;	/* from "ok/not ok", or KTAP_NONE */
	char *reason;			/* mmt-end reason=, else directive text */
	char *directive;		/* text after "# SKIP"/"# TIMEOUT" */
	unsigned long long duration_ms;
	unsigned long long seed;
	long long exit_code;
	unsigned int has_duration:1;
	unsigned int has_seed:1;
	unsigned int has_exit:1;
	unsigned int begun:1;		/* "# mmt-begin" seen */
	unsigned int ended:1;		/* "# mmt-end" seen */
	unsigned int has_result:1;	/* "ok/not ok" line seen */
	struct ktap_metric *metrics;
	size_t nmetrics;
	struct ktap_subtest *subtests;
	size_t nsubtests;
	size_t subtests_cap;
};

struct ktap_stream {
	unsigned long lines;		/* lines read (complete or not) */
	unsigned long recognised;	/* lines that meant something */
	unsigned int has_version:1;	/* "KTAP version" seen */
	unsigned int has_plan:1;
	unsigned int has_end:1;		/* "# mmt: end" seen */
	unsigned int cut:1;		/* last line had no newline */
	unsigned long long plan;	/* N of "1..N" */
	struct ktap_kvlist facts;	/* "# mmt: k=v" runner facts */
	struct ktap_kvlist end;		/* k=v of the "# mmt: end" line */
	struct ktap_test *tests;	/* in order of first appearance */
	size_t ntests;
	size_t tests_cap;
	long current;			/* test between begin and result, or -1 */
	char *skip_note;		/* last nested line, if "# NAME skipped: ..." */
};

struct ktap_counts {
	unsigned long pass, fail, skip, timeout, incomplete;
};

/* A line reader with bounded memory; strips '\r' and NUL bytes. */
struct ktap_line {
	char *buf;		/* NUL-terminated line, without '\n' */
	size_t len;
	size_t cap;
	int newline;		/* the line ended with '\n' (else EOF cut it) */
	int overlong;		/* longer than KTAP_LINE_MAX, tail dropped */
};

/*
 * Read the next line of @in into @l. Returns 1 if a line was read, 0 at
 * end of file, -1 on error (errno set: ENOMEM or the read error).
 */
int ktap_read_line(FILE *in, struct ktap_line *l);
void ktap_line_free(struct ktap_line *l);

void ktap_stream_init(struct ktap_stream *s);
/* Feed one line (newline removed). @complete is 0 for a cut last line. */
int ktap_parse_line(struct ktap_stream *s, char *line, int complete);
/*
 * Settle every test's final status once the input is exhausted.
 * Returns 0, or -1 (ENOMEM) if a reason could not be stored.
 */
int ktap_finish(struct ktap_stream *s);

/*
 * Parse a whole stream: init, every line, finish. Returns 0, or -1 with
 * errno set (ENOMEM or a read error); @s must be freed either way.
 */
int ktap_parse_stream(FILE *in, struct ktap_stream *s);
/* Same from a file; -1 with errno = ENOENT etc. if it cannot be opened. */
int ktap_parse_file(const char *path, struct ktap_stream *s);
void ktap_stream_free(struct ktap_stream *s);

void ktap_count(const struct ktap_stream *s, struct ktap_counts *c);
/* Runner fact by key, or NULL. */
const char *ktap_fact(const struct ktap_stream *s, const char *key);

/*
 * Helpers shared with the report: strict number parsing.
 * ktap_parse_u64: decimal digits (or 0x hex), no sign, no overflow.
 * ktap_parse_s64: as above with an optional '-'.
 * ktap_number_text: is @str a decimal number (integer or floating point)?
 * If so store in @out (size @n) a JSON number that means the same.
 */
int ktap_parse_u64(const char *str, unsigned long long *out);
int ktap_parse_s64(const char *str, long long *out);
int ktap_number_text(const char *str, char *out, size_t n);

#endif
