// SPDX-License-Identifier: GPL-2.0
/*
 * console_scan.c - find kernel splats in a serial console log.
 *
 * The log is read into memory as an array of lines. In each line the kernel
 * message is what follows the printk timestamp ("[   12.345678] ", maybe
 * with a "[  T123]" caller field); what comes before a timestamp is never
 * matched. A line without a timestamp is user space output in a log that
 * has timestamps, except after the log's last one (a console that went on
 * without them); in a log without any (printk.time=0) every line is
 * kernel output. kmemleak's dump, which user space reads out, and the
 * boot loader's "Booting the kernel" are looked for in any line. The
 * caller field, or its absence, is the line's context: a report is made
 * of the lines of its header's context only, so that user space output
 * and other tasks' messages interleaved with it are not read as part of
 * it (after "Sending NMI from CPU", the other CPUs' lines are).
 *
 * A report starts at a line whose message begins with one of the headers
 * in console_rules.def (after a prefix such as "rcu: " or the "[ " of old
 * lockdep headers, or after a second timestamp within the line), with
 * some exceptions: the "Oops: 0000 [#1]" line right after "kernel BUG
 * at" and the like belongs to that report, and so does kmemleak's
 * "unreferenced object" after "BUG: memory leak". It ends at the kernel's
 * own end marker ("---[ end ...]---", the closing "=====" of KASAN, the
 * "</TASK>" of the last stack of reports that print no marker), at a
 * "cut here" line, at the next report of its context, or after
 * REPORT_MAX_LINES. Not at a panic or a circular-locking report within
 * its first lines (they repeat its stack, which may not have been printed
 * yet), at headers printed as part of another report ("invalid opcode:
 * 0000", "Internal error:", ...), nor, with caller fields, at a report of
 * the same task: as syzkaller reads a report.
 *
 * Its title is formed as syzkaller's pkg/report forms it: the rule's
 * format, filled in with what the header, later lines ("report" parts)
 * and the stack ("parts": the RIP line, a Call Trace, ...) give; from a
 * stack the first frame that no skip pattern matches (anywhere in the
 * name), or, for stalls and hung tasks, the frame syzkaller's extractors
 * pick. When the rule's later lines are not there, the next rule whose
 * header matches is tried. Reports with the same title are folded into
 * one struct splat, in the order of their first occurrence; the first
 * one is the report syzkaller would title the log with.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "console_scan.h"
#include "json.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define NAME_LEN		128	/* function names, file:line */
#define TITLE_LEN		256
#define ERE_LEN			8192	/* a translated regular expression */
#define MAX_SUB			24	/* ERE groups looked at */
#define MAX_ARGS		12	/* title arguments */
#define MAX_FRAMES		512	/* frames of one stack part */
/* A report is looked at for at most this many lines from its header. */
#define REPORT_MAX_LINES	1000
/* An "Oops: ..." line this close after "kernel BUG at" etc. is its own. */
#define OOPS_FOLLOW_LINES	16
/* kmemleak's "unreferenced object" this close after "BUG: memory leak". */
#define LEAK_FOLLOW_LINES	3
/* SLUB debug lines this close after a report are part of it. */
#define INSIDE_LINES		100
/*
 * A panic or a circular-locking report within this many lines of a report
 * does not end it: the report had no stack of its own yet, and the panic's
 * stack is the report's (syzkaller's rule). KMSAN reports are shorter.
 */
#define HEAD_LINES		22
#define HEAD_LINES_SHORT	16
/* Shortest "=====" or "-----" line taken as a ruler. */
#define RULER_MIN		20

/* ---- the log ---- */

/* A line's context: no timestamp, timestamp without caller, a caller. */
#define CTX_NONE		0L
#define CTX_CONSOLE		1L

struct cline {
	char *raw;		/* the line, without its line end */
	const char *msg;	/* kernel message within raw (or raw) */
	const char *msg2;	/* after a second timestamp in the line, or NULL */
	long ctx;		/* CTX_*, or 2 + 2n for [Tn], 3 + 2n for [Cn] */
	bool user;		/* written by user space: never a header */
};

struct con_log {
	struct cline *v;
	size_t n;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "[   12.345678]" at @p: return what follows it, or NULL. */
static const char *skip_stamp(const char *p)
{
	int frac = 0;

	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (!is_digit(*p))
		return NULL;
	while (is_digit(*p))
		p++;
	if (*p++ != '.')
		return NULL;
	while (is_digit(*p)) {
		p++;
		frac++;
	}
	return frac == 6 && *p == ']' ? p + 1 : NULL;
}

/* CONFIG_PRINTK_CALLER's "[  T123]" or "[    C1]" at @p, or NULL. */
static const char *skip_caller(const char *p, long *ctx)
{
	bool cpu;
	long n = 0;

	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (*p != 'T' && *p != 'C')
		return NULL;
	cpu = *p == 'C';
	if (!is_digit(*++p))
		return NULL;
	while (is_digit(*p) && n < 100000000)
		n = n * 10 + (*p++ - '0');
	if (*p != ']')
		return NULL;
	*ctx = 2 + 2 * n + cpu;
	return p + 1;
}

static bool is_cpu_ctx(long ctx)
{
	return ctx >= 2 && (ctx & 1);
}

/*
 * The kernel message in @line from @from on: what follows the first
 * printk timestamp. User space output can precede it on the same line
 * when the kernel printed while a program had written half a line.
 */
static const char *kmsg_find(const char *from, long *ctx)
{
	const char *p, *end, *caller;

	for (p = strchr(from, '['); p; p = strchr(p + 1, '[')) {
		end = skip_stamp(p);
		if (!end)
			continue;
		*ctx = CTX_CONSOLE;
		caller = skip_caller(*end == ' ' ? end + 1 : end, ctx);
		if (caller)
			end = caller;
		return *end == ' ' ? end + 1 : end;
	}
	return NULL;
}

/* Drop the line end ("\n", "\r\n", "\r\r\n") and NUL bytes; copy. */
static char *tidy_line(char *buf, size_t len)
{
	size_t i, j;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	for (i = j = 0; i < len; i++)
		if (buf[i])
			buf[j++] = buf[i];
	buf[j] = '\0';
	return strdup(buf);
}

static void log_free(struct con_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->v[i].raw);
	free(log->v);
	log->v = NULL;
	log->n = 0;
}

