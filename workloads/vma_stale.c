// SPDX-License-Identifier: GPL-2.0
/*
 * vma-stale - concurrent VMA modification vs page faults (docs/races.md
 * section 2): after a mapping is replaced, unmapped or zapped, no thread
 * sees its old contents again.
 *
 * An anonymous private arena (--pages, between two unregistered guard
 * pages) is registered with the module
 * ("arena START LEN", engines.h) and, with --engines vma, the module's vma
 * engine unmaps and re-maps, replaces (MAP_FIXED) and zaps page runs of it
 * while toucher threads (--threads) load and store stamps (stamp.h) in it.
 * Every 64-byte block has exactly one writer (block b belongs to toucher
 * b % threads) and each store carries the writer's next sequence number,
 * so a load may find only
 *   zero          the memory was replaced or zapped since the last store
 *                 (also partly zero: a store or load cut by a replacement)
 *   the writer's own last stamp.
 * Anything else is reported and fails the run; a stamp of the same block
 * with a lower sequence number is the old contents of a replaced mapping
 * coming back (class stale).  A SIGSEGV inside the arena (a munmap hole)
 * restarts the access once the mapping is back.
 *
 * --expect clean (default): any report fails (exit 1).
 * --expect stale: positive control; the module must be loaded with
 *   broken=vma_stale (else SKIP) and --engines must include vma.  Passes
 *   only if stale contents are reported; reports time_to_detection_ms.
 *
 * Without --engines the touchers run alone (a control run).
 *
 * With tlbdelay each toucher is pinned to one CPU (round robin over the
 * CPUs it may use).  A delayed flush leaves a zapped translation live on
 * one CPU while another CPU faults in the new page; a thread that moved
 * from the second CPU back to the first would read its own older store
 * from the old page, a view the kernel allows while the zap is in flight
 * and that this checker does not model (docs/races.md, "Which engine may
 * act on which memory").  On one CPU the view only goes from the old page
 * to the new one, which looks like a zero load.
 *
 * Output is KTAP: test 1 vma_no_stale_contents (vma_broken_mode_caught
 * with --expect stale), then one engine_<name> test per requested engine.
 * Exit 0 pass, 1 fail/timeout, 2 bad option (or module/engine missing),
 * 4 skip.
 *
 * Report lines (stable):
 *   # stale contents: offset=O expected seq=E found seq=F class=C thread=T elapsed=T.TTTs seed=S
 *   #   expected: offset=O seq=E seed=S writer=W
 *   #   found: magic=0xM offset=O seq=F seed=S writer=W csum=0xC (valid 0xV)
 *   # progress: elapsed=Ts touches=N segvs=N zeros=N stale=N
 *   # watchdog: REASON
 * O is the byte offset of the block in the arena, E the last seq the
 * thread stored there (0: none yet), all decimal.  At most MAX_REPORTS
 * blocks are reported in full.
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
#include "stamp.h"

#define MAX_REPORTS	16
#define MAX_THREADS	64
#define MAX_PAGES	4096
#define BROKEN_PARAM	MMT_PARAM_DIR "/" MMT_PARAM_BROKEN

enum expect { EXPECT_CLEAN, EXPECT_STALE };
static const char *const expect_names[] = { "clean", "stale", NULL };

static struct config {
	unsigned long pages;
	unsigned long threads;
	double duration;
	double watchdog;
	uint64_t seed;
	unsigned int expect;
} cfg = {
	.pages = 16,
	.threads = 2,
	.duration = 10,
	.expect = EXPECT_CLEAN,
};

static struct engines eng = {
	.allowed = ENG_BIT(ENG_VMA) | ENG_BIT(ENG_TLBDELAY) |
		   ENG_BIT(ENG_LAZYTLB),
};

struct toucher {
	unsigned int id;
	uint64_t *last;		/* last seq stored, per owned block */
	unsigned long nblocks;	/* blocks owned: id, id + threads, ... */
	uint64_t rng;
	atomic_ulong touches;
	atomic_ulong segvs;
	atomic_ulong zeros;
};

static struct {
	char *arena;
	size_t size;
	size_t page_size;
	double elapsed;
	atomic_int stop;
	atomic_uint stale;		/* bad loads seen */
	atomic_uint reports;
	_Atomic double first_at;	/* elapsed at the first bad load */
	struct toucher *t;
	struct race race;
	struct watchdog wd;
	bool pin;			/* touchers pinned, see the top */
	cpu_set_t cpus;			/* the CPUs we may use */
	int ncpus;
} run;

