/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - mmt-report's in-memory report and the steps that fill and
 * write it:
 *
 *   report_load.c     results folder -> struct report (meta.env, the KTAP
 *                     stream, console.log: splats, module end lines, ...)
 *   report_verdict.c  struct report -> verdict and reason (the rules)
 *   report_json.c     summary.json (through json.c)
 *   report_table.c    the table (or the verdict line) on stdout
 *   report.c          main: arguments, the steps in order, exit status
 */
#ifndef MMT_REPORT_H
#define MMT_REPORT_H

#include <stdarg.h>
#include <stddef.h>

#include "console_scan.h"
#include "ktap_parse.h"
#include "../../module/mmtorture_uapi.h"

#define EXIT_TOOL	3
#define LIST_MAX	3	/* names or titles spelled out in a reason */
#define TABLE_TEXT_MAX	160	/* columns of free text in a table line */

enum exit_reason {
	ER_POWEROFF,
	ER_TIMEOUT,
	ER_HANG,
	ER_QEMU_ERROR,
	ER_NONE,
};

/* Indexed by enum exit_reason. */
extern const char *const exit_reason_names[];

enum verdict {
	V_PASS,
	V_FAIL,
	V_ERROR,
	V_SKIP,
	V_TIMEOUT,
	V_HANG,
	V_PANIC,
};

/* Indexed by enum verdict: summary.json's name, the table's, exit code. */
struct verdict_name {
	const char *name;
	const char *upper;
	int code;
};
extern const struct verdict_name verdicts[];

struct taint {
	unsigned long long before, after, new;
	unsigned int has_before:1, has_after:1, has_new:1;
};

/*
 * A detector's evidence in the stream ("# lost write: ... elapsed=T.TTTs
 * ..."), folded by test and kind: how many lines, and the first one.
 */
struct detection {
	char *test;
	const char *kind;
	unsigned long count;
	char *first;			/* text after "KIND: " */
	double first_elapsed_s;
	int has_elapsed;
};

/*
 * The module's verdict per engine: what its end lines on the console said
 * ("mmtorture: ENGINE: end: ... SUCCESS|FAILURE"), one entry per engine.
 */
#define MODULE_ENGINES_MAX	16
#define ENGINE_NAME_MAX		32
#define VERDICT_LINE_MAX	1024

struct module_verdict {
	char engine[ENGINE_NAME_MAX];
	unsigned long runs;		/* end lines */
	unsigned long failures;		/* of them FAILURE */
	unsigned long long violations;	/* summed over the end lines */
	unsigned long long errors;
	unsigned long first_failure_lineno;
	char *first_failure;		/* text after the prefix */
	char *last;
};

struct report {
	const char *dir;
	enum exit_reason exit_reason;
	int quiet;

	struct ktap_kvlist meta;
	struct ktap_stream stream;
	int stream_errno;		/* results.ktap unreadable (not ENOENT) */
	int stream_missing;
	struct splat_list splats;
	int console_missing;
	int console_errno;		/* console.log unreadable (not ENOENT) */
	int booted;			/* a "Linux version" line was seen */
	char *runner_msg;		/* last "mmtorture-run: " error line */
	struct module_verdict mv[MODULE_ENGINES_MAX];
	size_t nmv;
	struct ktap_counts counts;
	struct taint taint;
	struct detection *det;		/* evidence lines, by test and kind */
	size_t ndet;

	enum verdict verdict;
	char *reason;
};

/* Growable string; allocation failure is sticky (report.c). */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
	int oom;
};

void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap);
void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...);
/* Take the string (never NULL unless out of memory). */
char *sb_take(struct sbuf *b);

void __attribute__((noreturn)) die_oom(void);
char *path_join(const char *dir, const char *name);

static inline const char *safe(const char *s)
{
	return s ? s : "";
}

/*
 * report_load.c. report_load() reads meta.env, results.ktap and
 * console.log under r->dir; -1 with errno when meta.env cannot be read
 * (nothing else is loaded then). A missing or unreadable stream or
 * console is recorded in @r, not an error.
 */
int report_load(struct report *r);
/* Stream fact first, host meta second. */
const char *report_fact_or_meta(const struct report *r, const char *key);
void report_free(struct report *r);

/* report_verdict.c: sets r->verdict and r->reason. */
void report_decide(struct report *r);
/* "0x200 (W)": a taint mask with its letters. */
void taint_text(unsigned long long v, struct sbuf *b);

/* report_json.c: summary.json in r->dir, through a temporary file. */
int report_save_summary(const struct report *r);

/* report_table.c */
void report_print_table(const struct report *r);
void report_print_verdict(const struct report *r);

#endif
