// SPDX-License-Identifier: GPL-2.0
/*
 * campaign_json.c - campaign.json, the aggregate for programs
 * (schema 1): the cells with their verdicts, hit rate and its 95 %
 * Wilson interval, distributions of time to detection and rates, the
 * splat titles, and every boot with its verdict, reason, results folder
 * and replay command.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "campaign.h"

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

void write_campaign_json(FILE *f, size_t planned, int interrupted)
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
