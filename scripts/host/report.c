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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_scan.h"
#include "json.h"
#include "ktap_parse.h"
#include "../../module/mmtorture_uapi.h"

#define EXIT_TOOL	3
#define LIST_MAX	3	/* names or titles spelled out in a reason */
#define TABLE_TEXT_MAX	160	/* columns of free text in a table line */
#define NUM_MAX		128

enum exit_reason {
	ER_POWEROFF,
	ER_TIMEOUT,
	ER_HANG,
	ER_QEMU_ERROR,
	ER_NONE,
};

static const char *const exit_reason_names[] = {
	[ER_POWEROFF]	= "poweroff",
	[ER_TIMEOUT]	= "timeout",
	[ER_HANG]	= "hang",
	[ER_QEMU_ERROR]	= "qemu-error",
	[ER_NONE]	= "none",
};

enum verdict {
	V_PASS,
	V_FAIL,
	V_ERROR,
	V_SKIP,
	V_TIMEOUT,
	V_HANG,
	V_PANIC,
};

static const struct {
	const char *name;
	const char *upper;
	int code;
} verdicts[] = {
	[V_PASS]	= { "pass", "PASS", 0 },
	[V_FAIL]	= { "fail", "FAIL", 1 },
	[V_ERROR]	= { "error", "ERROR", 2 },
	[V_SKIP]	= { "skip", "SKIP", 4 },
	[V_TIMEOUT]	= { "timeout", "TIMEOUT", 5 },
	[V_HANG]	= { "hang", "HANG", 6 },
	[V_PANIC]	= { "panic", "PANIC", 7 },
};

/* Bits of /proc/sys/kernel/tainted, as letters (Documentation/admin-guide/tainted-kernels.rst). */
static const char taint_letters[] = "PFSRMBUDAWCIOELKXTNJ";

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

static const char *const evidence_kinds[] = {
	"lost write", "stale contents", "bad block", "protection violation",
	"move violation", "fork violation",
};

#define EVIDENCE_TEXT_MAX	300

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

/* ---- growable string; allocation failure is sticky ---- */

struct sbuf {
	char *s;
	size_t len;
	size_t cap;
	int oom;
};

static void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
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

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Take the string (never NULL unless out of memory). */
static char *sb_take(struct sbuf *b)
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

static void __attribute__((noreturn)) die_oom(void)
{
	fprintf(stderr, "mmt-report: out of memory\n");
	exit(EXIT_TOOL);
}

static char *path_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		die_oom();
	return p;
}

/* ---- inputs ---- */

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

/* ---- facts for the verdict ---- */

static int kernel_booted(const struct report *r)
{
	if (r->exit_reason == ER_NONE || r->console_missing ||
	    r->console_errno)
		return 1;	/* cannot tell: do not claim it did not */
	return r->booted;
}

/* The test the stream was cut in, or NULL. */
static const struct ktap_test *running_test(const struct report *r)
{
	size_t i;

	for (i = r->stream.ntests; i-- > 0;)
		if (r->stream.tests[i].status == KTAP_INCOMPLETE)
			return &r->stream.tests[i];
	return NULL;
}

static const struct ktap_test *last_done_test(const struct report *r)
{
	size_t i;

	for (i = r->stream.ntests; i-- > 0;)
		if (r->stream.tests[i].status != KTAP_INCOMPLETE)
			return &r->stream.tests[i];
	return NULL;
}

static const struct splat *panic_splat(const struct report *r)
{
	size_t i;

	for (i = 0; i < r->splats.n; i++)
		if (r->splats.v[i].kind && !strcmp(r->splats.v[i].kind, "PANIC"))
			return &r->splats.v[i];
	return NULL;
}

static const char *safe(const char *s)
{
	return s ? s : "";
}

/* Where the run was when it stopped: "during test X", ... */
static void where(const struct report *r, struct sbuf *b)
{
	const struct ktap_test *t = running_test(r);

	if (!kernel_booted(r))
		sb_printf(b, "before the kernel booted");
	else if (t)
		sb_printf(b, "during test %s", t->name);
	else if (!r->stream.recognised)
		sb_printf(b, "before the runner started");
	else if (r->stream.has_end)
		sb_printf(b, "after the runner finished");
	else if ((t = last_done_test(r)))
		sb_printf(b, "after test %s", t->name);
	else
		sb_printf(b, "before the first test");
}