static int log_add(struct con_log *log, size_t *cap, char *raw)
{
	struct cline *v, *l;
	long ctx2;

	if (log->n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		v = realloc(log->v, *cap * sizeof(*v));
		if (!v)
			return -1;
		log->v = v;
	}
	l = &log->v[log->n++];
	l->raw = raw;
	l->ctx = CTX_NONE;
	l->user = false;
	l->msg = kmsg_find(raw, &l->ctx);
	l->msg2 = l->msg ? kmsg_find(l->msg, &ctx2) : NULL;
	if (!l->msg)
		l->msg = raw;
	return 0;
}

/*
 * In a log with timestamps, a line without one is user space output,
 * unless it comes after the last timestamp: the console went on without
 * them (a kernel that turned printk.time off, a capture that lost them).
 */
static void mark_user_lines(struct con_log *log)
{
	size_t i, last = log->n;

	for (i = log->n; i-- > 0;)
		if (log->v[i].ctx != CTX_NONE) {
			last = i;
			break;
		}
	if (last == log->n)
		return;			/* no timestamp at all: all kernel */
	for (i = 0; i < last; i++)
		log->v[i].user = log->v[i].ctx == CTX_NONE;
}

/* Read all of @in. Returns 0, or -1 with errno set. */
static int log_read(FILE *in, struct con_log *log)
{
	char *buf = NULL, *raw;
	size_t bufsz = 0, cap = 0;
	ssize_t len;
	int err = 0;

	while ((len = getline(&buf, &bufsz, in)) >= 0) {
		raw = tidy_line(buf, len);
		if (!raw || log_add(log, &cap, raw)) {
			free(raw);
			err = ENOMEM;
			break;
		}
	}
	if (!err && ferror(in))
		err = errno ? errno : EIO;
	free(buf);
	if (err) {
		log_free(log);
		errno = err;
		return -1;
	}
	mark_user_lines(log);
	return 0;
}

/* ---- what a report looks like ---- */

enum {
	R_END_TASK	= 1 << 0,  /* ends with its stack's "</TASK>" */
	R_END_RULER	= 1 << 1,  /* ends with a closing "=====" line */
	R_ONE_LINE	= 1 << 2,  /* the header is all of it */
	R_REASON	= 1 << 3,  /* header arguments are free text: drop numbers */
	R_CLAUSE	= 1 << 4,  /* ... and keep only their first clause */
	R_OOPS		= 1 << 5,  /* an "Oops: NNNN [#N]" style header */
	R_OOPS_NEXT	= 1 << 6,  /* a following R_OOPS line belongs to it */
	R_LEAK		= 1 << 7,  /* kmemleak's "unreferenced object" */
	R_LEAK_NEXT	= 1 << 8,  /* a following R_LEAK line belongs to it */
	R_RULED		= 1 << 9,  /* a header only between its ruler lines */
	R_INSIDE	= 1 << 10, /* not a header shortly after another one */
	R_NEXT_LINE	= 1 << 11, /* the first report part is the next line */
	R_AFTER_KERNEL	= 1 << 12, /* a header only after kernel messages */
	R_SHORT_HEAD	= 1 << 13, /* HEAD_LINES_SHORT instead of HEAD_LINES */
	R_USER_OK	= 1 << 14, /* a header in user space output too */
};

/* How the frame to blame is picked from a stack's frames. */
enum extractor {
	X_FIRST,	/* the first one */
	X_STALL,	/* the one above the first generic entry point */
	X_HANG,		/* the first one that is not a wait or lock */
};

#define MAX_REPORT	4
#define MAX_PARTS	6

/*
 * A report's title is @fmt with %1, %2, ... taken from, in this order,
 * the captures of @hdr, those of the @report lines (each found after the
 * one before, from the line after the header on) and one frame for each
 * stack the @parts describe (parsed from the header line on; @parts2 are
 * tried when @parts find no frame). When an argument is missing, @fb, or
 * @fmt without its last " in %N", is the title. If a @report line is not
 * found, the next rule whose header matches is tried.
 */
struct rule {
	const char *hdr;	/* anchored at the start of the message */
	const char *report[MAX_REPORT];
	const char *kind;	/* struct splat's kind */
	const char *fmt;
	const char *fb;
	const char *parts[MAX_PARTS];
	const char *parts2[MAX_PARTS];
	const char *skip;	/* frames not to blame, besides skip_frames */
	enum extractor x;
	unsigned int flags;
};

#include "console_rules.def"

#define NRULES			ARRAY_SIZE(rules)

/* ---- regular expressions ---- */

/* A compiled expression and which of its ERE groups are captures. */
struct cre {
	regex_t re;
	bool set;
	int nsub;		/* ERE groups */
	int ncap;
	int cap[MAX_SUB];	/* ERE group of each capture */
};

struct cpart {
	bool stack;		/* STACK: parse a stack trace */
	struct cre re;
};

struct crule {
	struct cre hdr;
	char lit[64];		/* what the header starts with, literally */
	size_t lit_len;
	struct cre report[MAX_REPORT];
	int nreport;
	struct cpart parts[MAX_PARTS], parts2[MAX_PARTS];
	int nparts, nparts2;
	struct cre skip;
};

static struct engine {
	bool ready, failed;
	struct crule r[NRULES];
	struct cre skip_all, corrupted, stack_start, stall_anchor;
	struct cre frame[ARRAY_SIZE(frame_lines) - 1];
	struct cre replacement[ARRAY_SIZE(replacements)];
} eng;

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool put(char *dst, size_t size, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len >= size)
		return false;
	memcpy(dst + *n, s, len + 1);
	*n += len;
	return true;
}

