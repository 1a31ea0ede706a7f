// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_engine_lostdirty - the lost-dirty class (races.md section 1) driven
 * by mmtorture's mkclean engine.
 *
 * A file on the scratch disk is mapped MAP_SHARED and registered with the
 * module ("file FD"); the mkclean engine cleans its pages concurrently.
 * Each writer owns one page and loops:
 *   store stamps through the mapping for --burst-us microseconds,
 *   MADV_DONTNEED its page, POSIX_FADV_DONTNEED it (writeback + drop),
 *   pread the first word back and compare with the last stamp stored.
 * A store that completed but is not read back is a lost write:
 *   # lost write: offset=O expected=0xE found=0xF writer=W elapsed=T seed=S
 *
 * --expect clean: the module runs its real cleaners; any loss fails (exit 1).
 * --expect loss: positive control, the module must be loaded with
 *   broken=mkclean_noflush; the test passes only if the loss is caught,
 *   and reports the time to detection.
 * Exit: 0 pass, 1 fail, 2 usage, 4 skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
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
#define MAX_WRITERS 64

static struct {
	unsigned int writers;
	unsigned int threads;
	unsigned int duration;
	unsigned int burst_us;
	unsigned long long seed;
	const char *dir;
	int expect_loss;
} cfg = { 2, 1, 10, 300, 1, "/mnt/scratch", 0 };

static char *map;
static int fd;
static atomic_int stop;
static atomic_int lost;
static double t_start;
static atomic_ullong iterations;

static struct {
	unsigned long offset;
	uint64_t expected, found;
	unsigned int writer;
	double elapsed;
} loss;
static pthread_mutex_t loss_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg;
	unsigned long off = (unsigned long)w * PAGE;
	volatile uint64_t *word = (volatile uint64_t *)(map + off);
	uint64_t seq = 0, last = 0, found;
	double t_end;
	unsigned int i;

	while (!atomic_load(&stop)) {
		t_end = now() + cfg.burst_us / 1e6;
		do {
			for (i = 0; i < 64; i++) {
				last = ((uint64_t)(w + 1) << 48) | ++seq;
				*word = last;
			}
		} while (now() < t_end);
		madvise(map + off, PAGE, MADV_DONTNEED);
		posix_fadvise(fd, off, PAGE, POSIX_FADV_DONTNEED);
		if (pread(fd, &found, sizeof(found), off) != sizeof(found)) {
			perror("pread");
			atomic_store(&stop, 1);
			break;
		}
		atomic_fetch_add(&iterations, 1);
		if (found != last) {
			pthread_mutex_lock(&loss_lock);
			if (!atomic_load(&lost)) {
				loss.offset = off;
				loss.expected = last;
				loss.found = found;
				loss.writer = w;
				loss.elapsed = now() - t_start;
				atomic_store(&lost, 1);
			}
			pthread_mutex_unlock(&loss_lock);
			atomic_store(&stop, 1);
			break;
		}
	}
	return NULL;
}

