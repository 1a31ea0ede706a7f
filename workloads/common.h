/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - plumbing shared by the workloads: option values,
 * scratch directory checks, cache dropping, a progress watchdog.
 */
#ifndef MMT_COMMON_H
#define MMT_COMMON_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* KTAP output and the exit codes (MMT_EXIT_*, the contract header's). */
#include "ktap.h"

extern const char *prog_name;

/* "prog: MESSAGE (see prog --help)" on stderr, exit MMT_EXIT_USAGE. */
_Noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* "prog: MESSAGE" on stderr, "1..0 # SKIP MESSAGE" on stdout, exit 4. */
_Noreturn void skip_all(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* "prog: MESSAGE: strerror(errno)" on stderr, exit MMT_EXIT_FAIL. */
_Noreturn void die_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Option values; a bad value is a usage_error() naming @opt. */
unsigned long opt_count(const char *opt, const char *arg,
			unsigned long min, unsigned long max);
unsigned long long opt_size(const char *opt, const char *arg);	/* K/M/G */
double opt_seconds(const char *opt, const char *arg);
uint64_t opt_seed(const char *opt, const char *arg);
/* Index of @arg in the NULL-terminated @names. */
unsigned int opt_choice(const char *opt, const char *arg,
			const char *const *names);

uint64_t default_seed(void);
uint64_t rng_next(uint64_t *state);		/* splitmix64 */

double now_s(void);				/* CLOCK_MONOTONIC */
void sleep_s(double s);

/* Seconds between two progress lines of a long run. */
#define PROGRESS_EVERY	10.0
/*
 * The main thread's wait: until @duration seconds after @start, or until
 * *@stop is set; @progress (may be NULL) is called every PROGRESS_EVERY
 * seconds. Returns the seconds elapsed since @start.
 */
double run_for(double start, double duration, atomic_int *stop,
	       void (*progress)(void));

/*
 * Is @dir usable scratch for @need bytes (@what: the option asking for
 * them)?  Missing, not a directory, or read-only: skip_all().  Too small
 * (statvfs): usage_error().
 */
void scratch_check(const char *dir, unsigned long long need, const char *what);

/* getopt_long() returned '?' or ':' (optstring ":"): usage_error(). */
_Noreturn void bad_option(int c, char **argv);

/*
 * Write back and drop the cached pages of @fd (not mapped by anyone):
 * fsync, POSIX_FADV_DONTNEED, and as root "3" to /proc/sys/vm/drop_caches.
 * Returns 0 or -1 with errno set; *@how says what was done.
 */
int drop_file_cache(int fd, const char **how);

/*
 * Restartable accesses to a range that may have a momentary hole or be
 * read-only (an engine's munmap, a zapper's mprotect or mremap): after
 * segv_guard_install(BASE, LEN), a thread does
 *	if (sigsetjmp(segv_guard_jmp, 0)) { the access faulted }
 *	segv_guard_on = 1; ACCESS; segv_guard_on = 0;
 * A SIGSEGV at an address in [BASE, BASE + LEN) while segv_guard_on is
 * set jumps back; any other SIGSEGV kills the process as usual.
 */
extern __thread sigjmp_buf segv_guard_jmp;
extern __thread volatile sig_atomic_t segv_guard_on;
void segv_guard_install(const void *base, size_t len);

/*
 * Progress watchdog.  While running, each of @nr workers must bump its
 * progress[i] at least every @timeout seconds; once finishing is set, the
 * main thread must bump main_progress as often.  Otherwise expire() is
 * called with a reason; it must not return.
 */
struct watchdog {
	_Atomic unsigned long *progress;
	unsigned int nr;
	const char *role;			/* "writer", "worker" */
	_Atomic unsigned long main_progress;
	atomic_int finishing;
	atomic_int done;
	double timeout;
	void (*expire)(const char *why);	/* must not return */
	pthread_t tid;
};

int watchdog_start(struct watchdog *wd);
void watchdog_stop(struct watchdog *wd);

#endif
