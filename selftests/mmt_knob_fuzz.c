// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_knob_fuzz - every writable knob of mmtorture's debugfs refuses
 * malformed writes and changes nothing when it does (module/knob.c's
 * grammar), and still takes a valid value afterwards.
 *
 * For each writable file under /sys/kernel/debug/mmtorture (crash_trigger
 * excepted: it is never written), --count writes that are malformed by
 * construction: a valid value with a NUL, garbage, a space, a tab, a CR
 * or a second newline after it; a leading space, tab or 0xa0; 0xa0 or
 * another never-valid byte anywhere; numbers that overflow (2^32 + 4,
 * 2^64, 30 digits), carry a sign, leave the knob's range or are written
 * in another radix or with a suffix ("0x10", "1e3", "1.0", "1k"); double
 * spaces, wrong token counts, wrong case, unknown verbs and names; writes
 * longer than the knob takes (up to 1 MiB); random bytes with at least one
 * byte outside 0x21-0x7e other than a final newline; a valid value at a
 * nonzero offset; a count beyond the readable buffer (up to 1 GiB). A
 * quarter of them come from 4 threads writing at once. Before it is sent,
 * each write is checked against a model of the grammar that errs on the
 * side of "valid": a write that might be valid is never sent (it would be
 * a bug of this program, and fails its knob).
 *
 * Every write must return -1 (the errnos are shown as a histogram), the
 * knobs' state (every readable knob file, targets, the engines' enable
 * files; counters are left out) must be what it was, checked every 100
 * writes and at the end, and no engine may have started. Then each knob
 * takes one valid, harmless value, reads it back, and gets its old value
 * back.
 *
 *   mmt_knob_fuzz [--count N] [--seed S] [--knob NAME] [--dry-run] [--show N]
 * --count: malformed writes per knob (default 1000); --seed: generation
 * seed (default MMT_SEED, else the clock; printed); --knob: only that one
 * (e.g. vma/ops); --dry-run: generate and check against the model only,
 * no module needed; --show N: print N writes of each class per knob.
 * Exit: kselftest's (0 pass, 1 fail, 4 skip).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mmt_util.h"

#define PAGE 4096UL
#define MAX_KNOBS 48
#define MAX_NAMES 16
#define WRITERS 4
#define CHECK_EVERY 100
#define SNAP_LEN 65536
#define SCRATCH_LEN 8192
#define BIG_LEN (1UL << 20)
#define NERRNO 160
#define MAX_REPORTS 5
/* The module's limits (the contract, mmtorture_uapi.h; target.c's arena). */
#define MMT_THREADS_MAX MMT_MAX_THREADS
#define MMT_ARENA_MAX (1UL << 30)
/* TASK_SIZE_MAX with 5-level page tables (la57): above any TASK_SIZE. */
#define MMT_TASK_SIZE ((1ULL << 56) - PAGE)
#define TLD_DELAY_MAX MMT_TLD_MAX_DELAY_US
#define TLD_OFFSET_MAX 0x10000

enum kind { K_U64, K_BOOL, K_RANGE, K_OPS, K_TARGETS, K_SITES, K_GENERIC };

struct knob {
	char name[64];			/* under MMT_DEBUGFS */
	enum kind kind;
	uint64_t lo, hi;		/* K_BOOL, K_RANGE */
	size_t max;			/* longest write taken */
	bool readable;
	/* K_OPS: the engine's op names, usable here or not. */
	char avail[MAX_NAMES][32];
	int navail;
	char unavail[MAX_NAMES][32];
	int nunavail;
	/* Results. */
	unsigned long writes, accepted, vetoed, state_changes, enabled;
	unsigned long hist[NERRNO + 1];
	unsigned long per_class[32];
	double secs;
};

static struct knob knobs[MAX_KNOBS];
static int nknobs;
static unsigned long count = 1000, show;
static uint64_t seed;
static bool dry_run;
static const char *only_knob;

/* Valid samples use these: a page of ours and a file we may write. */
static char *own_page;
static int own_fd = -1;
/* Read-only 1 MiB of digits for the long writes. */
static char *big;

static char initial[SNAP_LEN];
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- random numbers: splitmix64, one stream per knob and writer ---- */

struct gen {
	uint64_t s;
	char *scratch;			/* SCRATCH_LEN bytes */
	char *guard;			/* a read-write page, then PROT_NONE */
	unsigned long hist[NERRNO + 1];
	unsigned long per_class[32];
	unsigned long writes, accepted, vetoed;
	const struct knob *k;
	int fd;
	unsigned long todo;
	unsigned int id;
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(struct gen *g, unsigned int n)
{
	return n ? (unsigned int)(rnd(g) % n) : 0;
}

#define PICK(g, arr) ((arr)[rn(g, sizeof(arr) / sizeof((arr)[0]))])

/* ---- a valid value, as tokens ---- */

enum ttype {
	T_VERB,		/* arena, file, release, add, del, clear, defaults */
	T_WORD,		/* "all" of release, an ops list */
	T_DEC,		/* decimal in [lo, hi] */
	T_HEX,		/* hexadecimal (arena START, LEN) */
	T_SYM,		/* SYM or SYM+OFF (tlbdelay sites) */
};

struct tok {
	char s[96];
	enum ttype t;
	uint64_t lo, hi;	/* T_DEC */
	int role;		/* T_HEX: 0 start, 1 len */
};

struct sample {
	int n;
	struct tok t[6];
};

static const char * const site_syms[] = {
	"flush_tlb_mm_range", "tlb_finish_mmu", "__tlb_remove_page_size",
	"zap_pte_range", "unmap_page_range",
};

static void tok_set(struct tok *t, enum ttype type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tok_set(struct tok *t, enum ttype type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->s, sizeof(t->s), fmt, ap);
	va_end(ap);
	t->t = type;
	t->lo = 0;
	t->hi = UINT64_MAX;
	t->role = 0;
}

static void tok_dec(struct tok *t, uint64_t v, uint64_t lo, uint64_t hi)
{
	tok_set(t, T_DEC, "%" PRIu64, v);
	t->lo = lo;
	t->hi = hi;
}

static uint64_t in_range(struct gen *g, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo;

	if (span == UINT64_MAX)
		return rn(g, 2) ? rnd(g) : rn(g, 100000);
	return lo + rnd(g) % (span + 1);
}

static void valid_sample(struct gen *g, const struct knob *k, struct sample *s)
{
	unsigned int i, n, used;
	char buf[96];
	size_t len;

	memset(s, 0, sizeof(*s));
	switch (k->kind) {
	case K_U64:
	case K_BOOL:
	case K_RANGE:
		s->n = 1;
		tok_dec(&s->t[0], in_range(g, k->lo, k->hi), k->lo, k->hi);
		return;
	case K_GENERIC:
		s->n = 1;
		tok_dec(&s->t[0], 1, 1, 1);
		return;
	case K_OPS:
		s->n = 1;
		if (!k->navail || !rn(g, 3)) {
			tok_set(&s->t[0], T_WORD, "all");
			return;
		}
		n = 1 + rn(g, k->navail);
		used = 0;
		len = 0;
		buf[0] = '\0';
		while (n--) {
			i = rn(g, k->navail);
			if (used & (1u << i))
				continue;
			used |= 1u << i;
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? "," : "", k->avail[i]);
		}
		tok_set(&s->t[0], T_WORD, "%s", buf);
		return;
	case K_TARGETS:
		switch (rn(g, 4)) {
		case 0:
			s->n = 2;
			tok_set(&s->t[0], T_VERB, "release");
			tok_set(&s->t[1], T_WORD, "all");
			return;
		case 1:
			s->n = 3;
			tok_set(&s->t[0], T_VERB, "arena");
			tok_set(&s->t[1], T_HEX, rn(g, 2) ? "%lx" : "0x%lx",
				(unsigned long)own_page);
			tok_set(&s->t[2], T_HEX, "%s", rn(g, 2) ? "1000" : "0x1000");
			s->t[2].role = 1;
			return;
		case 2:
			s->n = 2;
			tok_set(&s->t[0], T_VERB, "file");
			tok_dec(&s->t[1], own_fd, 0, INT32_MAX);
			return;
		default:
			s->n = 2;
			tok_set(&s->t[0], T_VERB, "release");
			tok_dec(&s->t[1], 1 + rn(g, 100000), 1, UINT32_MAX);
			return;
		}
	case K_SITES:
		switch (rn(g, 4)) {
		case 0:
			s->n = 1;
			tok_set(&s->t[0], T_VERB, rn(g, 2) ? "clear" : "defaults");
			return;
		case 1:
			s->n = 2;
			tok_set(&s->t[0], T_VERB, "del");
			break;
		default:
			s->n = 3 + rn(g, 3);
			tok_set(&s->t[0], T_VERB, "add");
			tok_dec(&s->t[2], 1 + rn(g, TLD_DELAY_MAX), 1, TLD_DELAY_MAX);
			if (s->n > 3)
				tok_dec(&s->t[3], 1 + rn(g, 100), 1, 100);
			if (s->n > 4)
				tok_dec(&s->t[4], rn(g, 2) ? rn(g, 100) : rnd(g),
					0, UINT64_MAX);
			break;
		}
		switch (rn(g, 3)) {
		case 0:
			tok_set(&s->t[1], T_SYM, "%s", PICK(g, site_syms));
			break;
		case 1:
			tok_set(&s->t[1], T_SYM, "%s+0x%x", PICK(g, site_syms),
				rn(g, TLD_OFFSET_MAX + 1));
			break;
		default:
			tok_set(&s->t[1], T_SYM, "%s+%u", PICK(g, site_syms),
				rn(g, 2) ? 0 : 1 + rn(g, 999));
			break;
		}
		return;
	}
}

