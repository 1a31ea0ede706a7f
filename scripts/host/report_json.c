// SPDX-License-Identifier: GPL-2.0
/*
 * report_json.c - summary.json from a decided report, written with json.c
 * through a temporary file and a rename.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "report.h"

#define NUM_MAX		128

/* String @v as an unsigned integer, null if it is not one. */
static void jw_uint_text(struct jw *w, const char *k, const char *v)
{
	unsigned long long n;

	if (!ktap_parse_u64(v, &n))
		jw_u64(w, k, n);
	else
		jw_raw(w, k, "null");
}

/* String @v as a decimal number ("300" or "300s"), null if not one. */
static void jw_num_text(struct jw *w, const char *k, const char *v)
{
	char num[NUM_MAX], tmp[NUM_MAX];
	size_t len = strlen(v);

	if (len && len < sizeof(tmp) && v[len - 1] == 's') {
		memcpy(tmp, v, len - 1);
		tmp[len - 1] = '\0';
		v = tmp;
	}
	if (!ktap_number_text(v, num, sizeof(num)))
		jw_raw(w, k, num);
	else
		jw_raw(w, k, "null");
}

/* Keys already written into "environment", so none is written twice. */
struct seen {
	const char *keys[64];
	size_t n;
};

static int env_seen(struct seen *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i], key))
			return 1;
	if (s->n < sizeof(s->keys) / sizeof(s->keys[0]))
		s->keys[s->n++] = key;
	return 0;
}

static void env_str(struct jw *w, struct seen *s, const char *k,
		    const char *v)
{
	if (v && !env_seen(s, k))
		jw_str(w, k, v);
}

static void env_uint(struct jw *w, struct seen *s, const char *k,
		     const char *v)
{
	if (v && !env_seen(s, k))
		jw_uint_text(w, k, v);
}

/* meta.env keys that live at the top level, not in "environment". */
static int meta_top_level(const char *key)
{
	static const char *const keys[] = {
		"suite", "seed", "duration", "started_utc", "finished_utc",
		"replay", "results_dir",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i], key))
			return 1;
	return 0;
}

static void write_environment(struct jw *w, const struct report *r)
{
	const char *skern = ktap_fact(&r->stream, "kernel");
	const char *mkern = kvlist_get(&r->meta, "kernel");
	const char *svcpus = ktap_fact(&r->stream, "vcpus");
	const char *mvcpus = kvlist_get(&r->meta, "vcpus");
	struct seen s = { .n = 0 };
	size_t i;

	jw_key(w, "environment");
	jw_open(w, '{');
	env_str(w, &s, "kernel", skern ? skern : mkern);
	if (skern && mkern && strcmp(skern, mkern))
		env_str(w, &s, "kernel_requested", mkern);
	env_str(w, &s, "proc_version", ktap_fact(&r->stream, "proc_version"));
	env_str(w, &s, "kernel_config_sha256",
		kvlist_get(&r->meta, "kernel_config_sha256"));
	env_str(w, &s, "kernel_package", kvlist_get(&r->meta, "kernel_package"));
	env_str(w, &s, "qemu_cmdline", kvlist_get(&r->meta, "qemu_cmdline"));
	env_str(w, &s, "accel", kvlist_get(&r->meta, "accel"));
	env_uint(w, &s, "vcpus", mvcpus ? mvcpus : svcpus);
	if (mvcpus && svcpus)
		env_uint(w, &s, "guest_vcpus", svcpus);
	env_uint(w, &s, "memory_mb", kvlist_get(&r->meta, "memory_mb"));
	env_str(w, &s, "git_commit", kvlist_get(&r->meta, "git_commit"));
	env_str(w, &s, "oops_mode", kvlist_get(&r->meta, "oops_mode"));
	env_str(w, &s, "runner", ktap_fact(&r->stream, "runner"));
	env_str(w, &s, "module", ktap_fact(&r->stream, "module"));
	env_str(w, &s, "module_params", ktap_fact(&r->stream, "module_params"));
	/* "kernel" and "vcpus" from meta were handled above */
	env_seen(&s, "kernel");
	env_seen(&s, "vcpus");
	for (i = 0; i < r->meta.n; i++) {
		const struct ktap_kv *kv = &r->meta.v[i];

		if (!meta_top_level(kv->key))
			env_str(w, &s, kv->key, kv->value);
	}
	jw_close(w, '}');
}

