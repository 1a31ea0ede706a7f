// SPDX-License-Identifier: GPL-2.0
/*
 * racewrite - lost dirty data: stores through a stale TLB entry vs page
 * cleaning (docs/races.md section 1; Dave Hansen's racewrite.c from the 2014
 * "Dirty/Access bits vs. page content" thread, rewritten).
 *
 * A zapper clears the PTEs of a MAP_SHARED file mapping (MADV_DONTNEED by
 * default) and flushes the TLB later, from its mmu_gather.  A writer on
 * another CPU keeps storing through its still-cached writable TLB entry.
 * If the page is cleaned inside that window, page_mkclean() finds no
 * mapping to write-protect, the late stores land in a clean page, and they
 * vanish when the page is dropped and read back from disk.
 *
 * Threads and their roles, by index (never by CPU):
 *   writers 0..W-1  each owns --pages-per-writer pages of the file; loop:
 *                   store a page of stamps (stamp.h) through the mapping,
 *                   clean + drop the page (--clean), pread it, compare.
 *   zappers 0..Z-1  loop over the whole mapping (--zap):
 *                   dontneed  madvise(MADV_DONTNEED)
 *                   munmap    munmap + mmap at the same address
 *                   fixed     mmap(MAP_FIXED) over the old mapping
 *                   mprotect  PROT_READ, then back to PROT_READ|PROT_WRITE
 *                   mremap    move the mapping onto a reservation of ours
 *                             and back (MREMAP_MAYMOVE|MREMAP_FIXED): the
 *                             PTEs move with their dirty bits, and the old
 *                             address's TLB entries must be flushed before
 *                             the page-table lock is dropped (docs/races.md
 *                             section 1, mremap vs page cleaning)
 *                   --zappers 0 is the control run without a race.
 *   cleaner         only with --clean=thread: sync_file_range + fadvise
 *                   DONTNEED over the whole file in a loop; writers wait
 *                   for a whole cycle after their store before reading.
 *   watchdog        ends a run whose writers stop making progress.
 * Other --clean methods are done by the writer on its page, followed by
 * POSIX_FADV_DONTNEED: fadvise (that alone, as in the seed), fsync,
 * fdatasync, msync(MS_SYNC), sync_file_range(WAIT|WRITE|WAIT).
 *
 * A store that faults because a munmap/mprotect zapper took the mapping
 * away is restarted from the start of the page once it is back.
 *
 * At the end every page of the file is checked against the last stamp its
 * writer stored (zero for pages nobody owns), after munmap, fsync,
 * POSIX_FADV_DONTNEED and, as root, drop_caches.
 *
 * Self-checks (--selfcheck) simulate a loss from userspace; it must be
 * reported at the injected offset and the run exits 1:
 *   skip-store  writer (seed % W) skips one store at round 16 + seed % 48
 *               but records it; caught by its own read-back.
 *   stale       after the run, one block of that writer's first page is
 *               pwrite()n with its previous stamp; caught by final verify.
 *   torn        same, with one byte of the current stamp flipped.
 *   zero        same, with a zero block.
 *   hang        that writer stops at round 16 + seed % 48 and ignores the
 *               stop flag; the watchdog must end the run (TIMEOUT).
 *   hang-locked the same, holding the stdout lock: the watchdog's TIMEOUT
 *               lines must still come out (ktap.h's raw path).
 *
 * Module engines (--engines, engines.h; docs/races.md section 1): the file
 * is registered as "file FD" (mkclean cleans it, tlbdelay delays our mm's
 * zap and clean paths); only with vma the mapping is also an arena, which
 * the module may only zap (dontneed, zap_all) or unmap a run of and map
 * the same file back (munmap): stores into the momentary hole restart,
 * ENOMEM from a hole is tolerated, and afterwards the whole mapping must
 * still be our file.  --clean module leaves cleaning to mkclean: each
 * round the writer stores (--burst N pages of stamps, each with the next
 * seq), MADV_DONTNEEDs its page, POSIX_FADV_DONTNEEDs it, preads it and
 * compares with the last store (an older seq read back: class stale).
 *
 * --expect lost-write is the positive control for a broken module (e.g.
 * broken=mkclean_noflush with --engines mkclean --clean module): the run
 * passes iff a lost write is reported, with time_to_detection_ms.
 *
 * Output is KTAP: racewrite_no_lost_write (read-backs during the run; with
 * --expect lost-write racewrite_lost_write_detected, which fails with "no
 * lost write within --duration" when none was seen), racewrite_final_verify
 * (with --expect lost-write it fails only if the check could not run),
 * then engine_<name> per requested engine (engines.h), with metrics
 * engine_<name>_<counter>.  Exit 0 pass, 1 lost write / error / timeout,
 * 2 bad option or engine setup, 4 scratch directory missing or read-only.
 *
 * Report lines (stable; selfcheck.sh and the host tools parse them):
 *   # lost write: offset=O expected seq=E found seq=F class=C writer=W elapsed=T.TTTs seed=S phase=loop|final
 *   #   expected: offset=O seq=E seed=S writer=W
 *   #   found: magic=0xM offset=O seq=F seed=S writer=W csum=0xC (valid 0xV)
 *   #   page: offset=P bad_blocks=N/B
 *   # selfcheck: injected offset=O mode=M writer=W seq=E
 *   # selfcheck: injected hang writer=W round=R
 *   # watchdog: REASON
 *   # error: WHAT: STRERROR
 *   # progress: elapsed=12.0s writer_iter=N zaps=N cleans=N delays=N lost=N
 *               (every 10 s; cleans are mkclean passes with --clean module,
 *               delays tlbdelay's)
 * O, E, F, S, P are decimal; O is the file offset of the first bad block of
 * the page, P that of the page; C is a stamp class (stamp.h); W is "none"
 * for pages nobody owns; "#   found: all zero" replaces the found line for
 * a zero block.  At most MAX_REPORTS lost writes are reported in full.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"
#include "engines.h"
#include "stamp.h"

#define MAX_REPORTS	16

enum zap_method { ZAP_DONTNEED, ZAP_MUNMAP, ZAP_FIXED, ZAP_MPROTECT, ZAP_MREMAP };
static const char *const zap_names[] = {
	"dontneed", "munmap", "fixed", "mprotect", "mremap", NULL
};

enum clean_method {
	CLEAN_FADVISE, CLEAN_FSYNC, CLEAN_FDATASYNC, CLEAN_MSYNC,
	CLEAN_SYNC_FILE_RANGE, CLEAN_THREAD, CLEAN_MODULE
};
static const char *const clean_names[] = {
	"fadvise", "fsync", "fdatasync", "msync", "sync_file_range",
	"thread", "module", NULL
};

enum expect { EXPECT_CLEAN, EXPECT_LOST_WRITE };
static const char *const expect_names[] = { "clean", "lost-write", NULL };

/*
 * What the module's vma engine may do to our MAP_SHARED file mapping:
 * zap it, or unmap a run and map the same file back at the same address
 * (a store into the momentary hole restarts).  mmap_fixed would put
 * anonymous memory there, which the checker does not model. check_mapped
 * (broken=vma_invariant) changes nothing: allowed, never a default.
 */
