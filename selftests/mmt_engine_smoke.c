// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_engine_smoke - the engines' contract: targets register, list,
 * release and vanish with their process; bad input to every knob is
 * refused without side effects; each engine's counters advance against a
 * target that faults on its arena the whole time, with no invariant
 * violation; all engines together; everything stops. The target's words
 * each have one writer and carry its sequence number, so a load finds
 * zero (replaced or zapped) or the writer's last stamp; anything else is
 * misplaced or stale contents (docs/races.md section 2) and fails the run.
 * Each toucher is pinned to one CPU: tlbdelay runs beside the vma engine,
 * and while a delayed flush is pending a thread that moved between a CPU
 * holding the zapped translation and one that faulted in the new page
 * would read its own older store back, a view the kernel allows during
 * the zap and this checker does not model (docs/races.md, "Which engine
 * may act on which memory"; seen once on 6.1 before the touchers were
 * pinned: target_stale=4).
 *
 *   mmt_engine_smoke [--duration S] [--seed N] [--dir DIR] [--fuzz N]
 * KTAP through kselftest.h; exit: KSFT_PASS, KSFT_FAIL, KSFT_SKIP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mmt_util.h"

#define PAGE 4096UL
#define ARENA_PAGES 64

static unsigned int duration = 4, fuzz = 2000;
static unsigned long long seed = 1;
static const char *dir = "/mnt/scratch";
static char *arena;
static atomic_int stop;
static atomic_ullong touches, segvs, misplaced, stale;
static __thread sigjmp_buf segv_jmp;
static __thread volatile int in_touch;

#define TOUCHERS 2
#define WORDS_PER_TOUCHER 4
#define SEQ_BITS 40
/* Last stamp each toucher stored in each of its words. */
static uint64_t last_stamp[TOUCHERS][ARENA_PAGES * WORDS_PER_TOUCHER];
static atomic_int stale_reported;
static cpu_set_t cpus;

/* The (id % CPUs we may use)-th of them, or stay unpinned if none known. */
static void pin_toucher(unsigned int id)
{
	int n = CPU_COUNT(&cpus), cpu, i = 0;
	cpu_set_t one;

	for (cpu = 0; n && cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus) || i++ != (int)(id % n))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		errno = pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
		if (errno)
			ksft_print_msg("toucher %u: cannot pin to cpu %d: %s\n",
				       id, cpu, strerror(errno));
		return;
	}
}

