// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_optin_test - regressions from the security review of the opt-in
 * model (module/target.c, engine.c, eng_vma.c, eng_mkclean.c):
 *
 *   hugetlb_in_arena             a hugetlb VMA mapped into a registered
 *                                arena is skipped by the vma engine's
 *                                zaps (skipped_unsupported), and its
 *                                contents stay
 *   clone_vm_child_registration  a clone(CLONE_VM) child registers the
 *                                parent's memory, enables vma and exits:
 *                                the target dies with the child's thread
 *                                group although the mm lives on, the
 *                                engine it enabled stops, and nothing
 *                                touches the parent's memory after that
 *   shared_file_not_touched      mkclean leaves a registered file alone
 *                                while another process maps it
 *                                (shared_skips, no cleaned_ptes), and
 *                                cleans it with mkclean/shared = 1
 *   capability_checked_at_write  an fd opened by root and a file mode of
 *                                0666 do not let a process without
 *                                CAP_SYS_ADMIN write targets or seed
 *   per_process_limit            8 targets per process, a 9th is ENOSPC,
 *                                another process still gets one
 *   readonly_fd_refused          "file FD" of an O_RDONLY fd is EBADF
 *
 * Each test undoes what it set (targets released, engines stopped, knobs,
 * nr_hugepages and file modes restored) in its teardown, also when it
 * fails. Needs root and a loaded mmtorture module; MMT_SCRATCH is the
 * folder for files (default /tmp).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mmt_util.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define NOBODY 65534
#define MAX_SAVED 16

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static int file_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int file_write(const char *path, const char *text)
{
	ssize_t n;
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double main_t0;
static pid_t main_pid;

static void print_total(void)
{
	if (getpid() == main_pid)
		printf("# mmt_optin_test: total %.2f s\n", now_s() - main_t0);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long stat_of(const char *engine, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "%s: ", key);
	return mmt_engine_stat(engine, k);
}

/* Whether op NAME is listed in ENGINE's stats "ops_available:". */
static int op_available(const char *engine, const char *name)
{
	char file[64], buf[8192], list[256], *tok, *save, *p;
	const char *v;

	snprintf(file, sizeof(file), "%s/stats", engine);
	if (mmt_read(file, buf, sizeof(buf)) < 0)
		return 0;
	v = mmt_status_line(buf, MMT_STAT_OPS_AVAILABLE ": ");
	if (!v)
		return 0;
	snprintf(list, sizeof(list), "%.*s", (int)strcspn(v, "\n"), v);
	for (p = list; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

static void scratch_dir(char *out, size_t len)
{
	const char *d = getenv("MMT_SCRATCH");

	if (!d || !*d)
		d = "/tmp";
	mkdir(d, 0755);
	snprintf(out, len, "%s", d);
}

FIXTURE(optin) {
	/* Knobs to put back, in reverse order. */
	char saved_file[MAX_SAVED][64];
	char saved_val[MAX_SAVED][256];
	int nsaved;
	char nr_hugepages[32];
	int huge_saved;
	char mode_file[2][64];
	mode_t mode[2];
	int nmodes;
	char *map;
	size_t map_len;
	pid_t child;
	char tmpfile[512];
	int fd;
	double t0;
};

/* Remembers a knob's value for the teardown. */
static int save_knob(FIXTURE_DATA(optin) *self, const char *file)
{
	char buf[256];
	int n = mmt_read(file, buf, sizeof(buf));

	if (n < 0 || self->nsaved >= MAX_SAVED)
		return n < 0 ? n : -ENOSPC;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(self->saved_file[self->nsaved], 64, "%s", file);
	snprintf(self->saved_val[self->nsaved], 256, "%s", buf);
	self->nsaved++;
	return 0;
}

static int save_mode(FIXTURE_DATA(optin) *self, const char *file)
{
	char path[256];
	struct stat st;

	mmt_path(path, sizeof(path), file);
	if (stat(path, &st) || self->nmodes >= 2)
		return -errno;
	snprintf(self->mode_file[self->nmodes], 64, "%s", file);
	self->mode[self->nmodes] = st.st_mode & 07777;
	self->nmodes++;
	return 0;
}

FIXTURE_SETUP(optin)
{
	const char *why = mmt_module_missing();

	if (why)
		SKIP(return, "%s", why);
	self->fd = -1;
	self->t0 = now_s();
}

FIXTURE_TEARDOWN(optin)
{
	char path[256];
	int i;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	/* Whatever happened: the engines used here are stopped. */
	mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_ENABLE, "0");
	mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "0");
	mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
	for (i = self->nsaved - 1; i >= 0; i--)
		if (mmt_write(self->saved_file[i], self->saved_val[i]))
			TH_LOG("cannot restore %s to '%s'", self->saved_file[i],
			       self->saved_val[i]);
	for (i = 0; i < self->nmodes; i++) {
		mmt_path(path, sizeof(path), self->mode_file[i]);
		chmod(path, self->mode[i]);
	}
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, self->map_len);
	if (self->huge_saved)
		file_write(NR_HUGEPAGES, self->nr_hugepages);
	if (self->fd >= 0)
		close(self->fd);
	if (self->tmpfile[0])
		unlink(self->tmpfile);
	printf("# %s: %.2f s\n", _metadata->name, now_s() - self->t0);
}

