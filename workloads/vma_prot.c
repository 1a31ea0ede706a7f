// SPDX-License-Identifier: GPL-2.0
/*
 * vma-prot - mprotect vs concurrent stores (docs/races.md section 2):
 * once mprotect(PROT_READ) has returned, a store to the range faults, and
 * the pages on the other side of the VMA boundaries it made never do.
 *
 * A modifier thread loops, on a schedule drawn from --seed: pick a run of
 * pages of the arena (--split: a proper part of it, so the VMA splits in
 * two or three and merges back; else the whole arena), mprotect it
 * PROT_READ, publish "read-only, range [lo, hi)" (an odd epoch), hold it
 * for a moment, publish "leaving read-only" (the next even epoch), then
 * mprotect it back to PROT_READ|PROT_WRITE. Storer threads (--threads)
 * store one word at a random page, in between two loads of the epoch, and
 * catch the SIGSEGV of a read-only page:
 *   both loads see the same odd epoch, the page is in [lo, hi), and the
 *   store did not fault     -> violation "store-after-readonly": the store
 *                              began after mprotect returned and ended
 *                              before read-only was left
 *   both loads see the same odd epoch, the page is outside [lo, hi), and
 *   the store faulted       -> violation "fault-outside-range": the
 *                              protection crossed a VMA boundary
 * A store that overlaps an even epoch is never judged (the range is
 * changing then), so a store in flight during mprotect is never blamed.
 * A seq_cst fence orders each load of the epoch with the store.
 *
 * --mapping anon (private anonymous, default), shmem (shared anonymous)
 * or file (MAP_SHARED of a file in --dir). The arena sits between two
 * PROT_NONE guard pages.
 * --selfcheck: positive controls of the checker itself, with --expect
 * violation (the run passes only when the violation is reported):
 *   skip-mprotect  read-only windows are published without mprotect
 *                  (store-after-readonly)
 *   wide-mprotect  with --split: one page more than the published range
 *                  is made read-only (fault-outside-range)
 *   module         nothing broken here: the module, loaded with
 *                  broken=vma_writable, makes the read-only range's PTEs
 *                  writable again (vma op mkwrite; needs --engines vma
 *                  and --mapping shmem or file): store-after-readonly
 * --engines tlbdelay,lazytlb: the module stretches the flushes of our mm
 * (mprotect's included) and adopts our mm; the vma engine is refused but
 * with --selfcheck module, since it would map writable memory into a
 * read-only window.
 *
 * Output is KTAP: test 1 vma_prot_invariant (vma_prot_violation_detected
 * with --expect violation), then one engine_<name> test per engine.
 * Exit 0 pass, 1 violation/error/timeout, 2 bad option, 4 skip.
 *
 * Report lines (stable):
 *   # protection violation: kind=K offset=O range=LO-HI epoch=E thread=T elapsed=T.TTTs seed=S
 *   # progress: elapsed=Ts stores=N faults=N windows=N violations=N
 *   # watchdog: REASON
 * O, LO and HI are byte offsets in the arena.
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
#define MAX_THREADS	64
#define MAX_PAGES	4096
/* Longest read-only hold, in sched_yield() calls. */
#define MAX_HOLD	8

enum mapping { MAP_ANON_PRIVATE, MAP_SHMEM, MAP_FILE_SHARED };
static const char *const mapping_names[] = { "anon", "shmem", "file", NULL };

enum expect { EXPECT_CLEAN, EXPECT_VIOLATION };
static const char *const expect_names[] = { "clean", "violation", NULL };

enum selfcheck { SC_NONE, SC_SKIP_MPROTECT, SC_WIDE_MPROTECT, SC_MODULE };
static const char *const selfcheck_names[] = {
	"none", "skip-mprotect", "wide-mprotect", "module", NULL
};

static struct config {
	unsigned long pages;
	unsigned long threads;
	unsigned int mapping;
	bool split;
	const char *dir;
	double duration;
	double watchdog;
	uint64_t seed;
	unsigned int expect;
	unsigned int selfcheck;
} cfg = {
	.pages = 16,
	.threads = 2,
	.duration = 10,
};

static struct engines eng = {
	/* vma only for --selfcheck module (checked after the options). */
	.allowed = ENG_BIT(ENG_TLBDELAY) | ENG_BIT(ENG_LAZYTLB) | ENG_BIT(ENG_VMA),
};

