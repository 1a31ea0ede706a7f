// SPDX-License-Identifier: GPL-2.0
/*
 * ktap_parse.c - parse the structured stream (results.ktap) of the in-guest
 * runner. See scripts/guest/stream-format.txt for the format and ktap_parse.h for
 * the interface.
 *
 * Only top-level lines (column 0) can begin, end or report a test, or say
 * "# mmt: end": a test program's own output is indented, so it cannot fake
 * them. Lines indented by 4 spaces belong to the test in progress: its own
 * "ok/not ok" lines at that depth become subtests, and "# metric:" lines at
 * any depth become metrics.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ktap_parse.h"

#define NUM_TEXT_MAX	128

static const char *const status_names[] = {
	[KTAP_NONE]		= "none",
	[KTAP_PASS]		= "pass",
	[KTAP_FAIL]		= "fail",
	[KTAP_SKIP]		= "skip",
	[KTAP_TIMEOUT]		= "timeout",
	[KTAP_INCOMPLETE]	= "incomplete",
};

const char *ktap_status_name(enum ktap_status s)
{
	if ((unsigned int)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "none";
	return status_names[s];
}

/* ---- small string helpers ---- */

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static char *skip_ws(char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Copy of [p, p + len) without surrounding blanks; NULL on ENOMEM. */
static char *dup_trim(const char *p, size_t len)
{
	char *r;

	while (len && is_blank(*p)) {
		p++;
		len--;
	}
	while (len && is_blank(p[len - 1]))
		len--;
	r = malloc(len + 1);
	if (!r)
		return NULL;
	memcpy(r, p, len);
	r[len] = '\0';
	return r;
}

/* Replace *dst by a trimmed copy of @src; empty text gives NULL. */
static int set_text(char **dst, const char *src)
{
	char *c = dup_trim(src, strlen(src));

	if (!c)
		return -1;
	free(*dst);
	*dst = NULL;
	if (*c)
		*dst = c;
	else
		free(c);
	return 0;
}

/* ---- numbers ---- */

int ktap_parse_u64(const char *str, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned int base = 10, d;
	const char *p = str;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return -1;
		if (v > (~0ULL - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int ktap_parse_s64(const char *str, long long *out)
{
	unsigned long long v;
	int neg = str[0] == '-';

	if (ktap_parse_u64(str + neg, &v))
		return -1;
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -1;
		*out = v ? -(long long)(v - 1) - 1 : 0;
	} else {
		if (v > LLONG_MAX)
			return -1;
		*out = v;
	}
	return 0;
}

static size_t span_digits(const char *p)
{
	size_t n = 0;

	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * Accept [+-]digits[.digits][(e|E)[+-]digits] (either side of the point
 * may be empty, not both) with a finite value, and write it in JSON form.
 */
int ktap_number_text(const char *str, char *out, size_t n)
{
	const char *p = str, *ip, *fp = "", *ep = NULL;
	size_t il, fl = 0, el = 0, len = 0;
	int neg = 0, eneg = 0;
	char *end;
	double d;
	int w;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	ip = p;
	il = span_digits(p);
	p += il;
	if (*p == '.') {
		fp = ++p;
		fl = span_digits(p);
		p += fl;
	}
	if (!il && !fl)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		ep = p;
		el = span_digits(p);
		if (!el)
			return -1;
		p += el;
	}
	if (*p)
		return -1;
	errno = 0;
	d = strtod(str, &end);
	if (*end || !isfinite(d))
		return -1;
	/* integer part without leading zeros, "0" if empty */
	while (il > 1 && *ip == '0') {
		ip++;
		il--;
	}
	if (!il) {
		ip = "0";
		il = 1;
	}
	w = snprintf(out, n, "%s%.*s", neg ? "-" : "", (int)il, ip);
	if (w < 0 || (size_t)w >= n)
		return -1;
	len = w;
	if (fl) {
		w = snprintf(out + len, n - len, ".%.*s", (int)fl, fp);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += w;
	}
	if (ep) {
		w = snprintf(out + len, n - len, "e%s%.*s", eneg ? "-" : "",
			     (int)el, ep);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
	}
	return 0;
}

/* ---- key/value lists ---- */

static struct ktap_kv *kvlist_find(const struct ktap_kvlist *l,
				   const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return &l->v[i];
	return NULL;
}

int kvlist_set(struct ktap_kvlist *l, const char *key, const char *value)
{
	struct ktap_kv *kv = kvlist_find(l, key);
	char *v = strdup(value), *k;

	if (!v)
		return -1;
	if (kv) {
		free(kv->value);
		kv->value = v;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct ktap_kv *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			goto nomem;
		l->v = nv;
		l->cap = cap;
	}
	k = strdup(key);
	if (!k)
		goto nomem;
	l->v[l->n].key = k;
	l->v[l->n].value = v;
	l->n++;
	return 0;
nomem:
	free(v);
	errno = ENOMEM;
	return -1;
}

const char *kvlist_get(const struct ktap_kvlist *l, const char *key)
{
	struct ktap_kv *kv = kvlist_find(l, key);

	return kv ? kv->value : NULL;
}

void kvlist_free(struct ktap_kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- line reader ---- */

static int line_grow(struct ktap_line *l)
{
	size_t cap = l->cap ? 2 * l->cap : 256;
	char *nb;

	if (cap > KTAP_LINE_MAX + 1)
		cap = KTAP_LINE_MAX + 1;
	nb = realloc(l->buf, cap);
	if (!nb) {
		errno = ENOMEM;
		return -1;
	}
	l->buf = nb;
	l->cap = cap;
	return 0;
}

int ktap_read_line(FILE *in, struct ktap_line *l)
{
	size_t got = 0;
	int c;

	l->len = 0;
	l->newline = 0;
	l->overlong = 0;
	if (!l->buf && line_grow(l))
		return -1;
	while ((c = getc_unlocked(in)) != EOF) {
		got++;
		if (c == '\n') {
			l->newline = 1;
			break;
		}
		if (c == '\r' || c == '\0')
			continue;
		if (l->len >= KTAP_LINE_MAX) {
			l->overlong = 1;
			continue;
		}
		if (l->len + 1 >= l->cap && line_grow(l))
			return -1;
		l->buf[l->len++] = c;
	}
	l->buf[l->len] = '\0';
	if (ferror(in)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return got ? 1 : 0;
}

void ktap_line_free(struct ktap_line *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}

/* ---- tests ---- */

static long find_test(const struct ktap_stream *s, unsigned long long index)
{
	size_t i;

	for (i = s->ntests; i-- > 0;)
		if (s->tests[i].index == index)
			return i;
	return -1;
}

static long add_test(struct ktap_stream *s, unsigned long long index,
		     const char *name)
{
	struct ktap_test *t;
	char unnamed[32];

	if (!*name) {		/* never an empty name: "#INDEX" */
		snprintf(unnamed, sizeof(unnamed), "#%llu", index);
		name = unnamed;
	}

	if (s->ntests == s->tests_cap) {
		size_t cap = s->tests_cap ? 2 * s->tests_cap : 16;
		struct ktap_test *nt = realloc(s->tests, cap * sizeof(*nt));

		if (!nt)
			goto nomem;
		s->tests = nt;
		s->tests_cap = cap;
	}
	t = &s->tests[s->ntests];
	memset(t, 0, sizeof(*t));
	t->index = index;
	t->name = strdup(name);
	if (!t->name)
		goto nomem;
	return s->ntests++;
nomem:
	errno = ENOMEM;
	return -1;
}

/* The test with @index, created if new; -1 on ENOMEM. */
static long get_test(struct ktap_stream *s, unsigned long long index,
		     const char *name)
{
	long i = find_test(s, index);
	struct ktap_test *t;

	if (i < 0)
		return add_test(s, index, name);
	t = &s->tests[i];
	if (!*t->name && *name) {
		char *n = strdup(name);

		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		free(t->name);
		t->name = n;
	}
	return i;
}

static void test_free(struct ktap_test *t)
{
	size_t i;

	for (i = 0; i < t->nmetrics; i++) {
		free(t->metrics[i].name);
		free(t->metrics[i].value);
		free(t->metrics[i].unit);
	}
	free(t->metrics);
	for (i = 0; i < t->nsubtests; i++) {
		free(t->subtests[i].name);
		free(t->subtests[i].reason);
	}
	free(t->subtests);
	free(t->name);
	free(t->reason);
	free(t->directive);
}

/* ---- tokens ---- */

/* Cut the next blank-separated token off *pp; NULL at end of line. */
static char *next_token(char **pp)
{
	char *p = skip_ws(*pp), *tok;

	if (!*p)
		return NULL;
	tok = p;
	while (*p && !is_blank(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*pp = p;
	return tok;
}

static int is_key_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/* Keys whose value is the rest of the line. */
static int rest_of_line_key(const char *key, size_t len)
{
	static const char *const keys[] = {
		"proc_version", "module_params", "reason",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == len && !strncmp(keys[i], key, len))
			return 1;
	return 0;
}

/*
 * Parse "k=v k=v ..." into @l. Tokens that are not k=v are skipped;
 * a rest-of-line key takes everything after its '='.
 */
static int parse_kv(char *p, struct ktap_kvlist *l)
{
	char *key, *val;
	size_t klen;

	for (;;) {
		p = skip_ws(p);
		if (!*p)
			return 0;
		key = p;
		klen = 0;
		while (is_key_char((unsigned char)key[klen]))
			klen++;
		if (!klen || key[klen] != '=') {
			while (*p && !is_blank(*p))
				p++;
			continue;
		}
		key[klen] = '\0';
		val = key + klen + 1;
		if (rest_of_line_key(key, klen)) {
			char *v = dup_trim(val, strlen(val));
			int r;

			if (!v)
				return -1;
			r = kvlist_set(l, key, v);
			free(v);
			return r;
		}
		p = val;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
		if (kvlist_set(l, key, val))
			return -1;
	}
}

static enum ktap_status status_word(const char *w)
{
	if (!w)
		return KTAP_NONE;
	if (!strcmp(w, "pass"))
		return KTAP_PASS;
	if (!strcmp(w, "fail"))
		return KTAP_FAIL;
	if (!strcmp(w, "skip"))
		return KTAP_SKIP;
	if (!strcmp(w, "timeout"))
		return KTAP_TIMEOUT;
	return KTAP_NONE;
}

/* ---- result lines: "ok N name # DIRECTIVE text" ---- */

enum directive { DIR_NONE, DIR_SKIP, DIR_TIMEOUT, DIR_TODO };

struct result {
	int ok;
	unsigned long long index;
	char *name;		/* points into the line */
	enum directive dir;
	char *dir_text;		/* points into the line, trimmed */
};

static enum directive directive_word(char **pp)
{
	static const struct {
		const char *word;
		enum directive dir;
	} words[] = {
		{ "SKIP", DIR_SKIP },
		{ "TIMEOUT", DIR_TIMEOUT },
		{ "TODO", DIR_TODO },
	};
	size_t i, len;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		len = strlen(words[i].word);
		if (!strncasecmp(*pp, words[i].word, len) &&
		    !isalnum((unsigned char)(*pp)[len])) {
			*pp += len;
			return words[i].dir;
		}
	}
	return DIR_NONE;
}

static void trim_end(char *p)
{
	size_t len = strlen(p);

	while (len && is_blank(p[len - 1]))
		p[--len] = '\0';
}

static int parse_result(char *p, struct result *r)
{
	char *num, *hash;

	memset(r, 0, sizeof(*r));
	if (starts_with(p, "ok ")) {
		r->ok = 1;
		p += 3;
	} else if (starts_with(p, "not ok ")) {
		p += 7;
	} else {
		return -1;
	}
	num = next_token(&p);
	if (!num || ktap_parse_u64(num, &r->index))
		return -1;
	p = skip_ws(p);
	if (p[0] == '-' && (is_blank(p[1]) || !p[1]))
		p = skip_ws(p + 1);
	for (hash = p; (hash = strchr(hash, '#')); hash++)
		if (hash == p || is_blank(hash[-1]))
			break;
	r->name = p;
	r->dir_text = "";
	if (hash) {
		*hash = '\0';
		p = skip_ws(hash + 1);
		r->dir = directive_word(&p);
		r->dir_text = skip_ws(p);
		trim_end(r->dir_text);
	}
	trim_end(r->name);
	return 0;
}

static enum ktap_status result_status(const struct result *r)
{
	if (r->dir == DIR_SKIP)
		return KTAP_SKIP;
	if (r->dir == DIR_TIMEOUT)
		return KTAP_TIMEOUT;
	return r->ok ? KTAP_PASS : KTAP_FAIL;
}

/* ---- nested lines ---- */

static int add_subtest(struct ktap_test *t, const struct result *r)
{
	struct ktap_subtest *st;

	if (t->nsubtests == t->subtests_cap) {
		size_t cap = t->subtests_cap ? 2 * t->subtests_cap : 8;
		struct ktap_subtest *nv;

		nv = realloc(t->subtests, cap * sizeof(*nv));
		if (!nv)
			goto nomem;
		t->subtests = nv;
		t->subtests_cap = cap;
	}
	st = &t->subtests[t->nsubtests];
	memset(st, 0, sizeof(*st));
	st->index = r->index;
	st->status = result_status(r);
	st->name = strdup(r->name);
	if (!st->name)
		goto nomem;
	if (r->dir != DIR_NONE) {
		if (r->dir == DIR_TODO)
			st->reason = malloc(strlen(r->dir_text) + 6);
		else
			st->reason = strdup(r->dir_text);
		if (!st->reason) {
			free(st->name);
			goto nomem;
		}
		if (r->dir == DIR_TODO)
			sprintf(st->reason, "TODO%s%s", *r->dir_text ? " " : "",
				r->dir_text);
		if (!*st->reason) {
			free(st->reason);
			st->reason = NULL;
		}
	}
	t->nsubtests++;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

static struct ktap_metric *find_metric(struct ktap_test *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nmetrics; i++)
		if (!strcmp(t->metrics[i].name, name))
			return &t->metrics[i];
	return NULL;
}

/* "# metric: NAME=VALUE [UNIT]"; @p points after "# metric:". */
static int parse_metric(struct ktap_test *t, char *p)
{
	char num[NUM_TEXT_MAX], *name, *val, *unit = NULL;
	struct ktap_metric *m, *nv;
	size_t len = 0;

	name = skip_ws(p);
	while (is_key_char((unsigned char)name[len]))
		len++;
	if (!len || name[len] != '=')
		return 0;
	name[len] = '\0';
	p = name + len + 1;
	val = next_token(&p);
	if (!val || ktap_number_text(val, num, sizeof(num)))
		return 0;
	p = skip_ws(p);
	trim_end(p);
	if (*p) {
		unit = strdup(p);
		if (!unit)
			goto nomem;
	}
	m = find_metric(t, name);
	if (m) {
		char *v = strdup(num);

		if (!v)
			goto nomem;
		free(m->value);
		free(m->unit);
		m->value = v;
		m->unit = unit;
		return 0;
	}
	nv = realloc(t->metrics, (t->nmetrics + 1) * sizeof(*nv));
	if (!nv)
		goto nomem;
	t->metrics = nv;
	m = &t->metrics[t->nmetrics];
	m->name = strdup(name);
	m->value = strdup(num);
	m->unit = unit;
	if (!m->name || !m->value) {
		free(m->name);
		free(m->value);
		goto nomem;
	}
	t->nmetrics++;
	return 0;
nomem:
	free(unit);
	errno = ENOMEM;
	return -1;
}

/*
 * @note is "# NAME skipped: REASON" (KTAP_SKIP_NOTE): REASON if NAME is
 * @name, else NULL.
 */
static char *skip_note_reason(char *note, const char *name)
{
	size_t len = strlen(name);
	char *sep;

	if (!note || !starts_with(note, "# "))
		return NULL;
	note += 2;
	sep = strstr(note, KTAP_SKIP_NOTE);
	if (!sep || (size_t)(sep - note) != len || strncmp(note, name, len))
		return NULL;
	return sep + strlen(KTAP_SKIP_NOTE);
}

static int parse_nested(struct ktap_stream *s, char *p)
{
	struct ktap_test *t;
	struct result r;
	char *note, *why;
	int ret = 0;

	if (s->current < 0)
		return 0;
	t = &s->tests[s->current];
	s->recognised++;
	note = s->skip_note;
	s->skip_note = NULL;
	if (!parse_result(p, &r)) {
		why = skip_note_reason(note, r.name);
		if (r.dir == DIR_SKIP && !*r.dir_text && why)
			r.dir_text = why;
		ret = add_subtest(t, &r);
		goto out;
	}
	p = skip_ws(p);
	if (starts_with(p, "# metric:")) {
		ret = parse_metric(t, p + strlen("# metric:"));
	} else if (starts_with(p, "# ") && strstr(p, KTAP_SKIP_NOTE)) {
		s->skip_note = strdup(p);
		if (!s->skip_note) {
			errno = ENOMEM;
			ret = -1;
		}
	}
out:
	free(note);
	return ret;
}

/* ---- top-level lines ---- */

/* "# mmt-begin: I NAME" */
static int parse_begin(struct ktap_stream *s, char *p)
{
	unsigned long long index;
	char *num = next_token(&p), *name;
	long i;

	if (!num || ktap_parse_u64(num, &index))
		return 0;
	name = next_token(&p);
	if (!name)
		return 0;
	i = get_test(s, index, name);
	if (i < 0)
		return -1;
	s->tests[i].begun = 1;
	s->current = i;
	s->recognised++;
	return 0;
}

static int end_fields(struct ktap_test *t, const struct ktap_kvlist *kv)
{
	const char *v;

	t->end_status = status_word(kvlist_get(kv, "status"));
	v = kvlist_get(kv, "duration_ms");
	if (v && !ktap_parse_u64(v, &t->duration_ms))
		t->has_duration = 1;
	v = kvlist_get(kv, "seed");
	if (v && !ktap_parse_u64(v, &t->seed))
		t->has_seed = 1;
	v = kvlist_get(kv, "exit");
	if (v && !ktap_parse_s64(v, &t->exit_code))
		t->has_exit = 1;
	v = kvlist_get(kv, "reason");
	if (v && *v)
		return set_text(&t->reason, v);
	return 0;
}

/* "# mmt-end: I NAME status=S duration_ms=D seed=X exit=E [reason=TEXT]" */
static int parse_end(struct ktap_stream *s, char *p)
{
	struct ktap_kvlist kv = { 0 };
	unsigned long long index;
	char *num = next_token(&p), *name;
	long i;
	int r;

	if (!num || ktap_parse_u64(num, &index))
		return 0;
	p = skip_ws(p);
	if (memchr(p, '=', strcspn(p, " \t")))
		name = NULL;		/* no name, fields follow at once */
	else
		name = next_token(&p);
	if (name)
		i = get_test(s, index, name);
	else
		i = find_test(s, index);	/* a malformed line adds no test */
	if (i < 0)
		return name ? -1 : 0;
	r = parse_kv(p, &kv);
	if (!r)
		r = end_fields(&s->tests[i], &kv);
	kvlist_free(&kv);
	s->tests[i].ended = 1;
	if (s->current == i)
		s->current = -1;
	s->recognised++;
	return r;
}

static int parse_top_result(struct ktap_stream *s, char *p)
{
	struct ktap_test *t;
	struct result r;
	long i;

	if (parse_result(p, &r))
		return 0;
	i = get_test(s, r.index, r.name);
	if (i < 0)
		return -1;
	t = &s->tests[i];
	if (s->current == i)
		s->current = -1;
	s->recognised++;
	/* a repeated result line never hides a failure reported before it */
	if (t->has_result && (t->res_status == KTAP_FAIL ||
			      t->res_status == KTAP_TIMEOUT))
		return 0;
	t->has_result = 1;
	t->res_status = result_status(&r);
	free(t->directive);
	t->directive = NULL;
	if (r.dir == DIR_SKIP || r.dir == DIR_TIMEOUT)
		return set_text(&t->directive, r.dir_text);
	return 0;
}

/* "# mmt: k=v ..." or "# mmt: end k=v ..." */
static int parse_facts(struct ktap_stream *s, char *p)
{
	p = skip_ws(p);
	s->recognised++;
	if (starts_with(p, "end") && (!p[3] || is_blank(p[3]))) {
		s->has_end = 1;
		return parse_kv(p + 3, &s->end);
	}
	return parse_kv(p, &s->facts);
}

static void parse_plan(struct ktap_stream *s, char *p)
{
	char *tok = next_token(&p);
	unsigned long long n;

	if (tok && !ktap_parse_u64(tok, &n)) {
		s->plan = n;
		s->has_plan = 1;
		s->recognised++;
	}
}

/* A cut last line can only tell that the runner reached its end line. */
static void parse_cut_line(struct ktap_stream *s, const char *line)
{
	s->cut = 1;
	if (starts_with(line, "# mmt: end") &&
	    (!line[10] || is_blank(line[10]))) {
		s->has_end = 1;
		s->recognised++;
	}
}

int ktap_parse_line(struct ktap_stream *s, char *line, int complete)
{
	s->lines++;
	if (!complete) {
		parse_cut_line(s, line);
		return 0;
	}
	if (starts_with(line, "    "))
		return parse_nested(s, line + 4);
	if (starts_with(line, "# mmt-begin:"))
		return parse_begin(s, line + strlen("# mmt-begin:"));
	if (starts_with(line, "# mmt-end:"))
		return parse_end(s, line + strlen("# mmt-end:"));
	if (starts_with(line, "# mmt:"))
		return parse_facts(s, line + strlen("# mmt:"));
	if (starts_with(line, "ok ") || starts_with(line, "not ok "))
		return parse_top_result(s, line);
	if (starts_with(line, "1.."))
		parse_plan(s, line + 3);
	else if (strstr(line, "KTAP version") || strstr(line, "TAP version")) {
		s->has_version = 1;
		s->recognised++;
	}
	return 0;
}

/* ---- whole stream ---- */

void ktap_stream_init(struct ktap_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->current = -1;
}

/* Is @s a bare limit such as "60s" or "1.5"? */
static int is_limit(const char *s)
{
	size_t n = strspn(s, "0123456789.");

	return n && (!s[n] || (s[n] == 's' && !s[n + 1]));
}

/* "60s" (the runner's timeout reason or directive) -> "timed out after 60s" */
static int timeout_reason(struct ktap_test *t)
{
	const char *d = t->reason ? t->reason : t->directive;
	size_t len;
	char *r;

	if (d && !is_limit(d))
		return 0;
	len = strlen("timed out after ") + (d ? strlen(d) : 0) + 1;
	r = malloc(len);
	if (!r) {
		errno = ENOMEM;
		return -1;
	}
	if (d)
		snprintf(r, len, "timed out after %s", d);
	else
		snprintf(r, len, "timed out");
	free(t->reason);
	t->reason = r;
	return 0;
}

static int settle_test(struct ktap_test *t)
{
	if (t->has_result) {
		t->status = t->res_status;
		/* a result line never hides a failure the runner reported */
		if (t->status == KTAP_PASS &&
		    (t->end_status == KTAP_FAIL ||
		     t->end_status == KTAP_TIMEOUT))
			t->status = t->end_status;
	} else if (t->ended && t->end_status != KTAP_NONE) {
		t->status = t->end_status;
	} else {
		t->status = KTAP_INCOMPLETE;
	}
	if (t->status == KTAP_TIMEOUT)
		return timeout_reason(t);
	if (t->reason)
		return 0;
	if (t->res_status == KTAP_SKIP && t->directive)
		return set_text(&t->reason, t->directive);
	return 0;
}

int ktap_finish(struct ktap_stream *s)
{
	int r = 0;
	size_t i;

	/* settle every test even after a failure: statuses must be right */
	for (i = 0; i < s->ntests; i++)
		if (settle_test(&s->tests[i]))
			r = -1;
	return r;
}

int ktap_parse_stream(FILE *in, struct ktap_stream *s)
{
	struct ktap_line l = { 0 };
	int r, e;

	ktap_stream_init(s);
	while ((r = ktap_read_line(in, &l)) > 0) {
		if (ktap_parse_line(s, l.buf, l.newline)) {
			r = -1;
			break;
		}
	}
	e = errno;
	ktap_line_free(&l);
	if (ktap_finish(s) && r >= 0) {
		e = ENOMEM;
		r = -1;
	}
	errno = e;
	return r < 0 ? -1 : 0;
}

int ktap_parse_file(const char *path, struct ktap_stream *s)
{
	FILE *f = fopen(path, "r");
	int r, e;

	if (!f) {
		ktap_stream_init(s);
		return -1;
	}
	r = ktap_parse_stream(f, s);
	e = errno;
	fclose(f);
	errno = e;
	return r;
}

void ktap_stream_free(struct ktap_stream *s)
{
	size_t i;

	for (i = 0; i < s->ntests; i++)
		test_free(&s->tests[i]);
	free(s->tests);
	kvlist_free(&s->facts);
	kvlist_free(&s->end);
	free(s->skip_note);
	ktap_stream_init(s);
}

void ktap_count(const struct ktap_stream *s, struct ktap_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < s->ntests; i++) {
		switch (s->tests[i].status) {
		case KTAP_PASS:
			c->pass++;
			break;
		case KTAP_FAIL:
			c->fail++;
			break;
		case KTAP_SKIP:
			c->skip++;
			break;
		case KTAP_TIMEOUT:
			c->timeout++;
			break;
		default:
			c->incomplete++;
			break;
		}
	}
}

const char *ktap_fact(const struct ktap_stream *s, const char *key)
{
	return kvlist_get(&s->facts, key);
}