/* "N splats: A; B (x2); ..." over every splat but the panic itself. */
static void splat_summary(const struct report *r, struct sbuf *b,
			  const char *sep)
{
	size_t i, n = 0, shown = 0;

	for (i = 0; i < r->splats.n; i++)
		if (&r->splats.v[i] != panic_splat(r))
			n++;
	if (!n)
		return;
	sb_printf(b, "%s%zu %ssplat%s: ", sep, n, panic_splat(r) ? "other " : "",
		  n > 1 ? "s" : "");
	for (i = 0; i < r->splats.n; i++) {
		const struct splat *s = &r->splats.v[i];

		if (s == panic_splat(r))
			continue;
		if (shown == LIST_MAX) {
			sb_printf(b, "; ...");
			break;
		}
		sb_printf(b, "%s%s", shown ? "; " : "", safe(s->title));
		if (s->count > 1)
			sb_printf(b, " (x%u)", s->count);
		shown++;
	}
}

static void taint_text(unsigned long long v, struct sbuf *b)
{
	size_t i;
	int any = 0;

	sb_printf(b, "0x%llx", v);
	for (i = 0; i < sizeof(taint_letters) - 1; i++) {
		if (!(v & (1ULL << i)))
			continue;
		sb_printf(b, "%s%c", any ? "" : " (", taint_letters[i]);
		any = 1;
	}
	if (any)
		sb_printf(b, ")");
}

/* Names of tests with @status: "test a failed" or "2 tests failed: a, b". */
static int tests_with(const struct report *r, enum ktap_status status,
		      const char *what, const char *sep, struct sbuf *b)
{
	size_t i, n = 0, shown = 0;
	const struct ktap_test *one = NULL;

	for (i = 0; i < r->stream.ntests; i++)
		if (r->stream.tests[i].status == status) {
			one = &r->stream.tests[i];
			n++;
		}
	if (!n)
		return 0;
	if (n == 1) {
		sb_printf(b, "%stest %s", sep, one->name);
		if (status == KTAP_TIMEOUT && one->reason &&
		    !strncmp(one->reason, "timed out", 9))
			sb_printf(b, " %s", one->reason);
		else if (one->reason && status != KTAP_INCOMPLETE)
			sb_printf(b, " %s: %s", what, one->reason);
		else
			sb_printf(b, " %s", what);
		return 1;
	}
	sb_printf(b, "%s%zu tests %s: ", sep, n, what);
	for (i = 0; i < r->stream.ntests; i++) {
		if (r->stream.tests[i].status != status)
			continue;
		if (shown == LIST_MAX) {
			sb_printf(b, ", ...");
			break;
		}
		sb_printf(b, "%s%s", shown++ ? ", " : "", r->stream.tests[i].name);
	}
	return 1;
}

/* ---- verdict ---- */

/* "Kernel panic - not syncing: Fatal exception" -> "Fatal exception" */
static const char *panic_what(const struct splat *p)
{
	const char *t = safe(p->title), *colon;

	if (strncasecmp(t, "kernel panic", 12))
		return t;
	colon = strstr(t, ": ");
	return colon && colon[2] ? colon + 2 : t;
}

static int decide_abnormal(struct report *r, struct sbuf *b)
{
	const struct splat *p = panic_splat(r);

	if (p) {
		r->verdict = V_PANIC;
		sb_printf(b, "kernel panic ");
		where(r, b);
		sb_printf(b, ": %s", panic_what(p));
	} else if (r->exit_reason == ER_HANG) {
		r->verdict = V_HANG;
		sb_printf(b, "guest heartbeat went silent ");
		where(r, b);
	} else if (r->exit_reason == ER_TIMEOUT) {
		r->verdict = V_TIMEOUT;
		sb_printf(b, "time limit reached ");
		where(r, b);
	} else if (r->exit_reason == ER_QEMU_ERROR) {
		r->verdict = V_ERROR;
		sb_printf(b, "QEMU failed ");
		where(r, b);
	} else {
		return 0;
	}
	splat_summary(r, b, "; ");
	return 1;
}

