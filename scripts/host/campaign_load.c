// SPDX-License-Identifier: GPL-2.0
/*
 * campaign_load.c - loading what mmt-campaign aggregates, and its
 * statistics: a run's summary.json (load_run) or a campaign's boots
 * file, each boot's time to the first detection and rates, the cells
 * they group into with their verdict counts and 95 % Wilson intervals,
 * quantiles and distributions, and the splat titles over the campaign.
 * It defines the global state (campaign.h) and the small helpers every
 * part uses (xstrdup, xasprintf, xrealloc, die_oom).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "campaign.h"

const char *url_root;
struct boot *boots;
size_t nboots;
struct cell *cells;
size_t ncells;
struct title *titles;
size_t ntitles;

const char *const rate_names[3] = {
	"writer_iter_per_s", "tlbdelay_delays_per_s", "engine_ops_per_s",
};
const char *const rate_titles[3] = {
	"writer iterations/s", "tlbdelay delays/s", "engine ops/s",
};

static void __attribute__((noreturn)) die_oom(void)
{
	fprintf(stderr, "mmt-campaign: out of memory\n");
	exit(EXIT_TOOL);
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		die_oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
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

void *xrealloc(void *p, size_t n)
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

const char *env(const struct boot *b, const char *key)
{
	return jv_str(jv_get(jv_get(b->sum, "environment"), key), NULL);
}

/* Load RUN_DIR's summary.json; -1 with a message if it is not a run. */
int load_run(struct boot *b, const char *dir)
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

struct boot *new_boot(void)
{
	boots = xrealloc(boots, (nboots + 1) * sizeof(*boots));
	memset(&boots[nboots], 0, sizeof(*boots));
	return &boots[nboots++];
}

/* The campaign's boots file. */
int load_boots_file(const char *path)
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

int is_hit(const char *v)
{
	return !strcmp(v, "fail") || !strcmp(v, "panic") || !strcmp(v, "hang") ||
	       !strcmp(v, "timeout");
}

void build_cells(void)
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

void cell_ttd(const struct cell *cl, struct dist *d)
{
	double *v = xrealloc(NULL, cl->n * sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < cl->n; i++)
		if (boots[cl->b[i]].has_ttd)
			v[n++] = boots[cl->b[i]].ttd;
	dist_of(v, n, d);
	free(v);
}

void cell_rate(const struct cell *cl, int k, struct dist *d)
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
char *cell_name(const struct cell *cl)
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
void cell_releases(const struct cell *cl, char *out, size_t len)
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

void collect_titles(void)
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


unsigned cell_splat_boots(const struct cell *cl)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		const struct jv *sp = jv_get(boots[cl->b[i]].sum, "splats");

		n += sp && sp->type == JV_ARR && sp->n > 0;
	}
	return n;
}
