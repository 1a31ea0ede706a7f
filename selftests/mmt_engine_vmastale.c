// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_engine_vmastale - the VMA class (races.md section 2) driven by
 * mmtorture's vma engine: after mmap(MAP_FIXED) of new contents returns,
 * no thread sees the old contents.
 *
 * An anonymous arena is registered with the module ("arena START LEN") and
 * the vma engine replaces, unmaps and zaps page runs of it while toucher
 * threads load and store stamps. Each word has exactly one writer, and a
 * stamp names its word and carries the writer's sequence number, so a load
 * may only find zero (the memory was replaced or zapped since the last
 * store) or the writer's own last stamp. Anything else is reported:
 *   # stale contents: offset=O expected=0xE found=0xF thread=T ... elapsed=T
 * "expected" is the last stamp stored there (zero is allowed as well);
 * a found stamp of the same word with a lower sequence number is the old
 * contents of a replaced mapping coming back.
 *
 * --expect clean: the module's real engine (munmap, mmap_fixed, dontneed,
 *   zap_all); any report fails (exit 1).
 * --expect stale: positive control, the module must be loaded with
 *   broken=vma_stale and runs mmap_fixed only; the test passes only if the
 *   stale contents are caught, and reports the time to detection.
 * Exit: 0 pass, 1 fail, 2 usage, 4 skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmt_util.h"

#define PAGE 4096UL
#define WORDS_PER_THREAD 4
#define MAX_THREADS 8
#define SEQ_BITS 40
#define SEQ_MASK ((1ULL << SEQ_BITS) - 1)

static struct {
	unsigned int threads;
	unsigned int pages;
	unsigned int duration;
	unsigned long long seed;
	int expect_stale;
} cfg = { 2, 16, 10, 1, 0 };

static char *arena;
static atomic_int stop, caught;
static atomic_ullong touches, segvs, zeros;
static double t_start;
static __thread sigjmp_buf segv_jmp;
static __thread volatile int in_touch;