static void usage(const char *p)
{
	fprintf(stderr,
		"usage: %s [--expect clean|loss] [--duration S] [--seed N] [--dir DIR]\n"
		"          [--writers N] [--threads N] [--burst-us N]\n", p);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expect", 1, NULL, 'e' }, { "duration", 1, NULL, 'd' },
		{ "seed", 1, NULL, 's' }, { "dir", 1, NULL, 'D' },
		{ "writers", 1, NULL, 'w' }, { "threads", 1, NULL, 't' },
		{ "burst-us", 1, NULL, 'b' }, { NULL, 0, NULL, 0 },
	};
	pthread_t tids[MAX_WRITERS];
	char path[512], cmd[64], status[4096];
	const char *why, *broken, *name;
	unsigned long size, i;
	double t_stop;
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!strcmp(optarg, "loss"))
				cfg.expect_loss = 1;
			else if (strcmp(optarg, "clean"))
				usage(argv[0]);
			break;
		case 'd': cfg.duration = mmt_opt_ulong("--duration", optarg, 1, 86400); break;
		case 's': cfg.seed = mmt_opt_ulong("--seed", optarg, 0, ~0UL); break;
		case 'D': cfg.dir = optarg; break;
		case 'w': cfg.writers = mmt_opt_ulong("--writers", optarg, 1, MAX_WRITERS); break;
		case 't': cfg.threads = mmt_opt_ulong("--threads", optarg, 1, 8); break;
		case 'b': cfg.burst_us = mmt_opt_ulong("--burst-us", optarg, 1, 1000000); break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	name = cfg.expect_loss ? "lostdirty_broken_mode_caught" :
				 "lostdirty_no_lost_write";

	printf("TAP version 13\n1..1\n");
	printf("# seed=%llu duration=%u writers=%u threads=%u burst_us=%u expect=%s\n",
	       cfg.seed, cfg.duration, cfg.writers, cfg.threads, cfg.burst_us,
	       cfg.expect_loss ? "loss" : "clean");
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
	if (cfg.expect_loss && (!broken || strncmp(broken, "mkclean_noflush", 15))) {
		printf("ok 1 %s # SKIP module not loaded with broken=mkclean_noflush\n",
		       name);
		return 4;
	}
	if (!cfg.expect_loss && broken && strncmp(broken, "none", 4)) {
		printf("ok 1 %s # SKIP module loaded with a broken mode\n", name);
		return 4;
	}

	snprintf(path, sizeof(path), "%s/mmt_lostdirty.XXXXXX", cfg.dir);
	fd = mkstemp(path);
	if (fd < 0) {
		printf("ok 1 %s # SKIP cannot create a file in %s: %s\n", name,
		       cfg.dir, strerror(errno));
		return 4;
	}
	unlink(path);
	size = cfg.writers * PAGE;
	{
		char *zero = calloc(1, size);

		if (!zero || pwrite(fd, zero, size, 0) != (ssize_t)size ||
		    fsync(fd)) {
			printf("not ok 1 %s # cannot prepare the file\n", name);
			return 1;
		}
		free(zero);
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("not ok 1 %s # mmap: %s\n", name, strerror(errno));
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "file %d", fd);
	if (mmt_write("targets", cmd) || mmt_write("mkclean/enable", "0")) {
		printf("not ok 1 %s # cannot register the file\n", name);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%u", cfg.threads);
	if (mmt_write("mkclean/threads", cmd) ||
	    mmt_write("mkclean/ops", cfg.expect_loss ? "noflush" :
		      "mkclean,clear_dirty,writeback") ||
	    mmt_write("mkclean/enable", "1")) {
		printf("not ok 1 %s # cannot start the mkclean engine\n", name);
		return 1;
	}

	t_start = now();
	for (i = 0; i < cfg.writers; i++)
		pthread_create(&tids[i], NULL, writer, (void *)(uintptr_t)i);
	t_stop = t_start + cfg.duration;
	while (!atomic_load(&stop) && now() < t_stop)
		usleep(10000);
	atomic_store(&stop, 1);
	for (i = 0; i < cfg.writers; i++)
		pthread_join(tids[i], NULL);
	mmt_write("mkclean/enable", "0");
	mmt_print_engine_stats("mkclean");
	mmt_write("targets", "release all");

	printf("# metric: writer_iterations=%llu\n", atomic_load(&iterations));
	printf("# metric: writer_iterations_per_s=%.1f\n",
	       atomic_load(&iterations) / (now() - t_start));
	printf("# metric: mkclean_passes=%ld\n",
	       mmt_engine_stat("mkclean", "passes: "));
	if (atomic_load(&lost)) {
		printf("# lost write: offset=%lu expected=0x%llx found=0x%llx writer=%u elapsed=%.3fs seed=%llu\n",
		       loss.offset, (unsigned long long)loss.expected,
		       (unsigned long long)loss.found, loss.writer,
		       loss.elapsed, cfg.seed);
		printf("# metric: time_to_detection_ms=%.0f\n",
		       loss.elapsed * 1000);
	}
	if (cfg.expect_loss) {
		if (atomic_load(&lost)) {
			printf("# positive control: the broken mode's loss was caught\n");
			printf("ok 1 %s\n", name);
			ret = 0;
		} else {
			printf("# positive control: no loss seen in %us; the detector missed the broken mode\n",
			       cfg.duration);
			printf("not ok 1 %s\n", name);
		}
	} else {
		if (atomic_load(&lost)) {
			printf("not ok 1 %s\n", name);
		} else {
			printf("ok 1 %s\n", name);
			ret = 0;
		}
	}
	munmap(map, size);
	close(fd);
	return ret;
}
