// SPDX-License-Identifier: GPL-2.0
/*
 * vma-move - mremap moves vs concurrent stores (docs/races.md section 2):
 * after mremap(MREMAP_MAYMOVE|MREMAP_FIXED) has moved a range, the old
 * range faults, and the new range holds every store that completed
 * before the call.
 *
 * The arena lives at one of two places, A and B, inside a reservation
 * [guard][A][guard][B][guard] of PROT_NONE pages. Storer threads
 * (--threads) loop: load the arena's current base, store their own next
 * sequence number into their own word of a random page, and, if the
 * store did not fault, publish it as completed (done[thread][page]). A
 * store that faults (it used a base the mover had just moved away) is
 * retried at the new base. A mover thread, on a schedule drawn from
 * --seed, moves the arena from one place to the other:
 *   1. snapshot done[][] (every store completed before the call);
 *   2. mremap the arena onto the other place (which held PROT_NONE);
 *   3. publish the new base;
 *   4. the new range must hold, for every thread and page, a value no
 *      smaller than the snapshot's   -> else violation "lost-store"
 *   5. every page of the old range must fault on a read
 *                                     -> else violation "old-range-readable"
 *   6. put PROT_NONE back over the old range (MAP_FIXED_NOREPLACE).
 * With --ops resize (on by default with move) the mover also shrinks the
 * arena in place by a seeded number of pages at its end and grows it back
 * (mremap without MREMAP_MAYMOVE): after the shrink, the cut pages must
 * fault on a read (violation "shrunk-range-readable") and the kept pages
 * hold every completed store ("lost-store"); after the growth, the kept
 * pages still do, and on shmem and file mappings the regrown pages too
 * (their data lives in the object). A regrown anonymous page is fresh
 * memory: each page has a cut count, bumped right after a shrink that cut
 * it returned; a storer reads it before each try and publishes it with
 * the store, and a store published with an older count than the page's
 * is not judged.
 * Sequence numbers only grow, so stores that land after the snapshot
 * never make a check fail; a store in flight during the call is never
 * blamed.
 *
 * --mapping anon (private anonymous, default), shmem (shared anonymous)
 * or file (MAP_SHARED of a file in --dir).
 * --selfcheck: positive controls of the checker itself, with --expect
 * violation (the run passes only when the violation is reported):
 *   copy-move  the mover "moves" with mmap + memcpy + munmap instead of
 *              mremap, while the storers store: stores between the copy
 *              and the unmap are lost (lost-store)
 *   keep-old   as copy-move, but the old range is left mapped, so it
 *              stays readable (old-range-readable)
 *   keep-cut   with --ops resize: the "shrink" leaves the arena whole, so
 *              the cut pages stay readable (shrunk-range-readable)
 * --engines tlbdelay,lazytlb: the module stretches the flushes of our mm
 * (mremap's included) and adopts our mm.
 *
 * Output is KTAP: test 1 vma_move_invariant (vma_move_violation_detected
 * with --expect violation), then one engine_<name> test per engine.
 * Exit 0 pass, 1 violation/error/timeout, 2 bad option, 4 skip.
 *
 * Report lines (stable):
 *   # move violation: kind=K page=P thread=T expected>=E found=F move=M elapsed=T.TTTs seed=S
 *   # progress: elapsed=Ts stores=N faults=N moves=N violations=N
 *   # watchdog: REASON
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"
#include "engines.h"

#define MAX_REPORTS	16
#define MAX_THREADS	16
#define MAX_PAGES	256
/* Yields between two moves, at most. */
#define MAX_HOLD	16
#define SEQ_BITS	40
#define SEQ_MASK	((1ULL << SEQ_BITS) - 1)

enum mapping { MAP_ANON_PRIVATE, MAP_SHMEM, MAP_FILE_SHARED };
static const char *const mapping_names[] = { "anon", "shmem", "file", NULL };

enum expect { EXPECT_CLEAN, EXPECT_VIOLATION };
static const char *const expect_names[] = { "clean", "violation", NULL };