static const char *test_name(void)
{
	return cfg.expect == EXPECT_STALE ? "vma_broken_mode_caught" :
					    "vma_no_stale_contents";
}

static double elapsed(void)
{
	return now_s() - run.race.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

/* Word by word, in ascending order, so the compiler keeps every access. */
static void load_block(void *dst, const char *src)
{
	const volatile uint64_t *s = (const volatile uint64_t *)src;
	uint64_t *d = dst;
	size_t i;

	for (i = 0; i < STAMP_SIZE / sizeof(uint64_t); i++)
		d[i] = s[i];
}

static void store_block(char *dst, const void *src)
{
	volatile uint64_t *d = (volatile uint64_t *)dst;
	const uint64_t *s = src;
	size_t i;

	for (i = 0; i < STAMP_SIZE / sizeof(uint64_t); i++)
		d[i] = s[i];
}

static void report_stale(struct toucher *t, const struct stamp_want *w,
			 const void *found, enum stamp_class cls)
{
	double at = elapsed();
	double none = 0;

	atomic_fetch_add(&run.stale, 1);
	atomic_compare_exchange_strong(&run.first_at, &none, at);
	atomic_store(&run.stop, 1);
	if (atomic_fetch_add(&run.reports, 1) >= MAX_REPORTS)
		return;
	out_lock();
	stamp_report(stdout, "stale contents", w, found, cls,
		     "thread=%u elapsed=%.3fs seed=%llu", t->id, at,
		     (unsigned long long)cfg.seed);
	out_unlock();
}

/*
 * One access to block k of this toucher: load and check, then store the
 * next stamp.  A SIGSEGV (the arena has a hole for a moment) restarts the
 * access once the hole is mapped again.  Returns false once it reported.
 */
static bool touch(struct toucher *t, unsigned long k)
{
	unsigned long blk = t->id + k * cfg.threads;
	uint64_t off = (uint64_t)blk * STAMP_SIZE;
	char *p = run.arena + off;
	struct stamp_want want;
	struct stamp got, next;
	enum stamp_class cls;

	want = (struct stamp_want){ off, t->last[k], cfg.seed, t->id };
	stamp_make(&next, off, t->last[k] + 1, cfg.seed, t->id);
	if (sigsetjmp(segv_guard_jmp, 0)) {
		atomic_fetch_add_explicit(&t->segvs, 1, memory_order_relaxed);
		if (stopping())
			return true;
		sched_yield();
	}
	segv_guard_on = 1;
	load_block(&got, p);
	cls = stamp_classify(&got, &want);
	if (cls != STAMP_OK && cls != STAMP_ZEROED) {
		segv_guard_on = 0;
		report_stale(t, &want, &got, cls);
		return false;
	}
	store_block(p, &next);
	atomic_signal_fence(memory_order_seq_cst);
	segv_guard_on = 0;
	if (cls == STAMP_ZEROED)
		atomic_fetch_add_explicit(&t->zeros, 1, memory_order_relaxed);
	t->last[k]++;
	return true;
}

/* The (id % ncpus)-th CPU we may use. */
static void pin_toucher(struct toucher *t)
{
	int want = t->id % run.ncpus, cpu, i = 0;
	cpu_set_t one;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &run.cpus) || i++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		errno = pthread_setaffinity_np(pthread_self(), sizeof(one),
					       &one);
		if (errno)
			diag("toucher %u: cannot pin to cpu %d: %s", t->id, cpu,
			     strerror(errno));
		return;
	}
}