static void on_segv(int sig)
{
	(void)sig;
	if (in_touch)
		siglongjmp(segv_jmp, 1);
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

/*
 * Faults on the arena while the engines change it under our feet. Each
 * toucher owns WORDS_PER_TOUCHER words of every page.
 */
static void *toucher(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	volatile unsigned int rnd = id * 2654435761u + (unsigned int)seed;
	volatile uint64_t seq = 0;
	uint64_t *last = last_stamp[id];

	pin_toucher(id);
	while (!atomic_load(&stop)) {
		unsigned long pg, word, slot;
		volatile uint64_t *p;
		uint64_t v, stamp;

		rnd = rnd * 1103515245u + 12345u;
		pg = (rnd >> 8) % ARENA_PAGES;
		slot = pg * WORDS_PER_TOUCHER + (rnd >> 20) % WORDS_PER_TOUCHER;
		word = id * WORDS_PER_TOUCHER + (rnd >> 20) % WORDS_PER_TOUCHER;
		p = (volatile uint64_t *)(arena + pg * PAGE) + word;
		stamp = ((uint64_t)((pg << 3) | word) << SEQ_BITS) | ++seq;
		in_touch = 1;
		if (sigsetjmp(segv_jmp, 1)) {
			in_touch = 0;
			atomic_fetch_add(&segvs, 1);
			continue;
		}
		v = *p;
		/* Zero (fresh memory) or this writer's last stamp here. */
		if (v && (v >> SEQ_BITS) != ((pg << 3) | word)) {
			atomic_fetch_add(&misplaced, 1);
		} else if (v && v != last[slot]) {
			atomic_fetch_add(&stale, 1);
			if (!atomic_exchange(&stale_reported, 1))
				printf("# stale contents: offset=0x%lx expected=0x%llx (or 0) found=0x%llx toucher=%u\n",
				       pg * PAGE + word * 8,
				       (unsigned long long)last[slot],
				       (unsigned long long)v, id);
		}
		*p = stamp;
		in_touch = 0;
		last[slot] = stamp;
		atomic_fetch_add(&touches, 1);
	}
	return NULL;
}

static int set(const char *engine, const char *knob, const char *val)
{
	char file[64];

	snprintf(file, sizeof(file), "%s/%s", engine, knob);
	return mmt_write(file, val);
}

static void test_targets(int fd)
{
	char cmd[128];
	pid_t child;
	int ok, st;

	snprintf(cmd, sizeof(cmd), MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)arena,
		 ARENA_PAGES * PAGE);
	ok = !mmt_write(MMT_FILE_TARGETS, cmd);
	snprintf(cmd, sizeof(cmd), MMT_TARGET_FILE_VERB " %d", fd);
	ok = ok && !mmt_write(MMT_FILE_TARGETS, cmd);
	ok = ok && mmt_count_targets(getpid()) == 2;
	ok = ok && !mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
	ok = ok && mmt_count_targets(getpid()) == 0;
	ksft_test_result(ok, "targets_register_list_release\n");

	child = fork();
	if (child == 0) {
		snprintf(cmd, sizeof(cmd), MMT_TARGET_ARENA_VERB " %lx %lx",
			 (unsigned long)arena, PAGE);
		_exit(mmt_write(MMT_FILE_TARGETS, cmd) ? 1 : 0);
	}
	waitpid(child, &st, 0);
	usleep(400000);
	ksft_test_result(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
			 mmt_count_targets(child) == 0, "targets_dropped_at_exit\n");
}

/* Every write here must fail and change nothing. */
static const char * const bad_targets[] = {
	"", "arena", "arena 0 0", "arena 1000 1000", "arena 0 1000",
	"arena ffffffffffff000 2000", "arena 1000", "file", "file -1",
	"file 9999", "file 0 0", "file x", "release", "release 0",
	"release 99999", "release x", "bogus 1", "arena 1000 1000 1000",
};
static const char * const bad_numbers[] = {
	"", "-1", "x", "1x", "99999999999999999999", "0x", " ", "1 2",
	"y", "on", "1junk",
};
static const char * const bad_ops[] = {
	"", ",", "bogus", "munmap,bogus", "noflush", "mprotect", "mremap",
	"all,all",
};
static const char * const bad_sites[] = {
	"", "add", "add no_such_symbol_xyz 10", "add tlb_finish_mmu",
	"add tlb_finish_mmu 0", "add tlb_finish_mmu 99999",
	"add tlb_finish_mmu 10 0", "add tlb_finish_mmu 10 101",
	"add tlb_finish_mmu 10 50 5 x", "add bad$name 10", "del nothing",
	"del", "bogus", "clear now", "add tlb_finish_mmu+x 10",
};

/* The engines and what each has, from the contract (mmtorture_uapi.h). */
static const struct engine_prop {
	const char *name;
	unsigned int flags;		/* MMT_ENG_F_* */
} engines[] = {
	{ MMT_ENGINE_MKCLEAN, MMT_ENG_FLAGS_MKCLEAN },
	{ MMT_ENGINE_VMA, MMT_ENG_FLAGS_VMA },
	{ MMT_ENGINE_LAZYTLB, MMT_ENG_FLAGS_LAZYTLB },
	{ MMT_ENGINE_TLBDELAY, MMT_ENG_FLAGS_TLBDELAY },
};
#define NR_ENGINES (sizeof(engines) / sizeof(engines[0]))

