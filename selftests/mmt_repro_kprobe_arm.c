// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_repro_kprobe_arm - arm and disarm tlbdelay's kprobes in a loop while
 * the mkclean engine calls the probed functions at a high rate, to measure
 * how often arming a kprobe on a function that is running elsewhere goes
 * wrong. Under QEMU's multi-threaded TCG with 2 vCPUs this oopses within
 * a few cycles on 6.1 and 6.12 ("RIP: 0" after the call of the probed
 * function, or "Oops: int3" on a NOP): a vCPU executes an INT3 that
 * text_poke_bp() already removed and synchronised away, which x86 forbids.
 * Never with one vCPU or TCG thread=single; it is the emulator's fault,
 * which is why suites that arm kprobes run with "@tcg single".
 *
 *   mmt_repro_kprobe_arm --site SYM [--site SYM...] [--cycles N]
 *       [--ops mkclean|clear_dirty|...] [--no-mkclean] [--hold-us N]
 *       [--threads N] [--dir DIR] [--seed N]
 * One TAP test; an oops is reported from the console by the harness.
 * Exit: 0 pass, 1 fail, 4 skip.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mmt_util.h"

#define PAGE 4096UL
#define FILE_PAGES 64
#define MAX_SITES 8

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", 1, NULL, 'S' }, { "cycles", 1, NULL, 'c' },
		{ "ops", 1, NULL, 'o' }, { "no-mkclean", 0, NULL, 'n' },
		{ "hold-us", 1, NULL, 'h' }, { "threads", 1, NULL, 't' },
		{ "dir", 1, NULL, 'D' }, { "seed", 1, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sites[MAX_SITES], *ops = MMT_MKCLEAN_OP_MKCLEAN, *dir = "/mnt/scratch";
	const char *threads = "1";
	unsigned int nsites = 0, cycles = 2000, hold_us = 0, i;
	int mkclean = 1, fd, failed = 0, ok, c;
	char path[512], cmd[128];
	long passes0, passes1, viol;
	double t0;
	char *map;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (nsites < MAX_SITES)
				sites[nsites++] = optarg;
			break;
		case 'c': cycles = mmt_opt_ulong("--cycles", optarg, 1, 1000000); break;
		case 'o': ops = optarg; break;
		case 'n': mkclean = 0; break;
		case 'h': hold_us = mmt_opt_ulong("--hold-us", optarg, 0, 1000000); break;
		case 't': threads = optarg; break;
		case 'D': dir = optarg; break;
		case 's': mmt_opt_ulong("--seed", optarg, 0, ~0UL); break;
		default:
			fprintf(stderr, "usage: %s --site SYM... [--cycles N] [--ops OPS] [--no-mkclean] [--hold-us N] [--threads N] [--dir DIR]\n",
				argv[0]);
			return 2;
		}
	}
	ksft_print_header();
	if (mmt_module_missing())
		ksft_exit_skip("%s\n", mmt_module_missing());
	snprintf(path, sizeof(path), "%s/mmt_repro.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		ksft_exit_skip("cannot create a file in %s\n", dir);
	unlink(path);
	ksft_set_plan(1);
	if (ftruncate(fd, FILE_PAGES * PAGE))
		ksft_exit_fail_perror("ftruncate");
	map = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		ksft_exit_fail_perror("mmap");
	memset(map, 0x5a, FILE_PAGES * PAGE);
	snprintf(cmd, sizeof(cmd), MMT_TARGET_FILE_VERB " %d", fd);
	ok = !mmt_write(MMT_FILE_TARGETS, cmd);
	ok = ok && !mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, MMT_SITES_CLEAR);
	for (i = 0; ok && i < nsites; i++) {
		snprintf(cmd, sizeof(cmd), "add %s 20 50", sites[i]);
		if (mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_SITES, cmd)) {
			printf("# cannot add site %s\n", sites[i]);
			ok = 0;
		}
	}
	if (mkclean) {
		ok = ok && !mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_OPS, ops);
		ok = ok && !mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_THREADS, threads);
		ok = ok && !mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "1");
	}
	if (!ok) {
		ksft_test_result_code(KSFT_FAIL, "kprobe_arm_cycles", "setup failed");
		ksft_exit_fail();
	}
	printf("# sites:");
	for (i = 0; i < nsites; i++)
		printf(" %s", sites[i]);
	printf(" mkclean=%s ops=%s threads=%s cycles=%u hold_us=%u\n",
	       mkclean ? "on" : "off", ops, threads, cycles, hold_us);
	fflush(stdout);
	passes0 = mmt_engine_stat(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_PASSES ": ");
	t0 = now();
	for (i = 0; i < cycles; i++) {
		if (mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_ENABLE, "1"))
			failed++;
		if (hold_us)
			usleep(hold_us);
		if (mmt_write(MMT_ENGINE_TLBDELAY "/" MMT_FILE_ENABLE, "0"))
			failed++;
		if ((i + 1) % 200 == 0) {
			printf("# cycle %u (%.1f s)\n", i + 1, now() - t0);
			fflush(stdout);
		}
	}
	passes1 = mmt_engine_stat(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_PASSES ": ");
	if (mkclean)
		mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "0");
	printf("# metric: arm_cycles=%u\n", cycles);
	printf("# metric: arm_cycles_per_s=%.1f\n", cycles / (now() - t0));
	printf("# metric: mkclean_passes=%ld\n", passes1 - passes0);
	printf("# metric: enable_failures=%d\n", failed);
	viol = mmt_engine_stat(MMT_ENGINE_TLBDELAY, MMT_STAT_VIOLATIONS ": ");
	printf("# metric: tlbdelay_violations=%ld\n", viol);
	mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
	if (viol > 0)
		ksft_test_result_code(KSFT_FAIL, "kprobe_arm_cycles",
				      "%ld invariant violations", viol);
	else
		ksft_test_result(!failed, "kprobe_arm_cycles\n");
	ksft_finished();
}