/*
 * Translate @src from the notation of console_rules.def into a POSIX ERE
 * (anchored if @anchor), noting in @c which groups capture.
 */
static bool translate(const char *src, bool anchor, char *dst, size_t size,
		      struct cre *c)
{
	static const struct {
		const char *name, *ere;
		bool capture;
	} macro[] = {
		{ "{{FUNC}}", "([a-zA-Z0-9_]+)[.+]", true },
		{ "{{PC}}", "\\[<?0?x?[0-9a-f]+>?\\]", false },
		{ "{{SRC}}", "([a-zA-Z0-9_/.-]+\\.[a-z]+:[0-9]+)", true },
		{ "{{ADDR}}", "0x[0-9a-f]+", false },
	};
	char one[2] = "";
	size_t n = 0, i;
	const char *p = src;
	bool done;

	c->nsub = c->ncap = 0;
	dst[0] = '\0';
	if (anchor && !put(dst, size, &n, "^"))
		return false;
	while (*p) {
		done = false;
		if (*p == '[') {
			/* a bracket expression, as it is */
			const char *q = p + 1;

			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']') {
				if (q[0] == '[' && q[1] == ':') {
					const char *e = strstr(q + 2, ":]");

					q = e ? e + 2 : q + 1;
				} else {
					q++;
				}
			}
			if (!*q)
				return false;
			q++;
			if (n + (q - p) >= size)
				return false;
			memcpy(dst + n, p, q - p);
			n += q - p;
			dst[n] = '\0';
			p = q;
			continue;
		}
		if (*p == '\\' && p[1]) {
			const char *e = NULL;

			switch (p[1]) {
			case 'd': e = "[0-9]"; break;
			case 's': e = "[[:space:]]"; break;
			case 'w': e = "[[:alnum:]_]"; break;
			case 'W': e = "[^[:alnum:]_]"; break;
			case ']': e = "]"; break;
			default: break;
			}
			if (e) {
				if (!put(dst, size, &n, e))
					return false;
			} else {
				if (n + 2 >= size)
					return false;
				dst[n++] = p[0];
				dst[n++] = p[1];
				dst[n] = '\0';
			}
			p += 2;
			continue;
		}
		if (*p == '(') {
			if (++c->nsub >= MAX_SUB)
				return false;
			if (p[1] == '?' && p[2] == ':') {
				p += 3;
			} else {
				c->cap[c->ncap++] = c->nsub;
				p++;
			}
			if (!put(dst, size, &n, "("))
				return false;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(macro) && !done; i++) {
			if (!has_prefix(p, macro[i].name))
				continue;
			if (macro[i].capture) {
				if (++c->nsub >= MAX_SUB)
					return false;
				c->cap[c->ncap++] = c->nsub;
			}
			if (!put(dst, size, &n, macro[i].ere))
				return false;
			p += strlen(macro[i].name);
			done = true;
		}
		if (done)
			continue;
		one[0] = *p++;
		if (!put(dst, size, &n, one))
			return false;
	}
	return true;
}

static bool cre_compile(struct cre *c, const char *src, bool anchor)
{
	static char ere[ERE_LEN];

	if (!translate(src, anchor, ere, sizeof(ere), c) ||
	    regcomp(&c->re, ere, REG_EXTENDED))
		return false;
	c->set = true;
	return true;
}

/* @list's expressions as one alternation. */
static bool cre_compile_list(struct cre *c, const char *const *list)
{
	static char all[ERE_LEN];
	size_t n = 0;

	all[0] = '\0';
	for (; *list; list++)
		if ((n && !put(all, sizeof(all), &n, "|")) ||
		    !put(all, sizeof(all), &n, *list))
			return false;
	return cre_compile(c, all, false);
}

/* Does @c match @s? Captures in @m (MAX_SUB + 1 entries) if given. */
static bool cre_match(const struct cre *c, const char *s, regmatch_t *m)
{
	return c->set && !regexec(&c->re, s, m ? MAX_SUB + 1 : 0, m, 0);
}

/* The literal text a header expression starts with. */
static size_t literal_prefix(const char *re, char *lit, size_t size)
{
	size_t n = 0;

	while (re[n] && !strchr("\\^$.[]|()?*+{}", re[n]) && n + 1 < size)
		n++;
	/* "ab?" : the b is optional */
	if (n && re[n] && strchr("?*{", re[n]))
		n--;
	memcpy(lit, re, n);
	lit[n] = '\0';
	return n;
}

static bool compile_parts(struct cpart *cp, int *np, const char *const *parts)
{
	int i;

	for (i = 0; i < MAX_PARTS && parts[i]; i++) {
		cp[i].stack = !strcmp(parts[i], STACK);
		if (!cp[i].stack && !cre_compile(&cp[i].re, parts[i], false))
			return false;
	}
	*np = i;
	return true;
}

static bool engine_build(void)
{
	size_t i;
	int k;

	if (!cre_compile_list(&eng.skip_all, skip_frames) ||
	    !cre_compile(&eng.corrupted, CORRUPTED_LINE, false) ||
	    !cre_compile_list(&eng.stack_start, stack_starts) ||
	    !cre_compile_list(&eng.stall_anchor, stall_anchors))
		return false;
	for (i = 0; i < ARRAY_SIZE(eng.frame); i++)
		if (!cre_compile(&eng.frame[i], frame_lines[i], false))
			return false;
	for (i = 0; i < ARRAY_SIZE(replacements); i++)
		if (!cre_compile(&eng.replacement[i], replacements[i].re, false))
			return false;
	for (i = 0; i < NRULES; i++) {
		const struct rule *r = &rules[i];
		struct crule *c = &eng.r[i];

		if (!cre_compile(&c->hdr, r->hdr, true))
			return false;
		c->lit_len = literal_prefix(r->hdr, c->lit, sizeof(c->lit));
		for (k = 0; k < MAX_REPORT && r->report[k]; k++)
			if (!cre_compile(&c->report[k], r->report[k], false))
				return false;
		c->nreport = k;
		if (!compile_parts(c->parts, &c->nparts, r->parts) ||
		    !compile_parts(c->parts2, &c->nparts2, r->parts2))
			return false;
		if (r->skip && !cre_compile(&c->skip, r->skip, false))
			return false;
	}
	return true;
}

