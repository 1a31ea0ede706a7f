// SPDX-License-Identifier: GPL-2.0
/*
 * console-scan - list the kernel splats in a serial console log.
 *
 *   console-scan [--json] [--context N] LOG
 *
 * LOG "-" is standard input. Text output is for people; --json writes one
 * JSON object per splat and line:
 *   {"title":T,"kind":K,"line":N,"count":N,"context":[LINE...]}
 * --context N keeps N lines before each splat (default 10).
 *
 * Exit status: 0 no splat, 1 at least one splat, 2 usage error or the log
 * cannot be read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_scan.h"

#define PROG		"console-scan"
#define USAGE		"usage: " PROG " [--json] [--context N] LOG"
#define CONTEXT_MAX	10000

enum { EXIT_CLEAN = 0, EXIT_SPLAT = 1, EXIT_TROUBLE = 2 };

/* One line on stderr: what is wrong, then how it is used. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s)\n", USAGE);
	return EXIT_TROUBLE;
}

/* A decimal number of lines, 0..CONTEXT_MAX. */
static int parse_lines(const char *s, unsigned int *n)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > CONTEXT_MAX)
		return -1;
	*n = v;
	return 0;
}

static int scan(const char *path, unsigned int ctx, struct splat_list *l)
{
	if (!strcmp(path, "-"))
		return console_scan_stream(stdin, ctx, l);
	return console_scan_file(path, ctx, l);
}

static void print_splats(const struct splat_list *l, bool json)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (json) {
			splat_write_json(stdout, &l->v[i]);
			putchar('\n');
			continue;
		}
		if (i)
			putchar('\n');
		splat_write_text(stdout, &l->v[i]);
	}
	if (!json && !l->n)
		printf("no kernel splat found\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "context", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int ctx = SCAN_CONTEXT_BEFORE_DEFAULT;
	struct splat_list splats;
	const char *path;
	bool json = false;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			if (parse_lines(optarg, &ctx))
				return usage_error("--context wants a number of lines, not '%s'",
						   optarg);
			break;
		case 'h':
			printf("%s\n", USAGE);
			return EXIT_CLEAN;
		case ':':
			return usage_error("%s needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error("no LOG given");
	if (optind + 1 < argc)
		return usage_error("more than one LOG given");
	path = argv[optind];

	if (scan(path, ctx, &splats)) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
		return EXIT_TROUBLE;
	}
	print_splats(&splats, json);
	ret = splats.n ? EXIT_SPLAT : EXIT_CLEAN;
	splat_list_free(&splats);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the result: %s\n", PROG,
			strerror(errno));
		return EXIT_TROUBLE;
	}
	return ret;
}