static int snapshot(char *buf, size_t len)
{
	char file[64];
	size_t i, n = 0;
	int r;

	for (i = 0; i < NR_ENGINES + 2; i++) {
		if (i == NR_ENGINES)
			snprintf(file, sizeof(file), MMT_FILE_TARGETS);
		else if (i == NR_ENGINES + 1)
			snprintf(file, sizeof(file), MMT_FILE_SEED);
		else
			snprintf(file, sizeof(file), "%s/" MMT_FILE_STATS,
				 engines[i].name);
		r = mmt_read(file, buf + n, len - n);
		if (r < 0)
			return r;
		n += r;
	}
	/* Counters like "idle" move while nothing runs; keep knob lines. */
	return 0;
}

static void keep_knobs(char *s)
{
	char out[32768], *line, *save;
	size_t n = 0;

	out[0] = '\0';
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, MMT_STAT_ENABLED ":", strlen(MMT_STAT_ENABLED) + 1) ||
		    !strncmp(line, MMT_STAT_THREADS ":", strlen(MMT_STAT_THREADS) + 1) ||
		    !strncmp(line, MMT_STAT_OPS ":", strlen(MMT_STAT_OPS) + 1) ||
		    !strncmp(line, MMT_STAT_INTERVAL_US ":", strlen(MMT_STAT_INTERVAL_US) + 1) ||
		    !strncmp(line, "site:", 5) || !strncmp(line, "id=", 3) ||
		    (line[0] >= '0' && line[0] <= '9'))
			n += snprintf(out + n, sizeof(out) - n, "%s\n", line);
	}
	strcpy(s, out);
}

static void print_prefixed(char *s)
{
	char *line, *save;

	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", line);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((*s < '0' || *s > '9') && *s != '\n' && *s != ' ')
			return 0;
	return 1;
}

/* Every knob file: the module's, then each engine's that it has. */
static unsigned int knob_files(char files[][64], unsigned int max)
{
	unsigned int n = 0, e;

	snprintf(files[n++], 64, MMT_FILE_TARGETS);
	snprintf(files[n++], 64, MMT_FILE_SEED);
	for (e = 0; e < NR_ENGINES && n + 5 <= max; e++) {
		const char *name = engines[e].name;

		if (engines[e].flags & MMT_ENG_F_THREADS) {
			snprintf(files[n++], 64, "%s/" MMT_FILE_THREADS, name);
			snprintf(files[n++], 64, "%s/" MMT_FILE_INTERVAL_US, name);
		}
		if (engines[e].flags & MMT_ENG_F_OPS)
			snprintf(files[n++], 64, "%s/" MMT_FILE_OPS, name);
		if (!strcmp(name, MMT_ENGINE_TLBDELAY))
			snprintf(files[n++], 64, "%s/" MMT_FILE_SITES, name);
		snprintf(files[n++], 64, "%s/" MMT_FILE_ENABLE, name);
	}
	return n;
}