static size_t join(const struct sample *s, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < s->n && n < len; i++)
		n += snprintf(out + n, len - n, "%s%s", i ? " " : "", s->t[i].s);
	return n < len ? n : len - 1;
}

/* ---- one write ---- */

enum mode { M_WRITE, M_PWRITE, M_LSEEK, M_FAULT };

struct wr {
	const char *buf;
	size_t len;
	off_t off;
	enum mode mode;
	int cls;
};

enum cls {
	C_NUL, C_TRAIL, C_LEAD, C_A0, C_BADBYTE, C_OVERFLOW, C_SIGN, C_RANGE,
	C_RADIX, C_DSPACE, C_TOKENS, C_CASE, C_VERB, C_HUGE, C_RANDOM,
	C_OFFSET, C_FAULT, C_EMPTY, NCLASS
};

static const char * const cls_names[NCLASS] = {
	"nul", "trail", "lead", "a0", "badbyte", "overflow", "sign", "range",
	"radix", "dspace", "tokens", "case", "verb", "huge", "random",
	"offset", "fault", "empty",
};

/* A byte that no knob takes anywhere: not 0x20-0x7e, not '\n'. */
static char bad_byte(struct gen *g)
{
	unsigned int b;

	do
		b = rn(g, 256);
	while ((b >= 0x20 && b <= 0x7e) || b == '\n');
	return (char)b;
}

/* Writes built in the scratch buffer. */
static void wr_text(struct gen *g, struct wr *w, const char *text, size_t len)
{
	if (len > SCRATCH_LEN)
		len = SCRATCH_LEN;
	memmove(g->scratch, text, len);
	w->buf = g->scratch;
	w->len = len;
	w->off = 0;
	w->mode = M_WRITE;
}

static void wr_str(struct gen *g, struct wr *w, const char *text)
{
	wr_text(g, w, text, strlen(text));
}

/* A final '\n' keeps a malformed write malformed (only one is dropped). */
static void maybe_newline(struct gen *g, struct wr *w)
{
	if (w->mode == M_WRITE && w->buf == g->scratch &&
	    w->len < SCRATCH_LEN && !rn(g, 3))
		g->scratch[w->len++] = '\n';
}

/* A random numeric token (T_DEC, T_HEX, or the offset of a T_SYM), or -1. */
static int num_tok(struct gen *g, const struct sample *s, bool with_sym)
{
	int idx[6], n = 0, i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].t == T_DEC || s->t[i].t == T_HEX ||
		    (with_sym && s->t[i].t == T_SYM && strchr(s->t[i].s, '+')))
			idx[n++] = i;
	return n ? idx[rn(g, n)] : -1;
}

static char *sym_offset(struct tok *t)
{
	char *p = strchr(t->s, '+');

	return p ? p + 1 : NULL;
}

static const char * const trail_any[] = {
	" ", "\n\n", "\t", "\r", "\r\n", " \n", "\n ", "\v", "\f", "\x7f",
	"\xa0", "\xff", "\x01", "\x1b", "!", "#", "$", "%", "&", "*", "/",
	";", "<", "=", ">", "?", "@", "[", "\\", "]", "^", "`", "{", "|", "}",
	"~", "\"", "'", "(", ")", ":", " \t", "\t\n",
};
/* Never valid in any token: for knobs whose tokens are unknown. */
static const char * const trail_ws[] = {
	" ", "\n\n", "\t", "\r", "\r\n", " \n", "\n ", "\v", "\f", "\x7f",
	"\xa0", "\xff", "\x01", "\x1b", " \t", "\t\n",
};
/* After a decimal number: never digits. */
static const char * const trail_dec[] = {
	"abc", "x", "k", "xyz", "junk", "e3", ".0", "u", "L", "K", "M", "-",
	"+", ",", "_",
};
/* After a hexadecimal number: never hex digits alone. */
static const char * const trail_hex[] = {
	"x", "xyz", "g", "junk", "k", "h", ".0", "u", "L", "-", "+", ",", "_",
};
/* After a name or verb: no name of any knob ends so. */
static const char * const trail_word[] = {
	"x", "xyz", "s", "junk", "_", "1", "-", "+", ".",
};

static int m_trail(struct gen *g, const struct knob *k, struct sample *s,
		   struct wr *w)
{
	char buf[512];
	size_t n = join(s, buf, sizeof(buf));
	enum ttype last = s->t[s->n - 1].t;
	const char *suf;

	switch (rn(g, 2) ? last : T_SYM) {
	case T_DEC:
		suf = PICK(g, trail_dec);
		break;
	case T_HEX:
		suf = PICK(g, trail_hex);
		break;
	case T_VERB:
	case T_WORD:
		suf = PICK(g, trail_word);
		/* "clear" + "s" and "release all" + "1" stay wrong; ops too. */
		break;
	default:
		suf = PICK(g, trail_any);
		break;
	}
	/* 752abc: the spec's example, for the decimal knobs. */
	if (last == T_DEC && !rn(g, 8))
		suf = "abc";
	if (k->kind == K_GENERIC)
		suf = PICK(g, trail_ws);
	snprintf(buf + n, sizeof(buf) - n, "%s", suf);
	wr_str(g, w, buf);
	return 1;
}

static int m_nul(struct gen *g, const struct knob *k, struct sample *s,
		 struct wr *w)
{
	char buf[512];
	size_t n = join(s, buf, sizeof(buf)), pos, j, junk = rn(g, 9);

	(void)k;
	pos = rn(g, 3) ? n : rn(g, (unsigned int)n + 1);
	memmove(buf + pos + 1, buf + pos, n - pos);
	buf[pos] = '\0';
	n++;
	for (j = 0; j < junk; j++)
		buf[n++] = (char)(0x21 + rn(g, 0x5e));
	wr_text(g, w, buf, n);
	maybe_newline(g, w);
	return 1;
}

static int m_lead(struct gen *g, const struct knob *k, struct sample *s,
		  struct wr *w)
{
	static const char * const lead[] = {
		" ", "  ", "\t", "\xa0", "\n", "\r", "\x7f", "\xff", "\v",
		" \t", "\f", "\x1b", "\xc2\xa0",
	};
	char buf[512];
	size_t n;

	(void)k;
	if (!rn(g, 8)) {		/* a NUL first */
		buf[0] = '\0';
		n = 1 + join(s, buf + 1, sizeof(buf) - 1);
		wr_text(g, w, buf, n);
	} else {
		n = snprintf(buf, sizeof(buf), "%s", PICK(g, lead));
		join(s, buf + n, sizeof(buf) - n);
		wr_str(g, w, buf);
	}
	maybe_newline(g, w);
	return 1;
}

/* Byte @b inserted at a random place, or in place of a random byte. */
static void insert_byte(struct gen *g, struct sample *s, struct wr *w, char b)
{
	char buf[512];
	size_t n = join(s, buf, sizeof(buf)), pos = rn(g, (unsigned int)n + 1);

	if (rn(g, 2) && pos < n) {
		buf[pos] = b;
	} else {
		memmove(buf + pos + 1, buf + pos, n - pos);
		buf[pos] = b;
		n++;
	}
	wr_text(g, w, buf, n);
	maybe_newline(g, w);
}

static int m_a0(struct gen *g, const struct knob *k, struct sample *s,
		struct wr *w)
{
	(void)k;
	insert_byte(g, s, w, (char)0xa0);
	return 1;
}

static int m_badbyte(struct gen *g, const struct knob *k, struct sample *s,
		     struct wr *w)
{
	(void)k;
	insert_byte(g, s, w, bad_byte(g));
	return 1;
}

static void finish(struct gen *g, struct sample *s, struct wr *w)
{
	char buf[512];

	join(s, buf, sizeof(buf));
	wr_str(g, w, buf);
	maybe_newline(g, w);
}

static void random_digits(struct gen *g, char *out, unsigned int n)
{
	unsigned int i;

	out[0] = (char)('1' + rn(g, 9));
	for (i = 1; i < n; i++)
		out[i] = (char)('0' + rn(g, 10));
	out[n] = '\0';
}

static int m_overflow(struct gen *g, const struct knob *k, struct sample *s,
		      struct wr *w)
{
	static const char * const dec64[] = {
		"18446744073709551616", "18446744073709551617",
		"18446744073709551620", "99999999999999999999",
		"36893488147419103232", "340282366920938463463374607431768211456",
	};
	static const char * const dec32[] = {
		"4294967296", "4294967300", "9223372036854775808",
		"2147483648", "4294967295",
	};
	static const char * const hex65[] = {
		"10000000000000000", "0x10000000000000000",
		"ffffffffffffffff0", "0x1ffffffffffffffff",
		"100000000000000000000000000000",
	};
	int i = num_tok(g, s, true);
	char digits[40];
	struct tok *t;
	char *off;

