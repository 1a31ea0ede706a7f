// SPDX-License-Identifier: GPL-2.0
/*
 * dontneed-storm - madvise() discard semantics under concurrency.
 *
 * Three regions, each split into pages owned by worker threads:
 *   anon   MAP_PRIVATE|MAP_ANONYMOUS
 *   shmem  a memfd mapped MAP_SHARED (MAP_SHARED|MAP_ANONYMOUS without memfd)
 *   file   a file in --dir mapped MAP_SHARED (skipped without --dir)
 *
 * Stormers (--stormers, default 1) loop the --storm advice over every
 * region as a whole.  Each worker round, on each region, stamps one of its
 * pages through the mapping (stamp.h), reads it back (mapping, then pread
 * where there is a file), applies the next advice in turn to that page
 * itself, and reads it back again.  What must be read back:
 *
 *   advice     anon          shmem         file
 *   DONTNEED   zero          last stamp    last stamp (also after the page
 *   REMOVE     -             zero          zero        is written back and
 *   PAGEOUT    last stamp    last stamp    last stamp  dropped: from disk)
 *   FREE       last stamp    -             -
 *              or zero (lazily freed: until the next store, reclaim may
 *              drop it; the next store must stick)
 *
 * Where a storm advice may discard data in the region (DONTNEED on anon,
 * REMOVE anywhere), a zero block, or a store cut short by a discard (parts
 * zero, the rest the expected stamp), is also accepted.  A stale, torn,
 * misplaced or foreign block is never acceptable.  REMOVE and PAGEOUT are
 * probed first; where the kernel or filesystem refuses them (EINVAL,
 * EOPNOTSUPP) their checks are skipped with the reason.
 *
 * KTAP tests, in order: dontneed_storm_<region>_<advice>_<zeroes|keeps>
 * for each meaningful pair (REMOVE on private anon is not), then
 * dontneed_storm_no_stale_or_torn (the read-backs right after each store)
 * and dontneed_storm_final_verify (every page after the run; the file
 * after fsync, POSIX_FADV_DONTNEED and, as root, drop_caches).
 * With --engines (engines.h) one engine_<name> test per engine follows.
 * Exit 0 pass, 1 finding/error/timeout, 2 bad option, 4 skip.
 *
 * Module engines: the file region is registered as "file FD" (mkclean);
 * with vma the shmem and file regions (MAP_SHARED) are arenas, zapped
 * only (dontneed, zap_all), which keeps their contents just as the
 * DONTNEED-on-shared checks expect; the private anonymous region is never
 * offered to the module.
 *
 * Self-checks (--selfcheck) simulate a bug; it must be reported at the
 * injected offset and the run exits 1.  The target is worker (seed % T)
 * at round 8 + seed % 32 or the first round after it that fits; storms do
 * not discard in the target region, so nothing can legitimately hide it.
 *   stale         pwrite() one block of the file (else shmem) page with its
 *                 previous stamp between the store and the read-back.
 *   torn          same with one byte of the current stamp flipped.
 *   skip-discard  skip one MADV_DONTNEED on an anon page but expect zero.
 *   stale-after-free  right after one MADV_FREE of an anon page, write its
 *                 previous stamp back: the page must read its last stamp or zero.
 *   hang          the worker stops; the watchdog must end the run.
 *
 * Report lines (stable):
 *   # bad block: offset=O expected seq=E found seq=F class=C region=R check=NAME via=map|pread thread=T elapsed=T.TTTs seed=S
 *   #   expected: offset=O seq=E seed=S writer=T
 *   #   found: magic=0xM offset=O seq=F seed=S writer=W csum=0xC (valid 0xV)
 *   #   page: offset=P bad_blocks=N/B
 *   # selfcheck: injected offset=O mode=M region=R thread=T seq=E
 *   # selfcheck: injected hang thread=T round=R
 *   # watchdog: REASON
 *   # error: WHAT: STRERROR
 *   # progress: elapsed=12.0s rounds=N storms=N delays=N bad=N   (every 10 s)
 * O is the offset of the first bad block from the start of the region, P
 * that of its page; expected seq=0 means a zero block was expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"
#include "engines.h"
#include "stamp.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_FREE
#define MADV_FREE	8
#endif

#define MAX_REPORTS	16

/*
 * What the module's vma engine may do here: zap pages of the MAP_SHARED
 * regions (shmem, file), which keeps their contents, exactly what the
 * checks of DONTNEED on a shared mapping expect ("keeps").  Never the
 * anonymous private region (a zap there is a discard the worker did not
 * ask for), and never munmap/mmap_fixed (anonymous memory would replace a
 * shared mapping).
 */
#define VMA_OPS_OK	MMT_VMA_OP_DONTNEED "," MMT_VMA_OP_ZAP_ALL