enum op { OP_MOVE, OP_RESIZE, NR_OPS };
static const char *const op_names[] = { "move", "resize", NULL };

enum selfcheck { SC_NONE, SC_COPY_MOVE, SC_KEEP_OLD, SC_KEEP_CUT };
static const char *const selfcheck_names[] = {
	"none", "copy-move", "keep-old", "keep-cut", NULL
};

static struct config {
	unsigned long pages;
	unsigned long threads;
	unsigned int mapping;
	const char *dir;
	double duration;
	double watchdog;
	uint64_t seed;
	unsigned int expect;
	unsigned int selfcheck;
	bool ops[NR_OPS];
} cfg = {
	.ops = { [OP_MOVE] = true, [OP_RESIZE] = true },
	.pages = 16,
	.threads = 2,
	.duration = 10,
};

static struct engines eng = {
	.allowed = ENG_BIT(ENG_TLBDELAY) | ENG_BIT(ENG_LAZYTLB),
};

struct storer {
	unsigned int id;
	uint64_t rng;
	uint64_t seq;
	atomic_ulong stores;
	atomic_ulong faults;
};

static struct {
	char *place[2];			/* A and B */
	_Atomic(char *) base;		/* where the arena is now */
	size_t size;
	size_t page_size;
	int fd;
	double elapsed;
	atomic_int stop;
	/*
	 * done[thread * pages + page]: last completed store, as
	 * cut count << SEQ_BITS | seq; cuts[page]: the page's cut count.
	 */
	atomic_ullong *done;
	atomic_ulong *cuts;
	uint64_t *snap;
	atomic_ulong moves;
	atomic_ulong resizes;
	atomic_ulong checked_words;
	atomic_uint violations;
	atomic_uint reports;
	_Atomic double first_at;
	struct storer *s;
	struct race race;
	struct watchdog wd;
} run;

static const char *test_name(void)
{
	return cfg.expect == EXPECT_VIOLATION ? "vma_move_violation_detected" :
						"vma_move_invariant";
}

static double elapsed(void)
{
	return now_s() - run.race.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

static void report_violation(const char *kind, unsigned long page,
			     unsigned int thread, uint64_t want, uint64_t found)
{
	double at = elapsed();
	double none = 0;

	atomic_fetch_add(&run.violations, 1);
	atomic_compare_exchange_strong(&run.first_at, &none, at);
	if (cfg.expect == EXPECT_VIOLATION)
		atomic_store(&run.stop, 1);
	if (atomic_fetch_add(&run.reports, 1) >= MAX_REPORTS)
		return;
	diag("move violation: kind=%s page=%lu thread=%u expected>=%llu found=%llu move=%lu elapsed=%.3fs seed=%llu",
	     kind, page, thread, (unsigned long long)want,
	     (unsigned long long)found, atomic_load(&run.moves), at,
	     (unsigned long long)cfg.seed);
}

static volatile uint64_t *word(char *base, unsigned long page,
			       unsigned int thread)
{
	return (volatile uint64_t *)(base + page * run.page_size +
				     thread * sizeof(uint64_t));
}

/* One store of the next seq at a random page; retried until it lands. */
static void store_once(struct storer *s)
{
	unsigned long page = rng_next(&s->rng) % cfg.pages;
	uint64_t seq = ++s->seq & SEQ_MASK;
	volatile bool faulted;
	unsigned long cut;
	char *base;

	do {
		faulted = false;
		cut = atomic_load(&run.cuts[page]);
		base = atomic_load(&run.base);
		if (sigsetjmp(segv_guard_jmp, 0)) {
			faulted = true;
			atomic_fetch_add_explicit(&s->faults, 1,
						  memory_order_relaxed);
		} else {
			segv_guard_on = 1;
			*word(base, page, s->id) = seq;
			segv_guard_on = 0;
		}
	} while (faulted && !stopping());
	if (faulted)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&run.done[s->id * cfg.pages + page],
		     (unsigned long long)cut << SEQ_BITS | seq);
	atomic_fetch_add_explicit(&s->stores, 1, memory_order_relaxed);
}