/* The expressions are compiled once, on first use, and kept. */
static int engine_init(void)
{
	if (!eng.ready && !eng.failed) {
		eng.failed = !engine_build();
		eng.ready = !eng.failed;
	}
	if (eng.failed) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- free text ---- */

/* One pass of replacement @k over @s; true if it changed anything. */
static bool replace_once(size_t k, char *s, size_t size)
{
	const struct cre *c = &eng.replacement[k];
	regmatch_t m[MAX_SUB + 1];
	char out[TITLE_LEN];
	const char *p = s, *w;
	size_t n = 0, len;
	bool changed = false;
	int flags = 0, g;

	out[0] = '\0';
	while (*p && !regexec(&c->re, p, MAX_SUB + 1, m, flags)) {
		if (m[0].rm_eo == m[0].rm_so)
			break;
		len = m[0].rm_so;
		if (n + len >= sizeof(out))
			break;
		memcpy(out + n, p, len);
		n += len;
		for (w = replacements[k].with; *w && n + 1 < sizeof(out); w++) {
			if (w[0] == '\\' && is_digit(w[1])) {
				g = w[1] - '1';
				w++;
				if (g < 0 || g >= c->ncap || m[c->cap[g]].rm_so < 0)
					continue;
				len = m[c->cap[g]].rm_eo - m[c->cap[g]].rm_so;
				if (n + len >= sizeof(out))
					break;
				memcpy(out + n, p + m[c->cap[g]].rm_so, len);
				n += len;
			} else {
				out[n++] = *w;
			}
		}
		out[n] = '\0';
		p += m[0].rm_eo;
		flags = REG_NOTBOL;
		changed = true;
	}
	if (!changed)
		return false;
	snprintf(out + n, sizeof(out) - n, "%s", p);
	snprintf(s, size, "%s", out);
	return true;
}

/* The run-to-run parts of free text, replaced as replacements[] say. */
static void normalise(char *s, size_t size)
{
	size_t k;
	int rounds;

	for (k = 0; k < ARRAY_SIZE(replacements); k++)
		for (rounds = 0; rounds < 16 && replace_once(k, s, size); rounds++)
			;
}

/* "workqueue lockup - pool cpus=0 ..." -> "workqueue lockup" */
static void first_clause(char *s)
{
	static const char *const ends[] = {
		" - ", " in process ", " at ", ":", ",", "[",
	};
	size_t i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		p = strstr(s, ends[i]);
		if (p && p != s)
			*p = '\0';
	}
	for (p = s + strlen(s); p > s && p[-1] == ' '; p--)
		p[-1] = '\0';
}

/* ---- headers ---- */

/* Index of the first rule whose header @s is, or -1. */
static int header_at(const char *s)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (!strncmp(s, eng.r[i].lit, eng.r[i].lit_len) &&
		    cre_match(&eng.r[i].hdr, s, NULL))
			return i;
	return -1;
}

/* A header in @s itself or after one or two of header_prefixes[]. */
static int header_in(const char *s, const char **at)
{
	const char *const *p;
	int r, depth;

	for (depth = 0; depth < 3; depth++) {
		/* Every header starts with a letter; frames and dumps do not. */
		if (isalpha((unsigned char)s[0])) {
			r = header_at(s);
			if (r >= 0) {
				*at = s;
				return r;
			}
		}
		for (p = header_prefixes; *p; p++)
			if (has_prefix(s, *p))
				break;
		if (!*p)
			return -1;
		s += strlen(*p);
	}
	return -1;
}

/* The header in line @l, if any: in its message or after a second stamp. */
static int header_of(const struct cline *l, const char **at)
{
	const char *login;
	int r = header_in(l->msg, at);

	if (r < 0 && l->msg2)
		r = header_in(l->msg2, at);
	/* a console that printed over a login prompt: "foo login: BUG: ..." */
	if (r < 0 && l->ctx == CTX_NONE && (login = strstr(l->msg, " login: ")) &&
	    !memchr(l->msg, ' ', login - l->msg))
		r = header_in(login + 8, at);
	return r;
}

/* ---- reports ---- */

struct report {
	size_t start;		/* the header line */
	size_t end;		/* one past its last line */
	const char *hdr;	/* the header within the line */
	int rule;		/* the rule the header matched first */
	long ctx;		/* the header line's context */
	bool took_oops;		/* an R_OOPS line was folded into it */
	bool took_leak;
};

struct scan {
	const struct con_log *log;
	unsigned int ctx_before;
	struct splat_list *out;
	struct report *rep;
	size_t nrep;
	int *start_of;		/* per line: report starting there, or -1 */
};

/* A line of @c only, as printed around lockdep and KASAN reports. */
static bool is_ruler(const char *msg, char c)
{
	size_t n = 0;

	while (msg[n] == c)
		n++;
	return n >= RULER_MIN && msg[n] == '\0';
}

/* "------------[ cut here ]------------" leads in WARNING and BUG reports. */
static bool is_cut_here(const char *msg)
{
	return has_prefix(msg, "------------[ cut here ]");
}

/* Is line @i a line of the report in context @ctx? */
static bool in_context(const struct con_log *log, size_t i, long ctx,
		       bool cpus)
{
	long c = log->v[i].ctx;

	return c == ctx || (cpus && is_cpu_ctx(c));
}

