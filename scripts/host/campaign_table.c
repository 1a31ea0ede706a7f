// SPDX-License-Identifier: GPL-2.0
/*
 * campaign_table.c - table.txt, the aggregate as a text table (also
 * on stdout): one line per cell (boots, verdicts, hit rate with its
 * 95 % interval, time to detection, rates, boots with splats), then the
 * splat titles and every boot that did not pass with its reason and
 * replay command. Its cell formatters (fmt_ttd, fmt_rate, fmt_other)
 * are index.html's too.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "campaign.h"

static void fmt_num(char *out, size_t n, double v)
{
	if (v >= 1000)
		snprintf(out, n, "%.0f", v);
	else if (v >= 10)
		snprintf(out, n, "%.1f", v);
	else
		snprintf(out, n, "%.3g", v);
}

void fmt_ttd(const struct dist *d, char *out, size_t n)
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

void fmt_rate(const struct cell *cl, int k, char *out, size_t n)
{
	struct dist d;

	cell_rate(cl, k, &d);
	if (d.n)
		fmt_num(out, n, d.med);
	else
		snprintf(out, n, "-");
}

void fmt_other(const struct cell *cl, char *out, size_t n)
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

void cell_texts(const struct cell *cl, struct cell_text *t)
{
	struct dist d;
	int i;

	cell_releases(cl, t->rel, sizeof(t->rel));
	fmt_other(cl, t->other, sizeof(t->other));
	cell_ttd(cl, &d);
	fmt_ttd(&d, t->ttd, sizeof(t->ttd));
	for (i = 0; i < 3; i++)
		fmt_rate(cl, i, t->r[i], sizeof(t->r[i]));
}

void print_table(FILE *f, size_t planned, int interrupted)
{
	struct cell_text t;
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

		cell_texts(cl, &t);
		if (cl->judged)
			snprintf(hr, sizeof(hr), "%u/%u [%.0f-%.0f%%]", cl->hits, cl->judged,
				 100 * cl->lo, 100 * cl->hi);
		else
			snprintf(hr, sizeof(hr), "0/0 (no verdict)");
		fprintf(f, "%-24s %-24s %-5d %-6s %-5zu %-5u %-5u %-12s %-20s %-6u %-22s %-9s %-9s %-9s %-6u\n",
			*t.rel ? t.rel : cl->label, cl->suite, cl->smp, cl->seedcell, cl->n, cl->pass,
			cl->fail, t.other, hr, cl->detected, t.ttd, t.r[0], t.r[1], t.r[2],
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
