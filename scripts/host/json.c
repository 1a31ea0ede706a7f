// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the project's one JSON writer and a small reader (json.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (p[0] == 0xe0)
			lo = 0xa0;
		if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (p[0] == 0xf0)
			lo = 0x90;
		if (p[0] == 0xf4)
			hi = 0x8f;	/* up to U+10FFFF */
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		       (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

void json_string(FILE *f, const char *str)
{
	const unsigned char *p = (const unsigned char *)(str ? str : "");
	size_t n;

	fputc('"', f);
	while (*p) {
		n = utf8_len(p);
		if (!n) {
			fputs("\\ufffd", f);	/* invalid byte */
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, f);
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p == '\r') {
			fputs("\\r", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fputc(*p, f);
		}
		p += n;
	}
	fputc('"', f);
}

static void jw_indent(struct jw *w)
{
	int i;

	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before a key (in an object) or a value (in an array). */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->depth)
		return;
	if (w->count[w->depth - 1]++)
		fputc(',', w->f);
	jw_indent(w);
}

void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	fputc(c, w->f);
	w->count[w->depth++] = 0;	/* nesting is fixed, well below JW_DEPTH */
}

void jw_close(struct jw *w, char c)
{
	if (w->count[--w->depth])
		jw_indent(w);
	fputc(c, w->f);
}

void jw_key(struct jw *w, const char *k)
{
	jw_sep(w);
	json_string(w->f, k);
	fputs(": ", w->f);
	w->after_key = 1;
}

void jw_str(struct jw *w, const char *k, const char *v)
{
	if (k)
		jw_key(w, k);
	jw_sep(w);
	json_string(w->f, v);
}

void jw_raw(struct jw *w, const char *k, const char *v)
{
	if (k)
		jw_key(w, k);
	jw_sep(w);
	fputs(v, w->f);
}

void jw_u64(struct jw *w, const char *k, unsigned long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", v);
	jw_raw(w, k, num);
}

void jw_s64(struct jw *w, const char *k, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	jw_raw(w, k, num);
}

void jw_double(struct jw *w, const char *k, double v)
{
	char num[40];
	int prec;

	if (!isfinite(v)) {
		jw_raw(w, k, "null");
		return;
	}
	for (prec = 6; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, v);
		if (strtod(num, NULL) == v)
			break;
	}
	jw_raw(w, k, num);
}

void jw_bool(struct jw *w, const char *k, int v)
{
	jw_raw(w, k, v ? "true" : "false");
}

/* ---- reader ---- */

struct jr {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	int failed;
	int depth;
};

static void jr_fail(struct jr *r, const char *what)
{
	const char *q;
	unsigned long line = 1;

	if (r->failed)
		return;
	for (q = r->start; q < r->p && q < r->end; q++)
		line += *q == '\n';
	snprintf(r->err, r->errlen, "line %lu: %s", line, what);
	r->failed = 1;
}

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
				 *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = cp;
	} else if (cp < 0x800) {
		out[(*n)++] = 0xc0 | (cp >> 6);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		out[(*n)++] = 0xe0 | (cp >> 12);
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else {
		out[(*n)++] = 0xf0 | (cp >> 18);
		out[(*n)++] = 0x80 | ((cp >> 12) & 0x3f);
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	}
}

static int jr_hex4(struct jr *r, unsigned long *cp)
{
	int i, h;

	*cp = 0;
	if (r->end - r->p < 4) {
		jr_fail(r, "short \\u escape");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		h = hexval(r->p[i]);
		if (h < 0) {
			jr_fail(r, "bad \\u escape");
			return -1;
		}
		*cp = *cp * 16 + h;
	}
	r->p += 4;
	return 0;
}

static char *jr_string(struct jr *r)
{
	size_t cap = 64, n = 0;
	char *out = malloc(cap), *ns;
	unsigned long cp, lo;

	if (!out) {
		jr_fail(r, "out of memory");
		return NULL;
	}
	r->p++;	/* opening quote */
	for (;;) {
		if (n + 8 >= cap) {
			ns = realloc(out, cap *= 2);
			if (!ns) {
				free(out);
				jr_fail(r, "out of memory");
				return NULL;
			}
			out = ns;
		}
		if (r->p >= r->end) {
			jr_fail(r, "unterminated string");
			break;
		}
		if (*r->p == '"') {
			r->p++;
			out[n] = '\0';
			return out;
		}
		if ((unsigned char)*r->p < 0x20) {
			jr_fail(r, "control character in string");
			break;
		}
		if (*r->p != '\\') {
			out[n++] = *r->p++;
			continue;
		}
		r->p++;
		if (r->p >= r->end) {
			jr_fail(r, "unterminated escape");
			break;
		}
		switch (*r->p++) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			if (jr_hex4(r, &cp))
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff && r->end - r->p >= 6 &&
			    r->p[0] == '\\' && r->p[1] == 'u') {
				r->p += 2;
				if (jr_hex4(r, &lo))
					goto bad;
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					cp = 0xfffd;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			if (!cp)
				cp = 0xfffd;	/* keep strings NUL-free */
			put_utf8(out, &n, cp);
			break;
		default:
			jr_fail(r, "bad escape");
			goto bad;
		}
	}