static struct engines eng = { .allowed = ENG_ALL };

enum region_kind { R_ANON, R_SHMEM, R_FILE, NR_REGIONS };
static const char *const region_names[NR_REGIONS] = { "anon", "shmem", "file" };

enum op { OP_DONTNEED, OP_REMOVE, OP_PAGEOUT, OP_FREE, NR_OPS };
static const char *const op_names[] = {
	"dontneed", "remove", "pageout", "free", NULL
};
static const int op_advice[NR_OPS] = {
	MADV_DONTNEED, MADV_REMOVE, MADV_PAGEOUT, MADV_FREE
};

enum selfcheck {
	SC_NONE, SC_STALE, SC_TORN, SC_SKIP_DISCARD, SC_STALE_AFTER_FREE, SC_HANG
};
static const char *const selfcheck_names[] = {
	"none", "stale", "torn", "skip-discard", "stale-after-free", "hang", NULL
};

static struct config {
	const char *dir;
	unsigned long threads;
	unsigned long stormers;
	unsigned long pages;		/* per thread and region */
	bool storm[NR_OPS];
	double duration;
	double watchdog;
	uint64_t seed;
	unsigned int selfcheck;
	bool keep;
} cfg = {
	.threads = 2,
	.stormers = 1,
	.pages = 32,
	.storm = { [OP_DONTNEED] = true, [OP_PAGEOUT] = true },
	.duration = 10,
	.selfcheck = SC_NONE,
};

struct region {
	enum region_kind kind;
	bool enabled;
	const char *off_why;		/* why not enabled */
	char *base;
	size_t size;
	int fd;				/* -1: no file side */
	char path[PATH_MAX];
	bool op_ok[NR_OPS];
	char op_why[NR_OPS][128];	/* why an advice is unavailable */
	bool storm_op[NR_OPS];
	bool storm_discards;		/* a storm may zero data here */
};

struct check {
	char name[64];
	const char *skip_why;
	atomic_ulong runs;
	atomic_ulong fails;
};

/* Per owned page and region. */
struct slot {
	uint64_t seq;			/* last stamp stored */
	uint64_t cur;			/* what the page holds: seq or 0 */
	bool may_zero;			/* MADV_FREE since the last store */
	unsigned int next_op;
};

struct worker {
	unsigned int id;
	struct slot *slots[NR_REGIONS];
	unsigned char *buf;
	unsigned long rounds;
	bool injected;
	pthread_t tid;
};

struct stormer {
	unsigned long calls;
	pthread_t tid;
};

#define MAX_CHECKS	(NR_REGIONS * NR_OPS + 2)

static struct {
	size_t page_size;
	struct region regions[NR_REGIONS];
	struct check checks[MAX_CHECKS];
	unsigned int nchecks;
	int check_id[NR_REGIONS][NR_OPS];	/* -1: no such check */
	int live_check, final_check;
	struct worker *workers;
	struct stormer *stormers;
	struct watchdog wd;
	double start, elapsed;
	atomic_int stop;
	atomic_int fatal;
	char fatal_why[256];
	atomic_uint reports;
	atomic_ulong verified;
	atomic_ulong storm_zeroed;	/* read-backs a storm had discarded */
	/* self-check target */
	unsigned int sc_worker;
	unsigned long sc_round;
	unsigned int sc_block;
	enum region_kind sc_region;
} run;