#define VMA_OPS_OK	MMT_VMA_OP_DONTNEED "," MMT_VMA_OP_ZAP_ALL "," MMT_VMA_OP_MUNMAP
#define VMA_OPS_ALLOWED	VMA_OPS_OK "," MMT_VMA_OP_CHECK_MAPPED

static struct engines eng = { .allowed = ENG_ALL };

enum selfcheck { SC_NONE, SC_SKIP_STORE, SC_STALE, SC_TORN, SC_ZERO, SC_HANG,
		 SC_HANG_LOCKED };
static const char *const selfcheck_names[] = {
	"none", "skip-store", "stale", "torn", "zero", "hang", "hang-locked", NULL
};

enum { T_LOOP, T_FINAL, NR_TESTS };
static const char *test_names[NR_TESTS] = {
	"racewrite_no_lost_write", "racewrite_final_verify"
};

static struct config {
	const char *dir;
	unsigned long writers;
	unsigned long zappers;
	unsigned long pages_per_writer;
	unsigned long long file_size;
	double duration;
	double watchdog;
	uint64_t seed;
	unsigned int zap;
	unsigned int clean;
	unsigned int selfcheck;
	unsigned long burst;
	unsigned int expect;
	bool keep;
} cfg = {
	.writers = 3,
	.zappers = 1,
	.pages_per_writer = 1,
	.file_size = 4ULL << 20,
	.duration = 10,
	.zap = ZAP_DONTNEED,
	.clean = CLEAN_FADVISE,
	.selfcheck = SC_NONE,
	.burst = 1,
	.expect = EXPECT_CLEAN,
};

struct wpage {
	uint64_t off;		/* file offset */
	uint64_t seq;		/* last stamp stored, 0: none yet */
};

struct writer {
	unsigned int id;
	int fd;
	struct wpage *pages;
	unsigned int npages;
	unsigned char *cur;	/* this round's stamps */
	unsigned char *next;	/* next round's, prepared after the store */
	unsigned char *buf;	/* read-back */
	unsigned long rounds;
	unsigned long cleans;
	unsigned long verified;
	unsigned long faults;	/* stores restarted after SIGSEGV */
	pthread_t tid;
};

struct zapper {
	unsigned long zaps;
	pthread_t tid;
};

static struct {
	char path[PATH_MAX];
	int fd;
	char *map;
	size_t map_size;
	size_t page_size;
	double start;
	double elapsed;
	atomic_int stop;
	atomic_int fatal;
	char fatal_why[256];
	atomic_uint reports;
	atomic_uint lost[NR_TESTS];
	atomic_int detected;
	char contract[256];	/* the vma engine broke the contract: how */
	double detected_at;	/* elapsed at the first lost write reported */
	pthread_mutex_t remap_lock;
	void *spare;			/* --zap mremap: where the mapping goes */
	/* --clean=thread */
	pthread_t cleaner;
	pthread_mutex_t clean_lock;
	pthread_cond_t clean_cond;
	atomic_ulong clean_started;
	unsigned long clean_done;
	unsigned long clean_cycles;
	/* self-check target */
	unsigned int sc_writer;
	unsigned long sc_round;
	unsigned int sc_block;
	struct writer *writers;
	struct zapper *zappers;
	struct watchdog wd;
	unsigned long final_pages;
} run = {
	.fd = -1,
	.remap_lock = PTHREAD_MUTEX_INITIALIZER,
	.clean_lock = PTHREAD_MUTEX_INITIALIZER,
	.clean_cond = PTHREAD_COND_INITIALIZER,
};


static double elapsed(void)
{
	return now_s() - run.start;
}

static bool stopping(void)
{
	return atomic_load_explicit(&run.stop, memory_order_relaxed);
}

/* A syscall failed where it must not: stop the run, report an error. */
static void fatal(const char *what)
{
	int err = errno;

	if (!atomic_exchange(&run.fatal, 1)) {
		snprintf(run.fatal_why, sizeof(run.fatal_why), "%s: %s",
			 what, strerror(err));
		diag("error: %s", run.fatal_why);
	}
	atomic_store(&run.stop, 1);
}