bad:
	free(out);
	return NULL;
}

static int jr_value(struct jr *r, struct jv *v);

static int jr_push(struct jr *r, struct jv *v, size_t *cap, char *key)
{
	struct jv *nv;
	char **nk;

	if (v->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		nv = realloc(v->v, *cap * sizeof(*nv));
		if (!nv)
			goto oom;
		v->v = nv;
		if (v->type == JV_OBJ) {
			nk = realloc(v->keys, *cap * sizeof(*nk));
			if (!nk)
				goto oom;
			v->keys = nk;
		}
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	if (v->type == JV_OBJ)
		v->keys[v->n] = key;
	v->n++;
	return 0;
oom:
	free(key);
	jr_fail(r, "out of memory");
	return -1;
}

static int jr_container(struct jr *r, struct jv *v, char close)
{
	size_t cap = 0;
	char *key = NULL;

	v->type = close == '}' ? JV_OBJ : JV_ARR;
	if (++r->depth > 64) {
		jr_fail(r, "nested too deep");
		return -1;
	}
	r->p++;
	jr_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return 0;
	}
	for (;;) {
		jr_ws(r);
		if (v->type == JV_OBJ) {
			if (r->p >= r->end || *r->p != '"') {
				jr_fail(r, "expected a member name");
				return -1;
			}
			key = jr_string(r);
			if (!key)
				return -1;
			jr_ws(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				jr_fail(r, "expected ':'");
				return -1;
			}
			r->p++;
		}
		if (jr_push(r, v, &cap, key))
			return -1;
		key = NULL;
		if (jr_value(r, &v->v[v->n - 1]))
			return -1;
		jr_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return 0;
		}
		jr_fail(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
		return -1;
	}
}

static int jr_word(struct jr *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, w, n)) {
		r->p += n;
		return 1;
	}
	return 0;
}

static int jr_number(struct jr *r, struct jv *v)
{
	const char *s = r->p;
	char buf[64], *endp;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		goto bad;
	while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') || *r->p == '.' ||
				 *r->p == 'e' || *r->p == 'E' || *r->p == '+' ||
				 *r->p == '-'))
		r->p++;
	if ((size_t)(r->p - s) >= sizeof(buf))
		goto bad;
	memcpy(buf, s, r->p - s);
	buf[r->p - s] = '\0';
	errno = 0;
	v->num = strtod(buf, &endp);
	if (*endp)
		goto bad;
	v->type = JV_NUM;
	return 0;
bad:
	jr_fail(r, "bad number");
	return -1;
}

static int jr_value(struct jr *r, struct jv *v)
{
	jr_ws(r);
	if (r->p >= r->end) {
		jr_fail(r, "unexpected end of input");
		return -1;
	}
	switch (*r->p) {
	case '{':
		return jr_container(r, v, '}');
	case '[':
		return jr_container(r, v, ']');
	case '"':
		v->type = JV_STR;
		v->s = jr_string(r);
		return v->s ? 0 : -1;
	case 't':
	case 'f':
	case 'n':
		if (jr_word(r, "true")) {
			v->type = JV_BOOL;
			v->b = 1;
		} else if (jr_word(r, "false")) {
			v->type = JV_BOOL;
		} else if (jr_word(r, "null")) {
			v->type = JV_NULL;
		} else {
			jr_fail(r, "unknown word");
			return -1;
		}
		return 0;
	default:
		return jr_number(r, v);
	}
}

static void jv_clear(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jv_clear(&v->v[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->v);
	free(v->keys);
	free(v->s);
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	jv_clear(v);
	free(v);
}

struct jv *json_read_text(const char *text, size_t len, char *err, size_t errlen)
{
	struct jr r = { .p = text, .end = text + len, .start = text,
			.err = err, .errlen = errlen };
	struct jv *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!jr_value(&r, v)) {
		jr_ws(&r);
		if (r.p != r.end)
			jr_fail(&r, "trailing text after the value");
	}
	if (r.failed) {
		jv_free(v);
		return NULL;
	}
	return v;
}

struct jv *json_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	struct jv *v;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	v = json_read_text(buf ? buf : "", len, err, errlen);
	free(buf);
	return v;
}

const struct jv *jv_get(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->type != JV_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->v[i];
	return NULL;
}

const struct jv *jv_path(const struct jv *o, const char *path)
{
	char key[128];
	const char *dot;
	size_t n;

	while (o && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = jv_get(o, key);
		path += n + (dot ? 1 : 0);
	}
	return o;
}

const char *jv_str(const struct jv *v, const char *def)
{
	return v && v->type == JV_STR ? v->s : def;
}

double jv_num(const struct jv *v, double def)
{
	return v && v->type == JV_NUM ? v->num : def;
}

int jv_is_num(const struct jv *v)
{
	return v && v->type == JV_NUM;
}