static double elapsed(void)
{
	return now_s() - run.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

static void fatal(const char *what)
{
	int err = errno;

	if (!atomic_exchange(&run.fatal, 1)) {
		snprintf(run.fatal_why, sizeof(run.fatal_why), "%s: %s",
			 what, strerror(err));
		diag("error: %s", run.fatal_why);
	}
	atomic_store(&run.stop, 1);
}

/* Does @op throw away the data of a page in a @kind region? */
static bool op_discards(enum region_kind kind, enum op op)
{
	if (op == OP_PAGEOUT || op == OP_FREE)
		return false;
	return op == OP_REMOVE || kind == R_ANON;
}

/* May @op zero the page later, or not at all (MADV_FREE)? */
static bool op_may_discard(enum region_kind kind, enum op op)
{
	return op_discards(kind, op) || op == OP_FREE;
}

static bool op_meaningful(enum region_kind kind, enum op op)
{
	/* MADV_REMOVE needs a shared mapping, MADV_FREE a private one. */
	if (op == OP_FREE)
		return kind == R_ANON;
	return !(kind == R_ANON && op == OP_REMOVE);
}

static size_t page_off(unsigned int worker, unsigned long page)
{
	return ((size_t)worker * cfg.pages + page) * run.page_size;
}

struct where {
	struct region *rg;
	size_t off;			/* page offset in the region */
	unsigned int worker;
	int check;
	const char *via;
};

static void report_bad(const struct where *at, const unsigned char *page,
		       const struct stamp_want *pw,
		       const struct stamp_result *res)
{
	struct stamp_want w = *pw;

	atomic_fetch_add(&run.checks[at->check].fails, 1);
	if (atomic_fetch_add(&run.reports, 1) >= MAX_REPORTS)
		return;
	w.offset += res->first * STAMP_SIZE;
	out_lock();
	stamp_report(stdout, "bad block", &w, page + res->first * STAMP_SIZE,
		     res->cls,
		     "region=%s check=%s via=%s thread=%u elapsed=%.3fs seed=%llu",
		     region_names[at->rg->kind], run.checks[at->check].name,
		     at->via, at->worker, elapsed(),
		     (unsigned long long)cfg.seed);
	diag("  page: offset=%zu bad_blocks=%u/%zu", at->off, res->nbad,
	     run.page_size / STAMP_SIZE);
	out_unlock();
}

/*
 * Check one copy of a page; zero_ok also accepts (partly) zero blocks,
 * and counts pages where a storm was seen to discard a store.
 */
static bool check_copy(const struct where *at, const unsigned char *page,
		       uint64_t seq, bool zero_ok)
{
	struct stamp_want want = { at->off, seq, cfg.seed, at->worker };
	unsigned int accept = zero_ok ? STAMP_ACCEPT(STAMP_ZEROED) : 0;
	struct stamp_result res;

	atomic_fetch_add(&run.checks[at->check].runs, 1);
	atomic_fetch_add_explicit(&run.verified, 1, memory_order_relaxed);
	if (stamp_check(page, run.page_size, &want, accept, &res)) {
		if (res.naccepted)
			atomic_fetch_add_explicit(&run.storm_zeroed, 1,
						  memory_order_relaxed);
		return true;
	}
	report_bad(at, page, &want, &res);
	return false;
}

/* Read the page through the mapping, then through the file if any. */
static bool verify_page(struct where *at, unsigned char *buf, uint64_t seq,
			bool zero_ok)
{
	size_t ps = run.page_size;

	at->via = "map";
	memcpy(buf, at->rg->base + at->off, ps);
	if (!check_copy(at, buf, seq, zero_ok))
		return false;
	if (at->rg->fd < 0)
		return true;
	at->via = "pread";
	if (pread(at->rg->fd, buf, ps, at->off) != (ssize_t)ps) {
		fatal("pread");
		return false;
	}
	return check_copy(at, buf, seq, zero_ok);
}

static bool sc_due(struct worker *w, unsigned long round, unsigned int mode,
		   enum region_kind kind)
{
	return cfg.selfcheck == mode && !w->injected &&
	       w->id == run.sc_worker && round >= run.sc_round &&
	       kind == run.sc_region;
}

/* --selfcheck=stale|torn: rewrite a block behind the checker's back. */
static void sc_rewrite_block(struct worker *w, struct region *rg,
			     struct slot *sl, size_t off)
{
	uint64_t boff = off + run.sc_block * STAMP_SIZE;
	struct stamp s;

	if (cfg.selfcheck == SC_STALE) {
		stamp_make(&s, boff, sl->seq - 1, cfg.seed, w->id);
	} else {
		stamp_make(&s, boff, sl->seq, cfg.seed, w->id);
		((unsigned char *)&s.fill)[3] ^= 0x10;
	}
	if (pwrite(rg->fd, &s, sizeof(s), boff) != sizeof(s)) {
		fatal("selfcheck pwrite");
		return;
	}
	w->injected = true;
	diag("selfcheck: injected offset=%llu mode=%s region=%s thread=%u seq=%llu",
	     (unsigned long long)boff, selfcheck_names[cfg.selfcheck],
	     region_names[rg->kind], w->id, (unsigned long long)sl->seq);
}

/* Next advice for this page, in turn among the available ones; -1: none. */
static int next_op(struct region *rg, struct slot *sl)
{
	unsigned int i, op;

	for (i = 0; i < NR_OPS; i++) {
		op = (sl->next_op + i) % NR_OPS;
		if (rg->op_ok[op]) {
			sl->next_op = op + 1;
			return op;
		}
	}
	return -1;
}

/* Write back and drop one file page so that the next read is from disk. */
static int drop_page(struct region *rg, size_t off)
{
	if (sync_file_range(rg->fd, off, run.page_size,
			    SYNC_FILE_RANGE_WAIT_BEFORE |
			    SYNC_FILE_RANGE_WRITE |
			    SYNC_FILE_RANGE_WAIT_AFTER))
		return -1;
	errno = posix_fadvise(rg->fd, off, run.page_size, POSIX_FADV_DONTNEED);
	return errno ? -1 : 0;
}

static int apply_op(struct worker *w, struct region *rg, struct slot *sl,
		    size_t off, enum op op, unsigned long round)
{
	if (op == OP_DONTNEED && sc_due(w, round, SC_SKIP_DISCARD, rg->kind)) {
		w->injected = true;
		diag("selfcheck: injected offset=%zu mode=skip-discard region=%s thread=%u seq=%llu",
		     off, region_names[rg->kind], w->id,
		     (unsigned long long)sl->seq);
		return 0;
	}
	if (madvise(rg->base + off, run.page_size, op_advice[op])) {
		fatal(op_names[op]);
		return -1;
	}
	/* The page's previous stamp comes back after MADV_FREE. */
	if (op == OP_FREE && sl->seq >= 2 &&
	    sc_due(w, round, SC_STALE_AFTER_FREE, rg->kind)) {
		uint64_t boff = off + run.sc_block * STAMP_SIZE;
		struct stamp s;

		stamp_make(&s, boff, sl->seq - 1, cfg.seed, w->id);
		memcpy(rg->base + boff, &s, sizeof(s));
		w->injected = true;
		diag("selfcheck: injected offset=%llu mode=stale-after-free region=%s thread=%u seq=%llu",
		     (unsigned long long)boff, region_names[rg->kind], w->id,
		     (unsigned long long)sl->seq);
	}
	if (rg->kind == R_FILE && !op_discards(rg->kind, op) &&
	    drop_page(rg, off)) {
		fatal("drop file page");
		return -1;
	}
	return 0;
}

/*
 * One page of one region: store, read back, advise, read back.
 * Returns 0 to go on, nonzero to end the worker.
 */
static int region_round(struct worker *w, struct region *rg,
			unsigned long round)
{
	unsigned long page = round % cfg.pages;
	struct slot *sl = &w->slots[rg->kind][page];
	struct where at = {
		.rg = rg,
		.off = page_off(w->id, page),
		.worker = w->id,
		.check = run.live_check,
	};
	bool lose;
	int op;

	sl->seq++;
	stamp_fill(rg->base + at.off, run.page_size, at.off, sl->seq,
		   cfg.seed, w->id);
	sl->cur = sl->seq;
	sl->may_zero = false;
	if (sl->seq >= 2 && (sc_due(w, round, SC_STALE, rg->kind) ||
			     sc_due(w, round, SC_TORN, rg->kind)))
		sc_rewrite_block(w, rg, sl, at.off);
	if (!verify_page(&at, w->buf, sl->seq, rg->storm_discards))
		return 1;

	op = next_op(rg, sl);
	if (op < 0)
		return 0;
	if (apply_op(w, rg, sl, at.off, op, round))
		return -1;
	lose = op_discards(rg->kind, op);
	sl->cur = lose ? 0 : sl->seq;
	sl->may_zero = op == OP_FREE;
	at.check = run.check_id[rg->kind][op];
	if (!verify_page(&at, w->buf, sl->cur,
			 !lose && (rg->storm_discards || sl->may_zero)))
		return 1;
	return 0;
}

static _Noreturn void sc_hang(struct worker *w, unsigned long round)
{
	diag("selfcheck: injected hang thread=%u round=%lu", w->id, round);
	for (;;)
		sleep_s(1);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long round;
	int r;

	for (round = 0; !stopping(); round++) {
		if (cfg.selfcheck == SC_HANG && w->id == run.sc_worker &&
		    round == run.sc_round)
			sc_hang(w, round);
		for (r = 0; r < NR_REGIONS && !stopping(); r++) {
			if (!run.regions[r].enabled)
				continue;
			if (region_round(w, &run.regions[r], round)) {
				atomic_store(&run.stop, 1);
				return NULL;
			}
		}
		w->rounds = round + 1;
		atomic_store_explicit(&run.wd.progress[w->id], w->rounds,
				      memory_order_relaxed);
	}
	return NULL;
}

/* Each pass applies the next storm advice to every region that takes it. */
static void *stormer_fn(void *arg)
{
	struct stormer *s = arg;
	struct region *rg;
	unsigned int pass;
	int r, op;

	for (pass = 0; !stopping(); pass++) {
		op = pass % NR_OPS;
		for (r = 0; r < NR_REGIONS; r++) {
			rg = &run.regions[r];
			if (!rg->enabled || !rg->storm_op[op])
				continue;
			if (madvise(rg->base, rg->size, op_advice[op])) {
				fatal("storm madvise");
				return NULL;
			}
			s->calls++;
		}
	}
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "madvise() discard semantics while other threads store and read stamps.\n\n"
	       "  --dir DIR               scratch directory for the file region\n"
	       "                          (without it the file checks are skipped)\n"
	       "  --threads N             worker threads (default 2)\n"
	       "  --stormers N            threads advising whole regions (default 1)\n"
	       "  --pages-per-thread N    pages per worker and region (default 32)\n"
	       "  --storm LIST            advice the stormers use, comma-separated\n"
	       "                          dontneed,remove,pageout,free (default dontneed,pageout)\n"
	       "  --duration SECONDS      run time (default 10)\n"
	       "  --seed N                run seed (default: from the clock, printed)\n"
	       "  --watchdog SECONDS      no-progress timeout (default max(30, 2*duration))\n"
	       "  --selfcheck MODE        stale|torn|skip-discard|stale-after-free|hang:\n"
	       "                          simulate a bug\n"
	       "  --keep                  keep the file (default: unlinked at start)\n"
	       "  --engines LIST          module engines: tlbdelay,mkclean,vma,lazytlb or none;\n"
	       "                          mkclean cleans the file (needs --dir), vma zaps the\n"
	       "                          shared regions only (ops " VMA_OPS_OK ")\n"
	       "  --engine-set E.KEY=V    engine setting (threads, interval_us, ops, sites,\n"
	       "                          budget_ms); repeatable\n"
	       "Exit: 0 pass, 1 finding/error/timeout, 2 bad option, 4 skip.\n",
	       prog_name);
}