	(void)k;
	if (i < 0)
		return 0;
	t = &s->t[i];
	switch (t->t) {
	case T_DEC:
		if (t->hi < UINT32_MAX && rn(g, 2))
			snprintf(t->s, sizeof(t->s), "%s", PICK(g, dec32));
		else if (rn(g, 2))
			snprintf(t->s, sizeof(t->s), "%s", PICK(g, dec64));
		else {
			random_digits(g, digits, 21 + rn(g, 10));
			snprintf(t->s, sizeof(t->s), "%s", digits);
		}
		/* 2^32 - 1 and 2^31 only overflow what stops below them. */
		if (t->hi >= UINT32_MAX && strlen(t->s) <= 19)
			snprintf(t->s, sizeof(t->s), "%s", PICK(g, dec64));
		break;
	case T_HEX:
		snprintf(t->s, sizeof(t->s), "%s", PICK(g, hex65));
		break;
	default:
		off = sym_offset(t);
		snprintf(off, sizeof(t->s) - (off - t->s), "%s",
			 rn(g, 2) ? "0x100000000" : PICK(g, dec64));
		break;
	}
	finish(g, s, w);
	return 1;
}

static int m_sign(struct gen *g, const struct knob *k, struct sample *s,
		  struct wr *w)
{
	static const char * const signs[] = { "-", "+", "--", "+-", "-+", "++" };
	int i = num_tok(g, s, true);
	char tmp[96], *off;
	struct tok *t;

	(void)k;
	if (i < 0)		/* names: "-all", "+munmap" */
		i = rn(g, (unsigned int)s->n);
	t = &s->t[i];
	off = t->t == T_SYM ? sym_offset(t) : t->s;
	if (!off)
		off = t->s;
	snprintf(tmp, sizeof(tmp), "%s%s", PICK(g, signs), off);
	snprintf(off, sizeof(t->s) - (off - t->s), "%s", tmp);
	finish(g, s, w);
	return 1;
}

static int m_range(struct gen *g, const struct knob *k, struct sample *s,
		   struct wr *w)
{
	int i = num_tok(g, s, true);
	struct tok *t;
	uint64_t v;
	char *off;

	(void)k;
	if (i < 0)
		return 0;
	t = &s->t[i];
	switch (t->t) {
	case T_DEC:
		if (t->lo == 0 && t->hi == UINT64_MAX)
			return 0;		/* every u64 is in range */
		if (t->lo > 0 && rn(g, 2)) {
			v = rn(g, 2) ? 0 : rnd(g) % t->lo;
		} else if (t->hi < UINT64_MAX) {
			v = t->hi + 1;
			if (rn(g, 2) && t->hi < UINT64_MAX - 2000000)
				v += rn(g, 2) ? rn(g, 1000) : rnd(g) % 1000000000;
		} else {
			return 0;
		}
		if (t->lo > 0 && v >= t->lo && v <= t->hi)
			v = 0;
		snprintf(t->s, sizeof(t->s), "%" PRIu64, v);
		break;
	case T_HEX:
		if (t->role == 0) {
			switch (rn(g, 3)) {
			case 0:	/* not page aligned */
				snprintf(t->s, sizeof(t->s), "%lx",
					 (unsigned long)own_page + 1 + rn(g, PAGE - 1));
				break;
			case 1:	/* at or past the user address space's end */
				snprintf(t->s, sizeof(t->s), "%llx",
					 MMT_TASK_SIZE + PAGE * rn(g, 1000));
				break;
			default:	/* start + len wraps */
				snprintf(t->s, sizeof(t->s), "%llx",
					 0xfffffffffffff000ULL - PAGE * rn(g, 4));
				break;
			}
		} else {
			switch (rn(g, 3)) {
			case 0:
				snprintf(t->s, sizeof(t->s), "0");
				break;
			case 1:	/* not page aligned */
				snprintf(t->s, sizeof(t->s), "%lx",
					 PAGE * rn(g, 16) + 1 + rn(g, PAGE - 1));
				break;
			default:	/* longer than an arena may be */
				snprintf(t->s, sizeof(t->s), "%lx",
					 MMT_ARENA_MAX + PAGE * (1 + rn(g, 100000)));
				break;
			}
		}
		break;
	default:
		off = sym_offset(t);
		snprintf(off, sizeof(t->s) - (off - t->s), "0x%x",
			 TLD_OFFSET_MAX + 1 + rn(g, 100000));
		break;
	}
	finish(g, s, w);
	return 1;
}

static int m_radix(struct gen *g, const struct knob *k, struct sample *s,
		   struct wr *w)
{
	/* In a decimal field: every one has a byte that is not a digit. */
	static const char * const dec_pre[] = { "0x", "0X", "0b", "0o", ".", "0x0" };
	static const char * const dec_suf[] = {
		".0", "e3", "e0", "k", "K", "M", "G", "_0", ",0", "h", "L", "u",
		"f", ".", "E1", "ms", "us",
	};
	/* In a hexadecimal field: no combination is hexadecimal. */
	static const char * const hex_pre[] = { "0x0x", "$", "#", "x", "0h", "h", "0xx" };
	static const char * const hex_suf[] = { ".0", "h", "L", "k", "g", "_0", ",0", "u", "x0" };
	/* In a tlbdelay offset (C notation): neither octal nor 0x hex. */
	static const char * const off_bad[] = {
		"1.0", "4h", "08", "09", "0x", "0xg", "1e3", "0b1", "1k", "0o7",
		"0x1.0", "019", "x10",
	};
	int i = num_tok(g, s, true);
	char tmp[96], *off;
	struct tok *t;

	(void)k;
	if (i < 0)
		return 0;
	t = &s->t[i];
	switch (t->t) {
	case T_DEC:
		if (rn(g, 2))
			snprintf(tmp, sizeof(tmp), "%s%s", PICK(g, dec_pre), t->s);
		else
			snprintf(tmp, sizeof(tmp), "%s%s", t->s, PICK(g, dec_suf));
		/* The spec's own: "0x10", "1e3", "1.0", "1k". */
		if (!rn(g, 6))
			snprintf(tmp, sizeof(tmp), "%s",
				 (const char *[]){ "0x10", "1e3", "1.0", "1k" }[rn(g, 4)]);
		snprintf(t->s, sizeof(t->s), "%s", tmp);
		break;
	case T_HEX:
		if (rn(g, 2))
			snprintf(tmp, sizeof(tmp), "%s%s", PICK(g, hex_pre), t->s);
		else
			snprintf(tmp, sizeof(tmp), "%s%s", t->s, PICK(g, hex_suf));
		snprintf(t->s, sizeof(t->s), "%s", tmp);
		break;
	default:
		off = sym_offset(t);
		snprintf(off, sizeof(t->s) - (off - t->s), "%s", PICK(g, off_bad));
		break;
	}
	finish(g, s, w);
	return 1;
}

static int m_dspace(struct gen *g, const struct knob *k, struct sample *s,
		    struct wr *w)
{
	char buf[512], out[1100];
	size_t n, j = 0, i;
	unsigned int sp = 0, which;

	(void)k;
	n = join(s, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		sp += buf[i] == ' ';
	if (!sp) {	/* one token: "1  1" */
		snprintf(out, sizeof(out), "%s  %s", buf, buf);
		wr_str(g, w, out);
		maybe_newline(g, w);
		return 1;
	}
	which = rn(g, sp);
	for (i = 0; i < n; i++) {
		out[j++] = buf[i];
		if (buf[i] == ' ' && which-- == 0) {
			unsigned int extra = 1 + (rn(g, 4) == 0);

			while (extra--)
				out[j++] = ' ';
		}
	}
	wr_text(g, w, out, j);
	maybe_newline(g, w);
	return 1;
}

static int m_tokens(struct gen *g, const struct knob *k, struct sample *s,
		    struct wr *w)
{
	static const char * const targets[] = {
		"arena", "arena %s", "arena %s %s %s", "arena %s %s %s %s",
		"arena %s %s all", "file", "file %d %d", "file %d all", "release",
		"release all all", "release %d %d", "release all %d",
		"arena %s %s %s %s %s",
	};
	static const char * const sites[] = {
		"clear clear", "defaults defaults", "defaults 1", "clear all",
		"del", "del %s %s", "del %s 1", "add", "add %s", "add %s 1 2 3 4",
		"add %s 1 2 3 4 5", "clear defaults", "add 10", "del 10 %s",
		"add %s 1 2 3 4 5 6 7",
	};
	char buf[512], a[96], b[96];
	const char *f;