/*
 * A hugetlb VMA inside a registered arena: VM_HUGETLB is refused at
 * registration, but a VMA can become hugetlb afterwards (MAP_FIXED); the
 * vma engine must judge each VMA when it touches it and leave this one
 * alone (counted as skipped_unsupported).
 */
TEST_F(optin, hugetlb_in_arena)
{
	long skip0, skip1, dn0, dn1, viol0, viol1;
	char buf[4096], *arena, *hp;
	const char *v;
	size_t i;
	int r;

	ASSERT_LE(0, file_read(NR_HUGEPAGES, self->nr_hugepages,
			       sizeof(self->nr_hugepages)))
		TH_LOG("no %s: a kernel without hugetlb", NR_HUGEPAGES);
	self->huge_saved = 1;
	r = file_write(NR_HUGEPAGES, "2");
	if (r)
		SKIP(return, "cannot reserve huge pages (%s: %s)", NR_HUGEPAGES,
		     strerror(-r));
	ASSERT_LT(0, file_read("/proc/meminfo", buf, sizeof(buf)));
	v = strstr(buf, "Hugepagesize:");
	if (!v || strtol(v + 13, NULL, 10) != 2048)
		SKIP(return, "the default huge page size is not 2 MiB");
	v = strstr(buf, "HugePages_Free:");
	if (!v || strtol(v + 15, NULL, 10) < 1)
		SKIP(return, "no huge page could be reserved (nr_hugepages=2 gave HugePages_Free: %ld)",
		     v ? strtol(v + 15, NULL, 10) : -1L);
	ASSERT_TRUE(op_available(MMT_ENGINE_VMA, MMT_VMA_OP_DONTNEED))
		TH_LOG("vma/stats ops_available lacks dontneed");

	/* A 4 MiB arena, 2 MiB aligned, of private anonymous memory. */
	self->map_len = 3 * HPAGE;
	self->map = mmap(NULL, self->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	arena = (char *)(((uintptr_t)self->map + HPAGE - 1) & ~(HPAGE - 1));
	memset(arena, 0x5a, 2 * HPAGE);
	ASSERT_EQ(0, mmt_writef(MMT_FILE_TARGETS, MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)arena,
				2 * HPAGE));
	/* Its second half becomes a hugetlb VMA after the registration. */
	hp = mmap(arena + HPAGE, HPAGE, PROT_READ | PROT_WRITE,
		  MAP_FIXED | MAP_HUGETLB | MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hp == MAP_FAILED)
		SKIP(return, "cannot map a 2 MiB huge page: %s", strerror(errno));
	ASSERT_EQ(arena + HPAGE, hp);
	memset(hp, 0xa5, HPAGE);

	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_OPS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_THREADS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_INTERVAL_US));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_OPS, MMT_VMA_OP_DONTNEED));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_THREADS, "1"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_INTERVAL_US, "100"));
	skip0 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_SKIPPED_UNSUPPORTED);
	dn0 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_DONTNEED);
	viol0 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VIOLATIONS);
	ASSERT_LE(0, skip0) TH_LOG("vma/stats has no skipped_unsupported");

	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_ENABLE, "1"));
	/* 2 s of zaps, the anonymous half faulted back in meanwhile. */
	for (i = 0; i < 20; i++) {
		memset(arena, 0x5a, HPAGE);
		msleep(100);
	}
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_ENABLE, "0"));
	skip1 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_SKIPPED_UNSUPPORTED);
	dn1 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_DONTNEED);
	viol1 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VIOLATIONS);
	mmt_print_engine_stats(MMT_ENGINE_VMA);
	printf("# hugetlb_in_arena: %ld dontneed ops, %ld skips of an unsupported VMA\n",
	       dn1 - dn0, skip1 - skip0);
	EXPECT_LT(dn0, dn1) TH_LOG("the vma engine did no dontneed op");
	EXPECT_LT(skip0, skip1) TH_LOG("the hugetlb VMA was never counted as skipped");
	EXPECT_EQ(viol0, viol1);
	for (i = 0; i < HPAGE; i += PAGE)
		if (hp[i] != (char)0xa5 || hp[i + PAGE - 1] != (char)0xa5)
			break;
	EXPECT_EQ(HPAGE, i) TH_LOG("the huge page changed at offset 0x%zx", i);
	EXPECT_EQ(0, mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL));
}

