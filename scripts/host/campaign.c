// SPDX-License-Identifier: GPL-2.0
/*
 * campaign.c - mmt-campaign: the aggregate of many boots (results
 * folders written by vm-run.sh and mmt-report), as people and CI read it.
 *
 *   mmt-campaign --out DIR [--boots FILE] [--planned N] [--interrupted]
 *                [--origin NAME] [--log-base URL] [RUN_DIR...]
 *       DIR/campaign.json, table.txt (also on stdout), index.html with
 *       gnuplot SVG plots (DIR/plots/), kcidb.json; report.html in every
 *       run folder. FILE: the boots of a campaign (scripts/campaign.sh),
 *       one per line: LABEL SUITE SMP SEEDCELL SEED RC RUN_DIR|- LOG
 *       (tab-separated). Each RUN_DIR is a cell of its own key.
 *   mmt-campaign --run-html RUN_DIR        RUN_DIR/report.html
 *   mmt-campaign --kcidb FILE [--origin NAME] [--log-base URL] RUN_DIR...
 *       the runs as KernelCI KCIDB JSON (schema v5.0)
 *
 * Per cell (kernel x suite x vCPUs x seed): boots, verdicts, the hit rate
 * (boots the kernel failed: fail, panic, hang, timeout, over the boots
 * with a verdict on the kernel) with its 95 % Wilson interval, time to
 * the first detection (median, quartiles, max), rates (medians), splat
 * titles with counts, and the replay command of every failing boot.
 * A boot without a verdict on the kernel (error, skip, no results folder)
 * is counted apart with its reason, never as a pass.
 *
 * Exit: 0 written, 2 bad input (nothing written), 3 cannot write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

#define EXIT_BAD	2
#define EXIT_TOOL	3
#define EXCERPT_MAX	16000	/* KCIDB log_excerpt allows 16384 */

struct boot {
	char *label, *suite, *seedcell, *seed, *rundir, *log, *name;
	int smp, rc;
	struct jv *sum;		/* summary.json, NULL if no results folder */
	char *noresult;		/* why there is no results folder */
	const char *verdict;	/* summary's, or "none" */
	double ttd;		/* time to first detection, s */
	int has_ttd;
	double rate[3];
	int has_rate[3];
	size_t cell;
};

struct cell {
	char *label, *suite, *seedcell;
	int smp;
	size_t *b, n;
	unsigned pass, fail, panic, hang, timeout, error, skip, none;
	unsigned hits, judged, detected;
	double lo, hi;
};

static const char *url_root;	/* log URLs are relative to this folder */
static struct boot *boots;
static size_t nboots;
static struct cell *cells;
static size_t ncells;

static const char *const rate_names[3] = {
	"writer_iter_per_s", "tlbdelay_delays_per_s", "engine_ops_per_s",
};
static const char *const rate_titles[3] = {
	"writer iterations/s", "tlbdelay delays/s", "engine ops/s",
};

static void __attribute__((noreturn)) die_oom(void)
{
	fprintf(stderr, "mmt-campaign: out of memory\n");
	exit(EXIT_TOOL);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		die_oom();
	return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom();
	return s;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_oom();
	return p;
}

/* ---- statistics ---- */

/* 95 % Wilson score interval of k successes in n trials. */
static void wilson(unsigned k, unsigned n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p, d, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / n;
	d = 1 + z * z / n;
	c = (p + z * z / (2.0 * n)) / d;
	h = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
	*lo = c - h < 0 ? 0 : c - h;
	*hi = c + h > 1 ? 1 : c + h;
	if (k == 0)
		*lo = 0;
	if (k == n)
		*hi = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile @q of sorted @v (linear interpolation between order stats). */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

struct dist {
	size_t n;
	double min, q1, med, q3, max;
};

static void dist_of(double *v, size_t n, struct dist *d)
{
	memset(d, 0, sizeof(*d));
	d->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	d->min = v[0];
	d->q1 = quantile(v, n, 0.25);
	d->med = quantile(v, n, 0.5);
	d->q3 = quantile(v, n, 0.75);
	d->max = v[n - 1];
}

/* ---- one boot ---- */

static const struct jv *metric(const struct jv *t, const char *name)
{
	return jv_get(jv_get(t, "metrics"), name);
}

/* Rates from the tests' metrics, summed over the boot's tests. */
static void boot_rates(struct boot *b)
{
	const struct jv *tests = jv_get(b->sum, "tests");
	double dl = 0, dlms = 0, ops = 0, opsms = 0;
	size_t i, j;

	for (i = 0; tests && tests->type == JV_ARR && i < tests->n; i++) {
		const struct jv *t = &tests->v[i], *m = jv_get(t, "metrics");
		double runms = 0;

		if (!b->has_rate[0] && jv_is_num(metric(t, "writer_iter_per_s"))) {
			b->rate[0] = metric(t, "writer_iter_per_s")->num;
			b->has_rate[0] = 1;
		}
		if (jv_is_num(metric(t, "engine_tlbdelay_delays")) &&
		    jv_num(metric(t, "engine_tlbdelay_run_ms"), 0) > 0) {
			dl += metric(t, "engine_tlbdelay_delays")->num;
			dlms += metric(t, "engine_tlbdelay_run_ms")->num;
		}
		if (!m || m->type != JV_OBJ)
			continue;
		/* engine ops: every engine_E_op_O counter over the longest run_ms */
		for (j = 0; j < m->n; j++) {
			const char *k = m->keys[j];
			size_t kl = strlen(k);

			if (!strncmp(k, "engine_", 7) && strstr(k, "_op_") &&
			    m->v[j].type == JV_NUM)
				ops += m->v[j].num;
			if (!strncmp(k, "engine_", 7) && kl > 7 &&
			    !strcmp(k + kl - 7, "_run_ms") && m->v[j].type == JV_NUM &&
			    m->v[j].num > runms)
				runms = m->v[j].num;
		}
		opsms += runms;
	}
	if (dlms > 0) {
		b->rate[1] = dl / (dlms / 1000);
		b->has_rate[1] = 1;
	}
	if (opsms > 0 && ops > 0) {
		b->rate[2] = ops / (opsms / 1000);
		b->has_rate[2] = 1;
	}
}

/* Time to the first detection: the evidence's elapsed, else a control's metric. */
static void boot_ttd(struct boot *b)
{
	const struct jv *v = jv_get(b->sum, "first_detection_s");
	const struct jv *tests = jv_get(b->sum, "tests");
	size_t i;

	if (jv_is_num(v)) {
		b->ttd = v->num;
		b->has_ttd = 1;
		return;
	}
	for (i = 0; tests && tests->type == JV_ARR && i < tests->n; i++) {
		v = metric(&tests->v[i], "time_to_detection_ms");
		if (jv_is_num(v) && (!b->has_ttd || v->num / 1000 < b->ttd)) {
			b->ttd = v->num / 1000;
			b->has_ttd = 1;
		}
	}
}

static const char *env(const struct boot *b, const char *key)
{
	return jv_str(jv_get(jv_get(b->sum, "environment"), key), NULL);
}

/* Load RUN_DIR's summary.json; -1 with a message if it is not a run. */
static int load_run(struct boot *b, const char *dir)
{
	char err[256], *path;
	struct stat st;
	const char *s;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mmt-campaign: %s is not a results folder (no such folder)\n", dir);
		return -1;
	}
	path = xasprintf("%s/summary.json", dir);
	b->sum = json_read_file(path, err, sizeof(err));
	if (!b->sum) {
		fprintf(stderr, "mmt-campaign: %s is not a run: summary.json: %s\n", dir, err);
		free(path);
		return -1;
	}
	free(path);
	b->verdict = jv_str(jv_get(b->sum, "verdict"), NULL);
	if (!b->verdict || !jv_is_num(jv_get(b->sum, "schema"))) {
		fprintf(stderr, "mmt-campaign: %s is not a run: its summary.json has no verdict\n", dir);
		return -1;
	}
	b->rundir = xstrdup(dir);
	s = strrchr(dir, '/');
	while (s && !s[1] && s > dir) {	/* trailing slash */
		const char *t = s - 1;

		while (t > dir && *t != '/')
			t--;
		s = *t == '/' ? t : NULL;
	}
	b->name = xstrdup(s ? s + 1 : dir);
	if (strchr(b->name, '/'))
		*strchr(b->name, '/') = '\0';
	if (!b->suite)
		b->suite = xstrdup(jv_str(jv_get(b->sum, "suite"), "?"));
	if (!b->label)
		b->label = xstrdup(env(b, "kernel") ? env(b, "kernel") : "?");
	if (!b->smp)
		b->smp = (int)jv_num(jv_get(jv_get(b->sum, "environment"), "vcpus"), 0);
	if (!b->seedcell)
		b->seedcell = xstrdup("*");
	if (!b->seed) {
		const struct jv *sd = jv_get(b->sum, "seed");

		b->seed = jv_is_num(sd) ? xasprintf("%.0f", sd->num) : xstrdup("?");
	}
	boot_ttd(b);
	boot_rates(b);
	return 0;
}