	switch (k->kind) {
	case K_TARGETS:
		f = PICK(g, targets);
		snprintf(a, sizeof(a), "%lx", (unsigned long)own_page);
		snprintf(b, sizeof(b), "1000");
		if (strstr(f, "%d"))
			snprintf(buf, sizeof(buf), f, own_fd, own_fd);
		else
			snprintf(buf, sizeof(buf), f, a, b, b, b, b);
		break;
	case K_SITES:
		f = PICK(g, sites);
		snprintf(a, sizeof(a), "%s", PICK(g, site_syms));
		snprintf(buf, sizeof(buf), f, a, a);
		break;
	default:	/* numbers and ops lists: two or three of them */
		join(s, a, sizeof(a));
		valid_sample(g, k, s);
		join(s, b, sizeof(b));
		if (rn(g, 2))
			snprintf(buf, sizeof(buf), "%s %s", a, b);
		else
			snprintf(buf, sizeof(buf), "%s %s %s", a, b, a);
		break;
	}
	wr_str(g, w, buf);
	maybe_newline(g, w);
	return 1;
}

/* Every verb and name is lower case: one upper-case letter breaks it. */
static int m_case(struct gen *g, const struct knob *k, struct sample *s,
		  struct wr *w)
{
	static const char * const words[] = {
		"ON", "On", "Off", "OFF", "TRUE", "True", "FALSE", "YES", "No",
		"ONE", "NaN", "Inf", "X",
	};
	int idx[6], n = 0, i;
	size_t len, j;
	struct tok *t;

	for (i = 0; i < s->n; i++)
		if (s->t[i].t == T_VERB || s->t[i].t == T_WORD)
			idx[n++] = i;
	if (!n) {
		if (k->kind == K_U64 || k->kind == K_BOOL || k->kind == K_RANGE) {
			wr_str(g, w, PICK(g, words));
			maybe_newline(g, w);
			return 1;
		}
		return 0;
	}
	t = &s->t[idx[rn(g, n)]];
	len = strlen(t->s);
	for (j = 0; j < len && !islower((unsigned char)t->s[j]); j++)
		;
	if (j == len)
		return 0;
	switch (rn(g, 3)) {
	case 0:		/* ALL, DEFAULTS */
		for (j = 0; j < len; j++)
			t->s[j] = (char)toupper((unsigned char)t->s[j]);
		break;
	case 1:		/* All, Defaults */
		t->s[0] = (char)toupper((unsigned char)t->s[0]);
		break;
	default:	/* one letter somewhere */
		do
			j = rn(g, (unsigned int)len);
		while (!islower((unsigned char)t->s[j]));
		t->s[j] = (char)toupper((unsigned char)t->s[j]);
		break;
	}
	/* "_" and "," only: cannot happen, but never send it unchanged. */
	for (j = 0; j < len && !isupper((unsigned char)t->s[j]); j++)
		;
	if (j == len)
		t->s[0] = 'X';
	finish(g, s, w);
	return 1;
}

static int m_verb(struct gen *g, const struct knob *k, struct sample *s,
		  struct wr *w)
{
	static const char * const tverbs[] = {
		"arenas", "map", "register", "add", "del", "delete", "remove",
		"releas", "releasee", "file:", "files", "clear", "list", "show",
		"x", "release_all", "arena:", "unregister", "drop", "fd",
	};
	static const char * const sverbs[] = {
		"remove", "reset", "default", "list", "show", "enable", "delete",
		"adds", "dell", "arena", "release", "file", "clean", "set",
		"ad", "de", "defaults,", "clear;",
	};
	static const char * const words[] = {
		"on", "off", "true", "false", "yes", "no", "one", "zero", "nan",
		"inf", "max", "min", "default", "y", "n", "x", "all", "none",
	};
	static const char * const ops_bad[] = {
		"none", "any", "foo", "al", "alll", "ALL", ",", ",,", "*",
		"default", "defaults", "clear",
	};
	char buf[512], tmp[96];
	int i;

	switch (k->kind) {
	case K_TARGETS:
		snprintf(s->t[0].s, sizeof(s->t[0].s), "%s", PICK(g, tverbs));
		finish(g, s, w);
		return 1;
	case K_SITES:
		snprintf(s->t[0].s, sizeof(s->t[0].s), "%s", PICK(g, sverbs));
		finish(g, s, w);
		return 1;
	case K_OPS:
		switch (rn(g, 6)) {
		case 0:		/* a name that is not there */
			wr_str(g, w, PICK(g, ops_bad));
			break;
		case 1:		/* a known name, then an unknown one */
			snprintf(buf, sizeof(buf), "%s,%s",
				 k->navail ? k->avail[rn(g, k->navail)] : "x",
				 PICK(g, ops_bad));
			wr_str(g, w, buf);
			break;
		case 2:		/* an empty name */
			if (!k->navail)
				return 0;
			snprintf(tmp, sizeof(tmp), "%s", k->avail[rn(g, k->navail)]);
			switch (rn(g, 3)) {
			case 0: snprintf(buf, sizeof(buf), ",%s", tmp); break;
			case 1: snprintf(buf, sizeof(buf), "%s,", tmp); break;
			default:
				snprintf(buf, sizeof(buf), "%s,,%s", tmp,
					 k->avail[rn(g, k->navail)]);
				break;
			}
			wr_str(g, w, buf);
			break;
		case 3:		/* a duplicate */
			if (!k->navail)
				return 0;
			i = rn(g, k->navail);
			if (k->navail > 1 && rn(g, 2))
				snprintf(buf, sizeof(buf), "%s,%s,%s", k->avail[i],
					 k->avail[(i + 1) % k->navail], k->avail[i]);
			else
				snprintf(buf, sizeof(buf), "%s,%s", k->avail[i],
					 k->avail[i]);
			wr_str(g, w, buf);
			break;
		case 4:		/* "all" among names */
			snprintf(buf, sizeof(buf), rn(g, 2) ? "all,%s" : "%s,all",
				 k->navail ? k->avail[rn(g, k->navail)] : "all");
			wr_str(g, w, buf);
			break;
		default:	/* an op this kernel or mode lacks (EOPNOTSUPP) */
			if (!k->nunavail)
				return 0;
			if (k->navail && rn(g, 2))
				snprintf(buf, sizeof(buf), "%s,%s",
					 k->avail[rn(g, k->navail)],
					 k->unavail[rn(g, k->nunavail)]);
			else
				snprintf(buf, sizeof(buf), "%s",
					 k->unavail[rn(g, k->nunavail)]);
			wr_str(g, w, buf);
			break;
		}
		maybe_newline(g, w);
		return 1;
	case K_U64:
	case K_BOOL:
	case K_RANGE:
		wr_str(g, w, PICK(g, words));
		maybe_newline(g, w);
		return 1;
	default:
		return 0;
	}
}

/* Longer than the knob takes: a valid value padded with zeros, or 1 MiB. */
static int m_huge(struct gen *g, const struct knob *k, struct sample *s,
		  struct wr *w)
{
	size_t target, n, pad;
	char buf[512], *p;
	int i;

	switch (rn(g, 4)) {
	case 0:		/* 1 MiB, 64 KiB or one page plus one */
		w->buf = big;
		w->len = (size_t[]){ BIG_LEN, 65536, PAGE + 1, SCRATCH_LEN }[rn(g, 4)];
		w->off = 0;
		w->mode = M_WRITE;
		return 1;
	case 1:		/* max + 1 .. max + 64 bytes of the sample repeated */
		target = k->max + 1 + rn(g, 64);
		n = join(s, buf, sizeof(buf));
		for (p = g->scratch; p < g->scratch + target; p += n + 1) {
			memcpy(p, buf, n);
			p[n] = ' ';
		}
		w->buf = g->scratch;
		w->len = target;
		w->off = 0;
		w->mode = M_WRITE;
		return 1;
	default:	/* exactly max + 1 (or + 2): leading zeros, else valid */
		target = k->max + 1 + (rn(g, 4) == 0);
		i = num_tok(g, s, false);
		n = join(s, buf, sizeof(buf));
		if (i < 0 || n >= target) {
			memset(g->scratch, '0', target);
			w->buf = g->scratch;
			w->len = target;
			w->off = 0;
			w->mode = M_WRITE;
			return 1;
		}
		pad = target - n;
		/* Zeros before the chosen number; "0x" stays in front. */
		{
			struct tok *t = &s->t[i];
			char tmp[600];
			size_t skip = (t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'X')) ? 2 : 0;

			snprintf(tmp, sizeof(tmp), "%.*s%0*d%s", (int)skip, t->s,
				 (int)pad, 0, t->s + skip);
			/* Pad counts the zero %0*d prints; tmp holds it all. */
			n = 0;
			for (int j = 0; j < s->n; j++) {
				const char *text = j == i ? tmp : s->t[j].s;
				size_t l = strlen(text);

				if (j)
					g->scratch[n++] = ' ';
				memcpy(g->scratch + n, text, l);
				n += l;
			}
		}
		w->buf = g->scratch;
		w->len = n;
		w->off = 0;
		w->mode = M_WRITE;
		if (n <= k->max)	/* cannot be; the model would veto it */
			w->len = k->max + 1;
		return 1;
	}
}

static int m_random(struct gen *g, const struct knob *k, struct sample *s,
		    struct wr *w)
{
	size_t n = 1 + rn(g, rn(g, 4) ? (unsigned int)k->max : 2 * (unsigned int)k->max), i;

	(void)s;
	if (n > SCRATCH_LEN)
		n = SCRATCH_LEN;
	for (i = 0; i < n; i++)
		g->scratch[i] = (char)rnd(g);
	g->scratch[rn(g, (unsigned int)n)] = bad_byte(g);
	w->buf = g->scratch;
	w->len = n;
	w->off = 0;
	w->mode = M_WRITE;
	return 1;
}

static int m_offset(struct gen *g, const struct knob *k, struct sample *s,
		    struct wr *w)
{
	char buf[512];