struct clone_arg {
	char *region;
	size_t len;
	int rc[2];
};

/* In the parent's address space, as a process of its own; exits at once. */
static int clone_child(void *p)
{
	struct clone_arg *a = p;
	char cmd[96];

	snprintf(cmd, sizeof(cmd), MMT_TARGET_ARENA_VERB " %lx %lx", (unsigned long)a->region,
		 (unsigned long)a->len);
	a->rc[0] = mmt_write(MMT_FILE_TARGETS, cmd);
	a->rc[1] = mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_ENABLE, "1");
	return 0;
}

#define CLONE_PAGES 64

static uint64_t pattern(size_t page, size_t word)
{
	return 0x6d6d74000000000ULL ^ (page << 20) ^ word;
}

/*
 * A clone(CLONE_VM) child (a process, not a thread) registers memory of
 * the address space it shares with the parent and enables the vma engine
 * with zapping ops, then exits. The mm lives on (the parent uses it), so
 * only the owner's thread group can tell the target is dead: it must be
 * dropped and the engine stopped (janitor, 100 ms). While the child lives,
 * and until the janitor ran, the engine may zap the region (the child
 * opted it in): a page then reads as zeros, never as anything else. Once
 * the engine is stopped nothing touches the parent's memory: a fresh
 * pattern stays intact and the engine's counters stay still.
 */