static void report_loss(const unsigned char *page, const struct stamp_want *pw,
			const struct stamp_result *res, int test)
{
	struct stamp_want w = *pw;
	char who[16] = "none";

	atomic_fetch_add(&run.lost[test], 1);
	if (!atomic_exchange(&run.detected, 1))
		run.detected_at = elapsed();
	if (atomic_fetch_add(&run.reports, 1) >= MAX_REPORTS)
		return;
	if (w.writer != STAMP_NO_WRITER)
		snprintf(who, sizeof(who), "%u", w.writer);
	w.offset += res->first * STAMP_SIZE;
	out_lock();
	stamp_report(stdout, "lost write", &w, page + res->first * STAMP_SIZE,
		     res->cls, "writer=%s elapsed=%.3fs seed=%llu phase=%s",
		     who, elapsed(), (unsigned long long)cfg.seed,
		     test == T_LOOP ? "loop" : "final");
	diag("  page: offset=%llu bad_blocks=%u/%zu",
	     (unsigned long long)pw->offset, res->nbad,
	     run.page_size / STAMP_SIZE);
	out_unlock();
}

/* Check a page read back from the file; report and return false if bad. */
static bool check_page(const unsigned char *page, const struct stamp_want *w,
		       int test)
{
	struct stamp_result res;

	if (stamp_check(page, run.page_size, w, 0, &res))
		return true;
	report_loss(page, w, &res, test);
	return false;
}

/*
 * Copy the prepared stamps into the mapping.  Under --zap=munmap or
 * mprotect the page can be gone or read-only for a moment: the fault
 * restarts the whole store once the zapper has put the mapping back.
 */
static bool store_page(struct writer *w, char *addr)
{
	if (sigsetjmp(segv_guard_jmp, 0)) {
		w->faults++;
		if (atomic_load(&run.fatal))
			return false;
		sched_yield();
	}
	segv_guard_on = 1;
	memcpy(addr, w->cur, run.page_size);
	atomic_signal_fence(memory_order_seq_cst);
	segv_guard_on = 0;
	return true;
}

/* --clean=thread: wait for a whole cleaner cycle begun after our store. */
static int wait_cleaner(void)
{
	unsigned long want = atomic_load(&run.clean_started) + 1;
	struct timespec ts;
	int ret = 0;

	pthread_mutex_lock(&run.clean_lock);
	while (run.clean_done < want) {
		if (stopping()) {
			ret = 1;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&run.clean_cond, &run.clean_lock, &ts);
	}
	pthread_mutex_unlock(&run.clean_lock);
	return ret;
}

/* May the mapping have a momentary hole (munmap zapper, vma engine)? */
static bool hole_ok(void)
{
	return cfg.zap == ZAP_MUNMAP || cfg.zap == ZAP_MPROTECT ||
	       cfg.zap == ZAP_MREMAP || engines_on(&eng, ENG_VMA);
}

/* Write back and drop one page.  0: done, 1: run stopping, -1: error. */
static int clean_page(struct writer *w, char *addr, uint64_t off)
{
	size_t ps = run.page_size;
	int ret = 0;

	switch (cfg.clean) {
	case CLEAN_THREAD:
		return wait_cleaner();
	case CLEAN_FADVISE:
		break;
	case CLEAN_FSYNC:
		ret = fsync(w->fd);
		break;
	case CLEAN_FDATASYNC:
		ret = fdatasync(w->fd);
		break;
	case CLEAN_MSYNC:
		ret = msync(addr, ps, MS_SYNC);
		/* ENOMEM: unmapped by a munmap zapper right now. */
		if (ret && errno == ENOMEM && hole_ok())
			ret = 0;
		break;
	case CLEAN_MODULE:
		/*
		 * The module's mkclean engine writes back; we only drop our
		 * PTE (its dirty bit goes to the folio) and then the page.
		 */
		ret = madvise(addr, ps, MADV_DONTNEED);
		if (ret && errno == ENOMEM && hole_ok())
			ret = 0;
		break;
	case CLEAN_SYNC_FILE_RANGE:
		ret = sync_file_range(w->fd, off, ps,
				      SYNC_FILE_RANGE_WAIT_BEFORE |
				      SYNC_FILE_RANGE_WRITE |
				      SYNC_FILE_RANGE_WAIT_AFTER);
		break;
	}
	if (ret)
		return -1;
	errno = posix_fadvise(w->fd, off, ps, POSIX_FADV_DONTNEED);
	return errno ? -1 : 0;
}

static int read_page(int fd, void *buf, uint64_t off)
{
	ssize_t n = pread(fd, buf, run.page_size, off);

	if (n == (ssize_t)run.page_size)
		return 0;
	if (n >= 0)
		errno = EIO;	/* short read inside the file */
	return -1;
}

static void prepare(struct writer *w, unsigned char *dst, unsigned long round)
{
	struct wpage *pg = &w->pages[round % w->npages];

	stamp_fill(dst, run.page_size, pg->off, pg->seq + 1, cfg.seed, w->id);
}

static bool sc_here(struct writer *w, unsigned long round, unsigned int mode)
{
	return cfg.selfcheck == mode && w->id == run.sc_writer &&
	       round == run.sc_round;
}

static _Noreturn void sc_hang(struct writer *w, unsigned long round)
{
	diag("selfcheck: injected hang writer=%u round=%lu", w->id, round);
	if (cfg.selfcheck == SC_HANG_LOCKED)
		out_lock();	/* and never out_unlock() */
	for (;;)
		sleep_s(1);
}

/*
 * One round: store, clean + drop, read back, compare.  The next round's
 * stamps are computed between the store and the clean, so that nothing
 * but a memcmp separates a read-back from the next store, as in the seed.
 * Returns 0 to go on, nonzero to end the writer.
 */
