// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - mmt-report: turn a results folder into summary.json, a verdict
 * table on stdout and an exit status.
 *
 *   mmt-report --dir RESULTS_DIR [--exit-reason R] [--quiet]
 *
 * RESULTS_DIR holds console.log (kernel serial console), results.ktap (the
 * runner's stream, scripts/guest/stream-format.txt) and meta.env (host facts).
 *
 * Verdicts, first match wins (exit code):
 *   panic (7)    the console holds a kernel panic
 *   hang (6)     exit reason "hang"
 *   timeout (5)  exit reason "timeout"
 *   error (2)    QEMU failed, console.log missing, an input unreadable, the
 *                stream has no "# mmt: end", no test executed, or a test
 *                has no result
 *   fail (1)     the module's verdict on an engine is FAILURE (its end line
 *                on the console, module/mmtorture_uapi.h; named first in
 *                the reason), a test failed or timed out, a splat, or new
 *                kernel taint
 *   skip (4)     every test skipped
 *   pass (0)     at least one test passed and nothing above
 * Exit code 3 means mmt-report itself failed (usage, out of memory, cannot
 * write summary.json); no verdict is given then.
 *
 * This file is main and the helpers the steps share; the steps themselves
 * are report_load.c, report_verdict.c (the rules above), report_json.c and
 * report_table.c, with report.h between them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

const char *const exit_reason_names[] = {
	[ER_POWEROFF]	= "poweroff",
	[ER_TIMEOUT]	= "timeout",
	[ER_HANG]	= "hang",
	[ER_QEMU_ERROR]	= "qemu-error",
	[ER_NONE]	= "none",
};

const struct verdict_name verdicts[] = {
	[V_PASS]	= { "pass", "PASS", 0 },
	[V_FAIL]	= { "fail", "FAIL", 1 },
	[V_ERROR]	= { "error", "ERROR", 2 },
	[V_SKIP]	= { "skip", "SKIP", 4 },
	[V_TIMEOUT]	= { "timeout", "TIMEOUT", 5 },
	[V_HANG]	= { "hang", "HANG", 6 },
	[V_PANIC]	= { "panic", "PANIC", 7 },
};

/* ---- growable string; allocation failure is sticky ---- */

void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL,
		      b->s ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (!b->s || b->len + n >= b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		char *ns;

		while (cap <= b->len + n)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += n;
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Take the string (never NULL unless out of memory). */
char *sb_take(struct sbuf *b)
{
	char *s;

	if (!b->s && !b->oom)
		sb_printf(b, "%s", "");
	if (b->oom) {
		free(b->s);
		b->s = NULL;
	}
	s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}

void die_oom(void)
{
	fprintf(stderr, "mmt-report: out of memory\n");
	exit(EXIT_TOOL);
}

char *path_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		die_oom();
	return p;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmt-report --dir RESULTS_DIR [--exit-reason R] [--quiet]\n"
		"  R: poweroff (default), timeout, hang, qemu-error, none\n"
		"exit: 0 pass, 1 fail, 2 error, 4 skip, 5 timeout, 6 hang,\n"
		"      7 panic, 3 mmt-report itself failed\n");
}

static int parse_exit_reason(const char *s, enum exit_reason *er)
{
	size_t i;

	for (i = 0; i < sizeof(exit_reason_names) / sizeof(exit_reason_names[0]); i++)
		if (!strcmp(s, exit_reason_names[i])) {
			*er = i;
			return 0;
		}
	return -1;
}

static int parse_args(int argc, char **argv, struct report *r)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "exit-reason", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "d:e:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			r->dir = optarg;
			break;
		case 'e':
			if (parse_exit_reason(optarg, &r->exit_reason)) {
				fprintf(stderr, "mmt-report: unknown exit reason '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'q':
			r->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !r->dir || !*r->dir) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct report r = { .exit_reason = ER_POWEROFF };
	struct stat st;
	int code;

	ktap_stream_init(&r.stream);
	if (parse_args(argc, argv, &r))
		return EXIT_TOOL;
	if (stat(r.dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mmt-report: %s: not a directory\n", r.dir);
		return EXIT_TOOL;
	}
	if (report_load(&r)) {
		if (errno == ENOMEM)
			die_oom();
		fprintf(stderr, "mmt-report: cannot read meta.env: %s\n",
			strerror(errno));
		report_free(&r);
		return EXIT_TOOL;
	}
	report_decide(&r);
	if (report_save_summary(&r)) {
		report_free(&r);
		return EXIT_TOOL;
	}
	if (r.quiet)
		report_print_verdict(&r);
	else
		report_print_table(&r);
	code = verdicts[r.verdict].code;
	report_free(&r);
	if (fflush(stdout))
		return EXIT_TOOL;
	return code;
}