static void *storer_fn(void *arg)
{
	struct storer *s = arg;
	unsigned long n = 0;

	while (!stopping()) {
		store_once(s);
		atomic_store_explicit(&run.wd.progress[s->id], ++n,
				      memory_order_relaxed);
	}
	return NULL;
}

static void fatal_errno(const char *what)
{
	diag("mover: %s: %s", what, strerror(errno));
	atomic_store(&run.stop, 2);
}

/* Whether a read of the first word of @page at @base faults. */
static bool read_faults(char *base, unsigned long page)
{
	volatile bool faulted = false;

	if (sigsetjmp(segv_guard_jmp, 0)) {
		faulted = true;
	} else {
		segv_guard_on = 1;
		(void)*word(base, page, 0);
		segv_guard_on = 0;
	}
	return faulted;
}

/* The broken mover of --selfcheck: a copy instead of a page-table move. */
static char *copy_move(char *from, char *to)
{
	int flags = MAP_FIXED;
	char *p;

	if (cfg.mapping == MAP_FILE_SHARED)
		flags |= MAP_SHARED | MAP_ANONYMOUS;
	else
		flags |= MAP_ANONYMOUS |
			 (cfg.mapping == MAP_SHMEM ? MAP_SHARED : MAP_PRIVATE);
	p = mmap(to, run.size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return p;
	memcpy(p, from, run.size);
	/* Let the storers land a few more stores in the old copy. */
	sched_yield();
	if (cfg.selfcheck == SC_KEEP_OLD)
		return p;
	if (munmap(from, run.size))
		return MAP_FAILED;
	return p;
}

/* Pages [0, @pages) at @base hold every store of the snapshot. */
static void check_kept(char *base, unsigned long pages)
{
	unsigned long page, t;
	uint64_t found, want;

	for (t = 0; t < cfg.threads; t++)
		for (page = 0; page < pages; page++) {
			want = run.snap[t * cfg.pages + page];
			/* Stored before the page was last cut: gone by right. */
			if (want >> SEQ_BITS != atomic_load(&run.cuts[page]))
				continue;
			want &= SEQ_MASK;
			found = *word(base, page, t);
			atomic_fetch_add_explicit(&run.checked_words, 1,
						  memory_order_relaxed);
			if (found < want)
				report_violation("lost-store", page, t, want,
						 found);
		}
}

/* Pages [@from, @to) at @base fault on a read. */
static void check_gone(const char *kind, char *base, unsigned long from,
		       unsigned long to)
{
	unsigned long page;

	for (page = from; page < to; page++)
		if (!read_faults(base, page))
			report_violation(kind, page, 0, 0,
					 *word(base, page, 0));
}

static void snapshot(void)
{
	unsigned long i;

	for (i = 0; i < cfg.threads * cfg.pages; i++)
		run.snap[i] = atomic_load(&run.done[i]);
	atomic_thread_fence(memory_order_seq_cst);
}

/* Shrink the arena at @base by a seeded run of pages, then grow it back. */
static bool resize_once(uint64_t *rng, char *base)
{
	unsigned long keep = 1 + rng_next(rng) % (cfg.pages - 1), i;
	size_t kept = keep * run.page_size;

	snapshot();
	if (cfg.selfcheck != SC_KEEP_CUT &&
	    mremap(base, run.size, kept, 0) != base) {
		fatal_errno("mremap shrink");
		return false;
	}
	check_kept(base, keep);
	check_gone("shrunk-range-readable", base, keep, cfg.pages);
	if (cfg.mapping == MAP_ANON_PRIVATE)
		for (i = keep; i < cfg.pages; i++)
			atomic_fetch_add(&run.cuts[i], 1);
	if (cfg.selfcheck != SC_KEEP_CUT &&
	    mremap(base, kept, run.size, 0) != base) {
		fatal_errno("mremap grow in place");
		return false;
	}
	atomic_fetch_add(&run.resizes, 1);
	check_kept(base, cfg.mapping == MAP_ANON_PRIVATE ? keep : cfg.pages);
	return true;
}

static void *mover_fn(void *arg)
{
	uint64_t rng = cfg.seed ^ 0x6d6f766572ULL;
	unsigned int from = 0, hold;
	char *old, *new;
	bool resize;

	(void)arg;
	while (!stopping()) {
		old = run.place[from];
		resize = cfg.ops[OP_RESIZE] && cfg.pages > 1 &&
			 (!cfg.ops[OP_MOVE] || rng_next(&rng) % 2);
		if (resize) {
			if (!resize_once(&rng, old))
				break;
			goto hold;
		}
		snapshot();
		if (cfg.selfcheck == SC_NONE)
			new = mremap(old, run.size, run.size,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     run.place[!from]);
		else
			new = copy_move(old, run.place[!from]);
		if (new == MAP_FAILED) {
			fatal_errno("mremap");
			break;
		}
		atomic_store(&run.base, new);
		atomic_fetch_add(&run.moves, 1);
		check_kept(new, cfg.pages);
		check_gone("old-range-readable", old, 0, cfg.pages);
		if (cfg.selfcheck != SC_KEEP_OLD &&
		    mmap(old, run.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0) != old) {
			fatal_errno("mmap PROT_NONE over the old range");
			break;
		}
		from = !from;
hold:
		for (hold = rng_next(&rng) % MAX_HOLD; hold; hold--)
			sched_yield();
	}
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Check that mremap moves every completed store with the range and\n"
	       "leaves nothing readable behind.\n\n"
	       "  --pages N               arena size in pages (default 16, max %d)\n"
	       "  --threads N             storer threads (default 2, max %d)\n"
	       "  --mapping anon|shmem|file  (default anon; file needs --dir)\n"
	       "  --dir DIR               folder for --mapping file (ext4 scratch)\n"
	       "  --ops LIST              move,resize (default both)\n"
	       "  --engines LIST          tlbdelay,lazytlb or none (default none)\n"
	       "  --engine-set E.KEY=VAL  engine setting, repeatable (engines.h)\n"
	       "  --expect clean|violation  violation: positive control, with a\n"
	       "                          --selfcheck mode (default clean)\n"
	       "  --selfcheck none|copy-move|keep-old|keep-cut  (default none)\n"
	       "  --duration SECONDS      run time (default 10)\n"
	       "  --seed N                run seed (default: from the clock, printed)\n"
	       "  --watchdog SECONDS      no-progress timeout (default max(30, 2*duration))\n"
	       "Exit: 0 pass, 1 violation/error/timeout, 2 bad option, 4 skip.\n",
	       prog_name, MAX_PAGES, MAX_THREADS);
}

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'T' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "dir", required_argument, NULL, 'd' },
		{ "ops", required_argument, NULL, 'o' },
		{ "engines", required_argument, NULL, 'E' },
		{ "engine-set", required_argument, NULL, 'S' },
		{ "expect", required_argument, NULL, 'e' },
		{ "selfcheck", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "watchdog", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool seeded = false;
	char *list, *tok, *save;
	int c;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			cfg.pages = opt_count("--pages", optarg, 1, MAX_PAGES);
			break;
		case 'T':
			cfg.threads = opt_count("--threads", optarg, 1,
						MAX_THREADS);
			break;
		case 'm':
			cfg.mapping = opt_choice("--mapping", optarg,
						 mapping_names);
			break;
		case 'd':
			cfg.dir = optarg;
			break;
		case 'o':
			memset(cfg.ops, 0, sizeof(cfg.ops));
			list = strdup(optarg);
			if (!list)
				die_errno("strdup");
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				cfg.ops[opt_choice("--ops", tok, op_names)] = true;
			free(list);
			if (!cfg.ops[OP_MOVE] && !cfg.ops[OP_RESIZE])
				usage_error("--ops needs move, resize or both");
			break;
		case 'E':
			engines_parse_list(&eng, optarg);
			break;
		case 'S':
			engines_parse_set(&eng, optarg);
			break;
		case 'e':
			cfg.expect = opt_choice("--expect", optarg,
						expect_names);
			break;
		case 'C':
			cfg.selfcheck = opt_choice("--selfcheck", optarg,
						   selfcheck_names);
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
		case 'h':
			usage();
			exit(MMT_EXIT_PASS);
		default:
			bad_option(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (cfg.mapping == MAP_FILE_SHARED && !cfg.dir)
		usage_error("--mapping file needs --dir");
	if (cfg.mapping != MAP_FILE_SHARED && cfg.dir)
		usage_error("--dir is only for --mapping file");
	if (cfg.threads * sizeof(uint64_t) > (size_t)sysconf(_SC_PAGESIZE))
		usage_error("--threads %lu: more storers than words in a page",
			    cfg.threads);
	if ((cfg.expect == EXPECT_VIOLATION) != (cfg.selfcheck != SC_NONE))
		usage_error("--expect violation goes with a --selfcheck mode, and only with one");
	if (cfg.selfcheck == SC_KEEP_CUT &&
	    (cfg.ops[OP_MOVE] || !cfg.ops[OP_RESIZE]))
		usage_error("--selfcheck keep-cut breaks the resize: it needs --ops resize");
	if ((cfg.selfcheck == SC_COPY_MOVE || cfg.selfcheck == SC_KEEP_OLD) &&
	    !cfg.ops[OP_MOVE])
		usage_error("--selfcheck %s breaks the move: it needs --ops with move",
			    selfcheck_names[cfg.selfcheck]);
	if (cfg.ops[OP_RESIZE] && !cfg.ops[OP_MOVE] && cfg.pages < 2)
		usage_error("--ops resize needs --pages 2 or more");
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

static void setup(void)
{
	int flags = MAP_FIXED;
	size_t total, i;
	char path[4096];
	char *resv;

	run.page_size = sysconf(_SC_PAGESIZE);
	run.size = cfg.pages * run.page_size;
	run.fd = -1;
	if (cfg.mapping == MAP_FILE_SHARED) {
		scratch_check(cfg.dir, run.size, "--pages");
		snprintf(path, sizeof(path), "%s/vma-move.XXXXXX", cfg.dir);
		run.fd = mkstemp(path);
		if (run.fd < 0)
			die_errno("mkstemp %s", path);
		if (unlink(path) || ftruncate(run.fd, run.size))
			die_errno("%s", path);
		flags |= MAP_SHARED;
	} else {
		flags |= MAP_ANONYMOUS | (cfg.mapping == MAP_SHMEM ?
					  MAP_SHARED : MAP_PRIVATE);
	}
	/* [guard][A][guard][B][guard], all PROT_NONE but A. */
	total = 2 * run.size + 3 * run.page_size;
	resv = mmap(NULL, total, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED)
		die_errno("mmap reservation");
	run.place[0] = resv + run.page_size;
	run.place[1] = run.place[0] + run.size + run.page_size;
	if (mmap(run.place[0], run.size, PROT_READ | PROT_WRITE, flags,
		 run.fd, 0) != run.place[0])
		die_errno("mmap arena");
	memset(run.place[0], 0, run.size);
	atomic_store(&run.base, run.place[0]);
	/* Faults anywhere in the reservation are the storers' to retry. */
	segv_guard_install(resv, total);
	run.done = calloc(cfg.threads * cfg.pages, sizeof(*run.done));
	run.snap = calloc(cfg.threads * cfg.pages, sizeof(*run.snap));
	run.cuts = calloc(cfg.pages, sizeof(*run.cuts));
	run.s = calloc(cfg.threads, sizeof(*run.s));
	run.wd.progress = calloc(cfg.threads, sizeof(*run.wd.progress));
	if (!run.done || !run.snap || !run.cuts || !run.s || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.threads; i++) {
		run.s[i].id = i;
		run.s[i].rng = cfg.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
	}
}

static void sums(unsigned long *stores, unsigned long *faults)
{
	unsigned long i;

	*stores = *faults = 0;
	for (i = 0; i < cfg.threads; i++) {
		*stores += atomic_load(&run.s[i].stores);
		*faults += atomic_load(&run.s[i].faults);
	}
}

static void progress(void)
{
	unsigned long stores, faults;

	sums(&stores, &faults);
	diag("progress: elapsed=%.0fs stores=%lu faults=%lu moves=%lu violations=%u",
	     elapsed(), stores, faults, atomic_load(&run.moves),
	     atomic_load(&run.violations));
}

static _Noreturn void expire(const char *why)
{
	engines_expire(&eng, test_name(), why);
}

static void print_config(void)
{
	char desc[640];
	struct utsname u;

	engines_describe(&eng, desc, sizeof(desc));
	uname(&u);
	diag("vma-move: pages=%lu threads=%lu mapping=%s ops=%s%s%s expect=%s selfcheck=%s duration=%g watchdog=%g %s",
	     cfg.pages, cfg.threads, mapping_names[cfg.mapping],
	     cfg.ops[OP_MOVE] ? "move" : "",
	     cfg.ops[OP_MOVE] && cfg.ops[OP_RESIZE] ? "," : "",
	     cfg.ops[OP_RESIZE] ? "resize" : "",
	     expect_names[cfg.expect], selfcheck_names[cfg.selfcheck],
	     cfg.duration, cfg.watchdog, desc);
	diag("seed=%llu page_size=%zu kernel=%s places=%p,%p",
	     (unsigned long long)cfg.seed, run.page_size, u.release,
	     (void *)run.place[0], (void *)run.place[1]);
}

static void print_metrics(void)
{
	unsigned long stores, faults;
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;

	sums(&stores, &faults);
	metric("stores", stores, NULL);
	metric("stores_per_s", stores / t, "1/s");
	metric("store_faults", faults, NULL);
	metric("moves", atomic_load(&run.moves), NULL);
	metric("moves_per_s", atomic_load(&run.moves) / t, "1/s");
	metric("resizes", atomic_load(&run.resizes), NULL);
	metric("checked_words", atomic_load(&run.checked_words), NULL);
	metric("violations", atomic_load(&run.violations), NULL);
	if (atomic_load(&run.violations))
		metric("time_to_detection_ms",
		       atomic_load(&run.first_at) * 1000, "ms");
	metric("elapsed_s", run.elapsed, "s");
}

static int report(void)
{
	unsigned int n = engines_nr_tests(&eng);
	enum verdict *v = calloc(n + 1, sizeof(*v));
	unsigned int viol = atomic_load(&run.violations);
	const char *why = NULL;
	int ret;

	if (!v)
		die_errno("calloc");
	v[0] = V_PASS;
	if (atomic_load(&run.stop) == 2) {
		v[0] = V_FAIL;
		why = "the mover's mremap failed (see the mover line)";
	} else if (cfg.expect == EXPECT_VIOLATION) {
		if (viol) {
			diag("positive control: the injected violation was caught");
		} else {
			v[0] = V_FAIL;
			why = "no violation seen: the checker missed the --selfcheck mode";
		}
	} else if (viol) {
		v[0] = V_FAIL;
		why = "mremap lost a completed store or left the old range readable";
	} else if (!atomic_load(&run.moves) && !atomic_load(&run.resizes)) {
		v[0] = V_FAIL;
		why = "no move or resize was made: nothing was checked";
	}
	ktap_result(1, test_name(), v[0], why);
	engines_report(&eng, 2, v + 1);
	ret = exit_code(v, n + 1);
	free(v);
	return ret;
}

int main(int argc, char **argv)
{
	prog_name = "vma-move";
	parse_options(argc, argv);
	engines_validate(&eng);
	setup();

	ktap_header(1 + engines_nr_tests(&eng));
	print_config();

	run.wd.nr = cfg.threads;
	run.wd.role = "storer";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	run.race = (struct race){
		.nr = cfg.threads, .fn = storer_fn, .args = run.s,
		.stride = sizeof(*run.s), .prefix = "vm-s",
		.solo_fn = mover_fn, .solo_name = "vm-mover",
		.wd = &run.wd, .stop = &run.stop, .progress = progress,
	};
	run.elapsed = engines_race(&eng, cfg.seed, &run.race, cfg.duration);

	print_metrics();
	return report();
}