static int writer_round(struct writer *w, unsigned long round)
{
	struct wpage *pg = &w->pages[round % w->npages];
	char *addr = run.map + pg->off;
	struct stamp_want want;
	unsigned char *tmp;
	int ret;

	unsigned long k;

	if (sc_here(w, round, SC_SKIP_STORE)) {
		diag("selfcheck: injected offset=%llu mode=skip-store writer=%u seq=%llu",
		     (unsigned long long)pg->off, w->id,
		     (unsigned long long)pg->seq + cfg.burst);
		if (cfg.burst > 1)
			stamp_fill(w->cur, run.page_size, pg->off,
				   pg->seq + cfg.burst, cfg.seed, w->id);
	} else {
		/* --burst: each store a whole page of the next seq. */
		for (k = 1; k <= cfg.burst; k++) {
			if (k > 1)
				stamp_fill(w->cur, run.page_size, pg->off,
					   pg->seq + k, cfg.seed, w->id);
			if (!store_page(w, addr))
				return -1;
		}
	}
	pg->seq += cfg.burst;
	prepare(w, w->next, round + 1);

	ret = clean_page(w, addr, pg->off);
	if (ret < 0)
		fatal(clean_names[cfg.clean]);
	if (ret)
		return ret;
	w->cleans++;
	if (read_page(w->fd, w->buf, pg->off)) {
		fatal("pread");
		return -1;
	}
	w->verified++;
	if (memcmp(w->buf, w->cur, run.page_size)) {
		want = (struct stamp_want){ pg->off, pg->seq, cfg.seed, w->id };
		if (!check_page(w->buf, &want, T_LOOP)) {
			atomic_store(&run.stop, 1);
			return 1;
		}
	}
	tmp = w->cur;
	w->cur = w->next;
	w->next = tmp;
	return 0;
}

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	unsigned long round;

	prepare(w, w->cur, 0);
	for (round = 0; !stopping(); round++) {
		if (sc_here(w, round, SC_HANG) ||
		    sc_here(w, round, SC_HANG_LOCKED))
			sc_hang(w, round);
		if (writer_round(w, round))
			break;
		w->rounds = round + 1;
		atomic_store_explicit(&run.wd.progress[w->id], w->rounds,
				      memory_order_relaxed);
	}
	return NULL;
}

static int zap_munmap(void)
{
	void *p;

	pthread_mutex_lock(&run.remap_lock);
	if (munmap(run.map, run.map_size)) {
		pthread_mutex_unlock(&run.remap_lock);
		return -1;
	}
	/*
	 * The vma engine may have mapped a run of the same file back into
	 * the hole meanwhile: then map over it.
	 */
	p = mmap(run.map, run.map_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (engines_on(&eng, ENG_VMA) ? MAP_FIXED :
			       MAP_FIXED_NOREPLACE), run.fd, 0);
	pthread_mutex_unlock(&run.remap_lock);
	if (p == MAP_FAILED)
		return -1;
	if (p != run.map) {
		errno = EADDRINUSE;
		return -1;
	}
	return 0;
}

/* An address range of ours that nothing else may map into. */
static void *reserve(void *at, size_t len)
{
	void *p = mmap(at, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       (at ? MAP_FIXED_NOREPLACE : 0), -1, 0);

	if (p != MAP_FAILED && at && p != at) {
		munmap(p, len);
		errno = EADDRINUSE;
		return MAP_FAILED;
	}
	return p;
}

/*
 * Move the mapping away onto run.spare and back.  While it is away the
 * writers' stores fault and restart.  Each range is claimed with a
 * PROT_NONE reservation (MAP_FIXED_NOREPLACE) before a mapping is moved
 * onto it with MREMAP_FIXED, so a move never replaces memory that another
 * thread of ours mapped into the hole: then the zap fails instead.
 */
static int zap_mremap(void)
{
	size_t len = run.map_size;
	void *p;

	p = mremap(run.map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   run.spare);
	if (p == MAP_FAILED)
		return -1;
	/* run.spare now holds the mapping, run.map is a hole. */
	if (reserve(run.map, len) == MAP_FAILED)
		return -1;
	p = mremap(run.spare, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   run.map);
	if (p == MAP_FAILED)
		return -1;
	p = reserve(run.spare, len);
	if (p == MAP_FAILED)
		p = reserve(NULL, len);
	if (p == MAP_FAILED)
		return -1;
	run.spare = p;
	return 0;
}

static int zap_once(void)
{
	void *p;

	switch (cfg.zap) {
	case ZAP_DONTNEED:
		return madvise(run.map, run.map_size, MADV_DONTNEED);
	case ZAP_MUNMAP:
		return zap_munmap();
	case ZAP_FIXED:
		p = mmap(run.map, run.map_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, run.fd, 0);
		return p == MAP_FAILED ? -1 : 0;
	case ZAP_MPROTECT:
		if (mprotect(run.map, run.map_size, PROT_READ))
			return -1;
		return mprotect(run.map, run.map_size, PROT_READ | PROT_WRITE);
	case ZAP_MREMAP:
		return zap_mremap();
	}
	return 0;
}

/* Each zap leaves the mapping present and writable. */
static void *zapper_fn(void *arg)
{
	struct zapper *z = arg;

	while (!stopping()) {
		if (zap_once()) {
			/* ENOMEM: a momentary hole the vma engine made. */
			if (errno == ENOMEM && engines_on(&eng, ENG_VMA) &&
			    cfg.zap != ZAP_MUNMAP && cfg.zap != ZAP_FIXED)
				continue;
			fatal(zap_names[cfg.zap]);
			break;
		}
		z->zaps++;
	}
	return NULL;
}