static struct boot *new_boot(void)
{
	boots = xrealloc(boots, (nboots + 1) * sizeof(*boots));
	memset(&boots[nboots], 0, sizeof(*boots));
	return &boots[nboots++];
}

/* The campaign's boots file. */
static int load_boots_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fld[8], *p;
	size_t cap = 0, lineno = 0;
	int i;

	if (!f) {
		fprintf(stderr, "mmt-campaign: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct boot *b;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!*line || *line == '#')
			continue;
		for (i = 0, p = line; i < 8; i++) {
			fld[i] = p;
			p = p ? strchr(p, '\t') : NULL;
			if (p)
				*p++ = '\0';
		}
		if (!fld[7]) {
			fprintf(stderr, "mmt-campaign: %s line %zu: want 8 tab-separated fields\n",
				path, lineno);
			goto bad;
		}
		b = new_boot();
		b->label = xstrdup(fld[0]);
		b->suite = xstrdup(fld[1]);
		b->smp = atoi(fld[2]);
		b->seedcell = xstrdup(fld[3]);
		b->seed = xstrdup(fld[4]);
		b->rc = atoi(fld[5]);
		b->log = xstrdup(fld[7]);
		if (strcmp(fld[6], "-")) {
			if (load_run(b, fld[6]))
				goto bad;
		} else {
			FILE *lf = fopen(b->log, "r");
			char *l2 = NULL, *last = NULL;
			size_t c2 = 0;

			while (lf && getline(&l2, &c2, lf) > 0) {
				free(last);
				last = xstrdup(l2);
				last[strcspn(last, "\n")] = '\0';
			}
			if (lf)
				fclose(lf);
			free(l2);
			b->noresult = xasprintf("no results folder (vm-run exit %d%s%s)", b->rc,
						last ? ": " : "", last ? last : "");
			free(last);
			b->verdict = "none";
			b->name = xasprintf("boot-%zu", nboots);
		}
	}
	free(line);
	fclose(f);
	return 0;
bad:
	free(line);
	fclose(f);
	return -1;
}

/* ---- cells ---- */

static int is_hit(const char *v)
{
	return !strcmp(v, "fail") || !strcmp(v, "panic") || !strcmp(v, "hang") ||
	       !strcmp(v, "timeout");
}

static void build_cells(void)
{
	size_t i, c;

	for (i = 0; i < nboots; i++) {
		struct boot *b = &boots[i];
		struct cell *cl;

		for (c = 0; c < ncells; c++)
			if (!strcmp(cells[c].label, b->label) && !strcmp(cells[c].suite, b->suite) &&
			    cells[c].smp == b->smp && !strcmp(cells[c].seedcell, b->seedcell))
				break;
		if (c == ncells) {
			cells = xrealloc(cells, (ncells + 1) * sizeof(*cells));
			memset(&cells[ncells], 0, sizeof(*cells));
			cells[ncells].label = b->label;
			cells[ncells].suite = b->suite;
			cells[ncells].smp = b->smp;
			cells[ncells].seedcell = b->seedcell;
			ncells++;
		}
		cl = &cells[c];
		b->cell = c;
		cl->b = xrealloc(cl->b, (cl->n + 1) * sizeof(*cl->b));
		cl->b[cl->n++] = i;
		if (!strcmp(b->verdict, "pass"))
			cl->pass++;
		else if (!strcmp(b->verdict, "fail"))
			cl->fail++;
		else if (!strcmp(b->verdict, "panic"))
			cl->panic++;
		else if (!strcmp(b->verdict, "hang"))
			cl->hang++;
		else if (!strcmp(b->verdict, "timeout"))
			cl->timeout++;
		else if (!strcmp(b->verdict, "skip"))
			cl->skip++;
		else if (!strcmp(b->verdict, "error"))
			cl->error++;
		else
			cl->none++;
		if (is_hit(b->verdict))
			cl->hits++;
		if (is_hit(b->verdict) || !strcmp(b->verdict, "pass"))
			cl->judged++;
		cl->detected += b->has_ttd;
	}
	for (c = 0; c < ncells; c++)
		wilson(cells[c].hits, cells[c].judged, &cells[c].lo, &cells[c].hi);
}

static void cell_ttd(const struct cell *cl, struct dist *d)
{
	double *v = xrealloc(NULL, cl->n * sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < cl->n; i++)
		if (boots[cl->b[i]].has_ttd)
			v[n++] = boots[cl->b[i]].ttd;
	dist_of(v, n, d);
	free(v);
}

