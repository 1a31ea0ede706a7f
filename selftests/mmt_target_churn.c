// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_target_churn - targets that fork, exec and exit while the lazytlb
 * engine (and optionally others) adopt their mms in a loop. Each child
 * maps an arena, registers it, touches it, then either exits or execs
 * itself (--child) which registers a new arena in the new mm and exits.
 * Passes when the engine's counters advanced, no invariant was violated,
 * and every child's registration was dropped after it went away.
 *
 *   mmt_target_churn [--duration S] [--engines lazytlb,vma,...]
 * KTAP through kselftest.h; exit: KSFT_PASS, KSFT_FAIL, KSFT_SKIP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
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
#define PAGES 16

static sigjmp_buf segv_jmp;

/* The vma engine may unmap the arena under us: that is its job. */
static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

static int child(void)
{
	char *a = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char cmd[64];
	volatile unsigned long i;

	if (a == MAP_FAILED)
		return 1;
	memset(a, 1, PAGES * PAGE);
	snprintf(cmd, sizeof(cmd), MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)a,
		 PAGES * PAGE);
	i = -mmt_write(MMT_FILE_TARGETS, cmd);
	if (i) {
		printf("# child %d: registering its arena failed: %s\n",
		       getpid(), strerror((int)i));
		fflush(stdout);
		return 1;
	}
	signal(SIGSEGV, on_segv);
	for (i = 0; i < 2000; i++) {
		if (sigsetjmp(segv_jmp, 1))
			continue;
		((volatile char *)a)[(i * 97 % PAGES) * PAGE] ^= 1;
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int duration = 4, forks = 0, execs = 0, bad = 0;
	char engines[256] = MMT_ENGINE_LAZYTLB, *e, *save, buf[8192], file[64];
	char *names[8];
	int n;
	long before, after, viol = 0;
	const char *why;
	time_t end;
	int i, st, ok = 1;

	if (argc == 2 && !strcmp(argv[1], "--child"))
		return child();
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--duration"))
			duration = mmt_opt_ulong("--duration", argv[i + 1], 1, 86400);
		else if (!strcmp(argv[i], "--engines"))
			snprintf(engines, sizeof(engines), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			mmt_opt_ulong("--seed", argv[i + 1], 0, ~0UL);
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "usage: %s [--duration S] [--engines E,...] [--seed N] (not '%s')\n",
			argv[0], argv[i]);
		return 2;
	}
	ksft_print_header();
	why = mmt_module_missing();
	if (why)
		ksft_exit_skip("%s\n", why);
	ksft_set_plan(1);
	/* Out now, or every forked child would flush its copy again. */
	fflush(stdout);
	before = mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_read: ") + mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_adopt: ") +
		 mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_yield: ");
	snprintf(buf, sizeof(buf), "%s", engines);
	for (e = strtok_r(buf, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		snprintf(file, sizeof(file), "%s/enable", e);
		ok = ok && !mmt_write(file, "1");
	}
	end = time(NULL) + duration;
	while (time(NULL) < end) {
		pid_t pid = fork();

		if (pid == 0) {
			if (forks % 3 == 2) {
				if (child())
					_exit(1);
				execl("/proc/self/exe", argv[0], "--child", NULL);
				_exit(1);
			}
			_exit(child());
		}
		if (pid < 0)
			break;
		waitpid(pid, &st, 0);
		forks++;
		if (forks % 3 == 0)
			execs++;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("# child %d ended with status 0x%x\n", pid, st);
			bad++;
		}
	}
	/* In reverse: probes armed first are disarmed last. */
	snprintf(buf, sizeof(buf), "%s", engines);
	for (n = 0, e = strtok_r(buf, ",", &save); e && n < 8;
	     e = strtok_r(NULL, ",", &save))
		names[n++] = e;
	while (n--) {
		snprintf(file, sizeof(file), "%s/enable", names[n]);
		ok = ok && !mmt_write(file, "0");
		viol += mmt_engine_stat(names[n], "violations: ");
	}
	after = mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_read: ") + mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_adopt: ") +
		mmt_engine_stat(MMT_ENGINE_LAZYTLB, "op_yield: ");
	usleep(400000);
	if (mmt_read(MMT_FILE_TARGETS, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	printf("# forks=%u execs=%u bad_children=%u lazytlb_ops=%ld mm_gone=%ld\n",
	       forks, execs, bad, after - before, mmt_engine_stat(MMT_ENGINE_LAZYTLB, "mm_gone: "));
	printf("# metric: forks=%u\n# metric: lazytlb_ops=%ld\n", forks,
	       after - before);
	printf("# metric: lazytlb_ops_per_s=%.1f\n",
	       (double)(after - before) / duration);
	if (buf[0])
		printf("# targets left after every child exited:\n# %s", buf);
	ok = ok && !bad && !viol && after > before && !buf[0];
	ksft_test_result(ok, "churn\n");
	ksft_finished();
}
