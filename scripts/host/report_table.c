// SPDX-License-Identifier: GPL-2.0
/*
 * report_table.c - the report for a terminal: a header line, one line per
 * test, notes (module failures, splats, taint, evidence), the verdict and
 * the replay line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "json.h"	/* utf8_len */
#include "report.h"

/*
 * Print @s for a terminal: control characters and invalid UTF-8 become
 * '?', at most @max characters (then "..."), padded with blanks to @width.
 */
static void put_text(const char *s, int width, int max)
{
	const unsigned char *p = (const unsigned char *)safe(s);
	int cols = 0;
	size_t n;

	for (; *p; p += n ? n : 1) {
		if (cols == max) {
			fputs("...", stdout);
			cols += 3;
			break;
		}
		n = utf8_len(p);
		if (!n || *p < 0x20 || *p == 0x7f)
			putchar('?');
		else
			fwrite(p, 1, n, stdout);
		cols++;
	}
	for (; cols < width; cols++)
		putchar(' ');
}

static void header_field(const char *key, const char *v)
{
	if (!v)
		return;
	printf("  %s=", key);
	put_text(v, 0, 64);
}

static void print_header(const struct report *r)
{
	const char *kern = ktap_fact(&r->stream, "kernel");

	printf("mmtorture");
	header_field("suite", report_fact_or_meta(r, "suite"));
	header_field("kernel", kern ? kern : kvlist_get(&r->meta, "kernel"));
	header_field("accel", kvlist_get(&r->meta, "accel"));
	header_field("vcpus", kvlist_get(&r->meta, "vcpus") ?
		     kvlist_get(&r->meta, "vcpus") :
		     ktap_fact(&r->stream, "vcpus"));
	header_field("seed", report_fact_or_meta(r, "seed"));
	if (r->exit_reason != ER_POWEROFF)
		header_field("exit", exit_reason_names[r->exit_reason]);
	printf("\n");
}

static void print_test(const struct ktap_test *t)
{
	char idx[24], time[32] = "-";
	size_t i;

	snprintf(idx, sizeof(idx), "%llu", t->index);
	if (t->has_duration)
		snprintf(time, sizeof(time), "%llu.%02llus",
			 t->duration_ms / 1000, t->duration_ms % 1000 / 10);
	printf("%-3s ", idx);
	put_text(t->name, 25, 60);
	printf(" %-10s ", ktap_status_name(t->status));
	if (t->reason) {
		printf("%-7s ", time);
		put_text(t->reason, 0, TABLE_TEXT_MAX);
	} else {
		printf("%s", time);
	}
	printf("\n");
	for (i = 0; i < t->nsubtests; i++) {
		const struct ktap_subtest *st = &t->subtests[i];

		if (st->status != KTAP_FAIL && st->status != KTAP_TIMEOUT)
			continue;
		printf("    subtest ");
		put_text(st->name, 0, 60);
		printf(": %s\n", ktap_status_name(st->status));
	}
}

static void print_notes(const struct report *r)
{
	struct sbuf b = { 0 };
	char *s;
	size_t i;

	for (i = 0; i < r->nmv; i++) {
		const struct module_verdict *v = &r->mv[i];

		if (!v->failures)
			continue;
		printf("module: %s " MMT_VERDICT_FAILURE " in %lu of %lu runs: ",
		       v->engine, v->failures, v->runs);
		put_text(v->first_failure, 0, TABLE_TEXT_MAX);
		printf("\n");
	}
	for (i = 0; i < r->splats.n; i++) {
		printf("splat: ");
		put_text(r->splats.v[i].title, 0, TABLE_TEXT_MAX);
		printf(" (x%u, console.log line %lu)\n", r->splats.v[i].count,
		       r->splats.v[i].line);
	}
	if (r->taint.has_new && r->taint.new) {
		taint_text(r->taint.new, &b);
		s = sb_take(&b);
		printf("taint: new %s\n", s ? s : "?");
		free(s);
	}
	for (i = 0; i < r->ndet; i++) {
		const struct detection *d = &r->det[i];

		printf("detected: %s in ", d->kind);
		put_text(d->test, 0, 60);
		printf(" (x%lu): ", d->count);
		put_text(d->first, 0, TABLE_TEXT_MAX);
		printf("\n");
	}
	if (r->console_missing)
		printf("console: no console.log\n");
	if (!r->stream.has_end)
		printf("stream: incomplete (no \"# mmt: end\" line)\n");
}

void report_print_verdict(const struct report *r)
{
	printf("verdict: %s - ", verdicts[r->verdict].upper);
	put_text(r->reason, 0, 4 * TABLE_TEXT_MAX);
	printf("\n");
}

void report_print_table(const struct report *r)
{
	const char *replay = kvlist_get(&r->meta, "replay");
	size_t i;

	print_header(r);
	printf("#   %-25s %-10s %s\n", "TEST", "STATUS", "TIME");
	for (i = 0; i < r->stream.ntests; i++)
		print_test(&r->stream.tests[i]);
	if (!r->stream.ntests)
		printf("-   (no test results)\n");
	print_notes(r);
	report_print_verdict(r);
	if (replay) {
		printf("replay: ");
		put_text(replay, 0, 8 * TABLE_TEXT_MAX);
		printf("\n");
	}
}