static void test_bad_input(void)
{
	static char before[32768], after[32768];
	unsigned int rnd = (unsigned int)seed * 7 + 3, i, e, k, nknobs;
	int accepted = 0;
	char junk[48], file[64], knobs[32][64], too_many[16], too_long[16];
	size_t n;

	if (snapshot(before, sizeof(before)) < 0) {
		ksft_test_result_code(KSFT_FAIL, "bad_input_refused", "cannot read state");
		return;
	}
	keep_knobs(before);
	for (i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++)
		if (!mmt_write(MMT_FILE_TARGETS, bad_targets[i])) {
			printf("# accepted: targets <- '%s'\n", bad_targets[i]);
			accepted++;
		}
	snprintf(too_many, sizeof(too_many), "%d", MMT_MAX_THREADS + 1);
	snprintf(too_long, sizeof(too_long), "%d", MMT_MAX_INTERVAL_US + 1);
	for (e = 0; e < NR_ENGINES; e++) {
		const char *name = engines[e].name;
		int threads = engines[e].flags & MMT_ENG_F_THREADS;

		for (i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
			if (threads && !set(name, MMT_FILE_THREADS, bad_numbers[i]))
				accepted++;
			if (threads && !set(name, MMT_FILE_INTERVAL_US, bad_numbers[i]))
				accepted++;
			if (!set(name, MMT_FILE_ENABLE, bad_numbers[i]))
				accepted++;
		}
		if (!set(name, MMT_FILE_ENABLE, "2"))
			accepted++;
		if (threads && (!set(name, MMT_FILE_THREADS, "0") ||
				!set(name, MMT_FILE_THREADS, too_many) ||
				!set(name, MMT_FILE_INTERVAL_US, too_long)))
			accepted++;
		if (!(engines[e].flags & MMT_ENG_F_OPS))
			continue;
		for (i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++)
			if (!set(name, MMT_FILE_OPS, bad_ops[i])) {
				printf("# accepted: %s/" MMT_FILE_OPS " <- '%s'\n",
				       name, bad_ops[i]);
				accepted++;
			}
	}
	for (i = 0; i < sizeof(bad_sites) / sizeof(bad_sites[0]); i++)
		if (!set(MMT_ENGINE_TLBDELAY, MMT_FILE_SITES, bad_sites[i])) {
			printf("# accepted: tlbdelay/sites <- '%s'\n", bad_sites[i]);
			accepted++;
		}
	/* Random junk to every knob. */
	nknobs = knob_files(knobs, sizeof(knobs) / sizeof(knobs[0]));
	for (i = 0; i < fuzz; i++) {
		rnd = rnd * 1103515245u + 12345u;
		n = 1 + (rnd >> 16) % (sizeof(junk) - 1);
		for (k = 0; k < n; k++) {
			rnd = rnd * 1103515245u + 12345u;
			junk[k] = (char)(1 + (rnd >> 16) % 255);
		}
		junk[n] = '\0';
		k = (rnd >> 8) % nknobs;
		if (all_digits(junk))
			continue;
		snprintf(file, sizeof(file), "%s", knobs[k]);
		if (!mmt_write(file, junk)) {
			printf("# accepted junk into %s\n", file);
			accepted++;
		}
	}
	if (snapshot(after, sizeof(after)) < 0) {
		ksft_test_result_code(KSFT_FAIL, "bad_input_refused", "cannot read state");
		return;
	}
	keep_knobs(after);
	if (strcmp(before, after)) {
		printf("# state changed; after:\n");
		print_prefixed(after);
	}
	printf("# metric: bad_inputs_accepted=%d\n", accepted);
	ksft_test_result(!accepted && !strcmp(before, after), "bad_input_refused\n");
}

static void run_for(unsigned int secs)
{
	struct timespec ts = { secs, 0 };

	nanosleep(&ts, NULL);
}