	(void)k;
	join(s, buf, sizeof(buf));
	wr_str(g, w, buf);
	maybe_newline(g, w);
	switch (rn(g, 5)) {
	case 0:
		w->off = 1;
		break;
	case 1:
		w->off = (off_t)w->len;	/* right after it, as a second echo */
		break;
	case 2:
		w->off = (off_t)1 << (32 + rn(g, 20));
		break;
	default:
		w->off = 1 + rn(g, 4096);
		break;
	}
	w->mode = rn(g, 2) ? M_PWRITE : M_LSEEK;
	return 1;
}

/*
 * A count beyond what can be read: the value at the very end of a
 * read-write page followed by a PROT_NONE one, with a count past it (up
 * to 1 GiB), a buffer inside the PROT_NONE page, or NULL.
 */
static int m_fault(struct gen *g, const struct knob *k, struct sample *s,
		   struct wr *w)
{
	char buf[512];
	size_t n = join(s, buf, sizeof(buf));
	char *end = g->guard + PAGE;

	memcpy(end - n, buf, n);
	w->off = 0;
	w->mode = M_FAULT;
	switch (rn(g, 5)) {
	case 0:		/* past the page, still within the knob's limit */
		w->buf = end - n;
		w->len = n + 1 + rn(g, (unsigned int)(k->max > n + 1 ? k->max - n - 1 : 1));
		break;
	case 1:		/* 1 GiB over a few bytes */
		w->buf = end - n;
		w->len = 1UL << 30;
		break;
	case 2:		/* beyond the user address space */
		w->buf = end - n;
		w->len = (size_t)1 << (47 + rn(g, 16));
		break;
	case 3:
		w->buf = end;
		w->len = n;
		break;
	default:
		w->buf = NULL;
		w->len = n;
		break;
	}
	return 1;
}

static int m_empty(struct gen *g, const struct knob *k, struct sample *s,
		   struct wr *w)
{
	static const char * const empty[] = { "\n", "\n\n", " \n", "\r\n", " ", "\t\n" };

	(void)k;
	(void)s;
	if (rn(g, 3)) {
		wr_str(g, w, PICK(g, empty));
	} else {	/* a write of 0 bytes */
		wr_text(g, w, "1", 0);
	}
	return 1;
}

typedef int (*mutator)(struct gen *, const struct knob *, struct sample *,
		       struct wr *);

static const mutator mutators[NCLASS] = {
	[C_NUL] = m_nul, [C_TRAIL] = m_trail, [C_LEAD] = m_lead,
	[C_A0] = m_a0, [C_BADBYTE] = m_badbyte, [C_OVERFLOW] = m_overflow,
	[C_SIGN] = m_sign, [C_RANGE] = m_range, [C_RADIX] = m_radix,
	[C_DSPACE] = m_dspace, [C_TOKENS] = m_tokens, [C_CASE] = m_case,
	[C_VERB] = m_verb, [C_HUGE] = m_huge, [C_RANDOM] = m_random,
	[C_OFFSET] = m_offset, [C_FAULT] = m_fault, [C_EMPTY] = m_empty,
};

/* Classes that hold for any knob of the common grammar. */
static bool generic_class(int c)
{
	return c == C_NUL || c == C_LEAD || c == C_A0 || c == C_BADBYTE ||
	       c == C_DSPACE || c == C_HUGE || c == C_RANDOM || c == C_OFFSET ||
	       c == C_FAULT || c == C_EMPTY || c == C_TRAIL;
}

/* ---- the model: might the module take this write? (errs on yes) ---- */

/* kstrtou64 after the module's first-character check. */
static bool parse_u64(const char *t, unsigned int base, uint64_t *v)
{
	unsigned int b = base, d;
	uint64_t x = 0;
	const char *p = t;

	if (base == 16 ? !isxdigit((unsigned char)t[0]) : !isdigit((unsigned char)t[0]))
		return false;
	if (base == 0) {
		if (p[0] == '0' && tolower((unsigned char)p[1]) == 'x' &&
		    isxdigit((unsigned char)p[2])) {
			b = 16;
			p += 2;
		} else if (p[0] == '0') {
			b = 8;
		} else {
			b = 10;
		}
	} else if (base == 16 && p[0] == '0' && tolower((unsigned char)p[1]) == 'x') {
		p += 2;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return false;
		if (d >= b)
			return false;
		if (x > (UINT64_MAX - d) / b)
			return false;
		x = x * b + d;
	}
	*v = x;
	return true;
}

static bool num_in(const char *t, unsigned int base, uint64_t lo, uint64_t hi)
{
	uint64_t v;

	return parse_u64(t, base, &v) && v >= lo && v <= hi;
}

static int name_index(const struct knob *k, const char *name, bool *avail)
{
	int i;

	for (i = 0; i < k->navail; i++)
		if (!strcmp(k->avail[i], name)) {
			*avail = true;
			return i;
		}
	for (i = 0; i < k->nunavail; i++)
		if (!strcmp(k->unavail[i], name)) {
			*avail = false;
			return MAX_NAMES + i;
		}
	return -1;
}

static bool ops_maybe_valid(const struct knob *k, char *s)
{
	bool seen[2 * MAX_NAMES] = { false }, avail;
	char *tok;
	int i;

	if (!strcmp(s, "all"))
		return k->navail > 0;
	while ((tok = strsep(&s, ",")) != NULL) {
		i = name_index(k, tok, &avail);
		if (i < 0 || seen[i] || !avail)
			return false;
		seen[i] = true;
	}
	return true;
}

static bool sym_ok(char *spec)
{
	char *plus = strchr(spec, '+');
	size_t i, len;

	if (plus) {
		*plus = '\0';
		if (!num_in(plus + 1, 0, 0, TLD_OFFSET_MAX))
			return false;
	}
	len = strlen(spec);
	if (!len || len >= 512)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)spec[i]) && spec[i] != '_' && spec[i] != '.')
			return false;
	return true;
}

static bool maybe_valid(const struct knob *k, const struct wr *w)
{
	char s[SCRATCH_LEN + 1], *tok[8], *p;
	size_t len = w->len, i;
	uint64_t start, alen;
	int n = 0;

	if (w->mode == M_FAULT || w->off || !len || len > k->max || !w->buf)
		return false;
	memcpy(s, w->buf, len);
	s[len] = '\0';
	if (s[len - 1] == '\n')
		s[--len] = '\0';
	if (!len || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' ? s[i + 1] == ' ' : c < 0x21 || c > 0x7e)
			return false;
	}
	p = s;
	while (p && n < 8)
		tok[n++] = strsep(&p, " ");
	if (p)
		return false;		/* more than 8 tokens: nothing takes that */
	switch (k->kind) {
	case K_GENERIC:
		return true;
	case K_U64:
	case K_BOOL:
	case K_RANGE:
		return n == 1 && num_in(tok[0], 10, k->lo, k->hi);
	case K_OPS:
		return n == 1 && ops_maybe_valid(k, tok[0]);
	case K_TARGETS:
		if (n > 4)
			return false;
		if (n == 3 && !strcmp(tok[0], "arena")) {
			if (!parse_u64(tok[1], 16, &start) ||
			    !num_in(tok[2], 16, 1, MMT_ARENA_MAX) ||
			    !parse_u64(tok[2], 16, &alen))
				return false;
			return !(start % PAGE) && !(alen % PAGE) &&
			       start + alen >= start && start + alen <= MMT_TASK_SIZE;
		}
		if (n == 2 && !strcmp(tok[0], "file"))
			return num_in(tok[1], 10, 0, INT32_MAX);
		if (n == 2 && !strcmp(tok[0], "release"))
			return !strcmp(tok[1], "all") || num_in(tok[1], 10, 1, UINT32_MAX);
		return false;
	case K_SITES:
		if (n > 6)
			return false;
		if (n == 1)
			return !strcmp(tok[0], "clear") || !strcmp(tok[0], "defaults");
		if (!sym_ok(tok[1]))
			return false;
		if (n == 2 && !strcmp(tok[0], "del"))
			return true;
		return n >= 3 && n <= 5 && !strcmp(tok[0], "add") &&
		       num_in(tok[2], 10, 1, TLD_DELAY_MAX) &&
		       (n < 4 || num_in(tok[3], 10, 1, 100)) &&
		       (n < 5 || num_in(tok[4], 10, 0, UINT64_MAX));
	}
	return true;
}

/* ---- the knobs' state ---- */

/* Drops the per-site counters of tlbdelay/sites, which move when armed. */
static void strip_counters(char *s)
{
	static const char * const keys[] = {
		" calls=", " hits=", " budget_skips=", " delay_us_total=",
	};
	size_t i;
	char *p, *e;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		while ((p = strstr(s, keys[i])) != NULL) {
			e = p + strlen(keys[i]);
			while (*e && *e != ' ' && *e != '\n')
				e++;
			memmove(p, e, strlen(e) + 1);
		}
	}
}

/* Every readable knob file, as "== NAME\nCONTENTS". */
static int snapshot(char *buf, size_t len)
{
	size_t n = 0;
	int i, r;

	buf[0] = '\0';
	for (i = 0; i < nknobs; i++) {
		if (!knobs[i].readable)
			continue;
		n += snprintf(buf + n, len - n, "== %s\n", knobs[i].name);
		if (n >= len)
			return -ENOSPC;
		r = mmt_read(knobs[i].name, buf + n, len - n);
		if (r < 0)
			return r;
		if (strstr(knobs[i].name, "sites"))
			strip_counters(buf + n);
		n += strlen(buf + n);
	}
	return 0;
}

