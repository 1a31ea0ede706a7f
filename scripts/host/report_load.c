// SPDX-License-Identifier: GPL-2.0
/*
 * report_load.c - a results folder into struct report: meta.env (host
 * facts), results.ktap (the runner's stream, scripts/guest/stream-format.txt)
 * and console.log (splats, the module's end lines, whether the kernel
 * booted, the runner's last error), and what follows from them (taint,
 * the detectors' evidence).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const evidence_kinds[] = {
	"lost write", "stale contents", "bad block", "protection violation",
	"move violation", "fork violation",
};

#define EVIDENCE_TEXT_MAX	300

static int meta_key_ok(const char *k, size_t len)
{
	size_t i;

	if (!len || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++)
		if (!(k[i] == '_' || (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9')))
			return 0;
	return 1;
}

/* meta.env: KEY=VALUE lines; a missing file is an empty one. */
static int load_meta(struct report *r)
{
	char *path = path_join(r->dir, "meta.env"), *eq;
	struct ktap_line l = { 0 };
	FILE *f = fopen(path, "r");
	int n = 0;

	free(path);
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while ((n = ktap_read_line(f, &l)) > 0) {
		eq = strchr(l.buf, '=');
		if (l.buf[0] == '#' || !eq || !meta_key_ok(l.buf, eq - l.buf))
			continue;
		*eq = '\0';
		n = kvlist_set(&r->meta, l.buf, eq + 1);
		if (n < 0)
			break;
	}
	ktap_line_free(&l);
	fclose(f);
	return n < 0 ? -1 : 0;
}

static void load_stream(struct report *r)
{
	char *path = path_join(r->dir, "results.ktap");

	if (ktap_parse_file(path, &r->stream)) {
		if (errno == ENOMEM)
			die_oom();
		if (errno == ENOENT)
			r->stream_missing = 1;
		else
			r->stream_errno = errno ? errno : EIO;
	}
	free(path);
	ktap_count(&r->stream, &r->counts);
}

#define RUNNER_PREFIX	"mmtorture-run: "
#define RUNNER_MSG_MAX	200

/*
 * Did the kernel boot (a "Linux version" line)? Keep the last error the
 * runner printed ("mmtorture-run: ..."): it tells why a stream is empty.
 */
static unsigned long long field_u64(const char *line, const char *key)
{
	size_t klen = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			return strtoull(p + klen + 1, NULL, 10);
		p += klen;
	}
	return 0;
}

static char *dup_or_die(const char *s, size_t max)
{
	char *d = strndup(s, max);

	if (!d)
		die_oom();
	return d;
}

/*
 * "mmtorture: ENGINE: end: ... WORD": the module's verdict on one run of
 * an engine. FAILURE, or violations=N > 0 in a line cut before its last
 * word, fails it.
 */
static void module_end_line(struct report *r, const char *line,
			    unsigned long lineno)
{
	const char *p = strstr(line, MMT_CONSOLE_PREFIX), *name, *end;
	struct module_verdict *v = NULL;
	unsigned long long viol;
	size_t len, i, tl;
	int failed;

	if (!p)
		return;
	name = p + strlen(MMT_CONSOLE_PREFIX);
	len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (!len || len >= ENGINE_NAME_MAX ||
	    strncmp(name + len, ": " MMT_LINE_END " ", strlen(MMT_LINE_END) + 3))
		return;
	for (i = 0; i < r->nmv; i++)
		if (strlen(r->mv[i].engine) == len &&
		    !strncmp(r->mv[i].engine, name, len))
			v = &r->mv[i];
	if (!v) {
		if (r->nmv == MODULE_ENGINES_MAX)
			return;
		v = &r->mv[r->nmv++];
		memcpy(v->engine, name, len);
		v->engine[len] = '\0';
	}
	tl = strcspn(name, "\r\n");
	while (tl && name[tl - 1] == ' ')
		tl--;
	end = name + tl;
	viol = field_u64(name, MMT_STAT_VIOLATIONS);
	failed = viol > 0 ||
		 (tl >= strlen(MMT_VERDICT_FAILURE) &&
		  !strncmp(end - strlen(MMT_VERDICT_FAILURE), MMT_VERDICT_FAILURE,
			   strlen(MMT_VERDICT_FAILURE)));
	v->runs++;
	v->violations += viol;
	v->errors += field_u64(name, MMT_STAT_ERRORS);
	free(v->last);
	v->last = dup_or_die(name, tl < VERDICT_LINE_MAX ? tl : VERDICT_LINE_MAX);
	if (!failed)
		return;
	if (!v->failures++) {
		v->first_failure = dup_or_die(name, tl < VERDICT_LINE_MAX ?
						    tl : VERDICT_LINE_MAX);
		v->first_failure_lineno = lineno;
	}
}

