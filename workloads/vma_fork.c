// SPDX-License-Identifier: GPL-2.0
/*
 * vma-fork - fork from a thread while other threads store (docs/races.md
 * section 2): a child's memory is a snapshot of the parent's. It never
 * changes while the child watches it, and it holds no store that the
 * parent began after fork() returned.
 *
 * An anonymous private arena (--pages, between two PROT_NONE guard pages)
 * is a table of 64-bit words; word i belongs to storer i % --threads.
 * Storer T loops: next = ++seq_T, publish started[T] = next (seq_cst),
 * then one atomic 64-bit store of (T, i, next) into a random word i of its
 * own. A forker thread loops on a seeded schedule: fork(); in the parent,
 * right after fork() returns, it reads started[] (the limits) and writes
 * them to the child through a pipe. The child (async-signal-safe calls
 * only) reads the arena, waits for the limits, yields for a while, reads
 * the arena again and judges:
 *   snapshot-changed  a word differs between the child's two reads: a
 *                     page of the child still sees the parent's stores
 *   store-after-fork  a word holds a sequence number above its storer's
 *                     limit: a store the parent began after fork()
 *                     returned reached the child
 *   foreign           a word that no storer could have written there
 * A store that began before the limits were read may or may not be in the
 * child; it is never blamed. Stores are single aligned 64-bit stores, so
 * no word is ever torn. The child sends its first finding back through a
 * second pipe and exits; the parent prints it.
 *
 * --selfcheck shared-arena: positive control of the checker: the arena is
 * MAP_SHARED, so the child sees the parent's later stores; with --expect
 * violation the run passes only when a violation is reported.
 * --engines tlbdelay,lazytlb: the module stretches the flushes of our mm
 * (fork's flush after write-protecting the parent's PTEs included) and
 * adopts our mm; the vma engine is refused (it would change the arena).
 *
 * Output is KTAP: test 1 vma_fork_snapshot (vma_fork_violation_detected
 * with --expect violation), then one engine_<name> test per engine.
 * Exit 0 pass, 1 violation/error/timeout, 2 bad option, 4 skip.
 *
 * Report lines (stable):
 *   # fork violation: kind=K word=I found=0xV limit=L fork=N elapsed=T.TTTs seed=S
 *   # progress: elapsed=Ts stores=N forks=N violations=N
 *   # watchdog: REASON
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "engines.h"

#define MAX_THREADS	64
#define MAX_PAGES	4096
/* How long the child watches its memory, in sched_yield() calls. */
#define CHILD_YIELDS	64

enum expect { EXPECT_CLEAN, EXPECT_VIOLATION };
static const char *const expect_names[] = { "clean", "violation", NULL };

enum selfcheck { SC_NONE, SC_SHARED_ARENA };
static const char *const selfcheck_names[] = { "none", "shared-arena", NULL };

enum kind { K_NONE, K_CHANGED, K_AFTER_FORK, K_FOREIGN };
static const char *const kind_names[] = {
	"none", "snapshot-changed", "store-after-fork", "foreign"
};

static struct config {
	unsigned long pages;
	unsigned long threads;
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
	.allowed = ENG_BIT(ENG_TLBDELAY) | ENG_BIT(ENG_LAZYTLB),
};

/* What a child found, sent back whole through a pipe. */
struct finding {
	uint32_t kind;
	uint32_t pad;
	uint64_t word;
	uint64_t found;
	uint64_t limit;
};

struct storer {
	unsigned int id;
	uint64_t rng;
	uint64_t seq;
	atomic_ulong stores;
};

static struct {
	_Atomic uint64_t *arena;
	size_t words;
	size_t size;
	size_t page_size;
	double elapsed;
	atomic_int stop;
	_Atomic uint64_t started[MAX_THREADS];
	atomic_ulong forks;
	atomic_uint violations;
	atomic_int failed;		/* the forker could not go on */
	_Atomic double first_at;
	uint64_t *copy;			/* the child's first read */
	struct storer *s;
	struct race race;
	struct watchdog wd;
} run;

/* (storer, word, seq) in one word: 8 + 24 + 32 bits; never 0. */
static uint64_t encode(unsigned int t, size_t i, uint64_t seq)
{
	return (uint64_t)t << 56 | (uint64_t)(i & 0xffffff) << 32 |
	       (seq & 0xffffffff);
}

static const char *test_name(void)
{
	return cfg.expect == EXPECT_VIOLATION ? "vma_fork_violation_detected" :
						"vma_fork_snapshot";
}

