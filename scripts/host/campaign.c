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
 *
 * This file holds main: the options, and each file written through a
 * temporary and a rename (save). Loading and statistics are in
 * campaign_load.c; the writers in campaign_table.c, campaign_json.c,
 * campaign_html.c and campaign_kcidb.c (campaign.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"

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