/* The section of NAME in a snapshot, copied to out. */
static void section(const char *snap, const char *name, char *out, size_t len)
{
	char key[96];
	const char *p, *e;

	snprintf(key, sizeof(key), "== %s\n", name);
	out[0] = '\0';
	p = strstr(snap, key);
	if (!p)
		return;
	p += strlen(key);
	/* The next "== " at the start of a line ends it (an empty file: here). */
	if (!strncmp(p, "== ", 3)) {
		e = p;
	} else {
		e = strstr(p, "\n== ");
		e = e ? e + 1 : p + strlen(p);
	}
	snprintf(out, len, "%.*s", (int)(e - p), p);
}

static void print_escaped(const char *prefix, const char *buf, size_t len)
{
	char out[400];
	size_t i, n = 0;

	for (i = 0; i < len && n < sizeof(out) - 8; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[n++] = (char)c;
		else
			n += snprintf(out + n, sizeof(out) - n, "\\x%02x", c);
	}
	out[n] = '\0';
	printf("%s\"%s\"%s\n", prefix, out, i < len ? "..." : "");
}

static void print_write(const char *what, const struct knob *k,
			const struct wr *w, long ret, int err)
{
	char prefix[256];

	snprintf(prefix, sizeof(prefix),
		 "# %s: knob=%s class=%s mode=%s off=%lld count=%zu ret=%ld errno=%s bytes=",
		 what, k->name, cls_names[w->cls],
		 (const char *[]){ "write", "pwrite", "lseek+write", "fault" }[w->mode],
		 (long long)w->off, w->len, ret, ret < 0 && strerrorname_np(err) ? strerrorname_np(err) : "-");
	if (w->mode == M_FAULT || !w->buf)
		printf("%s(unreadable buffer)\n", prefix);
	else
		print_escaped(prefix, w->buf, w->len < 200 ? w->len : 200);
}

/* Puts back what a knob held in @snap (a write took effect). */
static void restore_sites(const char *want)
{
	char line[512], cmd[600], sym[300];
	unsigned int delay, prob;
	unsigned long long max;
	const char *p = want, *e;

	mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, MMT_SITES_CLEAR);
	if (!*want)
		return;
	/* The defaults carry their reason; "user" sites are added again. */
	if (!strstr(want, "why=user")) {
		mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, MMT_SITES_DEFAULTS);
		return;
	}
	while (*p) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		if (sscanf(line, MMT_STAT_TLBDELAY_SITE ": %299s delay_us=%u prob=%u max_hits=%llu",
			   sym, &delay, &prob, &max) == 4) {
			snprintf(cmd, sizeof(cmd), "add %s %u %u %llu", sym,
				 delay, prob, max);
			mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, cmd);
		}
		p = *e ? e + 1 : e;
	}
}

static void restore_state(const char *want)
{
	char have[SNAP_LEN], a[8192], b[8192];
	int i;

	if (snapshot(have, sizeof(have)))
		return;
	for (i = 0; i < nknobs; i++) {
		const struct knob *k = &knobs[i];

		if (!k->readable)
			continue;
		section(want, k->name, a, sizeof(a));
		section(have, k->name, b, sizeof(b));
		if (!strcmp(a, b))
			continue;
		if (k->kind == K_TARGETS)
			mmt_write(k->name, "release all");
		else if (k->kind == K_SITES)
			restore_sites(a);
		else if (strstr(k->name, "enable"))
			mmt_write(k->name, a[0] == '1' ? "1" : "0");
		else {
			a[strcspn(a, "\n")] = '\0';
			mmt_write(k->name, a);
		}
	}
}

/* Compares with the state at the start; prints and repairs a change. */
static bool state_unchanged(struct knob *k, const char *when)
{
	static char now[SNAP_LEN];
	char a[8192], b[8192];
	bool same;
	int i;

	if (dry_run)
		return true;
	if (snapshot(now, sizeof(now))) {
		printf("# cannot read the knobs' state %s\n", when);
		k->state_changes++;
		return false;
	}
	same = !strcmp(now, initial);
	if (same)
		return true;
	k->state_changes++;
	for (i = 0; i < nknobs; i++) {
		section(initial, knobs[i].name, a, sizeof(a));
		section(now, knobs[i].name, b, sizeof(b));
		if (strcmp(a, b)) {
			printf("# STATE CHANGED %s (fuzzing %s): %s\n", when, k->name,
			       knobs[i].name);
			print_escaped("#   was ", a, strlen(a));
			print_escaped("#   now ", b, strlen(b));
			if (strstr(knobs[i].name, "enable") && b[0] == '1') {
				k->enabled++;
				printf("# ENGINE ENABLED: %s\n", knobs[i].name);
			}
		}
	}
	restore_state(initial);
	return false;
}

/* ---- sending ---- */

static long send_write(struct gen *g, const struct wr *w, int *err)
{
	ssize_t r;

	errno = 0;
	switch (w->mode) {
	case M_PWRITE:
		r = pwrite(g->fd, w->buf, w->len, w->off);
		/* seq_file knobs (targets, sites) have no pwrite: seek instead. */
		if (r >= 0 || errno != ESPIPE)
			break;
		__attribute__((fallthrough));
	case M_LSEEK:
		if (lseek(g->fd, w->off, SEEK_SET) != w->off) {
			r = pwrite(g->fd, w->buf, w->len, w->off);
			break;
		}
		r = write(g->fd, w->buf, w->len);
		*err = errno;
		lseek(g->fd, 0, SEEK_SET);
		errno = *err;
		break;
	default:
		r = write(g->fd, w->buf, w->len);
		break;
	}
	*err = errno;
	/* An accepted write moved the file position: back to 0. */
	if (r >= 0)
		lseek(g->fd, 0, SEEK_SET);
	return (long)r;
}

/* One malformed write of a random class; false if the model vetoed it. */
static void one_write(struct gen *g)
{
	const struct knob *k = g->k;
	struct sample s;
	struct wr w;
	long r;
	int c, err = 0;

	for (;;) {
		c = rn(g, NCLASS);
		if (k->kind == K_GENERIC && !generic_class(c))
			continue;
		valid_sample(g, k, &s);
		memset(&w, 0, sizeof(w));
		w.cls = c;
		if (mutators[c](g, k, &s, &w))
			break;
	}
	if (maybe_valid(k, &w)) {
		g->vetoed++;
		pthread_mutex_lock(&report_lock);
		if (g->vetoed <= MAX_REPORTS)
			print_write("generator error (not sent, might be valid)", k, &w, 0, 0);
		pthread_mutex_unlock(&report_lock);
		return;
	}
	g->per_class[c]++;
	g->writes++;
	if (show && g->per_class[c] <= show) {
		pthread_mutex_lock(&report_lock);
		print_write("example", k, &w, 0, 0);
		pthread_mutex_unlock(&report_lock);
	}
	if (dry_run)
		return;
	r = send_write(g, &w, &err);
	if (r >= 0) {
		g->accepted++;
		pthread_mutex_lock(&report_lock);
		if (g->accepted <= MAX_REPORTS)
			print_write("ACCEPTED", k, &w, r, 0);
		pthread_mutex_unlock(&report_lock);
		return;
	}
	g->hist[err > 0 && err < NERRNO ? err : NERRNO]++;
}

static int gen_init(struct gen *g, const struct knob *k, unsigned int id)
{
	memset(g, 0, sizeof(*g));
	g->k = k;
	g->id = id;
	g->s = seed ^ (0x100000001b3ULL * (uint64_t)(k - knobs + 1)) ^
	       ((uint64_t)id << 56);
	g->scratch = malloc(SCRATCH_LEN + 16);
	g->guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!g->scratch || g->guard == MAP_FAILED ||
	    mprotect(g->guard + PAGE, PAGE, PROT_NONE))
		return -ENOMEM;
	g->fd = -1;
	if (!dry_run) {
		char path[256];

		mmt_path(path, sizeof(path), k->name);
		g->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (g->fd < 0)
			return -errno;
	}
	return 0;
}

static void gen_fold(struct knob *k, struct gen *g)
{
	int i;

	for (i = 0; i <= NERRNO; i++)
		k->hist[i] += g->hist[i];
	for (i = 0; i < NCLASS; i++)
		k->per_class[i] += g->per_class[i];
	k->writes += g->writes;
	k->accepted += g->accepted;
	k->vetoed += g->vetoed;
	if (g->fd >= 0)
		close(g->fd);
	free(g->scratch);
	munmap(g->guard, 2 * PAGE);
}

static atomic_int writers_done;

