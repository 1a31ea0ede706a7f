/* SPDX-License-Identifier: GPL-2.0 */
/*
 * campaign.h - what the parts of mmt-campaign share: a boot (one results
 * folder, or a boot that left none), a cell (the boots of one kernel x
 * suite x vCPUs x seed), a distribution, a splat title; the campaign's
 * global state, built by campaign_load.c and read by the writers
 * (campaign_table.c, campaign_json.c, campaign_html.c, campaign_kcidb.c);
 * and the functions one part calls in another.
 */
#ifndef MMT_CAMPAIGN_H
#define MMT_CAMPAIGN_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"

#define EXIT_BAD	2
#define EXIT_TOOL	3

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

struct dist {
	size_t n;
	double min, q1, med, q3, max;
};

/* A splat title over the campaign: how many boots, how many times. */
struct title {
	const char *title, *kind;
	unsigned boots, count;
	size_t first_boot;
	const struct jv *splat;
};

/* ---- global state (defined in campaign_load.c) ---- */

extern const char *url_root;	/* log URLs are relative to this folder */
extern struct boot *boots;
extern size_t nboots;
extern struct cell *cells;
extern size_t ncells;
extern struct title *titles;
extern size_t ntitles;
/* The three rates of a boot: JSON keys, and their titles in plots. */
extern const char *const rate_names[3];
extern const char *const rate_titles[3];

/* ---- small helpers (campaign_load.c): they exit on out of memory ---- */

char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xrealloc(void *p, size_t n);

/* ---- loading, cells and statistics (campaign_load.c) ---- */

/* Key @key of the boot's summary.json environment, NULL if none. */
const char *env(const struct boot *b, const char *key);
/* Load RUN_DIR's summary.json into @b; -1 with a message if it is not a run. */
int load_run(struct boot *b, const char *dir);
/* A new zeroed boot at the end of boots[]. */
struct boot *new_boot(void);
/* The campaign's boots file (scripts/campaign.sh); -1 with a message. */
int load_boots_file(const char *path);
/* The verdict is the kernel's failure: fail, panic, hang or timeout. */
int is_hit(const char *v);
/* Group boots[] into cells[], count verdicts, Wilson intervals. */
void build_cells(void);
/* Time to first detection over the cell's boots that detected. */
void cell_ttd(const struct cell *cl, struct dist *d);
/* Rate @k (rate_names) over the cell's boots that have it. */
void cell_rate(const struct cell *cl, int k, struct dist *d);
/* "6.1 2cpu" (+ suite, seed when the campaign has more than one); free it. */
char *cell_name(const struct cell *cl);
/* Kernel releases the boots of a cell ran, space-separated. */
void cell_releases(const struct cell *cl, char *out, size_t len);
/* Boots of the cell whose console had a splat. */
unsigned cell_splat_boots(const struct cell *cl);
/* Splat titles over all boots into titles[]. */
void collect_titles(void);

/* ---- table.txt (campaign_table.c) ---- */

/* "median [q1-q3] max", or "-" without values. */
void fmt_ttd(const struct dist *d, char *out, size_t n);
/* The median of rate @k over the cell, or "-". */
void fmt_rate(const struct cell *cl, int k, char *out, size_t n);
/* The cell's verdicts other than pass and fail ("1panic 2none"), or "-". */
void fmt_other(const struct cell *cl, char *out, size_t n);
/* A cell's columns as the table and index.html print them. */
struct cell_text {
	char rel[512];		/* kernel releases, or "" */
	char other[64];		/* fmt_other() */
	char ttd[96];		/* fmt_ttd() of the time to detection */
	char r[3][24];		/* fmt_rate() of each rate */
};

void cell_texts(const struct cell *cl, struct cell_text *t);
/* The aggregate as a text table (table.txt, and stdout). */
void print_table(FILE *f, size_t planned, int interrupted);

/* ---- campaign.json (campaign_json.c) ---- */

void write_campaign_json(FILE *f, size_t planned, int interrupted);

/* ---- HTML (campaign_html.c) ---- */

/* A relative link from folder @from to path @to; also KCIDB's log URLs. */
char *rel_link(const char *from, const char *to);
/* report.html of one run, from its summary.json; -1 with errno. */
int write_run_html(const struct boot *b, const char *path);
/* Writes DIR/plots/{ttd,rate-*}.svg; a NULL return means all made. */
const char *make_plots(const char *out, int *have_ttd, int have_rate[3]);
/* index.html of the campaign in folder @out. */
void write_index_html(FILE *f, const char *out, size_t planned, int interrupted,
		      const char *plot_note, int have_ttd, const int have_rate[3]);

/* ---- KCIDB (campaign_kcidb.c) ---- */

/* The boots as KernelCI KCIDB JSON (schema v5.0); @base: log URLs or NULL. */
void write_kcidb(FILE *f, const char *origin, const char *base);

#endif