TEST_F(optin, clone_vm_child_registration)
{
	struct clone_arg *arg;
	size_t pg, w, words = PAGE / sizeof(uint64_t);
	long ops0, ops1, ops2;
	unsigned int waited;
	int st, zapped = 0, bad = 0, left, on, before;
	char *stack, buf[16];
	uint64_t *q;
	pid_t pid;

	ASSERT_TRUE(op_available(MMT_ENGINE_VMA, MMT_VMA_OP_DONTNEED));
	ASSERT_EQ(0, mmt_count_targets(getpid()));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_OPS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_THREADS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_VMA "/" MMT_FILE_INTERVAL_US));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_OPS, MMT_VMA_OP_DONTNEED "," MMT_VMA_OP_ZAP_ALL));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_THREADS, "1"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_VMA "/" MMT_FILE_INTERVAL_US, "100"));

	self->map_len = CLONE_PAGES * PAGE + 256 * 1024 + PAGE;
	self->map = mmap(NULL, self->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	q = (uint64_t *)self->map;
	stack = self->map + CLONE_PAGES * PAGE;
	arg = (struct clone_arg *)(stack + 256 * 1024);
	for (pg = 0; pg < CLONE_PAGES; pg++)
		for (w = 0; w < words; w++)
			q[pg * words + w] = pattern(pg, w);
	arg->region = self->map;
	arg->len = CLONE_PAGES * PAGE;
	arg->rc[0] = arg->rc[1] = 1;
	ops0 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_DONTNEED) + stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_ZAP_ALL);
	before = mmt_count_targets(0);

	pid = clone(clone_child, stack + 256 * 1024, CLONE_VM | SIGCHLD, arg);
	ASSERT_LT(0, pid) TH_LOG("clone: %s", strerror(errno));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, arg->rc[0]) TH_LOG("the child's arena: %s", strerror(-arg->rc[0]));
	ASSERT_EQ(0, arg->rc[1]) TH_LOG("the child's vma/enable: %s", strerror(-arg->rc[1]));

	/* ~500 ms, then up to 1.5 s more on a slow emulator. */
	msleep(500);
	for (waited = 500;; waited += 50) {
		left = mmt_count_targets(pid);
		on = mmt_read(MMT_ENGINE_VMA "/" MMT_FILE_ENABLE, buf, sizeof(buf)) > 0 && buf[0] == '1';
		if ((!left && !on) || waited >= 2000)
			break;
		msleep(50);
	}
	printf("# clone_vm_child_registration: target dropped and engine stopped within %u ms of the child's exit\n",
	       waited);
	EXPECT_EQ(0, left) TH_LOG("the dead child's target is still listed");
	/* Nothing new is left (a dead process's target may go meanwhile). */
	EXPECT_GE(before, mmt_count_targets(0)) TH_LOG("targets has an entry left");
	EXPECT_FALSE(on) TH_LOG("vma still enabled: the janitor did not stop the dead owner's engine");
	ops1 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_DONTNEED) + stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_ZAP_ALL);

	for (pg = 0; pg < CLONE_PAGES; pg++) {
		int zero = 1, intact = 1;

		for (w = 0; w < words; w++) {
			zero &= q[pg * words + w] == 0;
			intact &= q[pg * words + w] == pattern(pg, w);
		}
		zapped += zero;
		bad += !zero && !intact;
	}
	printf("# clone_vm_child_registration: %ld zap ops while the child's target lived, %d of %d pages zapped then, %d corrupted\n",
	       ops1 - ops0, zapped, CLONE_PAGES, bad);
	EXPECT_EQ(0, bad) TH_LOG("pages neither intact nor zapped");

	/* From now on nothing may touch it. */
	for (pg = 0; pg < CLONE_PAGES; pg++)
		for (w = 0; w < words; w++)
			q[pg * words + w] = pattern(pg, w);
	msleep(300);
	ops2 = stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_DONTNEED) + stat_of(MMT_ENGINE_VMA, MMT_STAT_VMA_OP_ZAP_ALL);
	EXPECT_EQ(ops1, ops2) TH_LOG("the vma engine went on after it was stopped");
	for (pg = 0, bad = 0; pg < CLONE_PAGES; pg++)
		for (w = 0; w < words; w++)
			bad += q[pg * words + w] != pattern(pg, w);
	EXPECT_EQ(0, bad) TH_LOG("%d words of the parent's memory changed after the engine stopped", bad);
}

/*
 * mkclean write-protects and cleans a file's pages in every process that
 * maps it; by default it leaves a registered file alone while a process
 * other than the registrant maps it.
 */