static double elapsed(void)
{
	return now_s() - run.race.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

static void *storer_fn(void *arg)
{
	struct storer *s = arg;
	unsigned long n = 0;
	size_t per = (run.words - s->id + cfg.threads - 1) / cfg.threads;
	size_t i;

	while (!stopping()) {
		i = s->id + (rng_next(&s->rng) % per) * cfg.threads;
		s->seq++;
		atomic_store(&run.started[s->id], s->seq);
		/* started[] is visible before the word is. */
		atomic_thread_fence(memory_order_seq_cst);
		atomic_store_explicit(&run.arena[i], encode(s->id, i, s->seq),
				      memory_order_relaxed);
		atomic_fetch_add_explicit(&s->stores, 1, memory_order_relaxed);
		atomic_store_explicit(&run.wd.progress[s->id], ++n,
				      memory_order_relaxed);
	}
	return NULL;
}

/* Reads and writes all of @len, retrying short transfers; false on error. */
static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* The judgement of one word, as described at the top. */
static enum kind judge(size_t i, uint64_t v, const uint64_t *limit,
		       uint64_t *lim)
{
	unsigned int t = v >> 56;
	uint64_t seq = v & 0xffffffff;

	*lim = 0;
	if (!v)
		return K_NONE;
	if (t != i % cfg.threads || ((v >> 32) & 0xffffff) != (i & 0xffffff) ||
	    !seq)
		return K_FOREIGN;
	*lim = limit[t];
	/* Sequence numbers are compared in the 32 bits a word keeps. */
	if ((uint32_t)(seq - (limit[t] & 0xffffffff)) - 1 < 0x80000000u)
		return K_AFTER_FORK;
	return K_NONE;
}

/* In the child: only async-signal-safe calls. Never returns. */
static _Noreturn void child(int limits_fd, int result_fd)
{
	uint64_t limit[MAX_THREADS], v, lim;
	struct finding f = { .kind = K_NONE };
	unsigned int y;
	size_t i;

	for (i = 0; i < run.words; i++)
		run.copy[i] = atomic_load_explicit(&run.arena[i],
						   memory_order_relaxed);
	if (!read_all(limits_fd, limit, cfg.threads * sizeof(limit[0])))
		_exit(3);
	for (y = 0; y < CHILD_YIELDS; y++)
		sched_yield();
	for (i = 0; i < run.words && f.kind == K_NONE; i++) {
		v = atomic_load_explicit(&run.arena[i], memory_order_relaxed);
		if (v != run.copy[i]) {
			f = (struct finding){ K_CHANGED, 0, i, v, 0 };
			break;
		}
		f.kind = judge(i, v, limit, &lim);
		f.word = i;
		f.found = v;
		f.limit = lim;
	}
	if (!write_all(result_fd, &f, sizeof(f)))
		_exit(3);
	_exit(f.kind == K_NONE ? 0 : 1);
}

static void report(const struct finding *f, unsigned long nfork)
{
	double at = elapsed();
	double none = 0;

	atomic_fetch_add(&run.violations, 1);
	atomic_compare_exchange_strong(&run.first_at, &none, at);
	atomic_store(&run.stop, 1);
	diag("fork violation: kind=%s word=%llu found=0x%016llx limit=%llu fork=%lu elapsed=%.3fs seed=%llu",
	     kind_names[f->kind], (unsigned long long)f->word,
	     (unsigned long long)f->found, (unsigned long long)f->limit,
	     nfork, at, (unsigned long long)cfg.seed);
}

static void forker_failed(const char *what)
{
	diag("forker: %s: %s", what, strerror(errno));
	atomic_store(&run.failed, 1);
	atomic_store(&run.stop, 1);
}

/* One fork, its limits and its child's verdict; false: stop forking. */
static bool fork_once(uint64_t *rng)
{
	uint64_t limit[MAX_THREADS];
	struct finding f;
	int lp[2], rp[2], status;
	unsigned long n, t;
	unsigned int y;
	pid_t pid;

	if (pipe(lp) || pipe(rp)) {
		forker_failed("pipe");
		return false;
	}
	pid = fork();
	if (pid < 0) {
		forker_failed("fork");
		return false;
	}
	if (!pid)
		child(lp[0], rp[1]);
	for (t = 0; t < cfg.threads; t++)
		limit[t] = atomic_load(&run.started[t]);
	n = atomic_fetch_add(&run.forks, 1) + 1;
	close(lp[0]);
	close(rp[1]);
	if (!write_all(lp[1], limit, cfg.threads * sizeof(limit[0])) ||
	    !read_all(rp[0], &f, sizeof(f))) {
		errno = errno ? errno : EPIPE;
		forker_failed("talking to the child");
	} else if (f.kind != K_NONE) {
		report(&f, n);
	}
	close(lp[1]);
	close(rp[0]);
	if (waitpid(pid, &status, 0) != pid) {
		forker_failed("waitpid");
		return false;
	}
	if (atomic_load(&run.failed))
		return false;
	for (y = rng_next(rng) % 8; y; y--)
		sched_yield();
	return true;
}

static void *forker_fn(void *arg)
{
	uint64_t rng = cfg.seed ^ 0x666f726b65720000ULL;

	(void)arg;
	while (!stopping() && fork_once(&rng))
		atomic_fetch_add(&run.wd.main_progress, 1);
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Fork from a thread while others store; check that each child's memory is\n"
	       "a snapshot taken when fork() returned.\n\n"
	       "  --pages N               arena size in pages (default 16, max %d)\n"
	       "  --threads N             storer threads (default 2, max %d)\n"
	       "  --engines LIST          tlbdelay,lazytlb or none (default none)\n"
	       "  --engine-set E.KEY=VAL  engine setting, repeatable (engines.h)\n"
	       "  --expect clean|violation  violation: positive control, with\n"
	       "                          --selfcheck shared-arena (default clean)\n"
	       "  --selfcheck none|shared-arena  (default none)\n"
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
	if ((cfg.expect == EXPECT_VIOLATION) != (cfg.selfcheck != SC_NONE))
		usage_error("--expect violation goes with --selfcheck shared-arena, and only with it");
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

static void setup(void)
{
	int share = cfg.selfcheck == SC_SHARED_ARENA ? MAP_SHARED : MAP_PRIVATE;
	unsigned long i;
	char *guard;
	void *p;

	run.page_size = sysconf(_SC_PAGESIZE);
	run.size = cfg.pages * run.page_size;
	run.words = run.size / sizeof(uint64_t);
	if (cfg.threads > run.words)
		usage_error("--threads %lu: more storers than words", cfg.threads);
	guard = mmap(NULL, run.size + 2 * run.page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (guard == MAP_FAILED)
		die_errno("mmap arena guard");
	p = mmap(guard + run.page_size, run.size, PROT_READ | PROT_WRITE,
		 share | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap arena");
	run.arena = p;
	memset(p, 0, run.size);
	/* The child's copy is allocated here: the child may not malloc. */
	run.copy = calloc(run.words, sizeof(*run.copy));
	run.s = calloc(cfg.threads, sizeof(*run.s));
	run.wd.progress = calloc(cfg.threads, sizeof(*run.wd.progress));
	if (!run.copy || !run.s || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.threads; i++) {
		run.s[i].id = i;
		run.s[i].rng = cfg.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
	}
}

static unsigned long total_stores(void)
{
	unsigned long i, n = 0;

	for (i = 0; i < cfg.threads; i++)
		n += atomic_load(&run.s[i].stores);
	return n;
}

static void progress(void)
{
	diag("progress: elapsed=%.0fs stores=%lu forks=%lu violations=%u",
	     elapsed(), total_stores(), atomic_load(&run.forks),
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
	diag("vma-fork: pages=%lu threads=%lu expect=%s selfcheck=%s duration=%g watchdog=%g %s",
	     cfg.pages, cfg.threads, expect_names[cfg.expect],
	     selfcheck_names[cfg.selfcheck], cfg.duration, cfg.watchdog, desc);
	diag("seed=%llu page_size=%zu kernel=%s arena=%p",
	     (unsigned long long)cfg.seed, run.page_size, u.release,
	     (void *)run.arena);
}

static void print_metrics(void)
{
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;

	metric("stores", total_stores(), NULL);
	metric("stores_per_s", total_stores() / t, "1/s");
	metric("forks", atomic_load(&run.forks), NULL);
	metric("forks_per_s", atomic_load(&run.forks) / t, "1/s");
	metric("violations", atomic_load(&run.violations), NULL);
	if (atomic_load(&run.violations))
		metric("time_to_detection_ms",
		       atomic_load(&run.first_at) * 1000, "ms");
	metric("elapsed_s", run.elapsed, "s");
}

static int verdicts(void)
{
	unsigned int n = engines_nr_tests(&eng);
	enum verdict *v = calloc(n + 1, sizeof(*v));
	unsigned int viol = atomic_load(&run.violations);
	const char *why = NULL;
	int ret;

	if (!v)
		die_errno("calloc");
	v[0] = V_PASS;
	if (atomic_load(&run.failed)) {
		v[0] = V_FAIL;
		why = "the forker could not go on (see the forker line)";
	} else if (cfg.expect == EXPECT_VIOLATION) {
		if (viol) {
			diag("positive control: the shared arena's changes were caught");
		} else {
			v[0] = V_FAIL;
			why = "no violation seen: the checker missed --selfcheck shared-arena";
		}
	} else if (viol) {
		v[0] = V_FAIL;
		why = "a child's memory was not the snapshot fork() promised";
	} else if (!atomic_load(&run.forks)) {
		v[0] = V_SKIP;
		why = "no fork completed: nothing was judged";
	}
	ktap_result(1, test_name(), v[0], why);
	engines_report(&eng, 2, v + 1);
	ret = exit_code(v, n + 1);
	free(v);
	return ret;
}

int main(int argc, char **argv)
{
	prog_name = "vma-fork";
	parse_options(argc, argv);
	engines_validate(&eng);
	setup();

	ktap_header(1 + engines_nr_tests(&eng));
	print_config();
	if (engines_any(&eng))
		engines_add_arena(&eng, (void *)run.arena, run.size);

	run.wd.nr = cfg.threads;
	run.wd.role = "storer";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	run.race = (struct race){
		.nr = cfg.threads, .fn = storer_fn, .args = run.s,
		.stride = sizeof(*run.s), .prefix = "vf-s",
		.solo_fn = forker_fn, .solo_name = "vf-fork",
		.wd = &run.wd, .stop = &run.stop, .progress = progress,
	};
	run.elapsed = engines_race(&eng, cfg.seed, &run.race, cfg.duration);

	print_metrics();
	return verdicts();
}
