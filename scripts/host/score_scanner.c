// SPDX-License-Identifier: GPL-2.0
/*
 * score-scanner - measure the console scanner against console logs in
 * syzkaller's report test format (pkg/report/testdata/linux/report).
 *
 *   score-scanner [--list] DIR
 *
 * Each regular file in DIR is one case: header lines ("TITLE: ...",
 * "ALT: ...", "TYPE: ...", "FRAME: ...", "CORRUPTED: Y", "SUPPRESSED: Y",
 * "EXECUTOR: ..."; lines starting with '#' are comments), a blank line,
 * then the console log, which ends at a line "REPORT:" if there is one.
 * Carriage returns are dropped from the log, as syzkaller's own test does.
 * A file whose header holds anything else is not a case and is skipped
 * with a note on stderr.
 *
 * A case with a TITLE is a crash log, one without is a clean log. The
 * scanner's report is its first splat (the list is in order of first
 * occurrence, and syzkaller titles the first report of a log too). The
 * figures:
 *   recall         crash logs where the scanner reports anything
 *   class right    of those, the splat's class (kind) is the family of
 *                  syzkaller's TITLE (families: see family_of_title())
 *   function right of the crash logs whose TITLE or an ALT names a
 *                  function ("... in FUNC"), those where the scanner's
 *                  title names one of those functions
 *   false reports  clean logs where the scanner reports anything
 * They are printed as a table, then as one line for programs:
 *   score logs=N crash=N clean=N skipped=N reported=N recall=P
 *     class_right=N class=P fn_named=N fn_right=N function=P
 *     false_reports=N false=P
 * (one line; P are percentages with one decimal, "-" when nothing was
 * counted). --list also prints,
 * per case, the file name, what syzkaller and the scanner say and the
 * verdicts.
 *
 * Exit status: 0 when the figures were printed, 2 on bad input (DIR is
 * not a folder, or holds no case), with one line on stderr.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "console_scan.h"

#define PROG		"score-scanner"
#define USAGE		"usage: " PROG " [--list] DIR"
#define MAX_ALTS	32
#define FN_LEN		128

enum { EXIT_OK = 0, EXIT_TROUBLE = 2 };

struct scase {
	char *title;			/* NULL: a clean log */
	char *alt[MAX_ALTS];
	size_t nalt;
	char *body;			/* the console log */
	size_t body_len;
};

struct totals {
	unsigned int logs, crash, clean, skipped;
	unsigned int reported, class_right, fn_named, fn_right, false_rep;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EXIT_TROUBLE);
	}
	return p;
}

static void scase_free(struct scase *c)
{
	size_t i;

	free(c->title);
	for (i = 0; i < c->nalt; i++)
		free(c->alt[i]);
	free(c->body);
	memset(c, 0, sizeof(*c));
}

/* Whole file at @path, NUL-terminated; NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf, *p;

	if (!f)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Console logs can hold NUL bytes; the scanner drops them too. */