static void *cleaner_fn(void *arg)
{
	unsigned long cycle;

	(void)arg;
	while (!stopping()) {
		cycle = atomic_fetch_add(&run.clean_started, 1) + 1;
		if (sync_file_range(run.fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
				    SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER)) {
			fatal("cleaner: sync_file_range");
			break;
		}
		errno = posix_fadvise(run.fd, 0, 0, POSIX_FADV_DONTNEED);
		if (errno) {
			fatal("cleaner: fadvise");
			break;
		}
		pthread_mutex_lock(&run.clean_lock);
		run.clean_done = cycle;
		pthread_cond_broadcast(&run.clean_cond);
		pthread_mutex_unlock(&run.clean_lock);
		run.clean_cycles++;
	}
	pthread_mutex_lock(&run.clean_lock);
	pthread_cond_broadcast(&run.clean_cond);
	pthread_mutex_unlock(&run.clean_lock);
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s --dir DIR [options]\n"
	       "Detect dirty data lost to stale-TLB stores racing page cleaning.\n\n"
	       "  --dir DIR               scratch directory (ext4 in the VM)\n"
	       "  --writers N             writer threads (default 3)\n"
	       "  --zappers N             zapper threads, 0 = control (default 1)\n"
	       "  --pages-per-writer N    pages owned by each writer (default 1)\n"
	       "  --zap METHOD            dontneed|munmap|fixed|mprotect|mremap (default dontneed)\n"
	       "  --clean METHOD          fadvise|fsync|fdatasync|msync|sync_file_range|thread|\n"
	       "                          module (default fadvise); module: the writer only\n"
	       "                          MADV_DONTNEEDs and POSIX_FADV_DONTNEEDs its page,\n"
	       "                          the mkclean engine cleans (needs --engines mkclean)\n"
	       "  --burst N               stores per round, each a page of the next seq (default 1)\n"
	       "  --expect clean|lost-write  lost-write: positive control, pass only if a\n"
	       "                          lost write is reported (default clean)\n"
	       "  --engines LIST          module engines on our file: tlbdelay,mkclean,vma,lazytlb\n"
	       "                          or none (vma ops: " VMA_OPS_OK ")\n"
	       "  --engine-set E.KEY=V    engine setting (threads, interval_us, ops, sites,\n"
	       "                          budget_ms); repeatable\n"
	       "  --file-size SIZE        file and mapping size, K/M/G suffix (default 4M)\n"
	       "  --duration SECONDS      run time (default 10)\n"
	       "  --seed N                run seed (default: from the clock, printed)\n"
	       "  --watchdog SECONDS      no-progress timeout (default max(30, 2*duration))\n"
	       "  --selfcheck MODE        skip-store|stale|torn|zero|hang|hang-locked: simulate a loss\n"
	       "  --keep                  keep the file (default: unlinked at start)\n"
	       "Exit: 0 pass, 1 lost write/error/timeout, 2 bad option, 4 skip.\n",
	       prog_name);
}

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "writers", required_argument, NULL, 'w' },
		{ "zappers", required_argument, NULL, 'z' },
		{ "pages-per-writer", required_argument, NULL, 'p' },
		{ "zap", required_argument, NULL, 'Z' },
		{ "clean", required_argument, NULL, 'c' },
		{ "file-size", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "watchdog", required_argument, NULL, 'W' },
		{ "selfcheck", required_argument, NULL, 'S' },
		{ "keep", no_argument, NULL, 'k' },
		{ "burst", required_argument, NULL, 'b' },
		{ "expect", required_argument, NULL, 'x' },
		{ "engines", required_argument, NULL, 'E' },
		{ "engine-set", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool seeded = false;
	int c;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.dir = optarg;
			break;
		case 'b':
			cfg.burst = opt_count("--burst", optarg, 1, 1000000);
			break;
		case 'x':
			cfg.expect = opt_choice("--expect", optarg, expect_names);
			break;
		case 'E':
			engines_parse_list(&eng, optarg);
			break;
		case 'X':
			engines_parse_set(&eng, optarg);
			break;
		case 'w':
			cfg.writers = opt_count("--writers", optarg, 1, 1024);
			break;
		case 'z':
			cfg.zappers = opt_count("--zappers", optarg, 0, 1024);
			break;
		case 'p':
			cfg.pages_per_writer = opt_count("--pages-per-writer",
							  optarg, 1, 1 << 20);
			break;
		case 'Z':
			cfg.zap = opt_choice("--zap", optarg, zap_names);
			break;
		case 'c':
			cfg.clean = opt_choice("--clean", optarg, clean_names);
			break;
		case 'f':
			cfg.file_size = opt_size("--file-size", optarg);
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
		case 'S':
			cfg.selfcheck = opt_choice("--selfcheck", optarg,
						   selfcheck_names);
			break;
		case 'k':
			cfg.keep = true;
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
	if (!cfg.dir)
		usage_error("--dir is required");
	if (cfg.clean == CLEAN_MODULE && !engines_on(&eng, ENG_MKCLEAN))
		usage_error("--clean module needs the module's cleaner: add mkclean to --engines");
	if (cfg.zap == ZAP_MREMAP && engines_on(&eng, ENG_VMA))
		usage_error("--zap mremap and the vma engine both move our mapping: the vma engine's runs would be moved away under it; use one of them");
	if (cfg.zap == ZAP_MREMAP && cfg.zappers > 1)
		usage_error("--zap mremap moves the whole mapping: use --zappers 1 (or 0)");
	engines_default(&eng, ENG_VMA, "ops", VMA_OPS_OK);
	engines_limit_ops(&eng, ENG_VMA, VMA_OPS_ALLOWED,
			  "mmap_fixed would put anonymous memory where the checker expects the file");
	engines_validate(&eng);
	if (cfg.expect == EXPECT_LOST_WRITE)
		test_names[T_LOOP] = "racewrite_lost_write_detected";
	if (!seeded)
		cfg.seed = default_seed();
	if (!cfg.watchdog)
		cfg.watchdog = cfg.duration * 2 > 30 ? cfg.duration * 2 : 30;
}