static void *toucher_fn(void *arg)
{
	struct toucher *t = arg;
	unsigned long n;

	if (run.pin)
		pin_toucher(t);
	while (!stopping()) {
		if (!touch(t, rng_next(&t->rng) % t->nblocks))
			break;
		n = atomic_fetch_add_explicit(&t->touches, 1,
					      memory_order_relaxed) + 1;
		atomic_store_explicit(&run.wd.progress[t->id], n,
				      memory_order_relaxed);
	}
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Detect old contents of a replaced/zapped mapping coming back.\n\n"
	       "  --pages N               arena size in pages (default 16, max %d)\n"
	       "  --threads N             toucher threads (default 2, max %d)\n"
	       "  --engines LIST          vma,tlbdelay,lazytlb or none (default none)\n"
	       "  --engine-set E.KEY=VAL  engine setting, repeatable (engines.h)\n"
	       "  --expect clean|stale    stale: positive control, module loaded\n"
	       "                          with broken=vma_stale (default clean)\n"
	       "  --duration SECONDS      run time (default 10)\n"
	       "  --seed N                run seed (default: from the clock, printed)\n"
	       "  --watchdog SECONDS      no-progress timeout (default max(30, 2*duration))\n"
	       "Exit: 0 pass, 1 stale contents/error/timeout, 2 bad option, 4 skip.\n",
	       prog_name, MAX_PAGES, MAX_THREADS);
}

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'T' },
		{ "engines", required_argument, NULL, 'E' },
		{ "engine-set", required_argument, NULL, 'S' },
		{ "expect", required_argument, NULL, 'e' },
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
	if (cfg.expect == EXPECT_STALE && !engines_on(&eng, ENG_VMA))
		usage_error("--expect stale needs --engines with vma (the broken mode is the vma engine's)");
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