static size_t drop_nul(char *s, size_t len)
{
	size_t i, j;

	for (i = j = 0; i < len; i++)
		if (s[i])
			s[j++] = s[i];
	s[j] = '\0';
	return j;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Is @line a header line, "KEY: value" with KEY in capitals (TITLE, ALT,
 * TYPE, FRAME, CORRUPTED, SUPPRESSED, EXECUTOR, PANICKED, START, ...)?
 */
static bool header_key(const char *line)
{
	size_t n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

	return n && line[n] == ':';
}

/* The value of a header line. */
static const char *header_value(const char *line)
{
	line = strchr(line, ':') + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/*
 * Split @text into header and log. Returns 0, or -1 when the header holds
 * a line that is neither a comment nor "KEY: value".
 */
static int parse_case(char *text, struct scase *c)
{
	char *line = text, *nl, *out, *v;
	size_t i, len;

	memset(c, 0, sizeof(*c));
	for (;;) {
		v = line;			/* the header line */
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		line = nl ? nl + 1 : line + len;
		while (len && v[len - 1] == '\r')
			len--;
		v[len] = '\0';
		if (!len)
			break;			/* the blank line: the log follows */
		if (v[0] == '#')
			continue;		/* a comment */
		if (!header_key(v)) {
			scase_free(c);
			return -1;
		}
		if (has_prefix(v, "TITLE:")) {
			free(c->title);
			c->title = strdup(header_value(v));
		} else if (has_prefix(v, "ALT:") && c->nalt < MAX_ALTS) {
			c->alt[c->nalt++] = strdup(header_value(v));
		}
		if (!nl)
			break;
	}

	/* the log: without '\r', up to a line "REPORT:" */
	len = strlen(line);
	c->body = xmalloc(len + 1);
	out = c->body;
	while (*line) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (!strncmp(line, "REPORT:", 7) &&
		    (line[7] == '\n' || line[7] == '\r' || line[7] == '\0'))
			break;
		for (i = 0; i < len; i++)
			if (line[i] != '\r')
				*out++ = line[i];
		line += len;
	}
	*out = '\0';
	c->body_len = out - c->body;
	return 0;
}

/*
 * The function a title names: the name after its last " in ", when that
 * is the end of the title or followed only by what syzkaller puts after a
 * function (".part.N", "/other_func", " / other_func", " at addr ADDR",
 * " age=..."). "corrupted" is syzkaller's word for "no frame found".
 */
static bool title_function(const char *title, char *fn, size_t size)
{
	const char *p = NULL, *q, *end;
	size_t n;

	for (q = strstr(title, " in "); q; q = strstr(q + 1, " in "))
		p = q + 4;
	if (!p)
		return false;
	for (end = p; isalnum((unsigned char)*end) || *end == '_' || *end == ':'; end++)
		;
	n = end - p;
	if (!n || n >= size)
		return false;
	if (!(*end == '\0' || *end == '.' || *end == '/' ||
	      has_prefix(end, " / ") || has_prefix(end, " at addr") ||
	      has_prefix(end, " age=")))
		return false;
	memcpy(fn, p, n);
	fn[n] = '\0';
	return strcmp(fn, "corrupted") != 0;
}

/*
 * The class family of a syzkaller title, in the scanner's words for its
 * kinds. First match wins; "OTHER" for what the scanner has no class for
 * (syzkaller's own failures, user space crashes).
 */
static const char *family_of_title(const char *t)
{
	static const struct {
		const char *prefix;
		const char *family;
	} map[] = {
		{ "KASAN:", "KASAN" },
		{ "KMSAN:", "KMSAN" },
		{ "KCSAN:", "KCSAN" },
		{ "KFENCE:", "KFENCE" },
		{ "UBSAN:", "UBSAN" },
		{ "memory leak", "LEAK" },
		/* lockdep and the lock debugging checks */
		{ "possible deadlock", "LOCKDEP" },
		{ "inconsistent lock state", "LOCKDEP" },
		{ "WARNING: suspicious RCU usage", "LOCKDEP" },
		{ "INFO: suspicious RCU usage", "LOCKDEP" },
		{ "suspicious RCU usage", "LOCKDEP" },
		{ "WARNING: bad unlock balance", "LOCKDEP" },
		{ "BUG: bad unlock balance", "LOCKDEP" },
		{ "WARNING: held lock freed", "LOCKDEP" },
		{ "BUG: held lock freed", "LOCKDEP" },
		{ "WARNING: nested lock was not taken", "LOCKDEP" },
		{ "WARNING: still has locks held", "LOCKDEP" },
		{ "BUG: still has locks held", "LOCKDEP" },
		{ "WARNING: lock held when returning", "LOCKDEP" },
		{ "BUG: lock held when returning", "LOCKDEP" },
		{ "WARNING: locking bug", "LOCKDEP" },
		{ "INFO: trying to register non-static key", "LOCKDEP" },
		{ "BUG: MAX_", "LOCKDEP" },
		{ "BUG: spinlock", "LOCKDEP" },
		{ "BUG: rwlock", "LOCKDEP" },
		/* waits and stalls */
		{ "INFO: task hung", "HUNG" },
		{ "INFO: task can't die", "HUNG" },
		{ "unregister_netdevice: waiting for", "HUNG" },
		{ "INFO: rcu detected stall", "STALL" },
		{ "BUG: soft lockup", "LOCKUP" },
		{ "hard lockup", "LOCKUP" },
		{ "BUG: workqueue lockup", "LOCKUP" },
		/* faults the CPU raised */
		{ "general protection fault", "OOPS" },
		{ "BUG: unable to handle kernel", "OOPS" },
		{ "BUG: stack guard page was hit", "OOPS" },
		{ "Unhandled fault", "OOPS" },
		{ "Internal error", "OOPS" },
		{ "Alignment trap", "OOPS" },
		{ "divide error", "OOPS" },
		{ "invalid opcode", "OOPS" },
		{ "int3", "OOPS" },
		{ "stack segment fault", "OOPS" },
		{ "PANIC: double fault", "OOPS" },
		{ "Oops", "OOPS" },
		/* assertions and state checks */
		{ "kernel BUG", "BUG" },
		{ "BUG:", "BUG" },
		{ "VFS:", "BUG" },
		{ "INFO: Freed in", "BUG" },
		{ "INFO: Allocated in", "BUG" },
		{ "WARNING", "WARNING" },
		{ "kernel panic:", "PANIC" },
		{ "kernel stack overflow", "PANIC" },
		{ "trusty:", "PANIC" },
		{ "unexpected kernel reboot", "REBOOT" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (has_prefix(t, map[i].prefix))
			return map[i].family;
	return "OTHER";
}

static int scan_case(const struct scase *c, struct splat_list *out)
{
	FILE *f;
	int ret;

	if (!c->body_len) {
		out->v = NULL;
		out->n = 0;
		return 0;
	}
	f = fmemopen(c->body, c->body_len, "r");
	if (!f)
		return -1;
	ret = console_scan_stream(f, 0, out);
	fclose(f);
	return ret;
}

/* Does the scanner's @title name one of the functions syzkaller names? */
static bool function_right(const struct scase *c, const char *title)
{
	char mine[FN_LEN], theirs[FN_LEN];
	size_t i;

	if (!title || !title_function(title, mine, sizeof(mine)))
		return false;
	if (title_function(c->title, theirs, sizeof(theirs)) &&
	    !strcmp(mine, theirs))
		return true;
	for (i = 0; i < c->nalt; i++)
		if (title_function(c->alt[i], theirs, sizeof(theirs)) &&
		    !strcmp(mine, theirs))
			return true;
	return false;
}

static bool names_function(const struct scase *c)
{
	char fn[FN_LEN];
	size_t i;

	if (title_function(c->title, fn, sizeof(fn)))
		return true;
	for (i = 0; i < c->nalt; i++)
		if (title_function(c->alt[i], fn, sizeof(fn)))
			return true;
	return false;
}

static void score_case(const char *name, const struct scase *c,
		       const struct splat_list *l, struct totals *t, bool list)
{
	const struct splat *s = l->n ? &l->v[0] : NULL;
	const char *fam = NULL;
	bool cls = false, named = false, fn = false;

	t->logs++;
	if (!c->title) {
		t->clean++;
		t->false_rep += s != NULL;
		if (list)
			printf("%s\tclean\t%s\t%s\n", name,
			       s ? s->title : "-", s ? "false-report" : "ok");
		return;
	}
	t->crash++;
	named = names_function(c);
	t->fn_named += named;
	if (s) {
		t->reported++;
		fam = family_of_title(c->title);
		cls = !strcmp(fam, s->kind);
		t->class_right += cls;
		fn = named && function_right(c, s->title);
		t->fn_right += fn;
	}
	if (list)
		printf("%s\t%s\t%s\t%s%s\n", name, c->title,
		       s ? s->title : "-",
		       !s ? "missed" : cls ? "class-ok" : "class-wrong",
		       !named ? "" : fn ? " fn-ok" : " fn-wrong");
	if (list && s && !cls)
		printf("%s\t\tfamily %s, kind %s\n", name, fam, s->kind);
}

/* @n of @of in percent, one decimal; "-" when there is nothing to count. */
static const char *pct(char *buf, size_t size, unsigned int n, unsigned int of)
{
	if (!of)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f", 100.0 * n / of);
	return buf;
}

static void print_row(const char *what, unsigned int n, unsigned int of)
{
	char p[16];

	printf("  %-44s %6u %6u %6s%s\n", what, n, of, pct(p, sizeof(p), n, of),
	       of ? "%" : "");
}

static void print_totals(const char *dir, const struct totals *t)
{
	char p[4][16];

	printf("console scanner against %s\n", dir);
	printf("  %u logs: %u crash, %u clean", t->logs, t->crash, t->clean);
	if (t->skipped)
		printf(", %u file%s skipped (not in the format)", t->skipped,
		       t->skipped == 1 ? "" : "s");
	printf("\n\n");
	printf("  %-44s %6s %6s %7s\n", "", "n", "of", "%");
	print_row("recall (crash logs reported)", t->reported, t->crash);
	print_row("class family right (of those reported)", t->class_right,
		  t->reported);
	print_row("function right (where syzkaller names one)", t->fn_right,
		  t->fn_named);
	print_row("false reports (clean logs reported)", t->false_rep, t->clean);
	printf("\n");
	printf("score logs=%u crash=%u clean=%u skipped=%u reported=%u recall=%s "
	       "class_right=%u class=%s fn_named=%u fn_right=%u function=%s "
	       "false_reports=%u false=%s\n",
	       t->logs, t->crash, t->clean, t->skipped, t->reported,
	       pct(p[0], sizeof(p[0]), t->reported, t->crash), t->class_right,
	       pct(p[1], sizeof(p[1]), t->class_right, t->reported), t->fn_named,
	       t->fn_right, pct(p[2], sizeof(p[2]), t->fn_right, t->fn_named),
	       t->false_rep, pct(p[3], sizeof(p[3]), t->false_rep, t->clean));
}

/* Files that are not cases, noted on stderr after the figures. */
struct notes {
	char *text;
	size_t len;
};

static void note_skip(struct notes *nt, const char *path, const char *why)
{
	char *line, *p;
	int len;

	len = asprintf(&line, "%s: %s: %s, skipped\n", PROG, path, why);
	if (len < 0)
		return;
	p = realloc(nt->text, nt->len + len + 1);
	if (p) {
		memcpy(p + nt->len, line, len + 1);
		nt->text = p;
		nt->len += len;
	}
	free(line);
}

static int by_version(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int trouble(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", PROG);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return EXIT_TROUBLE;
}

int main(int argc, char **argv)
{
	struct notes notes = { 0 };
	struct totals t = { 0 };
	struct dirent **names;
	struct splat_list l;
	const char *dir;
	struct scase c;
	struct stat st;
	bool list = false;
	char *path, *text;
	size_t len;
	int i, n, argi = 1;

	if (argi < argc && !strcmp(argv[argi], "--list")) {
		list = true;
		argi++;
	}
	if (argi < argc && (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help"))) {
		printf("%s\n", USAGE);
		return EXIT_OK;
	}
	if (argc - argi != 1)
		return trouble("%s", USAGE);
	dir = argv[argi];
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return trouble("%s is not a folder (" USAGE ")", dir);

	n = scandir(dir, &names, not_hidden, by_version);
	if (n < 0)
		return trouble("cannot read the folder %s", dir);
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0)
			return trouble("%s", "out of memory");
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		text = read_all(path, &len);
		if (!text) {
			note_skip(&notes, path, strerror(errno));
			t.skipped++;
			free(path);
			continue;
		}
		len = drop_nul(text, len);
		if (parse_case(text, &c)) {
			note_skip(&notes, path, "not in syzkaller's format");
			t.skipped++;
			free(text);
			free(path);
			continue;
		}
		free(text);
		if (scan_case(&c, &l)) {
			fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
			return EXIT_TROUBLE;
		}
		score_case(names[i]->d_name, &c, &l, &t, list);
		splat_list_free(&l);
		scase_free(&c);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!t.logs) {
		free(notes.text);
		return trouble("%s holds no console log in syzkaller's format", dir);
	}
	if (list)
		printf("\n");
	print_totals(dir, &t);
	/* the files left out, once there is something to say about the rest */
	if (notes.text)
		fputs(notes.text, stderr);
	free(notes.text);
	return EXIT_OK;
}
