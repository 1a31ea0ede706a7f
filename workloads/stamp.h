/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stamp.h - self-describing 64-byte blocks for lost-write detection.
 *
 * Every block a workload writes carries where it belongs (offset), when it
 * was written (seq, per owner), which run wrote it (seed), who wrote it
 * (writer) and a checksum over all of that.  A checker that knows which
 * stamp it expects at an offset can then say what went wrong instead of
 * just "mismatch":
 *
 *   ok         the expected stamp
 *   zeroed     all zero, or partly zero and otherwise the expected stamp
 *              (data discarded, in whole or from the middle of a store)
 *   stale      a valid stamp for this offset, older than expected (or any
 *              stamp where zero was expected: data that should be gone)
 *   torn       not a valid stamp: bad magic or checksum
 *   misplaced  a valid stamp of this run for another offset
 *   foreign    a valid stamp of another run (seed) or another writer
 *   newer      a valid stamp ahead of the checker's record (harness bug)
 *
 * Blocks are STAMP_SIZE bytes, so a 4 KiB page holds 64 of them, each with
 * its own offset.
 */
#ifndef MMT_STAMP_H
#define MMT_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STAMP_SIZE	64
#define STAMP_MAGIC	0x31504d5453544d4dULL	/* "MMTSTMP1" little-endian */
#define STAMP_NO_WRITER	UINT32_MAX		/* nobody owns the offset */

struct stamp {
	uint64_t magic;
	uint64_t offset;	/* byte offset of the block in its file/mapping */
	uint64_t seq;		/* owner's sequence number, first write is 1 */
	uint64_t seed;		/* run seed */
	uint32_t writer;	/* owner thread index */
	uint32_t pad;		/* zero */
	uint64_t fill[2];	/* derived from the fields above */
	uint64_t csum;		/* over everything before it */
};

_Static_assert(sizeof(struct stamp) == STAMP_SIZE, "stamp must be 64 bytes");

/* What the checker expects at an offset.  seq == 0: a zero block. */
struct stamp_want {
	uint64_t offset;
	uint64_t seq;
	uint64_t seed;
	uint32_t writer;
};

enum stamp_class {
	STAMP_OK,
	STAMP_ZEROED,
	STAMP_STALE,
	STAMP_TORN,
	STAMP_MISPLACED,
	STAMP_FOREIGN,
	STAMP_NEWER,
	STAMP_NR_CLASSES
};

#define STAMP_ACCEPT(cls)	(1u << (cls))

void stamp_make(struct stamp *s, uint64_t offset, uint64_t seq,
		uint64_t seed, uint32_t writer);

/*
 * Stamp @len bytes at @dst (a multiple of STAMP_SIZE, e.g. a whole page)
 * whose first byte is at @offset: block i gets offset + i * STAMP_SIZE.
 * Plain stores, in ascending order; @dst may be a shared mapping.
 */
void stamp_fill(void *dst, size_t len, uint64_t offset, uint64_t seq,
		uint64_t seed, uint32_t writer);

enum stamp_class stamp_classify(const void *blk, const struct stamp_want *want);

struct stamp_result {
	long first;		/* index of the first bad block, -1: none */
	enum stamp_class cls;	/* its class */
	unsigned int nbad;	/* bad blocks */
	unsigned int naccepted;	/* blocks not ok but of an accepted class */
};

/*
 * Check the blocks of @buf (@len bytes) against @want, whose offset is that
 * of the first block (each following block's offset advances by
 * STAMP_SIZE).  Classes in @accept (STAMP_ACCEPT() bits) count as good, as
 * does STAMP_OK.  Returns true if all blocks are good.
 */
bool stamp_check(const void *buf, size_t len, const struct stamp_want *want,
		 unsigned int accept, struct stamp_result *res);

const char *stamp_class_name(enum stamp_class cls);

/*
 * Report a bad block, three lines of KTAP diagnostics:
 *
 *   # WHAT: offset=O expected seq=E found seq=F class=C EXTRA
 *   #   expected: offset=O seq=E seed=S writer=W
 *   #   found: magic=0xM offset=O seq=F seed=S writer=W csum=0xC (valid 0xV)
 *
 * (or "#   found: all zero").  @want->offset is the bad block's offset.
 * EXTRA is printf-formatted from @fmt; the caller holds the output lock.
 */
void stamp_report(FILE *out, const char *what, const struct stamp_want *want,
		  const void *found, enum stamp_class cls,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