static void *writer(void *arg)
{
	struct gen *g = arg;

	while (g->todo--)
		one_write(g);
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fuzz_knob(struct knob *k)
{
	struct gen g, tg[WRITERS];
	pthread_t tid[WRITERS];
	unsigned long conc = count / 4, seq = count - conc, i;
	double t0 = now_s();
	int t, started = 0, err;
	char when[64];

	err = gen_init(&g, k, 0);
	if (err) {
		printf("# %s: cannot open: %s\n", k->name, strerror(-err));
		k->state_changes++;
		return;
	}
	for (i = 0; i < seq; i++) {
		one_write(&g);
		if ((i + 1) % CHECK_EVERY == 0) {
			snprintf(when, sizeof(when), "after write %lu", i + 1);
			state_unchanged(k, when);
		}
	}
	state_unchanged(k, "after the single-threaded writes");
	/* The rest from WRITERS threads at once, the state read meanwhile. */
	atomic_store(&writers_done, 0);
	for (t = 0; t < WRITERS; t++) {
		if (gen_init(&tg[t], k, 1 + t)) {
			printf("# %s: cannot set up writer %d\n", k->name, t);
			k->state_changes++;
			break;
		}
		tg[t].todo = conc / WRITERS + (t == 0 ? conc % WRITERS : 0);
		if (pthread_create(&tid[t], NULL, writer, &tg[t])) {
			gen_fold(k, &tg[t]);
			break;
		}
		started++;
	}
	while (started && atomic_load(&writers_done) < started) {
		state_unchanged(k, "while the writers ran");
		usleep(1000);
	}
	for (t = 0; t < started; t++) {
		pthread_join(tid[t], NULL);
		gen_fold(k, &tg[t]);
	}
	state_unchanged(k, "after the concurrent writes");
	gen_fold(k, &g);
	k->secs = now_s() - t0;
}

/* ---- the knobs present ---- */

static void read_ops(struct knob *k, const char *engine)
{
	char file[96], buf[8192], line[512], *p, *tok, *save;
	const char *v;
	int which;

	snprintf(file, sizeof(file), "%s/stats", engine);
	if (mmt_read(file, buf, sizeof(buf)) < 0)
		return;
	for (which = 0; which < 2; which++) {
		v = mmt_status_line(buf, which ? MMT_STAT_OPS_UNAVAILABLE ": " : MMT_STAT_OPS_AVAILABLE ": ");
		if (!v)
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(v, " \n"), v);
		for (p = line; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
			if (!strcmp(tok, "none"))
				continue;
			if (which && k->nunavail < MAX_NAMES)
				snprintf(k->unavail[k->nunavail++], 32, "%s", tok);
			else if (!which && k->navail < MAX_NAMES)
				snprintf(k->avail[k->navail++], 32, "%s", tok);
		}
	}
}

static void classify(struct knob *k)
{
	const char *base = strrchr(k->name, '/');
	char engine[64];

	base = base ? base + 1 : k->name;
	snprintf(engine, sizeof(engine), "%.*s",
		 base > k->name ? (int)(base - k->name - 1) : 0, k->name);
	k->max = 32;
	if (!strcmp(k->name, MMT_FILE_SEED)) {
		k->kind = K_U64;
		k->lo = 0;
		k->hi = UINT64_MAX;
	} else if (!strcmp(k->name, MMT_FILE_TARGETS)) {
		k->kind = K_TARGETS;
		k->max = 128;
	} else if (!strcmp(base, "enable") || !strcmp(base, "shared")) {
		k->kind = K_BOOL;
		k->lo = 0;
		k->hi = 1;
	} else if (!strcmp(base, "threads")) {
		k->kind = K_RANGE;
		k->lo = 1;
		k->hi = MMT_THREADS_MAX;
	} else if (!strcmp(base, "interval_us")) {
		k->kind = K_RANGE;
		k->lo = 0;
		k->hi = 1000000;
	} else if (!strcmp(base, "budget_ms")) {
		k->kind = K_RANGE;
		k->lo = 1;
		k->hi = 1000;
	} else if (!strcmp(base, "ops")) {
		k->kind = K_OPS;
		k->max = 255;
		read_ops(k, engine);
	} else if (!strcmp(base, "sites")) {
		k->kind = K_SITES;
		k->max = 256;
	} else {
		/* A knob this program does not know: the common grammar only. */
		k->kind = K_GENERIC;
		k->max = 256;
	}
}

/*
 * Every writable knob is listed, since the state covers them all; --knob
 * only picks the one that is fuzzed (fuzzed()).
 */
static struct knob *add_knob(const char *name, const struct stat *st)
{
	struct knob *k;

	if (nknobs >= MAX_KNOBS || !(st->st_mode & S_IWUSR) ||
	    !strcmp(name, MMT_FILE_CRASH_TRIGGER))
		return NULL;
	k = &knobs[nknobs++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->readable = st->st_mode & S_IRUSR;
	classify(k);
	return k;
}

static bool fuzzed(const struct knob *k)
{
	return !only_knob || !strcmp(only_knob, k->name);
}

static int cmp_knobs(const void *a, const void *b)
{
	return strcmp(((const struct knob *)a)->name, ((const struct knob *)b)->name);
}

static void find_knobs(void)
{
	char path[1200], name[600];
	struct dirent *de, *de2;
	DIR *d, *d2;
	struct stat st;

	d = opendir(MMT_DEBUGFS);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", MMT_DEBUGFS, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISREG(st.st_mode)) {
			add_knob(de->d_name, &st);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		d2 = opendir(path);
		if (!d2)
			continue;
		while ((de2 = readdir(d2)) != NULL) {
			if (de2->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s/%s", de->d_name, de2->d_name);
			snprintf(path, sizeof(path), "%s/%s", MMT_DEBUGFS, name);
			if (!stat(path, &st) && S_ISREG(st.st_mode))
				add_knob(name, &st);
		}
		closedir(d2);
	}
	closedir(d);
	qsort(knobs, nknobs, sizeof(knobs[0]), cmp_knobs);
}

/* The knobs of a module build, for --dry-run without one. */
static void builtin_knobs(void)
{
	static const char * const names[] = {
		MMT_FILE_SEED,
		MMT_FILE_TARGETS,
		MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE,
		MMT_ENGINE_MKCLEAN "/" MMT_FILE_THREADS,
		MMT_ENGINE_MKCLEAN "/" MMT_FILE_INTERVAL_US,
		MMT_ENGINE_MKCLEAN "/" MMT_FILE_OPS,
		MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED,
		MMT_ENGINE_VMA "/" MMT_FILE_ENABLE,
		MMT_ENGINE_VMA "/" MMT_FILE_THREADS,
		MMT_ENGINE_VMA "/" MMT_FILE_INTERVAL_US,
		MMT_ENGINE_VMA "/" MMT_FILE_OPS,
		MMT_ENGINE_LAZYTLB "/" MMT_FILE_ENABLE,
		MMT_ENGINE_LAZYTLB "/" MMT_FILE_THREADS,
		MMT_ENGINE_LAZYTLB "/" MMT_FILE_INTERVAL_US,
		MMT_ENGINE_LAZYTLB "/" MMT_FILE_OPS,
		MMT_ENGINE_TLBDELAY "/" MMT_FILE_ENABLE,
		MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES,
		MMT_ENGINE_TLBDELAY "/" MMT_FILE_BUDGET_MS,
		"future/knob",
	};
	static const char * const ops[][6] = {
		{ MMT_MKCLEAN_OP_MKCLEAN, MMT_MKCLEAN_OP_CLEAR_DIRTY,
		  MMT_MKCLEAN_OP_WRITEBACK },
		{ MMT_VMA_OP_MUNMAP, MMT_VMA_OP_MMAP_FIXED, MMT_VMA_OP_DONTNEED,
		  MMT_VMA_OP_ZAP_ALL },
		{ MMT_LAZYTLB_OP_ADOPT, MMT_LAZYTLB_OP_READ, MMT_LAZYTLB_OP_YIELD },
	};
	struct stat st = { .st_mode = S_IFREG | 0600 };
	size_t i;
	int j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct knob *k = add_knob(names[i], &st);

		if (k && k->kind == K_OPS) {
			int e = k->name[0] == 'm' ? 0 : k->name[0] == 'v' ? 1 : 2;

			for (j = 0; j < 6 && ops[e][j]; j++)
				snprintf(k->avail[k->navail++], 32, "%s", ops[e][j]);
			if (e == 0)
				snprintf(k->unavail[k->nunavail++], 32, MMT_MKCLEAN_OP_NOFLUSH);
			if (e == 1) {
				snprintf(k->unavail[k->nunavail++], 32, "mprotect");
				snprintf(k->unavail[k->nunavail++], 32, "mremap");
			}
		}
	}
	qsort(knobs, nknobs, sizeof(knobs[0]), cmp_knobs);
}

/* ---- the module still works ---- */

static int write_read(const char *file, const char *val, const char *expect,
		      int *fails)
{
	char buf[8192], want[256];
	int r = mmt_write(file, val);

	if (r) {
		printf("# still works: %s <- \"%.*s\": %s\n", file,
		       (int)strcspn(val, "\n"), val, strerror(-r));
		(*fails)++;
		return r;
	}
	if (!expect)
		return 0;
	snprintf(want, sizeof(want), "%s\n", expect);
	if (mmt_read(file, buf, sizeof(buf)) < 0 || strcmp(buf, want)) {
		printf("# still works: %s <- \"%s\" reads back \"%.*s\"\n", file,
		       expect, (int)strcspn(buf, "\n"), buf);
		(*fails)++;
		return -EIO;
	}
	return 0;
}

static struct knob after_valid = { .name = "(valid values)" };