/* The nearest line of context @ctx before @i (@dir -1) or after it (+1). */
static const char *neighbour(const struct con_log *log, size_t i, long ctx,
			     int dir)
{
	size_t j = i;

	while (dir < 0 ? j > 0 : j + 1 < log->n) {
		j += dir;
		if (log->v[j].ctx == ctx)
			return log->v[j].msg;
	}
	return NULL;
}

/* SLUB: "=====" before the header or "-----" after it. */
static bool is_ruled(const struct con_log *log, size_t i)
{
	const char *prev = neighbour(log, i, log->v[i].ctx, -1);
	const char *next = neighbour(log, i, log->v[i].ctx, 1);

	return (prev && is_ruler(prev, '=')) || (next && is_ruler(next, '-'));
}

/* The latest report of context @ctx, or NULL. */
static struct report *last_report(struct scan *sc, long ctx)
{
	size_t i = sc->nrep;

	while (i--)
		if (sc->rep[i].ctx == ctx)
			return &sc->rep[i];
	return NULL;
}

/*
 * Is the header at line @i, of rule @r, part of the report before it
 * rather than a report of its own? Marks it taken then.
 */
static bool taken_by_last(struct scan *sc, size_t i, const struct rule *r)
{
	struct report *last = last_report(sc, sc->log->v[i].ctx);
	unsigned int lf;

	if (!last)
		return false;
	lf = rules[last->rule].flags;
	if ((r->flags & R_OOPS) && (lf & R_OOPS_NEXT) && !last->took_oops &&
	    i - last->start <= OOPS_FOLLOW_LINES) {
		last->took_oops = true;
		return true;
	}
	if ((r->flags & R_LEAK) && (lf & R_LEAK_NEXT) && !last->took_leak &&
	    i - last->start <= LEAK_FOLLOW_LINES) {
		last->took_leak = true;
		return true;
	}
	return (r->flags & R_INSIDE) && i - last->start <= INSIDE_LINES;
}

/* Find where reports start. Returns 0, or -1 when out of memory. */
static int find_starts(struct scan *sc)
{
	const struct con_log *log = sc->log;
	bool kernel_seen = false;
	struct report *v, *rep;
	size_t i, cap = 0;
	const char *at;
	int r;

	for (i = 0; i < log->n; i++) {
		sc->start_of[i] = -1;
		r = header_of(&log->v[i], &at);
		/* user space lines: only kmemleak's file and the boot loader */
		if (r >= 0 && log->v[i].user && !(rules[r].flags & R_USER_OK))
			r = -1;
		if (r >= 0 && !((rules[r].flags & R_AFTER_KERNEL) && !kernel_seen) &&
		    !((rules[r].flags & R_RULED) && !is_ruled(log, i)) &&
		    !taken_by_last(sc, i, &rules[r])) {
			if (sc->nrep == cap) {
				cap = cap ? 2 * cap : 16;
				v = realloc(sc->rep, cap * sizeof(*v));
				if (!v)
					return -1;
				sc->rep = v;
			}
			rep = &sc->rep[sc->nrep];
			memset(rep, 0, sizeof(*rep));
			rep->start = i;
			rep->hdr = at;
			rep->rule = r;
			rep->ctx = log->v[i].ctx;
			sc->start_of[i] = sc->nrep++;
		}
		kernel_seen |= log->v[i].ctx != CTX_NONE;
	}
	return 0;
}

/* Does the kernel line @msg end the report (and belong to it)? */
static bool ends_report(unsigned int flags, const char *msg)
{
	if (has_prefix(msg, "---[ end "))
		return true;
	if ((flags & R_END_RULER) && is_ruler(msg, '='))
		return true;
	if (flags & R_END_TASK) {
		while (*msg == ' ')
			msg++;
		return !strcmp(msg, "</TASK>");
	}
	return false;
}

/* Does a report that begins at @hdr only repeat the stack of the one before? */
static bool repeats_stack(const char *hdr)
{
	return has_prefix(hdr, "Kernel panic - not syncing") ||
	       has_prefix(hdr, "WARNING: possible circular locking dependency detected");
}

/* Headers printed in the middle of another report, as part of it. */
static bool within_report(const char *hdr)
{
	return has_prefix(hdr, "invalid opcode: 0000") ||
	       has_prefix(hdr, "unregister_netdevice: waiting for") ||
	       has_prefix(hdr, "PANIC: double fault") ||
	       has_prefix(hdr, "Internal error:");
}

/*
 * Where the report before the header at @next ends: not at the "cut here"
 * or "=====" lines that lead in the next one.
 */
static size_t lead_in_start(const struct con_log *log,
			    const struct report *rep, size_t next)
{
	const char *msg;

	while (next > rep->start + 1) {
		msg = log->v[next - 1].msg;
		if (log->v[next - 1].ctx != rep->ctx ||
		    !(is_cut_here(msg) || is_ruler(msg, '=') || is_ruler(msg, '-')))
			break;
		next--;
	}
	return next;
}

/* One past the last line of @rep. */
static size_t report_end(const struct scan *sc, const struct report *rep)
{
	const struct con_log *log = sc->log;
	unsigned int flags = rules[rep->rule].flags;
	size_t head = flags & R_SHORT_HEAD ? HEAD_LINES_SHORT : HEAD_LINES;
	size_t j, lines = 1;
	bool cpus = false;
	const char *msg;
	int next;

	if (flags & R_ONE_LINE)
		return rep->start + 1;
	for (j = rep->start + 1; j < log->n; j++) {
		if (j - rep->start >= REPORT_MAX_LINES)
			return j;
		if (!in_context(log, j, rep->ctx, cpus))
			continue;
		msg = log->v[j].msg;
		lines++;
		next = sc->start_of[j];
		if (next >= 0) {
			/*
			 * A panic or lockdep report after the first lines of
			 * this one ends it; one sooner, a header printed as
			 * part of it or, with caller fields, one from the
			 * same task does not (its lines are this report's).
			 */
			if (repeats_stack(sc->rep[next].hdr)) {
				if (lines <= head)
					continue;
			} else if (rep->ctx > CTX_CONSOLE ||
				   within_report(sc->rep[next].hdr)) {
				continue;
			}
			return lead_in_start(log, rep, j);
		}
		if (strstr(msg, "Sending NMI from CPU"))
			cpus = true;
		if (is_cut_here(msg))
			return j;
		if (ends_report(flags, msg))
			return j + 1;
	}
	return log->n;
}