struct storer {
	unsigned int id;
	uint64_t rng;
	atomic_ulong stores;
	atomic_ulong faults;
	atomic_ulong judged;
};

static struct {
	char *arena;
	size_t size;
	size_t page_size;
	int fd;
	double elapsed;
	atomic_int stop;
	/* Odd: read-only in [lo, hi) (bytes), mprotect returned. */
	atomic_ulong epoch;
	atomic_ulong lo, hi;
	atomic_ulong windows;
	atomic_ulong mprotects;
	atomic_uint violations;
	atomic_uint reports;
	_Atomic double first_at;
	struct storer *s;
	struct race race;
	struct watchdog wd;
} run;

static const char *test_name(void)
{
	return cfg.expect == EXPECT_VIOLATION ? "vma_prot_violation_detected" :
						"vma_prot_invariant";
}

static double elapsed(void)
{
	return now_s() - run.race.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

static void report_violation(struct storer *s, const char *kind,
			     size_t off, unsigned long lo, unsigned long hi,
			     unsigned long epoch)
{
	double at = elapsed();
	double none = 0;

	atomic_fetch_add(&run.violations, 1);
	atomic_compare_exchange_strong(&run.first_at, &none, at);
	if (cfg.expect == EXPECT_VIOLATION)
		atomic_store(&run.stop, 1);
	if (atomic_fetch_add(&run.reports, 1) >= MAX_REPORTS)
		return;
	diag("protection violation: kind=%s offset=%zu range=%lu-%lu epoch=%lu thread=%u elapsed=%.3fs seed=%llu",
	     kind, off, lo, hi, epoch, s->id, at,
	     (unsigned long long)cfg.seed);
}

/* One store of a word at a random page, judged as described at the top. */
static void store_once(struct storer *s)
{
	size_t page = rng_next(&s->rng) % cfg.pages;
	size_t off = page * run.page_size + s->id * sizeof(uint64_t);
	volatile uint64_t *p = (volatile uint64_t *)(run.arena + off);
	unsigned long e1, e2, lo, hi;
	volatile bool faulted = false;
	bool inside;

	e1 = atomic_load(&run.epoch);
	lo = atomic_load(&run.lo);
	hi = atomic_load(&run.hi);
	atomic_thread_fence(memory_order_seq_cst);
	if (sigsetjmp(segv_guard_jmp, 0)) {
		faulted = true;
	} else {
		segv_guard_on = 1;
		*p = e1;
		segv_guard_on = 0;
	}
	atomic_thread_fence(memory_order_seq_cst);
	e2 = atomic_load(&run.epoch);
	atomic_fetch_add_explicit(&s->stores, 1, memory_order_relaxed);
	if (faulted)
		atomic_fetch_add_explicit(&s->faults, 1, memory_order_relaxed);
	if (e1 != e2 || !(e1 & 1))
		return;
	atomic_fetch_add_explicit(&s->judged, 1, memory_order_relaxed);
	inside = off >= lo && off < hi;
	if (inside && !faulted)
		report_violation(s, "store-after-readonly", off, lo, hi, e1);
	else if (!inside && faulted)
		report_violation(s, "fault-outside-range", off, lo, hi, e1);
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
	diag("modifier: %s: %s", what, strerror(errno));
	atomic_store(&run.stop, 2);
}

/* The seeded run of pages [*lo, *hi) of the next read-only window. */
static void pick_range(uint64_t *rng, size_t *lo, size_t *hi)
{
	size_t a, b;

	if (!cfg.split || cfg.pages < 2) {
		*lo = 0;
		*hi = cfg.pages;
		return;
	}
	/* A proper part: at least one page stays writable. */
	do {
		a = rng_next(rng) % cfg.pages;
		b = a + 1 + rng_next(rng) % (cfg.pages - a);
	} while (a == 0 && b == cfg.pages);
	*lo = a;
	*hi = b;
}

static void *modifier_fn(void *arg)
{
	uint64_t rng = cfg.seed ^ 0x6d6f646966696572ULL;
	bool real = cfg.selfcheck != SC_SKIP_MPROTECT;
	size_t lo, hi, len, extra;
	unsigned int hold;
	char *start;

	(void)arg;
	while (!stopping()) {
		pick_range(&rng, &lo, &hi);
		atomic_store(&run.lo, lo * run.page_size);
		atomic_store(&run.hi, hi * run.page_size);
		/* wide-mprotect: the broken modifier takes a page too many. */
		extra = cfg.selfcheck == SC_WIDE_MPROTECT;
		if (extra && lo)
			lo--;
		else if (extra)
			hi++;
		start = run.arena + lo * run.page_size;
		len = (hi - lo) * run.page_size;
		if (real && mprotect(start, len, PROT_READ)) {
			fatal_errno("mprotect PROT_READ");
			break;
		}
		atomic_fetch_add(&run.mprotects, real);
		atomic_fetch_add(&run.epoch, 1);	/* odd: read-only */
		atomic_fetch_add(&run.windows, 1);
		for (hold = rng_next(&rng) % MAX_HOLD; hold; hold--)
			sched_yield();
		atomic_fetch_add(&run.epoch, 1);	/* even: leaving */
		if (real && mprotect(start, len, PROT_READ | PROT_WRITE)) {
			fatal_errno("mprotect PROT_READ|PROT_WRITE");
			break;
		}
		atomic_fetch_add(&run.mprotects, real);
	}
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Check that mprotect(PROT_READ) takes effect for every thread when it\n"
	       "returns, and only inside its range.\n\n"
	       "  --pages N               arena size in pages (default 16, max %d)\n"
	       "  --threads N             storer threads (default 2, max %d)\n"
	       "  --mapping anon|shmem|file  (default anon; file needs --dir)\n"
	       "  --dir DIR               folder for --mapping file (ext4 scratch)\n"
	       "  --split                 protect a proper part of the arena (split\n"
	       "                          and merge the VMA) instead of all of it\n"
	       "  --engines LIST          tlbdelay,lazytlb or none (default none);\n"
	       "                          vma only with --selfcheck module\n"
	       "  --engine-set E.KEY=VAL  engine setting, repeatable (engines.h)\n"
	       "  --expect clean|violation  violation: positive control, with a\n"
	       "                          --selfcheck mode (default clean)\n"
	       "  --selfcheck none|skip-mprotect|wide-mprotect|module  (default none)\n"
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
		{ "split", no_argument, NULL, 'x' },
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
		case 'x':
			cfg.split = true;
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
	if (cfg.split && cfg.pages < 2)
		usage_error("--split needs --pages 2 or more");
	if (cfg.threads * sizeof(uint64_t) > (size_t)sysconf(_SC_PAGESIZE))
		usage_error("--threads %lu: more storers than words in a page",
			    cfg.threads);
	if ((cfg.expect == EXPECT_VIOLATION) != (cfg.selfcheck != SC_NONE))
		usage_error("--expect violation goes with a --selfcheck mode, and only with one");
	if (cfg.selfcheck == SC_WIDE_MPROTECT && !cfg.split)
		usage_error("--selfcheck wide-mprotect needs --split");
	if ((cfg.selfcheck == SC_MODULE) != engines_on(&eng, ENG_VMA))
		usage_error("--engines vma goes with --selfcheck module, and only with it: the vma engine would map writable memory into a read-only window");
	if (cfg.selfcheck == SC_MODULE && cfg.mapping == MAP_ANON_PRIVATE)
		usage_error("--selfcheck module needs --mapping shmem or file (the module's mkwrite acts on shared VMAs only)");
	engines_default(&eng, ENG_VMA, "ops", MMT_VMA_OP_MKWRITE);
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

static void setup(void)
{
	int flags = MAP_FIXED;
	char path[4096];
	unsigned long i;
	char *guard;

	run.page_size = sysconf(_SC_PAGESIZE);
	run.size = cfg.pages * run.page_size;
	run.fd = -1;
	if (cfg.mapping == MAP_FILE_SHARED) {
		scratch_check(cfg.dir, run.size, "--pages");
		snprintf(path, sizeof(path), "%s/vma-prot.XXXXXX", cfg.dir);
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
	guard = mmap(NULL, run.size + 2 * run.page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (guard == MAP_FAILED)
		die_errno("mmap arena guard");
	run.arena = mmap(guard + run.page_size, run.size,
			 PROT_READ | PROT_WRITE, flags, run.fd, 0);
	if (run.arena == MAP_FAILED)
		die_errno("mmap arena");
	/* Fault every page in: the stores then race mprotect, not first faults. */
	memset(run.arena, 0, run.size);
	run.s = calloc(cfg.threads, sizeof(*run.s));
	run.wd.progress = calloc(cfg.threads, sizeof(*run.wd.progress));
	if (!run.s || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.threads; i++) {
		run.s[i].id = i;
		run.s[i].rng = cfg.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
	}
}

static void sums(unsigned long *stores, unsigned long *faults,
		 unsigned long *judged)
{
	unsigned long i;

	*stores = *faults = *judged = 0;
	for (i = 0; i < cfg.threads; i++) {
		*stores += atomic_load(&run.s[i].stores);
		*faults += atomic_load(&run.s[i].faults);
		*judged += atomic_load(&run.s[i].judged);
	}
}

static void progress(void)
{
	unsigned long stores, faults, judged;

	sums(&stores, &faults, &judged);
	diag("progress: elapsed=%.0fs stores=%lu faults=%lu windows=%lu violations=%u",
	     elapsed(), stores, faults, atomic_load(&run.windows),
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
	diag("vma-prot: pages=%lu threads=%lu mapping=%s split=%s expect=%s selfcheck=%s duration=%g watchdog=%g %s",
	     cfg.pages, cfg.threads, mapping_names[cfg.mapping],
	     cfg.split ? "yes" : "no", expect_names[cfg.expect],
	     selfcheck_names[cfg.selfcheck], cfg.duration, cfg.watchdog,
	     desc);
	diag("seed=%llu page_size=%zu kernel=%s arena=%p",
	     (unsigned long long)cfg.seed, run.page_size, u.release,
	     (void *)run.arena);
}

static void print_metrics(void)
{
	unsigned long stores, faults, judged;
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;

	sums(&stores, &faults, &judged);
	metric("stores", stores, NULL);
	metric("stores_per_s", stores / t, "1/s");
	metric("store_faults", faults, NULL);
	metric("judged_stores", judged, NULL);
	metric("readonly_windows", atomic_load(&run.windows), NULL);
	metric("mprotects", atomic_load(&run.mprotects), NULL);
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
	unsigned long stores, faults, judged;
	const char *why = NULL;
	int ret;

	if (!v)
		die_errno("calloc");
	sums(&stores, &faults, &judged);
	v[0] = V_PASS;
	if (atomic_load(&run.stop) == 2) {
		v[0] = V_FAIL;
		why = "the modifier's mprotect failed (see the modifier line)";
	} else if (cfg.expect == EXPECT_VIOLATION) {
		if (viol)
			diag("positive control: the injected violation was caught");
		else {
			v[0] = V_FAIL;
			why = "no violation seen: the checker missed the --selfcheck mode";
		}
	} else if (viol) {
		v[0] = V_FAIL;
		why = "a store was not stopped by mprotect(PROT_READ), or one outside its range was";
	} else if (!judged) {
		v[0] = V_SKIP;
		why = "no store fell inside a read-only window: nothing was judged";
	}
	ktap_result(1, test_name(), v[0], why);
	engines_report(&eng, 2, v + 1);
	ret = exit_code(v, n + 1);
	free(v);
	return ret;
}

int main(int argc, char **argv)
{
	prog_name = "vma-prot";
	parse_options(argc, argv);
	engines_validate(&eng);
	setup();
	segv_guard_install(run.arena, run.size);

	ktap_header(1 + engines_nr_tests(&eng));
	print_config();
	if (engines_any(&eng))
		engines_add_arena(&eng, run.arena, run.size);

	run.wd.nr = cfg.threads;
	run.wd.role = "storer";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	run.race = (struct race){
		.nr = cfg.threads, .fn = storer_fn, .args = run.s,
		.stride = sizeof(*run.s), .prefix = "vp-s",
		.solo_fn = modifier_fn, .solo_name = "vp-mod",
		.wd = &run.wd, .stop = &run.stop, .progress = progress,
	};
	run.elapsed = engines_race(&eng, cfg.seed, &run.race, cfg.duration);

	print_metrics();
	return report();
}