static struct {
	unsigned long offset;
	uint64_t expected, found;
	unsigned int thread;
	double elapsed;
} report;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_segv(int sig)
{
	(void)sig;
	if (in_touch)
		siglongjmp(segv_jmp, 1);
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

static uint64_t tag_of(unsigned long pg, unsigned long word)
{
	return (uint64_t)((pg << 8) | word) << SEQ_BITS;
}

/* Loads and stores stamps on the words this thread owns. */
static void *toucher(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	volatile unsigned int rnd = id * 2654435761u + (unsigned int)cfg.seed;
	uint64_t *last = calloc((size_t)cfg.pages * WORDS_PER_THREAD,
				sizeof(*last));
	volatile uint64_t seq = 0;

	if (!last) {
		atomic_store(&stop, 1);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		unsigned long pg, k, word, slot;
		volatile uint64_t *p;
		uint64_t v, stamp;

		rnd = rnd * 1103515245u + 12345u;
		pg = (rnd >> 8) % cfg.pages;
		k = (rnd >> 20) % WORDS_PER_THREAD;
		word = id * WORDS_PER_THREAD + k;
		slot = pg * WORDS_PER_THREAD + k;
		p = (volatile uint64_t *)(arena + pg * PAGE) + word;
		stamp = tag_of(pg, word) | (++seq & SEQ_MASK);
		in_touch = 1;
		if (sigsetjmp(segv_jmp, 0)) {
			in_touch = 0;
			atomic_fetch_add(&segvs, 1);
			continue;
		}
		v = *p;
		if (v && v != last[slot]) {
			in_touch = 0;
			pthread_mutex_lock(&report_lock);
			if (!atomic_load(&caught)) {
				report.offset = pg * PAGE + word * 8;
				report.expected = last[slot];
				report.found = v;
				report.thread = id;
				report.elapsed = now() - t_start;
				atomic_store(&caught, 1);
			}
			pthread_mutex_unlock(&report_lock);
			atomic_store(&stop, 1);
			break;
		}
		if (!v)
			atomic_fetch_add(&zeros, 1);
		*p = stamp;
		in_touch = 0;
		last[slot] = stamp;
		atomic_fetch_add(&touches, 1);
	}
	free(last);
	return NULL;
}

static void usage(const char *p)
{
	fprintf(stderr,
		"usage: %s [--expect clean|stale] [--duration S] [--seed N]\n"
		"          [--threads N] [--pages N]\n", p);
	exit(2);
}

static void print_report(void)
{
	uint64_t e = report.expected, f = report.found;
	unsigned long word = (report.offset % PAGE) / 8;
	unsigned long pg = report.offset / PAGE;
	const char *what = "misplaced";

	if ((f & ~SEQ_MASK) == tag_of(pg, word) && e &&
	    (f & SEQ_MASK) < (e & SEQ_MASK))
		what = "old stamp of this word";
	printf("# stale contents: offset=0x%lx expected=0x%llx (or 0) found=0x%llx (%s) thread=%u elapsed=%.3fs seed=%llu\n",
	       report.offset, (unsigned long long)e, (unsigned long long)f,
	       what, report.thread, report.elapsed, cfg.seed);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expect", 1, NULL, 'e' }, { "duration", 1, NULL, 'd' },
		{ "seed", 1, NULL, 's' }, { "threads", 1, NULL, 't' },
		{ "pages", 1, NULL, 'p' }, { NULL, 0, NULL, 0 },
	};
	pthread_t tids[MAX_THREADS];
	char cmd[96], status[4096];
	const char *why, *broken, *name;
	struct sigaction sa;
	double t_stop;
	unsigned int i;
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!strcmp(optarg, "stale"))
				cfg.expect_stale = 1;
			else if (strcmp(optarg, "clean"))
				usage(argv[0]);
			break;
		case 'd': cfg.duration = mmt_opt_ulong("--duration", optarg, 1, 86400); break;
		case 's': cfg.seed = mmt_opt_ulong("--seed", optarg, 0, ~0UL); break;
		case 't': cfg.threads = mmt_opt_ulong("--threads", optarg, 1, MAX_THREADS); break;
		case 'p': cfg.pages = mmt_opt_ulong("--pages", optarg, 1, 4096); break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	name = cfg.expect_stale ? "vmastale_broken_mode_caught" :
				  "vmastale_no_stale_contents";

	printf("TAP version 13\n1..1\n");
	printf("# seed=%llu duration=%u threads=%u pages=%u expect=%s\n",
	       cfg.seed, cfg.duration, cfg.threads, cfg.pages,
	       cfg.expect_stale ? "stale" : "clean");
	why = mmt_module_missing();
	if (why) {
		printf("ok 1 %s # SKIP %s\n", name, why);
		return 4;
	}
	if (mmt_read("status", status, sizeof(status)) < 0) {
		printf("ok 1 %s # SKIP cannot read status\n", name);
		return 4;
	}
	broken = mmt_status_line(status, "broken: ");
	if (cfg.expect_stale && (!broken || strncmp(broken, "vma_stale", 9))) {
		printf("ok 1 %s # SKIP module not loaded with broken=vma_stale\n",
		       name);
		return 4;
	}
	if (!cfg.expect_stale && broken && strncmp(broken, "none", 4)) {
		printf("ok 1 %s # SKIP module loaded with a broken mode\n", name);
		return 4;
	}

	arena = mmap(NULL, cfg.pages * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) {
		printf("not ok 1 %s # mmap: %s\n", name, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	snprintf(cmd, sizeof(cmd), "arena %lx %lx", (unsigned long)arena,
		 cfg.pages * PAGE);
	if (mmt_write("vma/enable", "0") || mmt_write("targets", cmd)) {
		printf("not ok 1 %s # cannot register the arena\n", name);
		return 1;
	}
	if (mmt_write("vma/threads", "1") ||
	    mmt_write("vma/ops", cfg.expect_stale ? "mmap_fixed" :
		      "munmap,mmap_fixed,dontneed,zap_all") ||
	    mmt_write("vma/enable", "1")) {
		printf("not ok 1 %s # cannot start the vma engine\n", name);
		mmt_write("targets", "release all");
		return 1;
	}

	t_start = now();
	for (i = 0; i < cfg.threads; i++)
		pthread_create(&tids[i], NULL, toucher, (void *)(uintptr_t)i);
	t_stop = t_start + cfg.duration;
	while (!atomic_load(&stop) && now() < t_stop)
		usleep(10000);
	atomic_store(&stop, 1);
	for (i = 0; i < cfg.threads; i++)
		pthread_join(tids[i], NULL);
	mmt_write("vma/enable", "0");
	mmt_print_engine_stats("vma");
	mmt_write("targets", "release all");

	printf("# metric: target_touches=%llu\n", atomic_load(&touches));
	printf("# metric: target_touches_per_s=%.1f\n",
	       atomic_load(&touches) / (now() - t_start));
	printf("# metric: target_fresh_zero_loads=%llu\n", atomic_load(&zeros));
	printf("# metric: target_segvs=%llu\n", atomic_load(&segvs));
	printf("# metric: vma_mmap_fixed=%ld\n",
	       mmt_engine_stat("vma", "op_mmap_fixed: "));
	if (atomic_load(&caught)) {
		print_report();
		printf("# metric: time_to_detection_ms=%.0f\n",
		       report.elapsed * 1000);
	}
	if (cfg.expect_stale) {
		if (atomic_load(&caught)) {
			printf("# positive control: the broken mode's stale contents were caught\n");
			printf("ok 1 %s\n", name);
			ret = 0;
		} else {
			printf("# positive control: no stale contents seen in %us; the detector missed the broken mode\n",
			       cfg.duration);
			printf("not ok 1 %s\n", name);
		}
	} else if (atomic_load(&caught)) {
		printf("not ok 1 %s\n", name);
	} else {
		printf("ok 1 %s\n", name);
		ret = 0;
	}
	return ret;
}