static void not_finished(const struct report *r, struct sbuf *b)
{
	const struct ktap_test *t = running_test(r);
	const char *open = " (";

	sb_printf(b, "runner did not finish: ");
	if (!kernel_booted(r)) {
		sb_printf(b, "kernel did not boot");
		return;
	}
	if (!r->stream.recognised) {
		sb_printf(b, "no output from the runner");
		if (r->stream_missing) {
			sb_printf(b, " (results.ktap missing");
			open = "; ";
		}
	} else if (t) {
		sb_printf(b, "stream cut during test %s", t->name);
	} else if ((t = last_done_test(r))) {
		sb_printf(b, "stream cut after test %s", t->name);
	} else {
		sb_printf(b, "stream cut before the first test");
	}
	if (r->runner_msg) {
		sb_printf(b, "%s%s", open, r->runner_msg);
		open = "; ";
	}
	if (*open == ';')
		sb_printf(b, ")");
}

static unsigned long long results_expected(const struct report *r)
{
	unsigned long long n;
	const char *v = kvlist_get(&r->stream.end, "tests");

	if (v && !ktap_parse_u64(v, &n))
		return n;
	return r->stream.has_plan ? r->stream.plan : 0;
}

static int decide_error(struct report *r, struct sbuf *b)
{
	const struct ktap_counts *c = &r->counts;
	unsigned long executed = c->pass + c->fail + c->skip + c->timeout;
	unsigned long long want = results_expected(r);

	r->verdict = V_ERROR;
	if (r->console_missing && r->exit_reason != ER_NONE)
		sb_printf(b, "console.log is missing (allowed only with exit reason none)");
	else if (r->console_errno)
		sb_printf(b, "cannot read console.log: %s", strerror(r->console_errno));
	else if (r->stream_errno)
		sb_printf(b, "cannot read results.ktap: %s", strerror(r->stream_errno));
	else if (!r->stream.has_end)
		not_finished(r, b);
	else if (!executed)
		sb_printf(b, "no test executed");
	else if (c->incomplete)
		tests_with(r, KTAP_INCOMPLETE, "got no result", "", b);
	else if (executed < want)
		sb_printf(b, "stream lost results: %lu of %llu tests reported",
			  executed, want);
	else
		return 0;
	splat_summary(r, b, "; ");
	return 1;
}

static unsigned long runner_failures(const struct report *r)
{
	unsigned long long f = 0, t = 0;
	const char *v;

	v = kvlist_get(&r->stream.end, "fail");
	if (v && ktap_parse_u64(v, &f))
		f = 0;
	v = kvlist_get(&r->stream.end, "timeout");
	if (v && ktap_parse_u64(v, &t))
		t = 0;
	return f + t;
}

/* "module verdict: vma FAILURE (violations=3 errors=0, 1 of 2 runs)" */
static int module_failures(const struct report *r, const char *sep,
			   struct sbuf *b)
{
	size_t i, n = 0;

	for (i = 0; i < r->nmv; i++) {
		const struct module_verdict *v = &r->mv[i];

		if (!v->failures)
			continue;
		sb_printf(b, "%smodule verdict: %s " MMT_VERDICT_FAILURE
			  " (violations=%llu errors=%llu, %lu of %lu run%s, console.log line %lu)",
			  n ? "; " : sep, v->engine, v->violations, v->errors,
			  v->failures, v->runs, v->runs > 1 ? "s" : "",
			  v->first_failure_lineno);
		n++;
	}
	return n > 0;
}

static int decide_fail(struct report *r, struct sbuf *b)
{
	const struct ktap_counts *c = &r->counts;
	unsigned long rf = runner_failures(r);
	const char *sep = "";

	if (module_failures(r, sep, b))
		sep = "; ";
	if (tests_with(r, KTAP_FAIL, "failed", sep, b))
		sep = "; ";
	if (tests_with(r, KTAP_TIMEOUT, "timed out", sep, b))
		sep = "; ";
	if (rf > c->fail + c->timeout) {
		sb_printf(b, "%srunner reports %lu failed tests", sep, rf);
		sep = "; ";
	}
	if (r->splats.n) {
		splat_summary(r, b, sep);
		sep = "; ";
	}
	if (r->taint.has_new && r->taint.new) {
		sb_printf(b, "%snew kernel taint ", sep);
		taint_text(r->taint.new, b);
		sep = "; ";
	}
	if (!*sep)
		return 0;
	r->verdict = V_FAIL;
	return 1;
}

/*
 * Tests mmtorture-run adds around every suite. When every test of the
 * suite itself skipped, the run is a skip even if these passed (the
 * runner exits 4 then too).
 */
static int harness_test(const struct ktap_test *t)
{
	static const char *const names[] = {
		"module_load", "module_present", "module_unload", "kernel_taint",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(t->name, names[i]))
			return 1;
	return 0;
}

