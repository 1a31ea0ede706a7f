// SPDX-License-Identifier: GPL-2.0
/*
 * campaign_kcidb.c - the boots as KernelCI KCIDB JSON (report schema
 * v5; scripts/kcidb/schema-v5.json): one checkout and one build per
 * kernel release, a test per boot (the suite's verdict) and one per
 * KTAP test, with log excerpts (detections, splat context) and, given a
 * base URL, the links to the run's published files.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"

#define EXCERPT_MAX	16000	/* KCIDB log_excerpt allows 16384 */

/* A KCIDB test path element: [a-zA-Z0-9_-]+. */
static char *path_elem(const char *s)
{
	char *d = xstrdup(*s ? s : "_"), *p;

	for (p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	return d;
}

static const char *kcidb_boot_status(const char *v)
{
	if (!strcmp(v, "pass"))
		return "PASS";
	if (is_hit(v))
		return "FAIL";	/* a panic, hang or timeout is never a pass */
	if (!strcmp(v, "skip"))
		return "SKIP";
	if (!strcmp(v, "none"))
		return "MISS";
	return "ERROR";
}

static const char *kcidb_test_status(const char *st, const char *boot_verdict)
{
	if (!strcmp(st, "pass"))
		return "PASS";
	if (!strcmp(st, "fail") || !strcmp(st, "timeout"))
		return "FAIL";
	if (!strcmp(st, "skip"))
		return "SKIP";
	/* incomplete: cut by the kernel's failure, or the harness's */
	return is_hit(boot_verdict) ? "FAIL" : "ERROR";
}

struct excerpt {
	char buf[EXCERPT_MAX];
	size_t len;
};

static void ex_add(struct excerpt *e, const char *s)
{
	size_t n = strlen(s ? s : "");

	if (!s || e->len + n + 2 >= sizeof(e->buf))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len++] = '\n';
	e->buf[e->len] = '\0';
}

static void ex_detections(struct excerpt *e, const struct boot *b, const char *test)
{
	const struct jv *d = jv_get(b->sum, "detections");
	size_t i;

	for (i = 0; d && d->type == JV_ARR && i < d->n; i++) {
		char *l;

		if (test && strcmp(test, jv_str(jv_get(&d->v[i], "test"), "")))
			continue;
		l = xasprintf("%s in %s (x%g): %s", jv_str(jv_get(&d->v[i], "kind"), ""),
			      jv_str(jv_get(&d->v[i], "test"), ""), jv_num(jv_get(&d->v[i], "count"), 0),
			      jv_str(jv_get(&d->v[i], "first"), ""));
		ex_add(e, l);
		free(l);
	}
}

static void ex_splats(struct excerpt *e, const struct boot *b)
{
	const struct jv *sp = jv_get(b->sum, "splats"), *ctx;
	size_t i, j;

	for (i = 0; sp && sp->type == JV_ARR && i < sp->n; i++) {
		ctx = jv_get(&sp->v[i], "context");
		for (j = 0; ctx && ctx->type == JV_ARR && j < ctx->n; j++)
			ex_add(e, jv_str(&ctx->v[j], ""));
	}
}

/* BASE/where the run's FILE is, as published with the results folder. */
static char *run_url(const char *base, const struct boot *b, const char *file)
{
	char *rel = url_root ? rel_link(url_root, b->rundir) : xstrdup(b->name);
	char *u = xasprintf("%s/%s/%s", base, rel, file);

	free(rel);
	return u;
}

/* "log_url": the run's FILE under @base. */
static void kcidb_log_url(struct jw *w, const char *base, const struct boot *b,
			  const char *file)
{
	char *u = run_url(base, b, file);

	jw_str(w, "log_url", u);
	free(u);
}

/* "environment": {"comment": @comment}. */
static void kcidb_environment(struct jw *w, const char *comment)
{
	jw_key(w, "environment");
	jw_open(w, '{');
	jw_str(w, "comment", comment);
	jw_close(w, '}');
}