/* The module's broken= parameter ("none" if unreadable). */
static const char *broken_mode(void)
{
	static char buf[32];
	ssize_t n;
	int fd;

	strcpy(buf, MMT_BROKEN_NONE_NAME);
	fd = open(BROKEN_PARAM, O_RDONLY);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		strcpy(buf, MMT_BROKEN_NONE_NAME);
		return buf;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Positive control only on a broken module, the real test only on a sound one. */
static void check_broken_mode(void)
{
	const char *b;

	if (!engines_any(&eng))
		return;
	b = broken_mode();
	if (cfg.expect == EXPECT_STALE && strcmp(b, MMT_BROKEN_VMA_STALE_NAME))
		skip_all("--expect stale: module loaded with broken=%s, not broken=vma_stale",
			 b);
	if (cfg.expect == EXPECT_CLEAN && strcmp(b, MMT_BROKEN_NONE_NAME))
		skip_all("module loaded with broken=%s: only --expect stale runs on it",
			 b);
}

static void setup(void)
{
	unsigned long nblocks, i;
	struct toucher *t;
	char *guard;

	if (engines_on(&eng, ENG_TLBDELAY)) {
		if (sched_getaffinity(0, sizeof(run.cpus), &run.cpus))
			die_errno("sched_getaffinity");
		run.ncpus = CPU_COUNT(&run.cpus);
		run.pin = run.ncpus > 0;
	}
	run.page_size = sysconf(_SC_PAGESIZE);
	run.size = cfg.pages * run.page_size;
	nblocks = run.size / STAMP_SIZE;
	if (cfg.threads > nblocks)
		usage_error("--threads %lu: more than the %lu blocks of --pages %lu",
			    cfg.threads, nblocks, cfg.pages);
	/*
	 * A PROT_NONE guard page on each side, never registered: a hole the
	 * vma engine makes at an end of the arena must not merge with the
	 * free space around it, or the next big mmap (a thread's stack)
	 * lands in it before the engine maps the arena back.
	 */
	guard = mmap(NULL, run.size + 2 * run.page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (guard == MAP_FAILED)
		die_errno("mmap arena guard");
	run.arena = mmap(guard + run.page_size, run.size,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (run.arena == MAP_FAILED)
		die_errno("mmap arena");
	run.t = calloc(cfg.threads, sizeof(*run.t));
	run.wd.progress = calloc(cfg.threads, sizeof(*run.wd.progress));
	if (!run.t || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.threads; i++) {
		t = &run.t[i];
		t->id = i;
		t->nblocks = (nblocks - i + cfg.threads - 1) / cfg.threads;
		t->last = calloc(t->nblocks, sizeof(*t->last));
		if (!t->last)
			die_errno("calloc");
		t->rng = cfg.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
	}
}

static void sums(unsigned long *touches, unsigned long *segvs,
		 unsigned long *zeros)
{
	unsigned long i;

	*touches = *segvs = *zeros = 0;
	for (i = 0; i < cfg.threads; i++) {
		*touches += atomic_load(&run.t[i].touches);
		*segvs += atomic_load(&run.t[i].segvs);
		*zeros += atomic_load(&run.t[i].zeros);
	}
}

static void progress(void)
{
	unsigned long touches, segvs, zeros;

	sums(&touches, &segvs, &zeros);
	diag("progress: elapsed=%.0fs touches=%lu segvs=%lu zeros=%lu stale=%u",
	     elapsed(), touches, segvs, zeros, atomic_load(&run.stale));
}

static _Noreturn void expire(const char *why)
{
	engines_expire(&eng, test_name(), why);
}

static void print_config(void)
{
	char list[64] = "", sets[512] = "";
	const struct engine_setting *s;
	struct utsname u;
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < ENG_NR; i++)
		if (engines_on(&eng, i))
			n += snprintf(list + n, n < sizeof(list) ?
				      sizeof(list) - n : 0, "%s%s",
				      n ? "," : "", engine_names[i]);
	n = 0;
	for (i = 0; i < eng.nr_set; i++) {
		s = &eng.set[i];
		n += snprintf(sets + n, n < sizeof(sets) ? sizeof(sets) - n : 0,
			      " %s.%s=%s", engine_names[s->engine], s->key,
			      s->value);
	}
	uname(&u);
	diag("vma-stale: pages=%lu threads=%lu blocks=%zu pinned=%s engines=%s expect=%s duration=%g watchdog=%g%s",
	     cfg.pages, cfg.threads, run.size / STAMP_SIZE,
	     run.pin ? "yes" : "no",
	     *list ? list : "none", expect_names[cfg.expect], cfg.duration,
	     cfg.watchdog, sets);
	diag("seed=%llu page_size=%zu kernel=%s arena=%p",
	     (unsigned long long)cfg.seed, run.page_size, u.release,
	     (void *)run.arena);
}

static void print_metrics(void)
{
	unsigned long touches, segvs, zeros;
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;
	double first = atomic_load(&run.first_at);

	sums(&touches, &segvs, &zeros);
	metric("touches", touches, NULL);
	metric("touches_per_s", touches / t, "1/s");
	metric("segvs", segvs, NULL);
	metric("zeros", zeros, NULL);
	metric("stale_reports", atomic_load(&run.stale), NULL);
	if (atomic_load(&run.stale))
		metric("time_to_detection_ms", first * 1000, "ms");
	metric("elapsed_s", run.elapsed, "s");
}

static int report(void)
{
	unsigned int n = engines_nr_tests(&eng);
	enum verdict *v = calloc(n + 1, sizeof(*v));
	unsigned long touches, segvs, zeros;
	unsigned int stale = atomic_load(&run.stale);
	const char *why = NULL;
	int ret;

	if (!v)
		die_errno("calloc");
	sums(&touches, &segvs, &zeros);
	v[0] = V_PASS;
	if (cfg.expect == EXPECT_STALE) {
		if (stale) {
			diag("positive control: the broken mode's stale contents were caught");
		} else {
			v[0] = V_FAIL;
			why = "no stale contents seen: the detector missed broken=vma_stale";
		}
	} else if (stale) {
		v[0] = V_FAIL;
		why = "a load found contents that are neither zero nor the thread's last store";
	} else if (!touches) {
		v[0] = V_SKIP;
		why = "no toucher completed an access";
	}
	ktap_result(1, test_name(), v[0], why);
	engines_report(&eng, 2, v + 1);
	ret = exit_code(v, n + 1);
	free(v);
	return ret;
}

int main(int argc, char **argv)
{
	prog_name = "vma-stale";
	parse_options(argc, argv);
	engines_validate(&eng);
	check_broken_mode();
	setup();
	segv_guard_install(run.arena, run.size);

	ktap_header(1 + engines_nr_tests(&eng));
	print_config();
	if (engines_any(&eng))
		engines_add_arena(&eng, run.arena, run.size);

	run.wd.nr = cfg.threads;
	run.wd.role = "toucher";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	run.race = (struct race){
		.nr = cfg.threads, .fn = toucher_fn, .args = run.t,
		.stride = sizeof(*run.t), .prefix = "vs-t",
		.wd = &run.wd, .stop = &run.stop, .progress = progress,
	};
	run.elapsed = engines_race(&eng, cfg.seed, &run.race, cfg.duration);

	print_metrics();
	return report();
}