/* Only harness tests passed, and at least one suite test skipped. */
static int suite_skipped(const struct report *r)
{
	size_t i, skipped = 0;

	for (i = 0; i < r->stream.ntests; i++) {
		const struct ktap_test *t = &r->stream.tests[i];

		if (harness_test(t))
			continue;
		if (t->status != KTAP_SKIP)
			return 0;
		skipped++;
	}
	return skipped > 0;
}

static void decide_skip_pass(struct report *r, struct sbuf *b)
{
	const struct ktap_counts *c = &r->counts;
	int suite_only = c->pass && suite_skipped(r);
	size_t i, n = 0, shown = 0;

	if (c->pass && !suite_only) {
		r->verdict = V_PASS;
		sb_printf(b, "%lu test%s passed", c->pass, c->pass > 1 ? "s" : "");
		if (c->skip)
			sb_printf(b, ", %lu skipped", c->skip);
		return;
	}
	r->verdict = V_SKIP;
	for (i = 0; i < r->stream.ntests; i++)
		n += !suite_only || !harness_test(&r->stream.tests[i]);
	if (n > 1)
		sb_printf(b, "all %zu %stests skipped: ", n,
			  suite_only ? "suite " : "");
	for (i = 0; i < r->stream.ntests; i++) {
		const struct ktap_test *t = &r->stream.tests[i];

		if (suite_only && harness_test(t))
			continue;
		if (n == 1) {
			sb_printf(b, "%stest %s skipped", suite_only ? "suite " : "",
				  t->name);
			if (t->reason)
				sb_printf(b, ": %s", t->reason);
			break;
		}
		if (shown == LIST_MAX) {
			sb_printf(b, "; ...");
			break;
		}
		sb_printf(b, "%s%s", shown++ ? "; " : "", t->name);
		if (t->reason)
			sb_printf(b, " (%s)", t->reason);
	}
}

static void decide(struct report *r)
{
	struct sbuf b = { 0 };

	if (!decide_abnormal(r, &b) && !decide_error(r, &b) &&
	    !decide_fail(r, &b))
		decide_skip_pass(r, &b);
	r->reason = sb_take(&b);
	if (!r->reason)
		die_oom();
}

/* ---- JSON (json.c writes it) ---- */

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

/* Stream fact first, host meta second. */
static const char *fact_or_meta(const struct report *r, const char *key)
{
	const char *v = ktap_fact(&r->stream, key);

	return v ? v : kvlist_get(&r->meta, key);
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

	if ((v = fact_or_meta(r, "suite")))
		jw_str(w, "suite", v);
	if ((v = fact_or_meta(r, "seed")))
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
static int save_summary(const struct report *r)
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

/* ---- table ---- */

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
	header_field("suite", fact_or_meta(r, "suite"));
	header_field("kernel", kern ? kern : kvlist_get(&r->meta, "kernel"));
	header_field("accel", kvlist_get(&r->meta, "accel"));
	header_field("vcpus", kvlist_get(&r->meta, "vcpus") ?
		     kvlist_get(&r->meta, "vcpus") :
		     ktap_fact(&r->stream, "vcpus"));
	header_field("seed", fact_or_meta(r, "seed"));
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

static void print_verdict(const struct report *r)
{
	printf("verdict: %s - ", verdicts[r->verdict].upper);
	put_text(r->reason, 0, 4 * TABLE_TEXT_MAX);
	printf("\n");
}

static void print_table(const struct report *r)
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
	print_verdict(r);
	if (replay) {
		printf("replay: ");
		put_text(replay, 0, 8 * TABLE_TEXT_MAX);
		printf("\n");
	}
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

static void report_free(struct report *r)
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
	if (load_meta(&r)) {
		if (errno == ENOMEM)
			die_oom();
		fprintf(stderr, "mmt-report: cannot read meta.env: %s\n",
			strerror(errno));
		report_free(&r);
		return EXIT_TOOL;
	}
	load_stream(&r);
	load_console(&r);
	load_taint(&r);
	load_detections(&r);
	decide(&r);
	if (save_summary(&r)) {
		report_free(&r);
		return EXIT_TOOL;
	}
	if (r.quiet)
		print_verdict(&r);
	else
		print_table(&r);
	code = verdicts[r.verdict].code;
	report_free(&r);
	if (fflush(stdout))
		return EXIT_TOOL;
	return code;
}