static void console_facts(FILE *f, struct report *r)
{
	struct ktap_line l = { 0 };
	unsigned long lineno = 0;
	char *p;
	int n;

	while ((n = ktap_read_line(f, &l)) > 0) {
		lineno++;
		module_end_line(r, l.buf, lineno);
		if (!r->booted && strstr(l.buf, "Linux version "))
			r->booted = 1;
		p = strstr(l.buf, RUNNER_PREFIX);
		if (!p)
			continue;
		free(r->runner_msg);
		r->runner_msg = strndup(p, RUNNER_MSG_MAX);
		if (!r->runner_msg)
			die_oom();
	}
	ktap_line_free(&l);
	if (n < 0 && errno == ENOMEM)
		die_oom();
}

static void load_console(struct report *r)
{
	char *path = path_join(r->dir, "console.log");
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT)
			r->console_missing = 1;
		else
			r->console_errno = errno;
		free(path);
		return;
	}
	console_facts(f, r);
	fclose(f);
	if (console_scan_file(path, SCAN_CONTEXT_BEFORE_DEFAULT,
			      &r->splats)) {
		if (errno == ENOMEM)
			die_oom();
		r->console_errno = errno ? errno : EIO;
		memset(&r->splats, 0, sizeof(r->splats));
	}
	free(path);
}

static int taint_get(const struct report *r, const char *key,
		     unsigned long long *v)
{
	const char *s = ktap_fact(&r->stream, key);

	return s && !ktap_parse_u64(s, v);
}

static struct detection *detection_for(struct report *r, const char *test,
					const char *kind)
{
	struct detection *d;
	size_t i;

	for (i = 0; i < r->ndet; i++)
		if (r->det[i].kind == kind && !strcmp(r->det[i].test, test))
			return &r->det[i];
	d = realloc(r->det, (r->ndet + 1) * sizeof(*d));
	if (!d)
		die_oom();
	r->det = d;
	d = &r->det[r->ndet++];
	memset(d, 0, sizeof(*d));
	d->test = strdup(test);
	if (!d->test)
		die_oom();
	d->kind = kind;
	return d;
}

/*
 * The detectors' evidence lines, wherever they are nested in the stream,
 * under the test whose "# mmt-begin" came last.
 */
static void load_detections(struct report *r)
{
	char *path = path_join(r->dir, "results.ktap"), *p, *e, test[128] = "";
	struct ktap_line l = { 0 };
	FILE *f = fopen(path, "r");
	char pat[64];
	size_t k;
	int n;

	free(path);
	if (!f)
		return;
	while ((n = ktap_read_line(f, &l)) > 0) {
		if (!strncmp(l.buf, "# mmt-begin: ", 13)) {
			p = strchr(l.buf + 13, ' ');
			snprintf(test, sizeof(test), "%s", p ? p + 1 : "");
			continue;
		}
		for (k = 0; k < sizeof(evidence_kinds) / sizeof(evidence_kinds[0]); k++) {
			struct detection *d;

			snprintf(pat, sizeof(pat), "# %s: ", evidence_kinds[k]);
			p = strstr(l.buf, pat);
			if (!p)
				continue;
			d = detection_for(r, test, evidence_kinds[k]);
			if (!d->count++) {
				d->first = strndup(p + strlen(pat), EVIDENCE_TEXT_MAX);
				if (!d->first)
					die_oom();
				e = strstr(p, " elapsed=");
				if (e) {
					d->first_elapsed_s = strtod(e + 9, NULL);
					d->has_elapsed = 1;
				}
			}
			break;
		}
	}
	ktap_line_free(&l);
	fclose(f);
}

static void load_taint(struct report *r)
{
	struct taint *t = &r->taint;
	const unsigned long long ours = (1ULL << 12) | (1ULL << 13); /* O, E */

	t->has_before = taint_get(r, "taint_before", &t->before);
	t->has_after = taint_get(r, "taint_after", &t->after);
	t->has_new = taint_get(r, "taint_new", &t->new);
	if (!t->has_new && t->has_before && t->has_after) {
		t->new = t->after & ~t->before & ~ours;
		t->has_new = 1;
	}
}

int report_load(struct report *r)
{
	if (load_meta(r))
		return -1;
	load_stream(r);
	load_console(r);
	load_taint(r);
	load_detections(r);
	return 0;
}

const char *report_fact_or_meta(const struct report *r, const char *key)
{
	const char *v = ktap_fact(&r->stream, key);

	return v ? v : kvlist_get(&r->meta, key);
}

void report_free(struct report *r)
{
	kvlist_free(&r->meta);
	ktap_stream_free(&r->stream);
	splat_list_free(&r->splats);
	for (size_t i = 0; i < r->ndet; i++) {
		free(r->det[i].test);
		free(r->det[i].first);
	}
	free(r->det);
	for (size_t i = 0; i < r->nmv; i++) {
		free(r->mv[i].first_failure);
		free(r->mv[i].last);
	}
	free(r->runner_msg);
	free(r->reason);
}