/* ---- the lines of a report ---- */

struct rlines {
	const char **v;		/* v[0] is the header */
	size_t n;
};

/*
 * The report's lines that titles are made from: its context's, without
 * the unreliable "? func+0x1/0x2" frames and lockdep's taint notice.
 */
static int report_lines(const struct scan *sc, const struct report *rep,
			struct rlines *rl)
{
	const struct con_log *log = sc->log;
	bool cpus = false;
	const char *msg;
	size_t j;

	rl->n = 0;
	rl->v = malloc((rep->end - rep->start + 1) * sizeof(*rl->v));
	if (!rl->v)
		return -1;
	rl->v[rl->n++] = rep->hdr;
	for (j = rep->start + 1; j < rep->end; j++) {
		if (!in_context(log, j, rep->ctx, cpus))
			continue;
		msg = log->v[j].msg;
		if (strstr(msg, "Sending NMI from CPU"))
			cpus = true;
		if ((strstr(msg, " ? ") && !strstr(msg, "<EOI>")) ||
		    strstr(msg, "Disabling lock debugging due to kernel taint"))
			continue;
		rl->v[rl->n++] = msg;
	}
	return 0;
}

/* ---- frames ---- */

struct frames {
	char name[MAX_FRAMES][NAME_LEN];
	size_t n;
};

static bool skipped(const struct crule *c, const char *name)
{
	return cre_match(&eng.skip_all, name, NULL) ||
	       cre_match(&c->skip, name, NULL);
}

/* Copy capture @k of @re's match @m in @s to @buf. */
static bool capture(const struct cre *re, const regmatch_t *m, int k,
		    const char *s, char *buf, size_t size)
{
	const regmatch_t *g = &m[re->cap[k]];
	size_t len;

	if (g->rm_so < 0)
		return false;
	len = g->rm_eo - g->rm_so;
	if (len >= size)
		len = size - 1;
	memcpy(buf, s + g->rm_so, len);
	buf[len] = '\0';
	return true;
}

/*
 * C++ names as the demangler prints them without parameters:
 * "_Z8fakeNameiii" is fakeName, "_ZN2ns3fooEv" ns::foo.
 */
static void demangle(char *name, size_t size)
{
	char out[NAME_LEN];
	const char *p = name + 2;
	bool nested;
	size_t n = 0, len;

	if (!has_prefix(name, "_Z"))
		return;
	nested = *p == 'N';
	p += nested;
	do {
		if (!is_digit(*p))
			return;
		for (len = 0; is_digit(*p); p++)
			len = len * 10 + (*p - '0');
		if (len == 0 || strlen(p) < len || n + len + 3 >= sizeof(out))
			return;
		if (n) {
			out[n++] = ':';
			out[n++] = ':';
		}
		memcpy(out + n, p, len);
		n += len;
		p += len;
	} while (nested && *p != 'E');
	out[n] = '\0';
	snprintf(name, size, "%s", out);
}

/* Add the frames @re captured in @s to @f, unless they are to be skipped. */
static void add_frames(struct frames *f, const struct crule *c,
		       const struct cre *re, const regmatch_t *m, const char *s)
{
	char name[NAME_LEN];
	int k;

	for (k = 0; k < re->ncap; k++)
		if (capture(re, m, k, s, name, sizeof(name)) && name[0] &&
		    (demangle(name, sizeof(name)), !skipped(c, name)) &&
		    f->n < MAX_FRAMES)
			strcpy(f->name[f->n++], name);
}

/* @name without the syscall prefix that leaves it shortest. */
static const char *strip_frame(const char *name)
{
	const char *best = name;
	const char *const *p;

	for (p = frame_prefixes; *p; p++)
		if (has_prefix(name, *p) && strlen(name + strlen(*p)) < strlen(best))
			best = name + strlen(*p);
	return best;
}

/* Stalls: the frame above the first generic entry point. */
static const char *stall_frame(const struct frames *f)
{
	const char *prev = f->n ? strip_frame(f->name[0]) : NULL, *s;
	size_t i;

	for (i = 0; i < f->n; i++) {
		s = strip_frame(f->name[i]);
		if (cre_match(&eng.stall_anchor, s, NULL))
			return strstr(s, "smp_call_function") ? "smp_call_function" : prev;
		prev = s;
	}
	return NULL;
}

/*
 * Hung tasks hang in victims all over the kernel: waits for RCU and for
 * the rtnl lock are grouped, then the first frame that is not a wait.
 */
static const char *hang_frame(const struct frames *f)
{
	static const char *const waits[] = {
		"sched", "_lock", "_slowlock", "down", "rwsem", "completion",
		"kthread", "wait", "synchronize", "context_switch",
		"__switch_to", "cancel_delayed_work", "rcu_barrier",
	};
	static const char *const synchronize[] = {
		"synchronize_rcu", "synchronize_srcu", "synchronize_net",
		"synchronize_sched",
	};
	const char *s;
	size_t i, k;

	for (i = 0; i < f->n; i++) {
		s = strip_frame(f->name[i]);
		if (strstr(s, "rtnl_lock"))
			return s;
		for (k = 0; k < ARRAY_SIZE(synchronize); k++)
			if (strstr(s, synchronize[k]))
				return "synchronize_rcu";
	}
	for (i = 0; i < f->n; i++) {
		s = strip_frame(f->name[i]);
		for (k = 0; k < ARRAY_SIZE(waits) && !strstr(s, waits[k]); k++)
			;
		if (k == ARRAY_SIZE(waits))
			return s;
	}
	return NULL;
}