static void write_test(struct jw *w, const struct ktap_test *t)
{
	size_t i;

	jw_open(w, '{');
	jw_str(w, "name", t->name);
	jw_u64(w, "index", t->index);
	jw_str(w, "status", ktap_status_name(t->status));
	if (t->has_duration)
		jw_u64(w, "duration_ms", t->duration_ms);
	if (t->has_seed)
		jw_u64(w, "seed", t->seed);
	if (t->reason)
		jw_str(w, "reason", t->reason);
	if (t->has_exit)
		jw_s64(w, "exit", t->exit_code);
	jw_key(w, "metrics");
	jw_open(w, '{');
	for (i = 0; i < t->nmetrics; i++)
		jw_raw(w, t->metrics[i].name, t->metrics[i].value);
	jw_close(w, '}');
	jw_key(w, "metric_units");
	jw_open(w, '{');
	for (i = 0; i < t->nmetrics; i++)
		if (t->metrics[i].unit)
			jw_str(w, t->metrics[i].name, t->metrics[i].unit);
	jw_close(w, '}');
	jw_key(w, "subtests");
	jw_open(w, '[');
	for (i = 0; i < t->nsubtests; i++) {
		const struct ktap_subtest *st = &t->subtests[i];

		jw_open(w, '{');
		jw_str(w, "name", st->name);
		jw_u64(w, "index", st->index);
		jw_str(w, "status", ktap_status_name(st->status));
		if (st->reason)
			jw_str(w, "reason", st->reason);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void write_splat(struct jw *w, const struct splat *s)
{
	size_t i;

	jw_open(w, '{');
	jw_str(w, "title", s->title);
	jw_str(w, "kind", s->kind);
	jw_u64(w, "count", s->count);
	jw_u64(w, "line", s->line);
	jw_key(w, "context");
	jw_open(w, '[');
	for (i = 0; i < s->ncontext; i++)
		jw_str(w, NULL, s->context[i]);
	jw_close(w, ']');
	jw_close(w, '}');
}

static void write_counts(struct jw *w, const struct ktap_counts *c)
{
	jw_key(w, "counts");
	jw_open(w, '{');
	jw_u64(w, "pass", c->pass);
	jw_u64(w, "fail", c->fail);
	jw_u64(w, "skip", c->skip);
	jw_u64(w, "timeout", c->timeout);
	jw_u64(w, "incomplete", c->incomplete);
	jw_close(w, '}');
}

static void write_taint(struct jw *w, const struct taint *t)
{
	jw_key(w, "taint");
	if (!t->has_before && !t->has_after && !t->has_new) {
		jw_raw(w, NULL, "null");
		return;
	}
	jw_open(w, '{');
	if (t->has_before)
		jw_u64(w, "before", t->before);
	if (t->has_after)
		jw_u64(w, "after", t->after);
	if (t->has_new)
		jw_u64(w, "new", t->new);
	jw_close(w, '}');
}

static void write_top_facts(struct jw *w, const struct report *r)
{
	const char *v;

	if ((v = report_fact_or_meta(r, "suite")))
		jw_str(w, "suite", v);
	if ((v = report_fact_or_meta(r, "seed")))
		jw_uint_text(w, "seed", v);
	if ((v = kvlist_get(&r->meta, "duration")) ||
	    (v = ktap_fact(&r->stream, "duration")))
		jw_num_text(w, "duration_s", v);
	if ((v = kvlist_get(&r->meta, "started_utc")))
		jw_str(w, "started_utc", v);
	if ((v = kvlist_get(&r->meta, "finished_utc")))
		jw_str(w, "finished_utc", v);
	if ((v = kvlist_get(&r->meta, "results_dir")))
		jw_str(w, "results_dir", v);
}

/* "detections" and "first_detection_s": the detectors' evidence. */
static void write_detections(struct jw *w, const struct report *r)
{
	double first = -1;
	size_t i;

	jw_key(w, "detections");
	jw_open(w, '[');
	for (i = 0; i < r->ndet; i++) {
		const struct detection *d = &r->det[i];

		jw_open(w, '{');
		jw_str(w, "test", d->test);
		jw_str(w, "kind", d->kind);
		jw_u64(w, "count", d->count);
		jw_str(w, "first", d->first);
		if (d->has_elapsed) {
			jw_double(w, "first_elapsed_s", d->first_elapsed_s);
			if (first < 0 || d->first_elapsed_s < first)
				first = d->first_elapsed_s;
		}
		jw_close(w, '}');
	}
	jw_close(w, ']');
	if (first >= 0)
		jw_double(w, "first_detection_s", first);
}

/*
 * "module_verdict": FAILURE if any engine's end line said so, SUCCESS if
 * there were end lines and none did, absent without end lines;
 * "module_verdicts": per engine, its runs, failures and end lines.
 */
static void write_module_verdicts(struct jw *w, const struct report *r)
{
	size_t i, failed = 0;

	for (i = 0; i < r->nmv; i++)
		failed += r->mv[i].failures > 0;
	if (r->nmv)
		jw_str(w, "module_verdict", failed ? MMT_VERDICT_FAILURE :
						     MMT_VERDICT_SUCCESS);
	jw_key(w, "module_verdicts");
	jw_open(w, '[');
	for (i = 0; i < r->nmv; i++) {
		const struct module_verdict *v = &r->mv[i];

		jw_open(w, '{');
		jw_str(w, "engine", v->engine);
		jw_str(w, "verdict", v->failures ? MMT_VERDICT_FAILURE :
						   MMT_VERDICT_SUCCESS);
		jw_u64(w, "runs", v->runs);
		jw_u64(w, "failures", v->failures);
		jw_u64(w, "violations", v->violations);
		jw_u64(w, "errors", v->errors);
		if (v->first_failure) {
			jw_str(w, "first_failure", v->first_failure);
			jw_u64(w, "first_failure_console_line",
			       v->first_failure_lineno);
		}
		jw_str(w, "last", v->last);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void write_summary(FILE *f, const struct report *r)
{
	struct jw w = { .f = f };
	size_t i;

	jw_open(&w, '{');
	jw_u64(&w, "schema", 1);
	jw_str(&w, "verdict", verdicts[r->verdict].name);
	jw_u64(&w, "exit_code", verdicts[r->verdict].code);
	jw_str(&w, "verdict_reason", r->reason);
	jw_str(&w, "exit_reason", exit_reason_names[r->exit_reason]);
	write_top_facts(&w, r);
	write_environment(&w, r);
	jw_key(&w, "tests");
	jw_open(&w, '[');
	for (i = 0; i < r->stream.ntests; i++)
		write_test(&w, &r->stream.tests[i]);
	jw_close(&w, ']');
	write_counts(&w, &r->counts);
	if (r->stream.has_plan)
		jw_u64(&w, "plan", r->stream.plan);
	jw_key(&w, "splats");
	jw_open(&w, '[');
	for (i = 0; i < r->splats.n; i++)
		write_splat(&w, &r->splats.v[i]);
	jw_close(&w, ']');
	write_taint(&w, &r->taint);
	write_detections(&w, r);
	write_module_verdicts(&w, r);
	jw_raw(&w, "stream_complete", r->stream.has_end ? "true" : "false");
	jw_raw(&w, "console_log", r->console_missing ? "false" : "true");
	if (kvlist_get(&r->meta, "replay"))
		jw_str(&w, "replay", kvlist_get(&r->meta, "replay"));
	jw_close(&w, '}');
	fputc('\n', f);
}

static int write_file(int fd, mode_t mask, const struct report *r)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		close(fd);
		return -1;
	}
	if (fchmod(fd, 0666 & ~mask))
		goto fail;
	write_summary(f, r);
	if (fflush(f) || ferror(f) || fsync(fd))
		goto fail;
	return fclose(f) ? -1 : 0;
fail:
	err = errno ? errno : EIO;
	fclose(f);
	errno = err;
	return -1;
}

/* Write summary.json through a temporary file and a rename. */
int report_save_summary(const struct report *r)
{
	char *final = path_join(r->dir, "summary.json");
	char *tmp = path_join(r->dir, ".summary.json.XXXXXX");
	mode_t mask = umask(0);
	int fd, ret = 0;

	umask(mask);
	fd = mkstemp(tmp);
	if (fd < 0 || write_file(fd, mask, r) || rename(tmp, final)) {
		fprintf(stderr, "mmt-report: cannot write %s: %s\n", final,
			strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		ret = -1;
	}
	free(tmp);
	free(final);
	return ret;
}