static void cell_rate(const struct cell *cl, int k, struct dist *d)
{
	double *v = xrealloc(NULL, cl->n * sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < cl->n; i++)
		if (boots[cl->b[i]].has_rate[k])
			v[n++] = boots[cl->b[i]].rate[k];
	dist_of(v, n, d);
	free(v);
}

/* "6.1 2cpu" (+ suite, seed when the campaign has more than one). */
static char *cell_name(const struct cell *cl)
{
	int suites = 0, seeds = 0;
	size_t c;

	for (c = 0; c < ncells; c++) {
		suites |= strcmp(cells[c].suite, cells[0].suite) != 0;
		seeds |= strcmp(cells[c].seedcell, cells[0].seedcell) != 0;
	}
	return xasprintf("%s%s%s %dcpu%s%s", cl->label, suites ? " " : "",
			 suites ? cl->suite : "", cl->smp, seeds ? " seed " : "",
			 seeds ? cl->seedcell : "");
}

/* Kernel releases the boots of a cell ran. */
static void cell_releases(const struct cell *cl, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < cl->n; i++) {
		const char *k = env(&boots[cl->b[i]], "kernel");

		if (!k || strstr(out, k))
			continue;
		used += snprintf(out + used, used < len ? len - used : 0, "%s%s",
				 used ? " " : "", k);
	}
}

/* ---- splat titles over the campaign ---- */

struct title {
	const char *title, *kind;
	unsigned boots, count;
	size_t first_boot;
	const struct jv *splat;
};

static struct title *titles;
static size_t ntitles;

static void collect_titles(void)
{
	size_t i, j, t;

	for (i = 0; i < nboots; i++) {
		const struct jv *sp = jv_get(boots[i].sum, "splats");

		for (j = 0; sp && sp->type == JV_ARR && j < sp->n; j++) {
			const char *ti = jv_str(jv_get(&sp->v[j], "title"), "?");

			for (t = 0; t < ntitles; t++)
				if (!strcmp(titles[t].title, ti))
					break;
			if (t == ntitles) {
				titles = xrealloc(titles, (ntitles + 1) * sizeof(*titles));
				memset(&titles[t], 0, sizeof(*titles));
				titles[t].title = ti;
				titles[t].kind = jv_str(jv_get(&sp->v[j], "kind"), "");
				titles[t].first_boot = i;
				titles[t].splat = &sp->v[j];
				ntitles++;
			}
			titles[t].boots++;
			titles[t].count += (unsigned)jv_num(jv_get(&sp->v[j], "count"), 1);
		}
	}
}

/* ---- text table ---- */

static void fmt_num(char *out, size_t n, double v)
{
	if (v >= 1000)
		snprintf(out, n, "%.0f", v);
	else if (v >= 10)
		snprintf(out, n, "%.1f", v);
	else
		snprintf(out, n, "%.3g", v);
}

static void fmt_ttd(const struct dist *d, char *out, size_t n)
{
	char a[16], b[16], c[16], e[16];

	if (!d->n) {
		snprintf(out, n, "-");
		return;
	}
	fmt_num(a, sizeof(a), d->med);
	fmt_num(b, sizeof(b), d->q1);
	fmt_num(c, sizeof(c), d->q3);
	fmt_num(e, sizeof(e), d->max);
	snprintf(out, n, "%s [%s-%s] %s", a, b, c, e);
}

static void fmt_rate(const struct cell *cl, int k, char *out, size_t n)
{
	struct dist d;

	cell_rate(cl, k, &d);
	if (d.n)
		fmt_num(out, n, d.med);
	else
		snprintf(out, n, "-");
}

static void fmt_other(const struct cell *cl, char *out, size_t n)
{
	size_t u = 0;

	out[0] = '\0';
	if (cl->panic)
		u += snprintf(out + u, n - u, "%upanic ", cl->panic);
	if (cl->hang && u < n)
		u += snprintf(out + u, n - u, "%uhang ", cl->hang);
	if (cl->timeout && u < n)
		u += snprintf(out + u, n - u, "%utimeout ", cl->timeout);
	if (cl->error && u < n)
		u += snprintf(out + u, n - u, "%uerror ", cl->error);
	if (cl->skip && u < n)
		u += snprintf(out + u, n - u, "%uskip ", cl->skip);
	if (cl->none && u < n)
		u += snprintf(out + u, n - u, "%unone ", cl->none);
	if (!u)
		snprintf(out, n, "-");
	else if (out[u - 1] == ' ')
		out[u - 1] = '\0';
}

static unsigned cell_splat_boots(const struct cell *cl)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		const struct jv *sp = jv_get(boots[cl->b[i]].sum, "splats");

		n += sp && sp->type == JV_ARR && sp->n > 0;
	}
	return n;
}

static void print_table(FILE *f, size_t planned, int interrupted)
{
	char rel[512], other[64], ttd[96], r[3][24];
	struct dist d;
	size_t c, i;

	fprintf(f, "campaign: %zu boots", nboots);
	if (planned)
		fprintf(f, " of %zu planned", planned);
	fprintf(f, "%s\n", interrupted ? " (interrupted: the boots that finished)" : "");
	fprintf(f, "%-24s %-24s %-5s %-6s %-5s %-5s %-5s %-12s %-20s %-6s %-22s %-9s %-9s %-9s %-6s\n",
		"kernel", "suite", "vcpus", "seed", "boots", "pass", "fail", "other",
		"hit rate [95% CI]", "detect", "ttd_s med [q1-q3] max", "writer/s",
		"delays/s", "ops/s", "splats");
	for (c = 0; c < ncells; c++) {
		const struct cell *cl = &cells[c];
		char hr[40];

		cell_releases(cl, rel, sizeof(rel));
		fmt_other(cl, other, sizeof(other));
		cell_ttd(cl, &d);
		fmt_ttd(&d, ttd, sizeof(ttd));
		for (i = 0; i < 3; i++)
			fmt_rate(cl, i, r[i], sizeof(r[i]));
		if (cl->judged)
			snprintf(hr, sizeof(hr), "%u/%u [%.0f-%.0f%%]", cl->hits, cl->judged,
				 100 * cl->lo, 100 * cl->hi);
		else
			snprintf(hr, sizeof(hr), "0/0 (no verdict)");
		fprintf(f, "%-24s %-24s %-5d %-6s %-5zu %-5u %-5u %-12s %-20s %-6u %-22s %-9s %-9s %-9s %-6u\n",
			*rel ? rel : cl->label, cl->suite, cl->smp, cl->seedcell, cl->n, cl->pass,
			cl->fail, other, hr, cl->detected, ttd, r[0], r[1], r[2],
			cell_splat_boots(cl));
	}
	for (i = 0; i < ntitles; i++)
		fprintf(f, "splat: %s (%u boots, x%u)\n", titles[i].title, titles[i].boots,
			titles[i].count);
	for (i = 0; i < nboots; i++) {
		const struct boot *b = &boots[i];

		if (!strcmp(b->verdict, "pass"))
			continue;
		fprintf(f, "%s boot %s: %s\n", b->verdict, b->name,
			b->sum ? jv_str(jv_get(b->sum, "verdict_reason"), "") : b->noresult);
		if (b->sum && jv_str(jv_get(b->sum, "replay"), NULL))
			fprintf(f, "  replay: %s\n", jv_str(jv_get(b->sum, "replay"), ""));
	}
}