static const char *pick_frame(const struct rule *r, const struct frames *f)
{
	switch (r->x) {
	case X_STALL:
		return stall_frame(f);
	case X_HANG:
		return hang_frame(f);
	default:
		return f->n ? strip_frame(f->name[0]) : NULL;
	}
}

struct args {
	char v[MAX_ARGS][TITLE_LEN];
	bool set[MAX_ARGS];
	int n;
};

static void arg_add(struct args *a, const char *s)
{
	if (a->n >= MAX_ARGS)
		return;
	a->set[a->n] = s && s[0];
	snprintf(a->v[a->n], sizeof(a->v[a->n]), "%s", s ? s : "");
	a->n++;
}

/*
 * Walk @parts over the report's lines, adding one frame per stack to @a.
 * Returns false when a stack gave no frame or the report looks mixed
 * with a fault-injection stack.
 */
static bool run_parts(const struct rule *r, const struct crule *c,
		      const struct cpart *parts, int np,
		      const struct rlines *rl, struct args *a,
		      struct frames *f)
{
	regmatch_t m[MAX_SUB + 1];
	int pi, stacks = 0, fi;
	const char *key, *ln;
	size_t li = 0;
	bool ok = true;

	f->n = 0;
	for (pi = 0;; pi++) {
		if (pi == np || (parts[pi].stack && stacks > 0)) {
			key = pick_frame(r, f);
			ok &= key != NULL;
			arg_add(a, key);
			f->n = 0;
		}
		if (pi == np)
			break;
		if (!parts[pi].stack) {
			while (li < rl->n) {
				ln = rl->v[li++];
				if (cre_match(&eng.corrupted, ln, NULL)) {
					ok = false;
					break;
				}
				if (cre_match(&parts[pi].re, ln, m)) {
					add_frames(f, c, &parts[pi].re, m, ln);
					break;
				}
			}
			continue;
		}
		stacks++;
		while (li < rl->n) {
			ln = rl->v[li++];
			if (cre_match(&eng.corrupted, ln, NULL)) {
				ok = false;
				break;
			}
			if (cre_match(&eng.stack_start, ln, NULL))
				break;
			if (pi + 1 < np && !parts[pi + 1].stack &&
			    cre_match(&parts[pi + 1].re, ln, m)) {
				add_frames(f, c, &parts[pi + 1].re, m, ln);
				pi++;
				break;
			}
			for (fi = 0; fi < (int)ARRAY_SIZE(eng.frame); fi++) {
				if (cre_match(&eng.frame[fi], ln, m)) {
					add_frames(f, c, &eng.frame[fi], m, ln);
					break;
				}
			}
		}
	}
	return ok;
}

/* ---- titles ---- */

/*
 * @fmt with its %N taken from @a; false if one of them is missing. With
 * @cut, the text from the last " in %" on is left out.
 */
static bool format_title(const char *fmt, const struct args *a, bool cut,
			 char *out, size_t size)
{
	const char *end = fmt + strlen(fmt), *p, *q;
	size_t n = 0;
	int k;

	if (cut) {
		for (q = strstr(fmt, " in %"), p = NULL; q; q = strstr(q + 1, " in %"))
			p = q;
		if (!p)
			return false;
		end = p;
	}
	out[0] = '\0';
	for (p = fmt; p < end && n + 1 < size; p++) {
		if (*p == '%' && is_digit(p[1])) {
			k = p[1] - '1';
			if (k < 0 || k >= a->n || !a->set[k])
				return false;
			n += snprintf(out + n, size - n, "%s", a->v[k]);
			if (n >= size)
				n = size - 1;
			p++;
			continue;
		}
		out[n++] = *p;
		out[n] = '\0';
	}
	return true;
}

/* Control characters and bytes outside ASCII out, blanks folded. */
static void sanitize(char *s)
{
	unsigned char c, prev = ' ';
	char *in = s, *out = s;

	while ((c = *in++)) {
		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c >= 0x7f || (c == ' ' && prev == ' '))
			continue;
		*out++ = c;
		prev = c;
	}
	while (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
}

/*
 * Title @rep by rule @ri. False when the rule's later lines are not in
 * the report (the next rule is to be tried).
 */
static bool title_by(size_t ri, const struct rlines *rl, struct frames *f,
		     char *title, size_t size)
{
	const struct rule *r = &rules[ri];
	const struct crule *c = &eng.r[ri];
	regmatch_t m[MAX_SUB + 1];
	char buf[TITLE_LEN];
	struct args a = { .n = 0 };
	size_t li = 1;
	int k, i, n;

	if (!cre_match(&c->hdr, rl->v[0], m))
		return false;
	for (k = 0; k < c->hdr.ncap; k++) {
		if (!capture(&c->hdr, m, k, rl->v[0], buf, sizeof(buf)))
			buf[0] = '\0';
		if (r->flags & R_CLAUSE)
			first_clause(buf);
		if (r->flags & R_REASON)
			normalise(buf, sizeof(buf));
		arg_add(&a, buf);
	}
	for (i = 0; i < c->nreport; i++) {
		for (; li < rl->n; li++) {
			if (cre_match(&c->report[i], rl->v[li], m))
				break;
			if (i == 0 && (r->flags & R_NEXT_LINE))
				return false;
		}
		if (li == rl->n)
			return false;
		for (k = 0; k < c->report[i].ncap; k++) {
			if (!capture(&c->report[i], m, k, rl->v[li], buf, sizeof(buf)))
				buf[0] = '\0';
			arg_add(&a, buf);
		}
		li++;
	}
	if (c->nparts) {
		n = a.n;
		if (!run_parts(r, c, c->parts, c->nparts, rl, &a, f) &&
		    c->nparts2) {
			a.n = n;
			run_parts(r, c, c->parts2, c->nparts2, rl, &a, f);
		}
	}
	if (!format_title(r->fmt, &a, false, title, size) &&
	    !(r->fb && format_title(r->fb, &a, false, title, size)) &&
	    !format_title(r->fmt, &a, true, title, size))
		snprintf(title, size, "%s", r->fmt);
	sanitize(title);
	return true;
}