static void parse_storm(const char *arg)
{
	char *list = strdup(arg), *tok, *save = NULL;
	int op;

	if (!list)
		die_errno("strdup");
	memset(cfg.storm, 0, sizeof(cfg.storm));
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		op = opt_choice("--storm advice", tok, op_names);
		cfg.storm[op] = true;
	}
	free(list);
}

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 'T' },
		{ "stormers", required_argument, NULL, 'm' },
		{ "pages-per-thread", required_argument, NULL, 'p' },
		{ "storm", required_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "watchdog", required_argument, NULL, 'W' },
		{ "selfcheck", required_argument, NULL, 'S' },
		{ "keep", no_argument, NULL, 'k' },
		{ "engines", required_argument, NULL, 'E' },
		{ "engine-set", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool seeded = false;
	int c;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.dir = optarg;
			break;
		case 'T':
			cfg.threads = opt_count("--threads", optarg, 1, 256);
			break;
		case 'm':
			cfg.stormers = opt_count("--stormers", optarg, 0, 64);
			break;
		case 'p':
			cfg.pages = opt_count("--pages-per-thread", optarg,
					       1, 1 << 16);
			break;
		case 'a':
			parse_storm(optarg);
			break;
		case 't':
			cfg.duration = opt_seconds("--duration", optarg);
			break;
		case 's':
			cfg.seed = opt_seed("--seed", optarg);
			seeded = true;
			break;
		case 'W':
			cfg.watchdog = opt_seconds("--watchdog", optarg);
			break;
		case 'S':
			cfg.selfcheck = opt_choice("--selfcheck", optarg,
						   selfcheck_names);
			break;
		case 'k':
			cfg.keep = true;
			break;
		case 'E':
			engines_parse_list(&eng, optarg);
			break;
		case 'X':
			engines_parse_set(&eng, optarg);
			break;
		case 'h':
			usage();
			exit(MMT_EXIT_PASS);
		default:
			bad_option(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (engines_on(&eng, ENG_MKCLEAN) && !cfg.dir)
		usage_error("--engines mkclean needs --dir: it cleans the file region");
	engines_default(&eng, ENG_VMA, "ops", VMA_OPS_OK);
	engines_limit_ops(&eng, ENG_VMA, VMA_OPS_OK,
			  "only zaps of the shared regions keep what the checker expects");
	engines_validate(&eng);
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

static char *map_region(size_t size, int flags, int fd)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		die_errno("mmap %zu bytes", size);
	return p;
}

/* A fresh, empty object of @kind and its fd (-1 for none). */
static int new_object(enum region_kind kind, size_t size, char *path)
{
	int fd;

	if (kind == R_ANON)
		return -1;
	if (kind == R_SHMEM) {
		fd = memfd_create("mmt-dontneed-storm", MFD_CLOEXEC);
		if (fd < 0 && errno == ENOSYS)
			return -1;
		if (fd < 0)
			die_errno("memfd_create");
	} else {
		snprintf(path, PATH_MAX, "%s/dontneed-storm.XXXXXX", cfg.dir);
		fd = mkstemp(path);
		if (fd < 0)
			die_errno("mkstemp %s", path);
		if (!cfg.keep && unlink(path))
			die_errno("unlink %s", path);
	}
	if (ftruncate(fd, size))
		die_errno("ftruncate");
	return fd;
}

static char *map_object(enum region_kind kind, size_t size, int fd)
{
	if (kind == R_ANON)
		return map_region(size, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (fd < 0)
		return map_region(size, MAP_SHARED | MAP_ANONYMOUS, -1);
	return map_region(size, MAP_SHARED, fd);
}

/* Try each advice on a scratch page of the region's kind. */
static void probe_ops(struct region *rg)
{
	char path[PATH_MAX];
	size_t ps = run.page_size;
	int fd, op;
	char *p;

	fd = new_object(rg->kind, ps, path);
	p = map_object(rg->kind, ps, fd);
	for (op = 0; op < NR_OPS; op++) {
		if (!op_meaningful(rg->kind, op))
			continue;
		p[0] = 1;
		rg->op_ok[op] = !madvise(p, ps, op_advice[op]);
		if (!rg->op_ok[op])
			snprintf(rg->op_why[op], sizeof(rg->op_why[op]),
				 "MADV_%s on %s: %s (%s)",
				 op == OP_DONTNEED ? "DONTNEED" :
				 op == OP_REMOVE ? "REMOVE" :
				 op == OP_FREE ? "FREE" : "PAGEOUT",
				 region_names[rg->kind], strerror(errno),
				 errno == EINVAL ? "not in this kernel" :
				 errno == EOPNOTSUPP ? "not supported here" :
				 "probe failed");
	}
	munmap(p, ps);
	if (fd >= 0) {
		close(fd);
		if (rg->kind == R_FILE && cfg.keep)
			unlink(path);
	}
}

static void setup_region(struct region *rg, enum region_kind kind)
{
	int op;

	rg->kind = kind;
	rg->fd = -1;
	if (kind == R_FILE && !cfg.dir) {
		rg->off_why = "no --dir given";
		return;
	}
	rg->enabled = true;
	rg->size = page_off(cfg.threads, 0);
	probe_ops(rg);
	rg->fd = new_object(kind, rg->size, rg->path);
	rg->base = map_object(kind, rg->size, rg->fd);
	for (op = 0; op < NR_OPS; op++) {
		rg->storm_op[op] = cfg.storm[op] && rg->op_ok[op];
		/* A self-check must not be hidden by a legitimate discard. */
		if (cfg.selfcheck != SC_NONE && kind == run.sc_region &&
		    op_may_discard(kind, op))
			rg->storm_op[op] = false;
		if (rg->storm_op[op] && op_may_discard(kind, op))
			rg->storm_discards = true;
	}
}

static void add_check(const char *name, const char *skip_why)
{
	struct check *c = &run.checks[run.nchecks++];

	snprintf(c->name, sizeof(c->name), "dontneed_storm_%s", name);
	c->skip_why = skip_why;
}

static void setup_checks(void)
{
	struct region *rg;
	char name[48];
	int r, op;

	for (r = 0; r < NR_REGIONS; r++) {
		rg = &run.regions[r];
		for (op = 0; op < NR_OPS; op++) {
			run.check_id[r][op] = -1;
			if (!op_meaningful(r, op))
				continue;
			run.check_id[r][op] = run.nchecks;
			snprintf(name, sizeof(name), "%s_%s_%s",
				 region_names[r], op_names[op],
				 op_discards(r, op) ? "zeroes" :
				 op == OP_FREE ? "keeps_or_zeroes" : "keeps");
			add_check(name, !rg->enabled ? rg->off_why :
				  !rg->op_ok[op] ? rg->op_why[op] : NULL);
		}
	}
	run.live_check = run.nchecks;
	add_check("no_stale_or_torn", NULL);
	run.final_check = run.nchecks;
	add_check("final_verify", NULL);
}

static void setup_selfcheck(void)
{
	run.sc_worker = cfg.seed % cfg.threads;
	run.sc_round = 8 + cfg.seed % 32;
	run.sc_block = 1 + cfg.seed % (run.page_size / STAMP_SIZE - 1);
	run.sc_region = R_ANON;
	if (cfg.selfcheck == SC_STALE || cfg.selfcheck == SC_TORN)
		run.sc_region = cfg.dir ? R_FILE : R_SHMEM;
}

static void setup(void)
{
	unsigned long i;
	int r;

	run.page_size = sysconf(_SC_PAGESIZE);
	if (cfg.dir)
		scratch_check(cfg.dir, page_off(cfg.threads, 0) + run.page_size,
			      "--threads x --pages-per-thread");
	setup_selfcheck();
	for (r = 0; r < NR_REGIONS; r++)
		setup_region(&run.regions[r], r);
	if ((cfg.selfcheck == SC_STALE || cfg.selfcheck == SC_TORN) &&
	    run.regions[run.sc_region].fd < 0)
		usage_error("--selfcheck %s needs --dir or memfd_create()",
			    selfcheck_names[cfg.selfcheck]);
	setup_checks();
	run.workers = calloc(cfg.threads, sizeof(*run.workers));
	run.stormers = calloc(cfg.stormers + 1, sizeof(*run.stormers));
	run.wd.progress = calloc(cfg.threads, sizeof(*run.wd.progress));
	if (!run.workers || !run.stormers || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.threads; i++) {
		run.workers[i].id = i;
		for (r = 0; r < NR_REGIONS; r++) {
			run.workers[i].slots[r] = calloc(cfg.pages,
							 sizeof(struct slot));
			if (!run.workers[i].slots[r])
				die_errno("calloc");
		}
		if (posix_memalign((void **)&run.workers[i].buf,
				   run.page_size, run.page_size))
			die_errno("posix_memalign");
	}
}

static void start_thread(pthread_t *tid, void *(*fn)(void *), void *arg,
			 const char *name)
{
	errno = pthread_create(tid, NULL, fn, arg);
	if (errno)
		die_errno("pthread_create %s", name);
	pthread_setname_np(*tid, name);
}

static void start_threads(void)
{
	char name[16];
	unsigned long i;

	for (i = 0; i < cfg.threads; i++) {
		snprintf(name, sizeof(name), "ds-w%u", (unsigned int)i);
		start_thread(&run.workers[i].tid, worker_fn, &run.workers[i],
			     name);
	}
	for (i = 0; i < cfg.stormers; i++) {
		snprintf(name, sizeof(name), "ds-s%u", (unsigned int)i);
		start_thread(&run.stormers[i].tid, stormer_fn,
			     &run.stormers[i], name);
	}
}


/* # progress: elapsed=12.0s rounds=N storms=N delays=N bad=N */
static void progress_line(void)
{
	unsigned long rounds = 0, storms = 0, bad = 0, i;

	for (i = 0; i < cfg.threads; i++)
		rounds += atomic_load_explicit(&run.wd.progress[i],
					       memory_order_relaxed);
	for (i = 0; i < cfg.stormers; i++)
		storms += __atomic_load_n(&run.stormers[i].calls,
					  __ATOMIC_RELAXED);
	for (i = 0; i < run.nchecks; i++)
		bad += atomic_load(&run.checks[i].fails);
	diag("progress: elapsed=%.1fs rounds=%lu storms=%lu delays=%lld bad=%lu",
	     elapsed(), rounds, storms, engines_delays(&eng), bad);
}

static void stop_and_join(void)
{
	unsigned long i;

	run.elapsed = run_for(run.start, cfg.duration, &run.stop, progress_line);
	atomic_store(&run.wd.finishing, 1);
	atomic_store(&run.stop, 1);
	for (i = 0; i < cfg.threads; i++) {
		pthread_join(run.workers[i].tid, NULL);
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
	for (i = 0; i < cfg.stormers; i++) {
		pthread_join(run.stormers[i].tid, NULL);
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
	engines_disarm(&eng);
}

/* Check every page of @rg against what its owner left there. */
static void final_region(struct region *rg, bool via_map)
{
	unsigned char *buf = run.workers[0].buf;
	struct where at = { .rg = rg, .check = run.final_check };
	struct slot *sl;
	unsigned long i, p;
	size_t ps = run.page_size;

	for (i = 0; i < cfg.threads; i++) {
		for (p = 0; p < cfg.pages; p++) {
			sl = &run.workers[i].slots[rg->kind][p];
			at.worker = i;
			at.off = page_off(i, p);
			if (via_map) {
				at.via = "map";
				memcpy(buf, rg->base + at.off, ps);
			} else {
				at.via = "pread";
				if (pread(rg->fd, buf, ps, at.off) != (ssize_t)ps) {
					fatal("final pread");
					return;
				}
			}
			check_copy(&at, buf, sl->cur,
				   rg->storm_discards || sl->may_zero);
		}
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
}

static void final_verify(void)
{
	struct region *rg;
	const char *how;
	int r;

	for (r = 0; r < NR_REGIONS; r++) {
		rg = &run.regions[r];
		if (!rg->enabled)
			continue;
		final_region(rg, true);
		if (rg->fd < 0)
			continue;
		if (rg->kind == R_FILE) {
			if (munmap(rg->base, rg->size))
				die_errno("munmap");
			if (drop_file_cache(rg->fd, &how)) {
				fatal(how);
				continue;
			}
			diag("final verify: file cache dropped with %s", how);
		}
		final_region(rg, false);
	}
}

/* The watchdog thread's last words: see racewrite.c's expire(). */
static _Noreturn void expire(const char *why)
{
	unsigned int i, n = run.nchecks;

	ktap_seize(1);
	ktap_raw_diag("watchdog: ", why);
	for (i = 0; i < run.nchecks; i++) {
		if (run.checks[i].skip_why)
			ktap_raw_result(i + 1, run.checks[i].name, V_SKIP,
					run.checks[i].skip_why);
		else
			ktap_raw_result(i + 1, run.checks[i].name, V_TIMEOUT,
					why);
	}
	for (i = 0; i < ENG_NR; i++)
		if (engines_on(&eng, i))
			ktap_raw_engine_timeout(++n, engine_names[i], why);
	_exit(MMT_EXIT_FAIL);
}

static void print_config(void)
{
	struct utsname u;
	struct region *rg;
	char engs[1024], storm[64], ops[128];
	size_t len;
	int r, op;

	uname(&u);
	engines_describe(&eng, engs, sizeof(engs));
	storm[0] = '\0';
	for (op = 0; op < NR_OPS; op++)
		if (cfg.storm[op])
			snprintf(storm + strlen(storm), sizeof(storm) - strlen(storm),
				 "%s%s", storm[0] ? "," : "", op_names[op]);
	diag("dontneed-storm: dir=%s threads=%lu stormers=%lu pages_per_thread=%lu storm=%s duration=%g watchdog=%g selfcheck=%s %s",
	     cfg.dir ? cfg.dir : "-", cfg.threads, cfg.stormers, cfg.pages,
	     storm, cfg.duration, cfg.watchdog, selfcheck_names[cfg.selfcheck], engs);
	diag("seed=%llu page_size=%zu kernel=%s",
	     (unsigned long long)cfg.seed, run.page_size, u.release);
	for (r = 0; r < NR_REGIONS; r++) {
		rg = &run.regions[r];
		if (!rg->enabled)
			continue;
		ops[0] = '\0';
		for (op = 0, len = 0; op < NR_OPS; op++)
			if (rg->storm_op[op] && len < sizeof(ops))
				len += snprintf(ops + len, sizeof(ops) - len,
						"%s ", op_names[op]);
		diag("region %s: size=%zu fd=%s storm=%szero_ok=%d",
		     region_names[r], rg->size, rg->fd >= 0 ? "yes" : "no",
		     ops, rg->storm_discards);
	}
}

static void print_metrics(void)
{
	unsigned long rounds = 0, calls = 0, i;
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;

	for (i = 0; i < cfg.threads; i++)
		rounds += run.workers[i].rounds;
	for (i = 0; i < cfg.stormers; i++)
		calls += run.stormers[i].calls;
	metric("worker_rounds_per_s", rounds / t, "1/s");
	metric("storm_madvise_per_s", calls / t, "1/s");
	metric("verified_pages", atomic_load(&run.verified), NULL);
	metric("storm_zeroed_pages", atomic_load(&run.storm_zeroed), NULL);
	metric("elapsed_s", run.elapsed, "s");
}

static int report(void)
{
	enum verdict v[MAX_CHECKS + ENG_NR];
	const char *why;
	struct check *c;
	unsigned int i;

	for (i = 0; i < run.nchecks; i++) {
		c = &run.checks[i];
		why = NULL;
		if (c->skip_why) {
			v[i] = V_SKIP;
			why = c->skip_why;
		} else if (atomic_load(&c->fails)) {
			v[i] = V_FAIL;
			why = "bad block read back";
		} else if (atomic_load(&run.fatal)) {
			v[i] = V_FAIL;
			why = run.fatal_why;
		} else if (!atomic_load(&c->runs)) {
			v[i] = V_SKIP;
			why = "not exercised in this run";
		} else {
			v[i] = V_PASS;
		}
		ktap_result(i + 1, c->name, v[i], why);
	}
	engines_report(&eng, run.nchecks + 1, v + run.nchecks);
	return exit_code(v, run.nchecks + engines_nr_tests(&eng));
}

/* The file for mkclean; the shared regions for vma (see VMA_OPS_OK). */
static void register_engines(void)
{
	struct region *rg;

	rg = &run.regions[R_FILE];
	if (rg->enabled && rg->fd >= 0)
		engines_add_file(&eng, rg->fd);
	if (!engines_on(&eng, ENG_VMA))
		return;
	for (int r = R_SHMEM; r <= R_FILE; r++) {
		rg = &run.regions[r];
		if (rg->enabled)
			engines_add_arena(&eng, rg->base, rg->size);
	}
}

int main(int argc, char **argv)
{
	prog_name = "dontneed-storm";
	parse_options(argc, argv);
	setup();
	register_engines();

	ktap_header(run.nchecks + engines_nr_tests(&eng));
	print_config();
	run.wd.nr = cfg.threads;
	run.wd.role = "worker";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	engines_arm(&eng, cfg.seed);
	run.start = now_s();
	if (watchdog_start(&run.wd))
		die_errno("watchdog");
	start_threads();
	stop_and_join();
	final_verify();
	watchdog_stop(&run.wd);
	print_metrics();
	return report();
}
