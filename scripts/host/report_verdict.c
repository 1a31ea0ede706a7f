// SPDX-License-Identifier: GPL-2.0
/*
 * report_verdict.c - the verdict rules: from a loaded report to one verdict
 * and its reason, first match wins (report.c's header lists them).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report.h"

/* Bits of /proc/sys/kernel/tainted, as letters (Documentation/admin-guide/tainted-kernels.rst). */
static const char taint_letters[] = "PFSRMBUDAWCIOELKXTNJ";

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

void taint_text(unsigned long long v, struct sbuf *b)
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

void report_decide(struct report *r)
{
	struct sbuf b = { 0 };

	if (!decide_abnormal(r, &b) && !decide_error(r, &b) &&
	    !decide_fail(r, &b))
		decide_skip_pass(r, &b);
	r->reason = sb_take(&b);
	if (!r->reason)
		die_oom();
}