TEST_F(optin, shared_file_not_touched)
{
	long s0, s1, c0, c1, c2;
	char dir[256], *p, c;
	int ready[2];
	size_t i, len = 16 * PAGE;

	scratch_dir(dir, sizeof(dir));
	snprintf(self->tmpfile, sizeof(self->tmpfile), "%s/mmt_optin.XXXXXX", dir);
	self->fd = mkstemp(self->tmpfile);
	ASSERT_LE(0, self->fd) TH_LOG("cannot create a file in %s: %s", dir, strerror(errno));
	ASSERT_EQ(0, ftruncate(self->fd, len));
	ASSERT_TRUE(op_available(MMT_ENGINE_MKCLEAN, MMT_MKCLEAN_OP_MKCLEAN));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_MKCLEAN "/" MMT_FILE_OPS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_MKCLEAN "/" MMT_FILE_THREADS));
	ASSERT_EQ(0, save_knob(self, MMT_ENGINE_MKCLEAN "/" MMT_FILE_INTERVAL_US));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED, "0"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_OPS, MMT_MKCLEAN_OP_MKCLEAN));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_THREADS, "1"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_INTERVAL_US, "1000"));
	ASSERT_EQ(0, mmt_writef(MMT_FILE_TARGETS, MMT_TARGET_FILE_VERB " %d", self->fd));

	/* B maps the file and keeps storing to every page of it. */
	ASSERT_EQ(0, pipe(ready));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(ready[0]);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;) {
			for (i = 0; i < len; i += PAGE)
				p[i + 8]++;
			usleep(1000);
		}
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the mapping process did not start");
	close(ready[0]);

	s0 = stat_of(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_SHARED_SKIPS);
	c0 = stat_of(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_CLEANED_PTES);
	ASSERT_LE(0, s0) TH_LOG("mkclean/stats has no shared_skips");
	ASSERT_LE(0, c0);
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "1"));
	msleep(1000);
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "0"));
	s1 = stat_of(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_SHARED_SKIPS);
	c1 = stat_of(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_CLEANED_PTES);
	printf("# shared_file_not_touched: shared=0: %ld shared_skips, %ld cleaned_ptes\n",
	       s1 - s0, c1 - c0);
	EXPECT_LT(s0, s1) TH_LOG("mkclean never skipped the file another process maps");
	EXPECT_EQ(c0, c1) TH_LOG("mkclean cleaned PTEs of a file another process maps");

	/* The control: with shared = 1 the same setup is cleaned. */
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED, "1"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "1"));
	msleep(1000);
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_ENABLE, "0"));
	ASSERT_EQ(0, mmt_write(MMT_ENGINE_MKCLEAN "/" MMT_FILE_SHARED, "0"));
	c2 = stat_of(MMT_ENGINE_MKCLEAN, MMT_STAT_MKCLEAN_CLEANED_PTES);
	mmt_print_engine_stats(MMT_ENGINE_MKCLEAN);
	printf("# shared_file_not_touched: shared=1: %ld cleaned_ptes\n", c2 - c1);
	EXPECT_LT(c1, c2) TH_LOG("with shared=1 mkclean cleaned nothing: the test cannot see cleaning");
	kill(self->child, SIGKILL);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	EXPECT_EQ(0, mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL));
}

struct priv_result {
	int uid, caps_gone;
	int arena_ret, arena_err;
	int seed_ret, seed_err;
	int open_err, path_ret, path_err;
};

/*
 * The file modes are not the check: with targets and seed at 0666, and
 * their fds opened while root, a process that dropped to nobody (no
 * CAP_SYS_ADMIN) is refused at write time with EPERM, and nothing changes.
 */
