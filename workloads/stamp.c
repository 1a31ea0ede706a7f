// SPDX-License-Identifier: GPL-2.0
/*
 * stamp.c - self-describing 64-byte blocks, see stamp.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "stamp.h"

#define STAMP_WORDS	(STAMP_SIZE / sizeof(uint64_t))
#define CSUM_WORDS	(offsetof(struct stamp, csum) / sizeof(uint64_t))

static const char *const class_names[STAMP_NR_CLASSES] = {
	[STAMP_OK]		= "ok",
	[STAMP_ZEROED]		= "zeroed",
	[STAMP_STALE]		= "stale",
	[STAMP_TORN]		= "torn",
	[STAMP_MISPLACED]	= "misplaced",
	[STAMP_FOREIGN]		= "foreign",
	[STAMP_NEWER]		= "newer",
};

/* splitmix64 finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * One multiply per word in two independent lanes, then a full mix: cheap
 * enough to stamp a page in about a microsecond, and a change of any word
 * changes the sum.
 */
static uint64_t stamp_csum(const struct stamp *s)
{
	uint64_t w[STAMP_WORDS];
	uint64_t a = 0x6d6d746f72747572ULL, b = 0x7374616d70303031ULL;
	size_t i;

	memcpy(w, s, sizeof(w));
	for (i = 0; i + 1 < CSUM_WORDS; i += 2) {
		a = (a ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		b = (b ^ w[i + 1]) * 0xc2b2ae3d27d4eb4fULL;
	}
	a = (a ^ w[CSUM_WORDS - 1]) * 0x9e3779b97f4a7c15ULL;
	return mix64(a ^ (b << 29 | b >> 35));
}

void stamp_make(struct stamp *s, uint64_t offset, uint64_t seq,
		uint64_t seed, uint32_t writer)
{
	s->magic = STAMP_MAGIC;
	s->offset = offset;
	s->seq = seq;
	s->seed = seed;
	s->writer = writer;
	s->pad = 0;
	/* Fields repeated in another form, so that no byte is constant. */
	s->fill[0] = ~offset ^ (seq << 32 | seq >> 32);
	s->fill[1] = seed * 0x9e3779b97f4a7c15ULL ^ writer;
	s->csum = stamp_csum(s);
}

void stamp_fill(void *dst, size_t len, uint64_t offset, uint64_t seq,
		uint64_t seed, uint32_t writer)
{
	char *p = dst;
	struct stamp s;
	size_t i;

	for (i = 0; i + STAMP_SIZE <= len; i += STAMP_SIZE) {
		stamp_make(&s, offset + i, seq, seed, writer);
		memcpy(p + i, &s, sizeof(s));
	}
}

/* Valid: exactly what stamp_make() makes of the block's own fields. */
static bool stamp_valid(const struct stamp *s)
{
	struct stamp v;

	if (s->magic != STAMP_MAGIC)
		return false;
	stamp_make(&v, s->offset, s->seq, s->seed, s->writer);
	return !memcmp(s, &v, sizeof(v));
}

static bool block_is_zero(const uint64_t *w)
{
	size_t i;

	for (i = 0; i < STAMP_WORDS; i++)
		if (w[i])
			return false;
	return true;
}

/* Every word either zero or the expected one: a partly discarded store. */
static bool block_is_part_zero(const uint64_t *w, const struct stamp *exp)
{
	uint64_t e[STAMP_WORDS];
	size_t i;

	memcpy(e, exp, sizeof(e));
	for (i = 0; i < STAMP_WORDS; i++)
		if (w[i] && w[i] != e[i])
			return false;
	return true;
}

enum stamp_class stamp_classify(const void *blk, const struct stamp_want *want)
{
	uint64_t w[STAMP_WORDS];
	struct stamp s, exp;

	memcpy(w, blk, sizeof(w));
	memcpy(&s, blk, sizeof(s));
	if (block_is_zero(w))
		return want->seq ? STAMP_ZEROED : STAMP_OK;
	if (want->seq) {
		stamp_make(&exp, want->offset, want->seq, want->seed,
			   want->writer);
		if (!memcmp(&s, &exp, sizeof(s)))
			return STAMP_OK;
		if (block_is_part_zero(w, &exp))
			return STAMP_ZEROED;
	}
	if (!stamp_valid(&s))
		return STAMP_TORN;
	if (s.seed != want->seed)
		return STAMP_FOREIGN;
	if (s.offset != want->offset)
		return STAMP_MISPLACED;
	if (s.writer != want->writer)
		return STAMP_FOREIGN;
	if (!want->seq || s.seq < want->seq)
		return STAMP_STALE;
	return STAMP_NEWER;
}

bool stamp_check(const void *buf, size_t len, const struct stamp_want *want,
		 unsigned int accept, struct stamp_result *res)
{
	const char *p = buf;
	struct stamp_want w = *want;
	enum stamp_class c;
	size_t i;

	*res = (struct stamp_result){ .first = -1, .cls = STAMP_OK };
	for (i = 0; i + STAMP_SIZE <= len; i += STAMP_SIZE) {
		w.offset = want->offset + i;
		c = stamp_classify(p + i, &w);
		if (c == STAMP_OK)
			continue;
		if (accept & STAMP_ACCEPT(c)) {
			res->naccepted++;
			continue;
		}
		if (res->first < 0) {
			res->first = i / STAMP_SIZE;
			res->cls = c;
		}
		res->nbad++;
	}
	return res->first < 0;
}

const char *stamp_class_name(enum stamp_class cls)
{
	if (cls >= STAMP_NR_CLASSES)
		return "?";
	return class_names[cls];
}

static void print_writer(FILE *out, uint32_t writer)
{
	if (writer == STAMP_NO_WRITER)
		fputs("none", out);
	else
		fprintf(out, "%u", writer);
}

void stamp_report(FILE *out, const char *what, const struct stamp_want *want,
		  const void *found, enum stamp_class cls,
		  const char *fmt, ...)
{
	uint64_t w[STAMP_WORDS];
	struct stamp s;
	va_list ap;

	memcpy(w, found, sizeof(w));
	memcpy(&s, found, sizeof(s));
	fprintf(out, "# %s: offset=%llu expected seq=%llu found seq=%llu class=%s ",
		what, (unsigned long long)want->offset,
		(unsigned long long)want->seq,
		block_is_zero(w) ? 0ULL : (unsigned long long)s.seq,
		stamp_class_name(cls));
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fprintf(out, "\n#   expected: offset=%llu seq=%llu seed=%llu writer=",
		(unsigned long long)want->offset,
		(unsigned long long)want->seq,
		(unsigned long long)want->seed);
	print_writer(out, want->writer);
	if (block_is_zero(w)) {
		fputs("\n#   found: all zero\n", out);
		return;
	}
	fprintf(out, "\n#   found: magic=%#llx offset=%llu seq=%llu seed=%llu writer=",
		(unsigned long long)s.magic, (unsigned long long)s.offset,
		(unsigned long long)s.seq, (unsigned long long)s.seed);
	print_writer(out, s.writer);
	fprintf(out, " csum=%#llx (valid %#llx)\n",
		(unsigned long long)s.csum,
		(unsigned long long)stamp_csum(&s));
}
