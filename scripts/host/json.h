/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - the project's one JSON writer (summary.json, campaign.json,
 * KCIDB) and a small reader for the files it wrote.
 *
 * Writer: strings are escaped as JSON requires; invalid UTF-8 bytes
 * become U+FFFD, so whatever a console holds makes valid JSON.
 * Reader: a whole document into a tree; numbers keep their text.
 */
#ifndef MMT_JSON_H
#define MMT_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JW_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	int after_key;
	int count[JW_DEPTH];
};

/* Length of the valid UTF-8 sequence at @p, 0 if invalid. */
size_t utf8_len(const unsigned char *p);
void json_string(FILE *f, const char *str);

void jw_open(struct jw *w, char c);
void jw_close(struct jw *w, char c);
void jw_key(struct jw *w, const char *k);
/* Each takes a key (in an object) or NULL (in an array). */
void jw_str(struct jw *w, const char *k, const char *v);
/* A value known to be a valid JSON number, true, false or null. */
void jw_raw(struct jw *w, const char *k, const char *v);
void jw_u64(struct jw *w, const char *k, unsigned long long v);
void jw_s64(struct jw *w, const char *k, long long v);
/* A finite double (null if not finite), shortest text that reads back. */
void jw_double(struct jw *w, const char *k, double v);
void jw_bool(struct jw *w, const char *k, int v);

/* ---- reader ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	int b;			/* JV_BOOL */
	double num;		/* JV_NUM */
	char *s;		/* JV_STR (NUL-terminated, may hold no NUL) */
	size_t n;		/* JV_ARR, JV_OBJ: members */
	struct jv *v;		/* members */
	char **keys;		/* JV_OBJ: member names */
};

/*
 * Parse the file at @path. Returns the tree, or NULL with a one-line
 * message in @err (I/O error, or "line L: what").
 */
struct jv *json_read_file(const char *path, char *err, size_t errlen);
struct jv *json_read_text(const char *text, size_t len, char *err, size_t errlen);
void jv_free(struct jv *v);

/* Member @key of object @o (NULL if @o is not an object or has none). */
const struct jv *jv_get(const struct jv *o, const char *key);
/* The string, or @def when @v is not a string. */
const char *jv_str(const struct jv *v, const char *def);
/* The number, or @def when @v is not a number. */
double jv_num(const struct jv *v, double def);
int jv_is_num(const struct jv *v);
/* Path lookup "a.b.c" through objects. */
const struct jv *jv_path(const struct jv *o, const char *path);

#endif