TEST_F(optin, capability_checked_at_write)
{
	char tpath[256], spath[256], seed0[64], seed1[64], cmd[96];
	struct priv_result res;
	int pfd[2], st;
	ssize_t n;
	char *page;

	mmt_path(tpath, sizeof(tpath), MMT_FILE_TARGETS);
	mmt_path(spath, sizeof(spath), MMT_FILE_SEED);
	ASSERT_EQ(0, save_mode(self, MMT_FILE_TARGETS));
	ASSERT_EQ(0, save_mode(self, MMT_FILE_SEED));
	ASSERT_EQ(0, chmod(tpath, 0666));
	ASSERT_EQ(0, chmod(spath, 0666));
	ASSERT_LT(0, mmt_read(MMT_FILE_SEED, seed0, sizeof(seed0)));
	ASSERT_EQ(0, pipe(pfd));

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		int tfd, sfd, fd;

		memset(&res, 0, sizeof(res));
		close(pfd[0]);
		page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		tfd = open(tpath, O_WRONLY);
		sfd = open(spath, O_WRONLY);
		if (page == MAP_FAILED || tfd < 0 || sfd < 0 || setgroups(0, NULL) ||
		    setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		res.uid = (int)geteuid();
		/* Back to root must fail: the capabilities are gone. */
		res.caps_gone = setuid(0) != 0;
		snprintf(cmd, sizeof(cmd), "arena %lx 1000", (unsigned long)page);
		errno = 0;
		res.arena_ret = (int)write(tfd, cmd, strlen(cmd));
		res.arena_err = errno;
		errno = 0;
		res.seed_ret = (int)write(sfd, "4242", 4);
		res.seed_err = errno;
		/* By path: debugfs' root (0700) may stop it before the file. */
		fd = open(tpath, O_WRONLY);
		res.open_err = fd < 0 ? errno : 0;
		res.path_ret = -1;
		if (fd >= 0) {
			errno = 0;
			res.path_ret = (int)write(fd, cmd, strlen(cmd));
			res.path_err = errno;
		}
		n = write(pfd[1], &res, sizeof(res));
		_exit(n == sizeof(res) ? 0 : 3);
	}
	close(pfd[1]);
	n = read(pfd[0], &res, sizeof(res));
	close(pfd[0]);
	ASSERT_EQ(self->child, waitpid(self->child, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the child could not set up (status 0x%x)", st);
	ASSERT_EQ((ssize_t)sizeof(res), n);
	EXPECT_EQ(NOBODY, res.uid);
	EXPECT_TRUE(res.caps_gone);
	EXPECT_EQ(-1, res.arena_ret);
	EXPECT_EQ(EPERM, res.arena_err) TH_LOG("targets by an fd root opened: %s", strerror(res.arena_err));
	EXPECT_EQ(-1, res.seed_ret);
	EXPECT_EQ(EPERM, res.seed_err) TH_LOG("seed by an fd root opened: %s", strerror(res.seed_err));
	if (res.open_err) {
		printf("# capability_checked_at_write: open by path as nobody: %s (debugfs' root is closed to it)\n",
		       strerror(res.open_err));
	} else {
		EXPECT_EQ(-1, res.path_ret);
		EXPECT_EQ(EPERM, res.path_err);
	}
	EXPECT_EQ(0, mmt_count_targets(self->child));
	ASSERT_LT(0, mmt_read(MMT_FILE_SEED, seed1, sizeof(seed1)));
	EXPECT_STREQ(seed0, seed1);
	self->child = 0;
}

TEST_F(optin, per_process_limit)
{
	int i, others = mmt_count_targets(0), st;
	pid_t pid;

	ASSERT_LE(0, others);
	if (others > 16 - 9)
		SKIP(return, "%d targets of other processes already", others);
	self->map_len = 9 * PAGE;
	self->map = mmap(NULL, self->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, mmt_writef(MMT_FILE_TARGETS, "arena %lx 1000",
					(unsigned long)(self->map + i * PAGE)))
			TH_LOG("target %d of 8", i + 1);
	EXPECT_EQ(-ENOSPC, mmt_writef(MMT_FILE_TARGETS, "arena %lx 1000",
				      (unsigned long)(self->map + 8 * PAGE)));
	EXPECT_EQ(8, mmt_count_targets(getpid()));

	/* Another process has a quota of its own. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int r = mmt_writef(MMT_FILE_TARGETS, "arena %lx 1000",
				   (unsigned long)(self->map + 8 * PAGE));
		int mine = mmt_count_targets(getpid());

		mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL);
		_exit(r ? 10 + (-r & 0x7f) % 100 : mine == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st))
		TH_LOG("a second process could not register (status %d)", WEXITSTATUS(st));
	EXPECT_EQ(0, mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL));
	EXPECT_EQ(0, mmt_count_targets(getpid()));
}

/* The engines write-protect and clean a file's pages: "file FD" needs write access. */
TEST_F(optin, readonly_fd_refused)
{
	char dir[256];
	int ro;

	scratch_dir(dir, sizeof(dir));
	snprintf(self->tmpfile, sizeof(self->tmpfile), "%s/mmt_optin.XXXXXX", dir);
	self->fd = mkstemp(self->tmpfile);
	ASSERT_LE(0, self->fd) TH_LOG("cannot create a file in %s: %s", dir, strerror(errno));
	ASSERT_EQ(0, ftruncate(self->fd, PAGE));
	ro = open(self->tmpfile, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, mmt_writef(MMT_FILE_TARGETS, MMT_TARGET_FILE_VERB " %d", ro));
	EXPECT_EQ(0, mmt_count_targets(getpid()));
	close(ro);
	/* The control: the same file open for writing is taken. */
	EXPECT_EQ(0, mmt_writef(MMT_FILE_TARGETS, MMT_TARGET_FILE_VERB " %d", self->fd));
	EXPECT_EQ(1, mmt_count_targets(getpid()));
	EXPECT_EQ(0, mmt_write(MMT_FILE_TARGETS, MMT_TARGET_RELEASE_VERB " " MMT_TARGET_ALL));
	EXPECT_EQ(0, mmt_count_targets(getpid()));
}

/*
 * Not TEST_HARNESS_MAIN: when every test skips, the harness still exits
 * 0, and a run that executed nothing must not read as a pass.
 */
int main(int argc, char **argv)
{
	const char *why = mmt_module_missing();

	if (why) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	main_t0 = now_s();
	main_pid = getpid();
	atexit(print_total);
	return test_harness_run(argc, argv);
}