/*
 * The title and kind of @rep: by its rule, or by a later one. Returns 0,
 * 1 when the header is not a report after all (R_NEXT_LINE: the line
 * after it is not what it needs), -1 when out of memory.
 */
static int report_title(struct scan *sc, const struct report *rep,
			struct frames *f, char *title, size_t size,
			const char **kind)
{
	struct rlines rl;
	size_t ri;

	if (report_lines(sc, rep, &rl))
		return -1;
	for (ri = rep->rule; ri < NRULES; ri++) {
		if (title_by(ri, &rl, f, title, size)) {
			*kind = rules[ri].kind;
			free(rl.v);
			return 0;
		}
	}
	free(rl.v);
	if (rules[rep->rule].flags & R_NEXT_LINE)
		return 1;
	/* no rule's later lines are there: the header line is the title */
	snprintf(title, size, "%s", rep->hdr);
	normalise(title, size);
	sanitize(title);
	*kind = rules[rep->rule].kind;
	return 0;
}

/* ---- reports to splats ---- */

static struct splat *find_splat(struct splat_list *list, const char *title)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].title, title))
			return &list->v[i];
	return NULL;
}

static void splat_free(struct splat *s)
{
	size_t i;

	for (i = 0; i < s->ncontext; i++)
		free(s->context[i]);
	free(s->context);
	free(s->title);
	free(s->kind);
}

static int splat_fill(struct splat *s, const struct scan *sc,
		      const struct report *rep, const char *title,
		      const char *kind)
{
	size_t from, to, i;

	from = rep->start > sc->ctx_before ? rep->start - sc->ctx_before : 0;
	to = rep->start + 1 + SCAN_CONTEXT_AFTER_MAX;
	if (to > rep->end)
		to = rep->end;

	memset(s, 0, sizeof(*s));
	s->title = strdup(title);
	s->kind = strdup(kind);
	s->line = rep->start + 1;
	s->count = 1;
	s->context = calloc(to - from, sizeof(*s->context));
	if (!s->title || !s->kind || !s->context)
		goto nomem;
	for (i = from; i < to; i++) {
		s->context[s->ncontext] = strdup(sc->log->v[i].raw);
		if (!s->context[s->ncontext])
			goto nomem;
		s->ncontext++;
	}
	return 0;
nomem:
	splat_free(s);
	return -1;
}

/* Title the report and fold it into the list. */
static int report_done(struct scan *sc, const struct report *rep,
		       struct frames *f)
{
	struct splat_list *out = sc->out;
	char title[TITLE_LEN];
	const char *kind;
	struct splat *s, *v;
	int ret;

	ret = report_title(sc, rep, f, title, sizeof(title), &kind);
	if (ret)
		return ret < 0 ? -1 : 0;
	s = find_splat(out, title);
	if (s) {
		s->count++;
		return 0;
	}
	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	out->v = v;
	if (splat_fill(&out->v[out->n], sc, rep, title, kind))
		return -1;
	out->n++;
	return 0;
}

static int scan_log(struct scan *sc)
{
	struct frames *f;
	size_t i;
	int ret = -1;

	sc->start_of = malloc((sc->log->n + 1) * sizeof(*sc->start_of));
	f = malloc(sizeof(*f));
	if (!sc->start_of || !f || find_starts(sc))
		goto out;
	for (i = 0; i < sc->nrep; i++)
		sc->rep[i].end = report_end(sc, &sc->rep[i]);
	for (i = 0; i < sc->nrep; i++)
		if (report_done(sc, &sc->rep[i], f))
			goto out;
	ret = 0;
out:
	free(f);
	free(sc->start_of);
	free(sc->rep);
	return ret;
}

/* ---- interface ---- */

int console_scan_stream(FILE *in, unsigned int ctx_before,
			struct splat_list *out)
{
	struct con_log log = { 0 };
	struct scan sc = { 0 };
	int ret;

	out->v = NULL;
	out->n = 0;
	if (engine_init())
		return -1;
	if (log_read(in, &log))
		return -1;
	sc.log = &log;
	sc.ctx_before = ctx_before;
	sc.out = out;
	ret = scan_log(&sc);
	log_free(&log);
	if (ret) {
		splat_list_free(out);
		errno = ENOMEM;
	}
	return ret;
}

int console_scan_file(const char *path, unsigned int ctx_before,
		      struct splat_list *out)
{
	FILE *f = fopen(path, "r");
	int ret, err;

	if (!f) {
		out->v = NULL;
		out->n = 0;
		return -1;
	}
	ret = console_scan_stream(f, ctx_before, out);
	err = errno;
	fclose(f);
	errno = err;
	return ret;
}

void splat_list_free(struct splat_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		splat_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int splat_list_has_panic(const struct splat_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].kind, "PANIC"))
			return 1;
	return 0;
}


/* ---- output ---- */

/* JSON through the project's one writer (json.c). */
void splat_write_json(FILE *out, const struct splat *s)
{
	size_t i;

	fputs("{\"title\":", out);
	json_string(out, s->title);
	fputs(",\"kind\":", out);
	json_string(out, s->kind);
	fprintf(out, ",\"line\":%lu,\"count\":%u,\"context\":[",
		s->line, s->count);
	for (i = 0; i < s->ncontext; i++) {
		if (i)
			putc(',', out);
		json_string(out, s->context[i]);
	}
	fputs("]}", out);
}

void splat_write_text(FILE *out, const struct splat *s)
{
	size_t i;

	fprintf(out, "%s\n", s->title);
	fprintf(out, "  %s, seen %u time%s, first at line %lu:\n", s->kind,
		s->count, s->count == 1 ? "" : "s", s->line);
	for (i = 0; i < s->ncontext; i++)
		fprintf(out, "    %s\n", s->context[i]);
}