static void check_geometry(void)
{
	unsigned long long owned;

	run.page_size = sysconf(_SC_PAGESIZE);
	if (cfg.file_size % run.page_size || !cfg.file_size)
		usage_error("invalid --file-size %llu: not a multiple of the page size %zu",
			    cfg.file_size, run.page_size);
	owned = (unsigned long long)cfg.writers * cfg.pages_per_writer *
		run.page_size;
	if (owned > cfg.file_size)
		usage_error("--writers %lu x --pages-per-writer %lu pages do not fit in --file-size %llu",
			    cfg.writers, cfg.pages_per_writer, cfg.file_size);
	if (cfg.file_size > SIZE_MAX / 2)
		usage_error("invalid --file-size %llu: too large", cfg.file_size);
	run.map_size = cfg.file_size;
}

static int open_file(void)
{
	int fd = open(run.path, O_RDWR);

	if (fd < 0)
		die_errno("open %s", run.path);
	return fd;
}

static void setup_file(void)
{
	snprintf(run.path, sizeof(run.path), "%s/racewrite.XXXXXX", cfg.dir);
	run.fd = mkstemp(run.path);
	if (run.fd < 0)
		die_errno("mkstemp %s", run.path);
	if (ftruncate(run.fd, cfg.file_size))
		die_errno("ftruncate %s", run.path);
	run.map = mmap(NULL, run.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       run.fd, 0);
	if (run.map == MAP_FAILED)
		die_errno("mmap %s", run.path);
	if (cfg.zap == ZAP_MREMAP) {
		run.spare = reserve(NULL, run.map_size);
		if (run.spare == MAP_FAILED)
			die_errno("mmap of the mremap reservation");
	}
}

static void *xalloc_page(void)
{
	void *p;

	if (posix_memalign(&p, run.page_size, run.page_size))
		die_errno("posix_memalign");
	return p;
}

static void setup_writers(void)
{
	struct writer *w;
	unsigned long i, j;

	run.writers = calloc(cfg.writers, sizeof(*run.writers));
	run.zappers = calloc(cfg.zappers + 1, sizeof(*run.zappers));
	run.wd.progress = calloc(cfg.writers, sizeof(*run.wd.progress));
	if (!run.writers || !run.zappers || !run.wd.progress)
		die_errno("calloc");
	for (i = 0; i < cfg.writers; i++) {
		w = &run.writers[i];
		w->id = i;
		w->fd = open_file();
		w->npages = cfg.pages_per_writer;
		w->pages = calloc(w->npages, sizeof(*w->pages));
		if (!w->pages)
			die_errno("calloc");
		for (j = 0; j < w->npages; j++)
			w->pages[j].off = (i * w->npages + j) * run.page_size;
		w->cur = xalloc_page();
		w->next = xalloc_page();
		w->buf = xalloc_page();
	}
}

static void setup_selfcheck(void)
{
	run.sc_writer = cfg.seed % cfg.writers;
	run.sc_round = 16 + cfg.seed % 48;
	run.sc_block = 1 + cfg.seed % (run.page_size / STAMP_SIZE - 1);
}

static void start_thread(pthread_t *tid, void *(*fn)(void *), void *arg,
			 const char *name)
{
	errno = pthread_create(tid, NULL, fn, arg);
	if (errno)
		die_errno("pthread_create %s", name);
	pthread_setname_np(*tid, name);
}

static void start_threads(void)
{
	char name[16];
	unsigned long i;

	for (i = 0; i < cfg.writers; i++) {
		snprintf(name, sizeof(name), "rw-w%u", (unsigned int)i);
		start_thread(&run.writers[i].tid, writer_fn, &run.writers[i],
			     name);
	}
	for (i = 0; i < cfg.zappers; i++) {
		snprintf(name, sizeof(name), "rw-z%u", (unsigned int)i);
		start_thread(&run.zappers[i].tid, zapper_fn, &run.zappers[i],
			     name);
	}
	if (cfg.clean == CLEAN_THREAD)
		start_thread(&run.cleaner, cleaner_fn, NULL, "rw-cleaner");
}

static void join_threads(void)
{
	unsigned long i;

	for (i = 0; i < cfg.writers; i++) {
		pthread_join(run.writers[i].tid, NULL);
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
	for (i = 0; i < cfg.zappers; i++) {
		pthread_join(run.zappers[i].tid, NULL);
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
	if (cfg.clean == CLEAN_THREAD)
		pthread_join(run.cleaner, NULL);
}


static unsigned long load_ul(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* # progress: elapsed=12.0s writer_iter=N zaps=N cleans=N delays=N lost=N */
static void progress_line(void)
{
	unsigned long iter = 0, zaps = 0, i;
	long long cleans = load_ul(&run.clean_cycles);

	for (i = 0; i < cfg.writers; i++) {
		iter += atomic_load_explicit(&run.wd.progress[i],
					     memory_order_relaxed);
		cleans += load_ul(&run.writers[i].cleans);
	}
	for (i = 0; i < cfg.zappers; i++)
		zaps += load_ul(&run.zappers[i].zaps);
	/* With --clean module the module is the cleaner: its passes. */
	if (cfg.clean == CLEAN_MODULE)
		cleans = engines_stat(&eng, ENG_MKCLEAN, "passes");
	diag("progress: elapsed=%.1fs writer_iter=%lu zaps=%lu cleans=%lld delays=%lld lost=%u",
	     elapsed(), iter, zaps, cleans, engines_delays(&eng),
	     atomic_load(&run.lost[T_LOOP]) + atomic_load(&run.lost[T_FINAL]));
}

static void wait_run(void)
{

	run.elapsed = run_for(run.start, cfg.duration, &run.stop, progress_line);
	atomic_store(&run.wd.finishing, 1);
	atomic_store(&run.stop, 1);
}

/*
 * After the vma engine ran: every page of our mapping must still be our
 * file (the contract: it zaps, or unmaps and maps the same file back).
 * A module that maps anonymous memory into the hole instead makes every
 * later store there look lost; say so instead of blaming the kernel.
 */
static void check_mapping(void)
{
	unsigned long lo, hi, a = (unsigned long)run.map;
	unsigned long b = a + run.map_size, ino, maj, min;
	char line[512];
	struct stat st;
	FILE *f;

	if (!engines_on(&eng, ENG_VMA) || fstat(run.fd, &st))
		return;
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %*s %lx:%lx %lu", &lo, &hi, &maj,
			   &min, &ino) != 5 || hi <= a || lo >= b)
			continue;
		if (ino == st.st_ino && makedev(maj, min) == st.st_dev)
			continue;
		snprintf(run.contract, sizeof(run.contract),
			 "the vma engine left memory other than our file at 0x%lx-0x%lx in our MAP_SHARED mapping (a module that maps anonymous memory back after munmap breaks racewrite's contract: use --engine-set vma.ops=dontneed,zap_all with it)",
			 lo < a ? a : lo, hi > b ? b : hi);
		diag("error: %s", run.contract);
		break;
	}
	fclose(f);
}