static void kcidb_files(struct jw *w, const struct boot *b, const char *base)
{
	static const char *const files[] = { "summary.json", "results.ktap", "meta.env", "report.html" };
	size_t i;

	jw_key(w, "output_files");
	jw_open(w, '[');
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *u = run_url(base, b, files[i]);

		jw_open(w, '{');
		jw_str(w, "name", files[i]);
		jw_str(w, "url", u);
		jw_close(w, '}');
		free(u);
	}
	jw_close(w, ']');
}

void write_kcidb(FILE *f, const char *origin, const char *base)
{
	struct jw w = { .f = f };
	size_t i, j, k;
	char id[512];

	jw_open(&w, '{');
	jw_key(&w, "version");
	jw_open(&w, '{');
	jw_u64(&w, "major", 5);
	jw_u64(&w, "minor", 0);
	jw_close(&w, '}');
	/* One checkout and one build per kernel release: Debian's package. */
	for (k = 0; k < 2; k++) {
		jw_key(&w, k ? "builds" : "checkouts");
		jw_open(&w, '[');
		for (i = 0; i < nboots; i++) {
			const char *kr = env(&boots[i], "kernel"), *pkg;

			if (!boots[i].sum || !kr)
				continue;
			for (j = 0; j < i; j++)
				if (boots[j].sum && env(&boots[j], "kernel") &&
				    !strcmp(env(&boots[j], "kernel"), kr))
					break;
			if (j < i)
				continue;
			pkg = env(&boots[i], "kernel_package");
			jw_open(&w, '{');
			if (!k) {
				snprintf(id, sizeof(id), "%s:checkout-%s", origin, kr);
				jw_str(&w, "id", id);
				jw_str(&w, "origin", origin);
				jw_str(&w, "tree_name", "debian");
				if (pkg)
					jw_str(&w, "comment", pkg);
				jw_bool(&w, "valid", 1);
			} else {
				const char *cfg = env(&boots[i], "kernel_config_sha256");

				snprintf(id, sizeof(id), "%s:build-%s", origin, kr);
				jw_str(&w, "id", id);
				snprintf(id, sizeof(id), "%s:checkout-%s", origin, kr);
				jw_str(&w, "checkout_id", id);
				jw_str(&w, "origin", origin);
				jw_str(&w, "architecture", "x86_64");
				jw_str(&w, "comment", "the distribution's binary kernel package, booted as it is");
				jw_str(&w, "config_name", "debian");
				jw_str(&w, "status", "PASS");
				jw_key(&w, "misc");
				jw_open(&w, '{');
				if (pkg)
					jw_str(&w, "kernel_package", pkg);
				if (cfg)
					jw_str(&w, "kernel_config_sha256", cfg);
				jw_close(&w, '}');
			}
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
	}
	jw_key(&w, "tests");
	jw_open(&w, '[');
	for (i = 0; i < nboots; i++) {
		const struct boot *b = &boots[i];
		const struct jv *tests = jv_get(b->sum, "tests");
		const char *kr = env(b, "kernel"), *start = jv_str(jv_get(b->sum, "started_utc"), NULL);
		char *suite = path_elem(b->suite), *env_c;
		struct excerpt ex = { .len = 0 };
		double secs;

		if (!b->sum || !kr) {
			free(suite);
			continue;	/* no build to hang it on: in campaign.json */
		}
		snprintf(id, sizeof(id), "%s:build-%s", origin, kr);
		env_c = xasprintf("QEMU %s, %d vCPUs, %s MiB", env(b, "accel") ? env(b, "accel") : "?",
				  b->smp, "?");
		{
			const struct jv *mm = jv_get(jv_get(b->sum, "environment"), "memory_mb");

			if (jv_is_num(mm)) {
				free(env_c);
				env_c = xasprintf("QEMU %s, %d vCPUs, %.0f MiB",
						  env(b, "accel") ? env(b, "accel") : "?", b->smp, mm->num);
			}
		}
		/* the boot: the suite's verdict */
		jw_open(&w, '{');
		jw_str(&w, "build_id", id);
		{
			char tid[512];

			snprintf(tid, sizeof(tid), "%s:%s", origin, b->name);
			jw_str(&w, "id", tid);
		}
		jw_str(&w, "origin", origin);
		{
			char *pth = xasprintf("mmtorture.%s", suite);

			jw_str(&w, "path", pth);
			free(pth);
		}
		jw_str(&w, "status", kcidb_boot_status(b->verdict));
		jw_str(&w, "comment", jv_str(jv_get(b->sum, "verdict_reason"), ""));
		{
			char *l = xasprintf("verdict: %s - %s", b->verdict,
					    jv_str(jv_get(b->sum, "verdict_reason"), ""));

			ex_add(&ex, l);
			free(l);
		}
		ex_detections(&ex, b, NULL);
		ex_splats(&ex, b);
		jw_str(&w, "log_excerpt", ex.buf);
		if (start)
			jw_str(&w, "start_time", start);
		secs = strtod(env(b, "boot_to_verdict_s") ? env(b, "boot_to_verdict_s") : "0", NULL);
		if (secs > 0)
			jw_double(&w, "duration", secs);
		if (base) {
			kcidb_log_url(&w, base, b, "console.log");
			kcidb_files(&w, b, base);
		}
		kcidb_environment(&w, env_c);
		jw_key(&w, "misc");
		jw_open(&w, '{');
		jw_str(&w, "verdict", b->verdict);
		jw_str(&w, "seed", b->seed);
		if (jv_str(jv_get(b->sum, "replay"), NULL))
			jw_str(&w, "replay", jv_str(jv_get(b->sum, "replay"), ""));
		if (b->has_ttd)
			jw_double(&w, "first_detection_s", b->ttd);
		jw_close(&w, '}');
		jw_close(&w, '}');
		/* each test of the suite */
		for (j = 0; tests && tests->type == JV_ARR && j < tests->n; j++) {
			const struct jv *t = &tests->v[j], *m = jv_get(t, "metrics");
			const char *st = jv_str(jv_get(t, "status"), "incomplete");
			const char *tn = jv_str(jv_get(t, "name"), "test");
			char *te = path_elem(tn), *tid, *pth;
			size_t q;

			ex.len = 0;
			ex.buf[0] = '\0';
			if (jv_str(jv_get(t, "reason"), NULL)) {
				char *l = xasprintf("%s: %s", st, jv_str(jv_get(t, "reason"), ""));

				ex_add(&ex, l);
				free(l);
			}
			ex_detections(&ex, b, tn);
			if (!ex.len && strcmp(st, "pass")) {
				char *l = xasprintf("%s; the boot: %s - %s", st, b->verdict,
						    jv_str(jv_get(b->sum, "verdict_reason"), ""));

				ex_add(&ex, l);
				free(l);
			}
			jw_open(&w, '{');
			jw_str(&w, "build_id", id);
			tid = xasprintf("%s:%s.%g", origin, b->name, jv_num(jv_get(t, "index"), (double)j));
			jw_str(&w, "id", tid);
			free(tid);
			jw_str(&w, "origin", origin);
			pth = xasprintf("mmtorture.%s.%s", suite, te);
			jw_str(&w, "path", pth);
			free(pth);
			free(te);
			jw_str(&w, "status", kcidb_test_status(st, b->verdict));
			if (ex.len)
				jw_str(&w, "log_excerpt", ex.buf);
			if (start)
				jw_str(&w, "start_time", start);
			if (jv_is_num(jv_get(t, "duration_ms")))
				jw_double(&w, "duration", jv_get(t, "duration_ms")->num / 1000);
			if (base)
				kcidb_log_url(&w, base, b, "results.ktap");
			kcidb_environment(&w, env_c);
			jw_key(&w, "misc");
			jw_open(&w, '{');
			jw_str(&w, "ktap_status", st);
			jw_key(&w, "metrics");
			jw_open(&w, '{');
			for (q = 0; m && m->type == JV_OBJ && q < m->n; q++)
				if (m->v[q].type == JV_NUM)
					jw_double(&w, m->keys[q], m->v[q].num);
			jw_close(&w, '}');
			jw_close(&w, '}');
			jw_close(&w, '}');
		}
		free(env_c);
		free(suite);
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	fputc('\n', f);
}