static void test_engine(const char *engine, const char *counter_key,
			const char *also)
{
	long before, after, viol;
	char name[64];
	int ok;

	snprintf(name, sizeof(name), "engine_%s_advances", engine);
	before = mmt_engine_stat(engine, counter_key);
	ok = !set(engine, MMT_FILE_ENABLE, "1") && !set(engine, MMT_FILE_ENABLE, "1");
	if (also)
		ok = ok && !set(also, MMT_FILE_ENABLE, "1");
	run_for(duration);
	if (also)
		set(also, MMT_FILE_ENABLE, "0");
	ok = ok && !set(engine, MMT_FILE_ENABLE, "0") &&
	     !set(engine, MMT_FILE_ENABLE, "0");
	after = mmt_engine_stat(engine, counter_key);
	viol = mmt_engine_stat(engine, MMT_STAT_VIOLATIONS ": ");
	mmt_print_engine_stats(engine);
	printf("# metric: %s_%.*s=%ld\n", engine,
	       (int)strlen(counter_key) - 2, counter_key, after - before);
	printf("# metric: %s_per_s=%.1f\n", engine,
	       (double)(after - before) / duration);
	if (viol)
		ksft_test_result_code(KSFT_FAIL, name, "invariant violations");
	else
		ksft_test_result(ok && after > before, "%s\n", name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", 1, NULL, 'd' }, { "seed", 1, NULL, 's' },
		{ "dir", 1, NULL, 'D' }, { "fuzz", 1, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	pthread_t tids[TOUCHERS];
	char path[512], cmd[128];
	const char *why;
	struct sigaction sa;
	int c, fd, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': duration = mmt_opt_ulong("--duration", optarg, 1, 86400); break;
		case 's': seed = mmt_opt_ulong("--seed", optarg, 0, ~0UL); break;
		case 'D': dir = optarg; break;
		case 'f': fuzz = mmt_opt_ulong("--fuzz", optarg, 0, 1000000); break;
		default:
			fprintf(stderr, "usage: %s [--duration S] [--seed N] [--dir DIR] [--fuzz N]\n",
				argv[0]);
			return 2;
		}
	}
	if (!duration)
		duration = 1;
	/* Each line as it happens: the touchers print from their threads. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	why = mmt_module_missing();
	if (why)
		ksft_exit_skip("%s\n", why);
	snprintf(path, sizeof(path), "%s/mmt_smoke.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		ksft_exit_skip("cannot create a file in %s\n", dir);
	unlink(path);
	ksft_set_plan(9);
	if (ftruncate(fd, 64 * PAGE))
		ksft_exit_fail_perror("ftruncate");
	arena = mmap(NULL, ARENA_PAGES * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		ksft_exit_fail_perror("mmap");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		CPU_ZERO(&cpus);
	ksft_print_msg("touchers: %d, pinned round robin over %d CPUs\n",
		       TOUCHERS, CPU_COUNT(&cpus));

	test_targets(fd);
	test_bad_input();

	/* Targets for the engines, and the owner faulting on its arena. */
	snprintf(cmd, sizeof(cmd), MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)arena,
		 ARENA_PAGES * PAGE);
	mmt_write(MMT_FILE_TARGETS, cmd);
	snprintf(cmd, sizeof(cmd), MMT_TARGET_FILE_VERB " %d", fd);
	mmt_write(MMT_FILE_TARGETS, cmd);
	{
		char *fmap = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);

		if (fmap != MAP_FAILED)
			memset(fmap, 0x5a, 64 * PAGE);
	}
	for (i = 0; i < TOUCHERS; i++)
		pthread_create(&tids[i], NULL, toucher, (void *)(uintptr_t)i);

	test_engine(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_PASSES ": ", NULL);
	test_engine(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_MUNMAP ": ", NULL);
	test_engine(MMT_ENGINE_LAZYTLB, MMT_STAT_LAZYTLB_OP_READ ": ", NULL);
	test_engine(MMT_ENGINE_TLBDELAY, MMT_STAT_TLBDELAY_DELAYS ": ",
		    MMT_ENGINE_VMA);

	/*
	 * Everything at once. tlbdelay first and last: its probes are armed
	 * before the other engines make the probed functions hot, and
	 * disarmed after they stopped (multi-threaded TCG runs a removed
	 * INT3 otherwise; see the repro-kprobe-arm suite).
	 */
	{
		static const char * const all[] = {
			MMT_ENGINE_TLBDELAY, MMT_ENGINE_MKCLEAN, MMT_ENGINE_VMA,
			MMT_ENGINE_LAZYTLB,
		};
		long viol = 0;
		int ok = 1;

		for (i = 0; i < 4; i++)
			ok = ok && !set(all[i], MMT_FILE_ENABLE, "1");
		run_for(duration);
		for (i = 3; i >= 0; i--) {
			ok = ok && !set(all[i], MMT_FILE_ENABLE, "0");
			viol += mmt_engine_stat(all[i], MMT_STAT_VIOLATIONS ": ");
		}
		ksft_test_result(ok && !viol, "all_engines_together\n");
	}
	atomic_store(&stop, 1);
	for (i = 0; i < TOUCHERS; i++)
		pthread_join(tids[i], NULL);
	printf("# metric: target_touches=%llu\n", atomic_load(&touches));
	printf("# metric: target_segvs=%llu\n", atomic_load(&segvs));
	printf("# metric: target_misplaced=%llu\n", atomic_load(&misplaced));
	printf("# metric: target_stale=%llu\n", atomic_load(&stale));
	mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
	ksft_test_result(atomic_load(&misplaced) == 0 && atomic_load(&stale) == 0,
			 "target_saw_no_misplaced_data\n");
	ksft_finished();
}
