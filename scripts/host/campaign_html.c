// SPDX-License-Identifier: GPL-2.0
/*
 * campaign_html.c - the HTML mmt-campaign writes: escaping, relative
 * links, the style sheet, a run's report.html (environment, tests,
 * detections, splats), the gnuplot SVG plots of time to detection and
 * rates (DIR/plots/), and the campaign's index.html (verdict matrix,
 * cells, plots inline, splats, boots with their logs and replay
 * commands).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign.h"

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
char *rel_link(const char *from, const char *to)
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
int write_run_html(const struct boot *b, const char *path)
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
const char *make_plots(const char *out, int *have_ttd, int have_rate[3])
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

void write_index_html(FILE *f, const char *out, size_t planned, int interrupted,
			     const char *plot_note, int have_ttd, const int have_rate[3])
{
	struct cell_text t;
	struct dist d;
	char *p;
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

		cell_texts(cl, &t);
		fprintf(f, "<tr class=\"%s\"><td>", cl->hits ? "hit" : cl->judged == cl->n ? "pass" : "other");
		html(f, *t.rel ? t.rel : cl->label);
		fputs("</td><td>", f);
		html(f, cl->suite);
		fprintf(f, "</td><td>%d</td><td>", cl->smp);
		html(f, cl->seedcell);
		fprintf(f, "</td><td>%zu</td><td>%u</td><td>%u</td><td>", cl->n, cl->pass, cl->fail);
		html(f, t.other);
		if (cl->judged)
			fprintf(f, "</td><td>%u/%u [%.0f-%.0f %%]", cl->hits, cl->judged, 100 * cl->lo,
				100 * cl->hi);
		else
			fputs("</td><td>no verdict", f);
		fprintf(f, "</td><td>%u</td><td>", cl->detected);
		html(f, t.ttd);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%u</td></tr>\n", t.r[0], t.r[1], t.r[2],
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