/* --selfcheck=stale|torn|zero: rewrite one block behind the checker. */
static void inject_final(void)
{
	struct writer *w = &run.writers[run.sc_writer];
	struct wpage *pg = &w->pages[0];
	uint64_t off = pg->off + run.sc_block * STAMP_SIZE;
	struct stamp s;

	if (pg->seq < 2) {
		diag("selfcheck: not injected: page %llu has seq %llu",
		     (unsigned long long)pg->off, (unsigned long long)pg->seq);
		return;
	}
	if (cfg.selfcheck == SC_STALE) {
		stamp_make(&s, off, pg->seq - 1, cfg.seed, w->id);
	} else if (cfg.selfcheck == SC_TORN) {
		stamp_make(&s, off, pg->seq, cfg.seed, w->id);
		((unsigned char *)&s.fill)[3] ^= 0x10;
	} else {
		memset(&s, 0, sizeof(s));
	}
	if (pwrite(run.fd, &s, sizeof(s), off) != sizeof(s))
		die_errno("selfcheck pwrite");
	diag("selfcheck: injected offset=%llu mode=%s writer=%u seq=%llu",
	     (unsigned long long)off, selfcheck_names[cfg.selfcheck], w->id,
	     (unsigned long long)pg->seq);
}

/* What the final check expects in the page at file offset @off. */
static struct stamp_want final_want(uint64_t off)
{
	uint64_t pidx = off / run.page_size;
	uint64_t owner = pidx / cfg.pages_per_writer;
	struct stamp_want w = { off, 0, cfg.seed, STAMP_NO_WRITER };

	if (owner < cfg.writers) {
		w.writer = owner;
		w.seq = run.writers[owner].pages[pidx % cfg.pages_per_writer].seq;
	}
	return w;
}

#define FINAL_CHUNK	(1UL << 20)

/* Drop the file's pages and check all of it.  NULL or why it could not. */
static const char *final_verify(void)
{
	static char why[128];
	size_t chunk = FINAL_CHUNK, len, i;
	struct stamp_want want;
	const char *how;
	unsigned char *buf;
	uint64_t off;
	ssize_t n;

	if (munmap(run.map, run.map_size))
		die_errno("munmap");
	if (run.spare && munmap(run.spare, run.map_size))
		die_errno("munmap of the mremap reservation");
	if (drop_file_cache(run.fd, &how)) {
		snprintf(why, sizeof(why), "%s: %s", how, strerror(errno));
		return why;
	}
	diag("final verify: dropped cache with %s", how);
	if (chunk > run.map_size)
		chunk = run.map_size;
	if (posix_memalign((void **)&buf, run.page_size, chunk))
		die_errno("posix_memalign");
	for (off = 0; off < run.map_size; off += len) {
		len = run.map_size - off < chunk ? run.map_size - off : chunk;
		n = pread(run.fd, buf, len, off);
		if (n != (ssize_t)len) {
			snprintf(why, sizeof(why), "pread at %llu: %s",
				 (unsigned long long)off,
				 n < 0 ? strerror(errno) : "short read");
			free(buf);
			return why;
		}
		for (i = 0; i < len; i += run.page_size) {
			want = final_want(off + i);
			check_page(buf + i, &want, T_FINAL);
			run.final_pages++;
		}
		atomic_fetch_add(&run.wd.main_progress, 1);
	}
	free(buf);
	return NULL;
}

/*
 * The watchdog thread's last words (not a signal handler, but maybe with
 * the stuck thread holding the stdout lock): the raw KTAP writer.
 */
static _Noreturn void expire(const char *why)
{
	int i, n = NR_TESTS;

	ktap_seize(1);
	ktap_raw_diag("watchdog: ", why);
	for (i = 0; i < NR_TESTS; i++)
		ktap_raw_result(i + 1, test_names[i], V_TIMEOUT, why);
	for (i = 0; i < ENG_NR; i++)
		if (engines_on(&eng, i))
			ktap_raw_engine_timeout(++n, engine_names[i], why);
	_exit(MMT_EXIT_FAIL);
}

static void print_config(void)
{
	struct utsname u;
	char engs[1024];

	uname(&u);
	engines_describe(&eng, engs, sizeof(engs));
	diag("racewrite: dir=%s file_size=%llu writers=%lu zappers=%lu pages_per_writer=%lu zap=%s clean=%s burst=%lu duration=%g watchdog=%g selfcheck=%s expect=%s %s",
	     cfg.dir, cfg.file_size, cfg.writers, cfg.zappers,
	     cfg.pages_per_writer, zap_names[cfg.zap],
	     clean_names[cfg.clean], cfg.burst, cfg.duration, cfg.watchdog,
	     selfcheck_names[cfg.selfcheck], expect_names[cfg.expect], engs);
	diag("seed=%llu page_size=%zu kernel=%s file=%s%s",
	     (unsigned long long)cfg.seed, run.page_size, u.release,
	     run.path, cfg.keep ? "" : " (unlinked)");
}