/* ---- campaign.json ---- */

static void write_dist(struct jw *w, const char *k, const struct dist *d)
{
	jw_key(w, k);
	jw_open(w, '{');
	jw_u64(w, "n", d->n);
	if (d->n) {
		jw_double(w, "min", d->min);
		jw_double(w, "q1", d->q1);
		jw_double(w, "median", d->med);
		jw_double(w, "q3", d->q3);
		jw_double(w, "max", d->max);
	}
	jw_close(w, '}');
}

static void write_campaign_json(FILE *f, size_t planned, int interrupted)
{
	struct jw w = { .f = f };
	char now[32];
	time_t t = time(NULL);
	struct dist d;
	size_t c, i;
	int k;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	jw_open(&w, '{');
	jw_u64(&w, "schema", 1);
	jw_str(&w, "created_utc", now);
	jw_u64(&w, "boots_planned", planned ? planned : nboots);
	jw_u64(&w, "boots_done", nboots);
	jw_bool(&w, "interrupted", interrupted);
	jw_key(&w, "cells");
	jw_open(&w, '[');
	for (c = 0; c < ncells; c++) {
		const struct cell *cl = &cells[c];
		char rel[512];

		cell_releases(cl, rel, sizeof(rel));
		jw_open(&w, '{');
		jw_str(&w, "kernel", cl->label);
		jw_str(&w, "kernel_releases", rel);
		jw_str(&w, "suite", cl->suite);
		jw_u64(&w, "vcpus", cl->smp);
		jw_str(&w, "seed", cl->seedcell);
		jw_u64(&w, "boots", cl->n);
		jw_key(&w, "verdicts");
		jw_open(&w, '{');
		jw_u64(&w, "pass", cl->pass);
		jw_u64(&w, "fail", cl->fail);
		jw_u64(&w, "panic", cl->panic);
		jw_u64(&w, "hang", cl->hang);
		jw_u64(&w, "timeout", cl->timeout);
		jw_u64(&w, "error", cl->error);
		jw_u64(&w, "skip", cl->skip);
		jw_u64(&w, "none", cl->none);
		jw_close(&w, '}');
		jw_u64(&w, "judged", cl->judged);
		jw_u64(&w, "hits", cl->hits);
		if (cl->judged)
			jw_double(&w, "hit_rate", (double)cl->hits / cl->judged);
		else
			jw_raw(&w, "hit_rate", "null");
		jw_key(&w, "hit_rate_ci95");
		jw_open(&w, '[');
		jw_double(&w, NULL, cl->lo);
		jw_double(&w, NULL, cl->hi);
		jw_close(&w, ']');
		jw_u64(&w, "detected", cl->detected);
		cell_ttd(cl, &d);
		write_dist(&w, "time_to_detection_s", &d);
		jw_key(&w, "rates");
		jw_open(&w, '{');
		for (k = 0; k < 3; k++) {
			cell_rate(cl, k, &d);
			write_dist(&w, rate_names[k], &d);
		}
		jw_close(&w, '}');
		jw_u64(&w, "boots_with_splats", cell_splat_boots(cl));
		jw_key(&w, "runs");
		jw_open(&w, '[');
		for (i = 0; i < cl->n; i++)
			jw_str(&w, NULL, boots[cl->b[i]].name);
		jw_close(&w, ']');
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key(&w, "splats");
	jw_open(&w, '[');
	for (i = 0; i < ntitles; i++) {
		jw_open(&w, '{');
		jw_str(&w, "title", titles[i].title);
		jw_str(&w, "kind", titles[i].kind);
		jw_u64(&w, "boots", titles[i].boots);
		jw_u64(&w, "count", titles[i].count);
		jw_str(&w, "first_run", boots[titles[i].first_boot].name);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key(&w, "boots");
	jw_open(&w, '[');
	for (i = 0; i < nboots; i++) {
		const struct boot *b = &boots[i];

		jw_open(&w, '{');
		jw_str(&w, "run", b->name);
		jw_u64(&w, "cell", b->cell);
		jw_str(&w, "kernel", b->label);
		jw_str(&w, "suite", b->suite);
		jw_u64(&w, "vcpus", b->smp);
		jw_str(&w, "seed", b->seed);
		jw_str(&w, "verdict", b->verdict);
		jw_str(&w, "reason", b->sum ? jv_str(jv_get(b->sum, "verdict_reason"), "")
					    : b->noresult);
		if (b->rundir)
			jw_str(&w, "results_dir", b->rundir);
		if (b->has_ttd)
			jw_double(&w, "first_detection_s", b->ttd);
		for (k = 0; k < 3; k++)
			if (b->has_rate[k])
				jw_double(&w, rate_names[k], b->rate[k]);
		if (b->sum && jv_str(jv_get(b->sum, "replay"), NULL))
			jw_str(&w, "replay", jv_str(jv_get(b->sum, "replay"), ""));
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	fputc('\n', f);
}

/* ---- HTML ---- */

/* Text for HTML: & < > " ' escaped, invalid UTF-8 and controls as '?'. */
static void html(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	for (; *p; p += n ? n : 1) {
		n = utf8_len(p);
		if (!n || (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fputc('?', f);
		else if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else if (*p == '\'')
			fputs("&#39;", f);
		else
			fwrite(p, 1, n, f);
	}
}

/* A relative link from folder @from to path @to (both absolute). */
static char *rel_link(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX], *out;
	size_t i = 0, common = 0, ups = 0, u;

	if (!realpath(from, a) || !realpath(to, b))
		return xstrdup(to);
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			common = i;
		i++;
	}
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	for (i = common; a[i]; i++)
		ups += a[i] == '/';
	out = xrealloc(NULL, 3 * ups + strlen(b) + 2);
	out[0] = '\0';
	for (u = 0; u < ups; u++)
		strcat(out, "../");
	strcat(out, b[common] == '/' ? b + common + 1 : b + common);
	if (!*out)
		strcpy(out, ".");
	return out;
}

static void link_to(FILE *f, const char *from, const char *dir, const char *file,
		    const char *text)
{
	char *path = xasprintf("%s/%s", dir, file), *l;

	if (access(path, R_OK)) {
		free(path);
		return;
	}
	l = rel_link(from, path);
	fputs("<a href=\"", f);
	html(f, l);
	fputs("\">", f);
	html(f, text);
	fputs("</a> ", f);
	free(l);
	free(path);
}

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee}.pass{background:#d8f0d8}.hit{background:#f6d0d0}"
	".other{background:#f3e8c0}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:85%}"
	"code{font-size:90%}.plot svg{max-width:100%;height:auto}";

static void html_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	html(f, title);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>", css);
	html(f, title);
	fputs("</h1>\n", f);
}

static const char *verdict_class(const char *v)
{
	return !strcmp(v, "pass") ? "pass" : is_hit(v) ? "hit" : "other";
}

static void html_splat(FILE *f, const struct jv *s)
{
	const struct jv *ctx = jv_get(s, "context");
	size_t i;

	fputs("<pre>", f);
	for (i = 0; ctx && ctx->type == JV_ARR && i < ctx->n; i++) {
		html(f, jv_str(&ctx->v[i], ""));
		fputc('\n', f);
	}
	fputs("</pre>\n", f);
}

/* report.html of one run, from its summary.json. */
static int write_run_html(const struct boot *b, const char *path)
{
	const struct jv *s = b->sum, *tests = jv_get(s, "tests"), *v;
	FILE *f = fopen(path, "w");
	char *title;
	size_t i, j;

	if (!f)
		return -1;
	title = xasprintf("mmtorture run %s", b->name);
	html_head(f, title);
	free(title);
	fprintf(f, "<p id=\"verdict\" class=\"%s\"><b>verdict: ", verdict_class(b->verdict));
	html(f, b->verdict);
	fputs("</b> - ", f);
	html(f, jv_str(jv_get(s, "verdict_reason"), ""));
	fputs("</p>\n<p>", f);
	link_to(f, b->rundir, b->rundir, "console.log", "console.log");
	link_to(f, b->rundir, b->rundir, "results.ktap", "results.ktap");
	link_to(f, b->rundir, b->rundir, "summary.json", "summary.json");
	link_to(f, b->rundir, b->rundir, "qemu.log", "qemu.log");
	link_to(f, b->rundir, b->rundir, "meta.env", "meta.env");
	fputs("</p>\n<table>", f);
	{
		static const char *const keys[] = {
			"kernel", "kernel_package", "accel", "vcpus", "memory_mb",
			"vma_locking", "git_commit", "boot_to_verdict_s",
		};
		fputs("<tr><th>suite</th><td>", f);
		html(f, b->suite);
		fprintf(f, "</td></tr><tr><th>seed</th><td>");
		html(f, b->seed);
		fputs("</td></tr>", f);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			v = jv_get(jv_get(s, "environment"), keys[i]);
			if (!v)
				continue;
			fputs("<tr><th>", f);
			html(f, keys[i]);
			fputs("</th><td>", f);
			if (v->type == JV_NUM)
				fprintf(f, "%g", v->num);
			else
				html(f, jv_str(v, ""));
			fputs("</td></tr>", f);
		}
	}
	fputs("</table>\n", f);
	if (jv_str(jv_get(s, "replay"), NULL)) {
		fputs("<p>replay: <code>", f);
		html(f, jv_str(jv_get(s, "replay"), ""));
		fputs("</code></p>\n", f);
	}
	fputs("<h2>Tests</h2>\n<table id=\"tests\"><tr><th>#</th><th>test</th><th>status</th>"
	      "<th>seconds</th><th>reason</th><th>metrics</th></tr>\n", f);
	for (i = 0; tests && tests->type == JV_ARR && i < tests->n; i++) {
		const struct jv *t = &tests->v[i], *m = jv_get(t, "metrics");
		const char *st = jv_str(jv_get(t, "status"), "?");

		fprintf(f, "<tr class=\"%s\"><td>%g</td><td>", !strcmp(st, "pass") ? "pass" :
			!strcmp(st, "skip") ? "other" : "hit", jv_num(jv_get(t, "index"), 0));
		html(f, jv_str(jv_get(t, "name"), "?"));
		fputs("</td><td>", f);
		html(f, st);
		fprintf(f, "</td><td>%.2f</td><td>", jv_num(jv_get(t, "duration_ms"), 0) / 1000);
		html(f, jv_str(jv_get(t, "reason"), ""));
		fputs("</td><td>", f);
		for (j = 0; m && m->type == JV_OBJ && j < m->n; j++) {
			html(f, m->keys[j]);
			fprintf(f, "=%g%s", jv_num(&m->v[j], 0), j + 1 < m->n ? ", " : "");
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	v = jv_get(s, "detections");
	if (v && v->type == JV_ARR && v->n) {
		fputs("<h2>Detections</h2>\n<table><tr><th>test</th><th>kind</th><th>lines</th>"
		      "<th>first</th></tr>\n", f);
		for (i = 0; i < v->n; i++) {
			fputs("<tr class=\"hit\"><td>", f);
			html(f, jv_str(jv_get(&v->v[i], "test"), ""));
			fputs("</td><td>", f);
			html(f, jv_str(jv_get(&v->v[i], "kind"), ""));
			fprintf(f, "</td><td>%g</td><td><code>", jv_num(jv_get(&v->v[i], "count"), 0));
			html(f, jv_str(jv_get(&v->v[i], "first"), ""));
			fputs("</code></td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	v = jv_get(s, "splats");
	fputs("<h2>Splats</h2>\n", f);
	if (!v || v->type != JV_ARR || !v->n)
		fputs("<p>none on the console</p>\n", f);
	for (i = 0; v && v->type == JV_ARR && i < v->n; i++) {
		fputs("<h3>", f);
		html(f, jv_str(jv_get(&v->v[i], "title"), "?"));
		fprintf(f, " (x%g, console.log line %g)</h3>\n", jv_num(jv_get(&v->v[i], "count"), 1),
			jv_num(jv_get(&v->v[i], "line"), 0));
		html_splat(f, &v->v[i]);
	}
	fputs("</body></html>\n", f);
	return fclose(f) ? -1 : 0;
}

/* ---- plots (gnuplot, SVG) ---- */

static int run_gnuplot(const char *dir, const char *script)
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int fd;

		if (chdir(dir))
			_exit(127);
		fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void gp_label(FILE *f, const struct cell *cl)
{
	char *n = cell_name(cl), *p;

	for (p = n; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	fprintf(f, "\"%s\"", n);
	free(n);
}

static void gp_xtics(FILE *f)
{
	size_t c;

	fprintf(f, "set xrange [0.5:%zu.5]\nset xtics (", ncells);
	for (c = 0; c < ncells; c++) {
		gp_label(f, &cells[c]);
		fprintf(f, " %zu%s", c + 1, c + 1 < ncells ? ", " : ")\n");
	}
}

/* Writes DIR/plots/{ttd,rate-*}.svg; a NULL return means all made. */
static const char *make_plots(const char *out, int *have_ttd, int have_rate[3])
{
	char *dir = xasprintf("%s/plots", out), *p;
	FILE *gp, *dat;
	struct dist d;
	size_t c, i;
	int k, rc;
	static char note[200];

	mkdir(dir, 0755);
	p = xasprintf("%s/plot.gp", dir);
	gp = fopen(p, "w");
	free(p);
	if (!gp) {
		free(dir);
		return "cannot write plots/plot.gp";
	}
	fputs("# made by mmt-campaign; gnuplot plot.gp\n"
	      "set terminal svg size 760,360 dynamic font 'sans,11' background '#ffffff'\n"
	      "set grid ytics\nset key top left\nset xtics rotate by -15\nset bars 0.4\n", gp);
	*have_ttd = 0;
	p = xasprintf("%s/ttd.dat", dir);
	dat = fopen(p, "w");
	free(p);
	if (!dat) {
		fclose(gp);
		free(dir);
		return "cannot write plots/ttd.dat";
	}
	fputs("# cell x, min, q1, median, q3, max (s)\n", dat);
	for (c = 0; c < ncells; c++) {
		cell_ttd(&cells[c], &d);
		if (!d.n)
			continue;
		*have_ttd = 1;
		fprintf(dat, "%zu %g %g %g %g %g\n", c + 1, d.min, d.q1, d.med, d.q3, d.max);
	}
	fputs("\n\n# cell x, one boot's first detection (s)\n", dat);
	for (i = 0; i < nboots; i++)
		if (boots[i].has_ttd)
			fprintf(dat, "%zu %g\n", boots[i].cell + 1, boots[i].ttd);
	fclose(dat);
	if (*have_ttd) {
		fputs("set output 'ttd.svg'\nset title 'Time to first detection per cell (boots that detected)'\n"
		      "set ylabel 'seconds (log)'\nset logscale y\n", gp);
		gp_xtics(gp);
		fputs("set boxwidth 0.3\n"
		      "plot 'ttd.dat' index 0 using 1:3:2:6:5 with candlesticks whiskerbars lw 1.5 lc rgb '#3060a0' title 'quartiles, min-max', \\\n"
		      "     '' index 0 using 1:4:4:4:4 with candlesticks lw 3 lc rgb '#c03030' title 'median', \\\n"
		      "     '' index 1 using 1:2 with points pt 7 ps 0.5 lc rgb '#202020' title 'boots'\n"
		      "unset logscale y\n", gp);
	}
	for (k = 0; k < 3; k++) {
		have_rate[k] = 0;
		p = xasprintf("%s/rate-%s.dat", dir, rate_names[k]);
		dat = fopen(p, "w");
		free(p);
		if (!dat)
			continue;
		fputs("# cell x, median, min, max\n", dat);
		for (c = 0; c < ncells; c++) {
			cell_rate(&cells[c], k, &d);
			if (!d.n)
				continue;
			have_rate[k] = 1;
			fprintf(dat, "%zu %g %g %g\n", c + 1, d.med, d.min, d.max);
		}
		fclose(dat);
		if (!have_rate[k])
			continue;
		fprintf(gp, "set output 'rate-%s.svg'\nset title '%s per cell (median, min-max over boots)'\n"
			"set ylabel '%s'\nset yrange [0:*]\n", rate_names[k], rate_titles[k], rate_titles[k]);
		gp_xtics(gp);
		fprintf(gp, "set boxwidth 0.5\nset style fill solid 0.35\n"
			"plot 'rate-%s.dat' using 1:2 with boxes lc rgb '#3060a0' notitle, \\\n"
			"     '' using 1:2:3:4 with yerrorbars pt 0 lc rgb '#202020' notitle\n"
			"set style fill empty\nset yrange [*:*]\n", rate_names[k]);
	}
	fclose(gp);
	rc = run_gnuplot(dir, "plot.gp");
	free(dir);
	if (rc == 127) {
		snprintf(note, sizeof(note), "gnuplot is not installed (make deps installs gnuplot-nox): no plots");
		return note;
	}
	if (rc) {
		snprintf(note, sizeof(note), "gnuplot failed (exit %d, plots/gnuplot.log)", rc);
		return note;
	}
	return NULL;
}

/* The SVG file inline, from its <svg element on. */
static void inline_svg(FILE *f, const char *path)
{
	struct jv dummy;
	FILE *in = fopen(path, "r");
	char buf[8192], *start;
	size_t n;
	int begun = 0;

	(void)dummy;
	if (!in) {
		fputs("<p>(plot missing)</p>\n", f);
		return;
	}
	fputs("<div class=\"plot\">\n", f);
	while ((n = fread(buf, 1, sizeof(buf) - 1, in)) > 0) {
		buf[n] = '\0';
		start = buf;
		if (!begun) {
			start = strstr(buf, "<svg");
			if (!start)
				continue;	/* prolog longer than a buffer: unlikely */
			begun = 1;
		}
		fwrite(start, 1, n - (start - buf), f);
	}
	fclose(in);
	fputs("</div>\n", f);
}

static void write_index_html(FILE *f, const char *out, size_t planned, int interrupted,
			     const char *plot_note, int have_ttd, const int have_rate[3])
{
	char rel[512], other[64], ttd[96], r[3][24], *p;
	struct dist d;
	size_t c, i, k, s, nlabels = 0, nsuites = 0;
	const char *labels[64], *suites[64];

	html_head(f, "mmtorture campaign");
	fprintf(f, "<p id=\"boots\">%zu boots", nboots);
	if (planned)
		fprintf(f, " of %zu planned", planned);
	if (interrupted)
		fputs(" - <b>interrupted</b>: the aggregate of the boots that finished", f);
	fputs(". Hit = the kernel failed the boot (fail, panic, hang or timeout); the rate is over "
	      "the boots with a verdict on the kernel, with its 95 % Wilson interval. "
	      "Errors, skips and boots without results are counted apart, never as passes.</p>\n", f);
	for (c = 0; c < ncells; c++) {
		for (k = 0; k < nlabels && strcmp(labels[k], cells[c].label); k++)
			;
		if (k == nlabels && nlabels < 64)
			labels[nlabels++] = cells[c].label;
		for (k = 0; k < nsuites && strcmp(suites[k], cells[c].suite); k++)
			;
		if (k == nsuites && nsuites < 64)
			suites[nsuites++] = cells[c].suite;
	}
	fputs("<h2>Verdict matrix</h2>\n<table id=\"matrix\"><tr><th>kernel</th>", f);
	for (s = 0; s < nsuites; s++) {
		fputs("<th>", f);
		html(f, suites[s]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (k = 0; k < nlabels; k++) {
		fputs("<tr><th>", f);
		html(f, labels[k]);
		fputs("</th>", f);
		for (s = 0; s < nsuites; s++) {
			fputs("<td>", f);
			for (c = 0; c < ncells; c++) {
				const struct cell *cl = &cells[c];

				if (strcmp(cl->label, labels[k]) || strcmp(cl->suite, suites[s]))
					continue;
				fprintf(f, "<div class=\"%s\">%d vCPUs%s%s: <b>%u/%u</b> hit",
					cl->hits ? "hit" : cl->judged == cl->n ? "pass" : "other",
					cl->smp, strcmp(cl->seedcell, "*") ? ", seed " : "",
					strcmp(cl->seedcell, "*") ? cl->seedcell : "", cl->hits, cl->judged);
				if (cl->judged)
					fprintf(f, " [%.0f-%.0f %%]", 100 * cl->lo, 100 * cl->hi);
				if (cl->judged < cl->n)
					fprintf(f, ", %zu without verdict", cl->n - cl->judged);
				cell_ttd(cl, &d);
				if (d.n)
					fprintf(f, ", first detection median %.3g s", d.med);
				fputs("</div>", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h2>Cells</h2>\n<table id=\"cells\"><tr><th>kernel</th><th>suite</th>"
	      "<th>vCPUs</th><th>seed</th><th>boots</th><th>pass</th><th>fail</th><th>other</th>"
	      "<th>hit rate [95 % CI]</th><th>detected</th><th>time to detect, s: median [q1-q3] max</th>"
	      "<th>writer it/s</th><th>delays/s</th><th>engine ops/s</th><th>boots with splats</th></tr>\n", f);
	for (c = 0; c < ncells; c++) {
		const struct cell *cl = &cells[c];

		cell_releases(cl, rel, sizeof(rel));
		fmt_other(cl, other, sizeof(other));
		cell_ttd(cl, &d);
		fmt_ttd(&d, ttd, sizeof(ttd));
		for (i = 0; i < 3; i++)
			fmt_rate(cl, i, r[i], sizeof(r[i]));
		fprintf(f, "<tr class=\"%s\"><td>", cl->hits ? "hit" : cl->judged == cl->n ? "pass" : "other");
		html(f, *rel ? rel : cl->label);
		fputs("</td><td>", f);
		html(f, cl->suite);
		fprintf(f, "</td><td>%d</td><td>", cl->smp);
		html(f, cl->seedcell);
		fprintf(f, "</td><td>%zu</td><td>%u</td><td>%u</td><td>", cl->n, cl->pass, cl->fail);
		html(f, other);
		if (cl->judged)
			fprintf(f, "</td><td>%u/%u [%.0f-%.0f %%]", cl->hits, cl->judged, 100 * cl->lo,
				100 * cl->hi);
		else
			fputs("</td><td>no verdict", f);
		fprintf(f, "</td><td>%u</td><td>", cl->detected);
		html(f, ttd);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%u</td></tr>\n", r[0], r[1], r[2],
			cell_splat_boots(cl));
	}
	fputs("</table>\n<h2>Plots</h2>\n", f);
	if (plot_note) {
		fputs("<p>", f);
		html(f, plot_note);
		fputs("</p>\n", f);
	} else {
		if (have_ttd) {
			p = xasprintf("%s/plots/ttd.svg", out);
			inline_svg(f, p);
			free(p);
		} else {
			fputs("<p>No boot detected anything: no time-to-detect plot.</p>\n", f);
		}
		for (k = 0; k < 3; k++) {
			if (!have_rate[k])
				continue;
			p = xasprintf("%s/plots/rate-%s.svg", out, rate_names[k]);
			inline_svg(f, p);
			free(p);
		}
	}
	fputs("<h2>Splats</h2>\n", f);
	if (!ntitles)
		fputs("<p>No boot's console had a splat.</p>\n", f);
	for (i = 0; i < ntitles; i++) {
		const struct boot *b = &boots[titles[i].first_boot];

		fputs("<h3>", f);
		html(f, titles[i].title);
		fprintf(f, "</h3>\n<p>%u boots, x%u in all; first in ", titles[i].boots, titles[i].count);
		link_to(f, out, b->rundir, "report.html", b->name);
		link_to(f, out, b->rundir, "console.log", "(console.log)");
		fputs("</p>\n", f);
		html_splat(f, titles[i].splat);
	}
	fputs("<h2>Boots</h2>\n<table id=\"runs\"><tr><th>run</th><th>kernel</th><th>suite</th>"
	      "<th>vCPUs</th><th>seed</th><th>verdict</th><th>reason</th><th>first detection, s</th>"
	      "<th>logs</th><th>replay</th></tr>\n", f);
	for (i = 0; i < nboots; i++) {
		const struct boot *b = &boots[i];

		fprintf(f, "<tr class=\"%s\"><td>", verdict_class(b->verdict));
		if (b->rundir)
			link_to(f, out, b->rundir, "report.html", b->name);
		else
			html(f, b->name);
		fputs("</td><td>", f);
		html(f, b->sum && env(b, "kernel") ? env(b, "kernel") : b->label);
		fputs("</td><td>", f);
		html(f, b->suite);
		fprintf(f, "</td><td>%d</td><td>", b->smp);
		html(f, b->seed);
		fputs("</td><td>", f);
		html(f, b->verdict);
		fputs("</td><td>", f);
		html(f, b->sum ? jv_str(jv_get(b->sum, "verdict_reason"), "") : b->noresult);
		fputs("</td><td>", f);
		if (b->has_ttd)
			fprintf(f, "%.3f", b->ttd);
		fputs("</td><td>", f);
		if (b->rundir) {
			link_to(f, out, b->rundir, "console.log", "console.log");
			link_to(f, out, b->rundir, "results.ktap", "results.ktap");
		}
		fputs("</td><td>", f);
		if (strcmp(b->verdict, "pass") && b->sum && jv_str(jv_get(b->sum, "replay"), NULL)) {
			fputs("<code>", f);
			html(f, jv_str(jv_get(b->sum, "replay"), ""));
			fputs("</code>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p>Also here: ", f);
	link_to(f, out, out, "campaign.json", "campaign.json");
	link_to(f, out, out, "table.txt", "table.txt");
	link_to(f, out, out, "kcidb.json", "kcidb.json (KernelCI KCIDB)");
	fputs("</p>\n</body></html>\n", f);
}

/* ---- KCIDB (KernelCI's report schema v5; scripts/kcidb/schema-v5.json) ---- */

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

static void write_kcidb(FILE *f, const char *origin, const char *base)
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
			char *u = run_url(base, b, "console.log");

			jw_str(&w, "log_url", u);
			free(u);
			kcidb_files(&w, b, base);
		}
		jw_key(&w, "environment");
		jw_open(&w, '{');
		jw_str(&w, "comment", env_c);
		jw_close(&w, '}');
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
			if (base) {
				char *u = run_url(base, b, "results.ktap");

				jw_str(&w, "log_url", u);
				free(u);
			}
			jw_key(&w, "environment");
			jw_open(&w, '{');
			jw_str(&w, "comment", env_c);
			jw_close(&w, '}');
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

/* ---- files ---- */

typedef void (*writer_fn)(FILE *f, void *arg);

/* Write @path through a temporary and a rename. */
static int save(const char *path, writer_fn fn, void *arg)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");

	if (!f)
		goto fail;
	fn(f, arg);
	if (fflush(f) || ferror(f)) {
		fclose(f);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path))
		goto fail;
	free(tmp);
	return 0;
fail:
	fprintf(stderr, "mmt-campaign: cannot write %s: %s\n", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	return -1;
}

struct outargs {
	const char *out, *origin, *base, *plot_note;
	size_t planned;
	int interrupted, have_ttd, have_rate[3];
};

static void w_json(FILE *f, void *a)
{
	write_campaign_json(f, ((struct outargs *)a)->planned, ((struct outargs *)a)->interrupted);
}

static void w_table(FILE *f, void *a)
{
	print_table(f, ((struct outargs *)a)->planned, ((struct outargs *)a)->interrupted);
}

static void w_kcidb(FILE *f, void *a)
{
	write_kcidb(f, ((struct outargs *)a)->origin, ((struct outargs *)a)->base);
}

static void w_index(FILE *f, void *a)
{
	struct outargs *o = a;

	write_index_html(f, o->out, o->planned, o->interrupted, o->plot_note, o->have_ttd,
			 o->have_rate);
}

static int origin_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmt-campaign --out DIR [--boots FILE] [--planned N] [--interrupted]\n"
		"                    [--origin NAME] [--log-base URL] [RUN_DIR...]\n"
		"       mmt-campaign --run-html RUN_DIR\n"
		"       mmt-campaign --kcidb FILE [--origin NAME] [--log-base URL] RUN_DIR...\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "boots", required_argument, NULL, 'b' },
		{ "planned", required_argument, NULL, 'p' },
		{ "interrupted", no_argument, NULL, 'i' },
		{ "origin", required_argument, NULL, 'O' },
		{ "log-base", required_argument, NULL, 'l' },
		{ "run-html", required_argument, NULL, 'r' },
		{ "kcidb", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct outargs o = { .origin = "mmtorture" };
	const char *boots_file = NULL, *run_html = NULL, *kcidb = NULL;
	char *p;
	int c, i;
	size_t b;

	while ((c = getopt_long(argc, argv, "o:b:p:iO:l:r:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'b': boots_file = optarg; break;
		case 'p':
			o.planned = strtoul(optarg, &p, 10);
			if (*p || !*optarg) {
				fprintf(stderr, "mmt-campaign: --planned wants a number, not '%s'\n", optarg);
				return EXIT_BAD;
			}
			break;
		case 'i': o.interrupted = 1; break;
		case 'O': o.origin = optarg; break;
		case 'l': o.base = optarg; break;
		case 'r': run_html = optarg; break;
		case 'k': kcidb = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_BAD;
		}
	}
	if (!origin_ok(o.origin)) {
		fprintf(stderr, "mmt-campaign: --origin must be [a-z0-9_]+ (KCIDB), not '%s'\n", o.origin);
		return EXIT_BAD;
	}
	if (o.base && strncmp(o.base, "https://", 8) && strncmp(o.base, "http://", 7) &&
	    strncmp(o.base, "file://", 7)) {
		fprintf(stderr, "mmt-campaign: --log-base must be a URL (https://...), not '%s'\n", o.base);
		return EXIT_BAD;
	}
	if (!!o.out + !!run_html + !!kcidb != 1) {
		usage(stderr);
		return EXIT_BAD;
	}
	if (run_html) {
		struct boot *rb = new_boot();
		char *path;

		if (optind != argc) {
			usage(stderr);
			return EXIT_BAD;
		}
		if (load_run(rb, run_html))
			return EXIT_BAD;
		path = xasprintf("%s/report.html", run_html);
		if (write_run_html(rb, path)) {
			fprintf(stderr, "mmt-campaign: cannot write %s: %s\n", path, strerror(errno));
			return EXIT_TOOL;
		}
		free(path);
		return 0;
	}
	if (boots_file && load_boots_file(boots_file))
		return EXIT_BAD;
	for (i = optind; i < argc; i++)
		if (load_run(new_boot(), argv[i]))
			return EXIT_BAD;
	if (!nboots) {
		fprintf(stderr, "mmt-campaign: no boots to aggregate\n");
		return EXIT_BAD;
	}
	for (b = 0; b < nboots; b++) {	/* run names are KCIDB ids: unique */
		size_t j;

		for (j = 0; j < b; j++)
			if (!strcmp(boots[j].name, boots[b].name)) {
				char *n = xasprintf("%s-%zu", boots[b].name, b + 1);

				free(boots[b].name);
				boots[b].name = n;
				break;
			}
	}
	build_cells();
	collect_titles();
	if (kcidb)
		return save(kcidb, w_kcidb, &o) ? EXIT_TOOL : 0;
	url_root = o.out;
	if (mkdir(o.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "mmt-campaign: cannot create %s: %s\n", o.out, strerror(errno));
		return EXIT_TOOL;
	}
	for (b = 0; b < nboots; b++) {
		char *path;

		if (!boots[b].rundir)
			continue;
		path = xasprintf("%s/report.html", boots[b].rundir);
		if (write_run_html(&boots[b], path))
			fprintf(stderr, "mmt-campaign: cannot write %s: %s\n", path, strerror(errno));
		free(path);
	}
	o.plot_note = make_plots(o.out, &o.have_ttd, o.have_rate);
	{
		char *pj = xasprintf("%s/campaign.json", o.out), *pt = xasprintf("%s/table.txt", o.out);
		char *pk = xasprintf("%s/kcidb.json", o.out), *ph = xasprintf("%s/index.html", o.out);
		int bad = save(pj, w_json, &o) || save(pt, w_table, &o) || save(pk, w_kcidb, &o) ||
			  save(ph, w_index, &o);

		free(pj);
		free(pt);
		free(pk);
		free(ph);
		if (bad)
			return EXIT_TOOL;
	}
	print_table(stdout, o.planned, o.interrupted);
	return fflush(stdout) ? EXIT_TOOL : 0;
}
