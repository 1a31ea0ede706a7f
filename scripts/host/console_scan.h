/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console_scan.h - find kernel splats in a serial console log.
 *
 * Interface shared by the console-scan CLI and mmt-report.
 */
#ifndef MMT_CONSOLE_SCAN_H
#define MMT_CONSOLE_SCAN_H

#include <stddef.h>
#include <stdio.h>

/* One splat, duplicates folded by title. */
struct splat {
	char *title;		/* stable title, e.g. "WARNING in mmt_crash_warn" */
	char *kind;		/* class: "BUG", "WARNING", "KASAN", "LOCKDEP", "PANIC", ... */
	unsigned long line;	/* 1-based line of the first occurrence */
	unsigned int count;	/* occurrences folded into this entry */
	char **context;		/* lines around the first occurrence (timestamps kept) */
	size_t ncontext;
};

struct splat_list {
	struct splat *v;
	size_t n;
};

/* Lines of context kept before the splat's first line. */
#define SCAN_CONTEXT_BEFORE_DEFAULT 10
/* Upper bound of lines kept after it (the report usually ends earlier). */
#define SCAN_CONTEXT_AFTER_MAX 60

/*
 * Scan the log at @path. Returns 0 on success (also when nothing is
 * found), -1 with errno set if the file cannot be read.
 */
int console_scan_file(const char *path, unsigned int ctx_before,
		      struct splat_list *out);
/* Same, over an open stream. */
int console_scan_stream(FILE *in, unsigned int ctx_before,
			struct splat_list *out);
void splat_list_free(struct splat_list *list);

/* Write @s as one JSON object (no trailing newline). */
void splat_write_json(FILE *out, const struct splat *s);
/* Write @s for a person: title, count, then the context indented. */
void splat_write_text(FILE *out, const struct splat *s);

/* Does the list hold a kernel panic? (kind "PANIC") */
int splat_list_has_panic(const struct splat_list *list);

#endif