static bool still_works(void)
{
	char buf[16384], cmd[128], key[160], *p, file[96], avail[256];
	const char *base, *v;
	int fails = 0, i, checked = 0, fd;
	unsigned int id;
	char *page;

	for (i = 0; i < nknobs; i++) {
		const struct knob *k = &knobs[i];

		base = strrchr(k->name, '/');
		base = base ? base + 1 : k->name;
		checked++;
		switch (k->kind) {
		case K_U64:
			write_read(k->name, "12345\n", "12345", &fails);
			break;
		case K_BOOL:	/* 0: enable stops what is stopped; shared off */
			write_read(k->name, "0\n", "0", &fails);
			break;
		case K_RANGE:
			if (!strcmp(base, "threads"))
				write_read(k->name, "2\n", "2", &fails);
			else if (!strcmp(base, "interval_us"))
				write_read(k->name, "10\n", "10", &fails);
			else
				write_read(k->name, "50\n", "50", &fails);
			break;
		case K_OPS:
			snprintf(file, sizeof(file), "%.*s/stats",
				 (int)(base - k->name - 1), k->name);
			avail[0] = '\0';
			if (mmt_read(file, buf, sizeof(buf)) >= 0 &&
			    (v = mmt_status_line(buf, MMT_STAT_OPS_AVAILABLE ": ")))
				snprintf(avail, sizeof(avail), "%.*s",
					 (int)strcspn(v, "\n"), v);
			write_read(k->name, "all\n", avail, &fails);
			break;
		case K_SITES:
			if (write_read(k->name, "defaults\n", NULL, &fails))
				break;
			if (mmt_read(k->name, buf, sizeof(buf)) < 0 ||
			    !strstr(buf, MMT_STAT_TLBDELAY_SITE ": ") || strstr(buf, "why=user")) {
				printf("# still works: %s after \"defaults\": \"%.200s\"\n",
				       k->name, buf);
				fails++;
			}
			break;
		case K_TARGETS:
			page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			if (page == MAP_FAILED) {
				fails++;
				break;
			}
			snprintf(cmd, sizeof(cmd), "arena %lx 1000\n", (unsigned long)page);
			if (write_read(k->name, cmd, NULL, &fails)) {
				munmap(page, PAGE);
				break;
			}
			snprintf(key, sizeof(key), " pid=%d ", getpid());
			mmt_read(k->name, buf, sizeof(buf));
			p = strstr(buf, key);
			snprintf(key, sizeof(key), "type=arena start=0x%lx len=0x1000",
				 (unsigned long)page);
			if (!p || !strstr(p, key)) {
				printf("# still works: targets lacks our arena: \"%.300s\"\n", buf);
				fails++;
			}
			/* The line of our target starts with its id. */
			while (p && p > buf && p[-1] != '\n')
				p--;
			if (p && sscanf(p, "id=%u", &id) == 1) {
				snprintf(cmd, sizeof(cmd), "release %u\n", id);
				write_read(k->name, cmd, NULL, &fails);
			} else {
				fails++;
			}
			fd = memfd_create("mmt_knob_fuzz", MFD_CLOEXEC);
			snprintf(cmd, sizeof(cmd), MMT_TARGET_FILE_VERB " %d", fd);
			if (fd >= 0 && !write_read(k->name, cmd, NULL, &fails)) {
				mmt_read(k->name, buf, sizeof(buf));
				snprintf(key, sizeof(key), " pid=%d ", getpid());
				if (!(p = strstr(buf, key)) || !strstr(p, "type=file")) {
					printf("# still works: targets lacks our file\n");
					fails++;
				}
			}
			write_read(k->name, "release all", NULL, &fails);
			mmt_read(k->name, buf, sizeof(buf));
			snprintf(key, sizeof(key), " pid=%d ", getpid());
			if (strstr(buf, key)) {
				printf("# still works: our targets outlived \"release all\"\n");
				fails++;
			}
			if (fd >= 0)
				close(fd);
			munmap(page, PAGE);
			break;
		case K_GENERIC:
			checked--;
			printf("# still works: %s: no known valid value, not written\n",
			       k->name);
			break;
		}
	}
	restore_state(initial);
	if (!state_unchanged(&after_valid, "after the valid writes were undone")) {
		printf("# still works: the old values did not come back\n");
		fails++;
	}
	printf("# still works: %d knobs took a valid value and read it back, %d failures\n",
	       checked, fails);
	return fails == 0;
}

/* ---- main ---- */

static void print_knob(const struct knob *k)
{
	char hist[1024], cls[1024];
	size_t n = 0, m = 0;
	int i;

	hist[0] = cls[0] = '\0';
	for (i = 1; i <= NERRNO; i++)
		if (k->hist[i])
			n += snprintf(hist + n, sizeof(hist) - n, " %s=%lu",
				      i == NERRNO || !strerrorname_np(i) ? "other" :
				      strerrorname_np(i),
				      k->hist[i]);
	for (i = 0; i < NCLASS; i++)
		if (k->per_class[i])
			m += snprintf(cls + m, sizeof(cls) - m, " %s=%lu",
				      cls_names[i], k->per_class[i]);
	printf("# knob %s: %lu malformed writes, %lu accepted, errno histogram%s (%.2f s)\n",
	       k->name, k->writes, k->accepted, n ? hist : " (none)", k->secs);
	printf("# knob %s: classes%s\n", k->name, cls);
	if (k->vetoed)
		printf("# knob %s: %lu generated writes might have been valid and were not sent\n",
		       k->name, k->vetoed);
	if (k->state_changes)
		printf("# knob %s: the state changed %lu times\n", k->name,
		       k->state_changes);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--count N] [--seed S] [--knob NAME] [--dry-run] [--show N]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", 1, NULL, 'c' }, { "seed", 1, NULL, 's' },
		{ "knob", 1, NULL, 'k' }, { "dry-run", 0, NULL, 'n' },
		{ "show", 1, NULL, 'S' }, { NULL, 0, NULL, 0 },
	};
	const char *env = getenv("MMT_SEED"), *why;
	bool seed_given = false, ok;
	double t0 = now_s();
	char buf[4096];
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': count = mmt_opt_ulong("--count", optarg, 1, 10000000); break;
		case 's':
			seed = mmt_opt_ulong("--seed", optarg, 0, ~0UL);
			seed_given = true;
			break;
		case 'k': only_knob = optarg; break;
		case 'n': dry_run = true; break;
		case 'S': show = mmt_opt_ulong("--show", optarg, 0, 1000000); break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	if (!seed_given)
		seed = env && *env ? mmt_opt_ulong("MMT_SEED", env, 0, ~0UL) :
		       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);

	ksft_print_header();
	if (!dry_run) {
		why = mmt_module_missing();
		if (why)
			ksft_exit_skip("%s\n", why);
	}
	own_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	big = mmap(NULL, BIG_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	own_fd = memfd_create("mmt_knob_fuzz", MFD_CLOEXEC);
	if (own_page == MAP_FAILED || big == MAP_FAILED || own_fd < 0)
		ksft_exit_fail_msg("cannot set up: %s\n", strerror(errno));
	memset(big, '1', BIG_LEN);
	mprotect(big, BIG_LEN, PROT_READ);

	if (dry_run)
		builtin_knobs();
	else
		find_knobs();
	if (!nknobs)
		ksft_exit_fail_msg("no writable knob under %s\n", MMT_DEBUGFS);
	if (!dry_run) {
		if (snapshot(initial, sizeof(initial)))
			ksft_exit_fail_msg("cannot read the knobs' state\n");
		for (i = 0; i < nknobs; i++) {
			if (strstr(knobs[i].name, "enable") &&
			    mmt_read(knobs[i].name, buf, sizeof(buf)) > 0 && buf[0] != '0')
				ksft_exit_skip("engine %s is running: the fuzz needs every engine stopped\n",
					       knobs[i].name);
		}
	}
	printf("# seed: %" PRIu64 " (replay: mmt_knob_fuzz --seed %" PRIu64 " --count %lu)\n",
	       seed, seed, count);
	printf("# %d writable knobs, %lu malformed writes each (%d writer threads for a quarter)%s\n",
	       nknobs, count, WRITERS, dry_run ? ", dry run: nothing is written" : "");
	for (i = 0, c = 0; i < nknobs; i++)
		c += fuzzed(&knobs[i]);
	if (!c)
		ksft_exit_fail_msg("no writable knob %s\n", only_knob);
	ksft_set_plan(c + 1);

	for (i = 0; i < nknobs; i++) {
		struct knob *k = &knobs[i];
		char name[80];
		size_t j;

		if (!fuzzed(k))
			continue;
		fuzz_knob(k);
		print_knob(k);
		snprintf(name, sizeof(name), "knob_%.63s", k->name);
		for (j = 0; name[j]; j++)
			if (name[j] == '/')
				name[j] = '_';
		ok = !k->accepted && !k->state_changes && !k->enabled &&
		     !k->vetoed && k->writes == count;
		ksft_test_result(ok, "%s\n", name);
	}
	if (dry_run)
		ksft_test_result_skip("still_works (dry run)\n");
	else
		ksft_test_result(still_works(), "still_works\n");
	printf("# total %.2f s\n", now_s() - t0);
	ksft_finished();
	return 0;
}