static void print_metrics(void)
{
	unsigned long rounds = 0, cleans = run.clean_cycles, verified = 0;
	unsigned long faults = 0, zaps = 0, i;
	double t = run.elapsed > 0 ? run.elapsed : 1e-9;

	for (i = 0; i < cfg.writers; i++) {
		rounds += run.writers[i].rounds;
		cleans += run.writers[i].cleans;
		verified += run.writers[i].verified;
		faults += run.writers[i].faults;
	}
	for (i = 0; i < cfg.zappers; i++)
		zaps += run.zappers[i].zaps;
	metric("writer_iter_per_s", rounds / t, "1/s");
	metric("zaps_per_s", zaps / t, "1/s");
	metric("cleans_per_s", cleans / t, "1/s");
	metric("verified_pages", verified, NULL);
	metric("final_verified_pages", run.final_pages, NULL);
	metric("store_faults", faults, NULL);
	metric("lost_writes", atomic_load(&run.lost[T_LOOP]) +
	       atomic_load(&run.lost[T_FINAL]), NULL);
	metric("elapsed_s", run.elapsed, "s");
	if (atomic_load(&run.detected))
		metric("time_to_detection_ms", run.detected_at * 1000, "ms");
}

static unsigned long total_rounds(void)
{
	unsigned long i, n = 0;

	for (i = 0; i < cfg.writers; i++)
		n += run.writers[i].rounds;
	return n;
}

/* --expect lost-write: the positive control passes iff a loss was seen. */
static void report_expect_lost(const char *final_err, enum verdict *v,
			       const char **why)
{
	static char none[160];
	unsigned int lost = atomic_load(&run.lost[T_LOOP]) +
			    atomic_load(&run.lost[T_FINAL]);

	v[T_LOOP] = V_PASS;
	if (lost) {
		diag("positive control: lost write detected after %.3fs (%u reported)",
		     run.detected_at, lost);
	} else if (atomic_load(&run.fatal)) {
		v[T_LOOP] = V_FAIL;
		why[T_LOOP] = run.fatal_why;
	} else {
		v[T_LOOP] = V_FAIL;
		snprintf(none, sizeof(none),
			 "no lost write within --duration %gs: the detector missed the broken mode",
			 cfg.duration);
		why[T_LOOP] = none;
	}
	/* Losses are the expected outcome here; only a failed check fails. */
	v[T_FINAL] = final_err ? V_FAIL : V_PASS;
	why[T_FINAL] = final_err;
	if (!final_err)
		diag("final verify: %u lost writes after the run (expected with --expect lost-write)",
		     atomic_load(&run.lost[T_FINAL]));
}

static int report(const char *final_err)
{
	enum verdict v[NR_TESTS + ENG_NR];
	const char *why[NR_TESTS] = { NULL, NULL };
	int i;

	if (cfg.expect == EXPECT_LOST_WRITE) {
		report_expect_lost(final_err, v, why);
		goto out;
	}
	v[T_LOOP] = V_PASS;
	if (run.contract[0]) {
		v[T_LOOP] = v[T_FINAL] = V_FAIL;
		why[T_LOOP] = why[T_FINAL] = run.contract;
		goto out;
	}
	if (atomic_load(&run.lost[T_LOOP])) {
		v[T_LOOP] = V_FAIL;
		why[T_LOOP] = "a read-back after clean+drop lost a store";
	} else if (atomic_load(&run.fatal)) {
		v[T_LOOP] = V_FAIL;
		why[T_LOOP] = run.fatal_why;
	} else if (!total_rounds()) {
		v[T_LOOP] = V_SKIP;
		why[T_LOOP] = "no writer completed a round";
	}
	v[T_FINAL] = V_PASS;
	if (final_err) {
		v[T_FINAL] = V_FAIL;
		why[T_FINAL] = final_err;
	} else if (atomic_load(&run.lost[T_FINAL])) {
		v[T_FINAL] = V_FAIL;
		why[T_FINAL] = "the file lost stores after the run";
	}
out:
	for (i = 0; i < NR_TESTS; i++)
		ktap_result(i + 1, test_names[i], v[i], why[i]);
	engines_report(&eng, NR_TESTS + 1, v + NR_TESTS);
	return exit_code(v, NR_TESTS + engines_nr_tests(&eng));
}

int main(int argc, char **argv)
{
	const char *final_err;

	prog_name = "racewrite";
	parse_options(argc, argv);
	check_geometry();
	scratch_check(cfg.dir, cfg.file_size, "--file-size");
	setup_file();
	setup_writers();
	if (!cfg.keep && unlink(run.path))
		die_errno("unlink %s", run.path);
	setup_selfcheck();
	if (hole_ok())
		segv_guard_install(run.map, run.map_size);
	/* docs/races.md section 1: mkclean cleans our file, tlbdelay widens
	 * the zap-to-flush window of our mm; the mapping is an arena only
	 * for vma (and lazytlb, which then adopts our mm through it). */
	engines_add_file(&eng, run.fd);
	if (engines_on(&eng, ENG_VMA))
		engines_add_arena(&eng, run.map, run.map_size);

	ktap_header(NR_TESTS + engines_nr_tests(&eng));
	print_config();
	run.wd.nr = cfg.writers;
	run.wd.role = "writer";
	run.wd.timeout = cfg.watchdog;
	run.wd.expire = expire;
	engines_arm(&eng, cfg.seed);
	run.start = now_s();
	if (watchdog_start(&run.wd))
		die_errno("watchdog");
	start_threads();
	wait_run();
	join_threads();
	engines_disarm(&eng);
	check_mapping();

	if (cfg.selfcheck >= SC_STALE && cfg.selfcheck <= SC_ZERO)
		inject_final();
	final_err = final_verify();
	watchdog_stop(&run.wd);
	print_metrics();
	return report(final_err);
}
