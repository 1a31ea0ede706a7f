// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - plumbing shared by the workloads, see common.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

__thread sigjmp_buf segv_guard_jmp;
__thread volatile sig_atomic_t segv_guard_on;
static const char *segv_guard_base;
static size_t segv_guard_len;

static void segv_guard_handler(int sig, siginfo_t *si, void *uc)
{
	const char *addr = si->si_addr;
	struct sigaction sa = { .sa_handler = SIG_DFL };

	(void)uc;
	if (segv_guard_on && addr >= segv_guard_base &&
	    addr < segv_guard_base + segv_guard_len) {
		segv_guard_on = 0;
		siglongjmp(segv_guard_jmp, 1);
	}
	/* Not ours: die of it when the access is retried. */
	sigaction(sig, &sa, NULL);
}

void segv_guard_install(const void *base, size_t len)
{
	struct sigaction sa = {
		.sa_sigaction = segv_guard_handler,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};

	segv_guard_base = base;
	segv_guard_len = len;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		die_errno("sigaction");
}

const char *prog_name = "workload";

static void vwarn_line(const char *fmt, va_list ap, const char *tail)
{
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s\n", tail);
}

void usage_error(const char *fmt, ...)
{
	char tail[128];
	va_list ap;

	snprintf(tail, sizeof(tail), " (see %s --help)", prog_name);
	va_start(ap, fmt);
	vwarn_line(fmt, ap, tail);
	va_end(ap);
	exit(MMT_EXIT_USAGE);
}

void skip_all(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap, "");
	va_end(ap);
	va_start(ap, fmt);
	ktap_vskip_plan(fmt, ap);
	va_end(ap);
	exit(MMT_EXIT_SKIP);
}

void die_errno(const char *fmt, ...)
{
	char tail[128];
	va_list ap;

	snprintf(tail, sizeof(tail), ": %s", strerror(errno));
	va_start(ap, fmt);
	vwarn_line(fmt, ap, tail);
	va_end(ap);
	exit(MMT_EXIT_FAIL);
}

unsigned long opt_count(const char *opt, const char *arg,
			unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		usage_error("invalid %s '%s': not a number", opt, arg);
	if (v < min || v > max)
		usage_error("invalid %s '%s': must be %lu..%lu", opt, arg,
			    min, max);
	return v;
}

unsigned long long opt_size(const char *opt, const char *arg)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		usage_error("invalid %s '%s': not a size", opt, arg);
	switch (*end) {
	case 'k': case 'K':
		mul = 1ULL << 10;
		break;
	case 'm': case 'M':
		mul = 1ULL << 20;
		break;
	case 'g': case 'G':
		mul = 1ULL << 30;
		break;
	case '\0':
		break;
	default:
		usage_error("invalid %s '%s': unknown suffix", opt, arg);
	}
	if (*end && end[1])
		usage_error("invalid %s '%s': unknown suffix", opt, arg);
	if (v > (1ULL << 50) / mul)
		usage_error("invalid %s '%s': too large", opt, arg);
	return v * mul;
}

double opt_seconds(const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v))
		usage_error("invalid %s '%s': not a number of seconds",
			    opt, arg);
	if (v <= 0 || v > 1e6)
		usage_error("invalid %s '%s': must be > 0 and <= 1000000",
			    opt, arg);
	return v;
}

uint64_t opt_seed(const char *opt, const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-')
		usage_error("invalid %s '%s': not a number", opt, arg);
	return v;
}

unsigned int opt_choice(const char *opt, const char *arg,
			const char *const *names)
{
	unsigned int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(arg, names[i]))
			return i;
	usage_error("unknown %s '%s'", opt, arg);
}

void bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		usage_error("option '%s' needs a value", arg);
	usage_error("unknown option '%s'", arg);
}

uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t default_seed(void)
{
	struct timespec ts;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &ts);
	s = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 20);
	/* Short enough to type back in on a command line. */
	return rng_next(&s) & 0xffffffffULL;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void scratch_check(const char *dir, unsigned long long need, const char *what)
{
	struct statvfs sv;
	unsigned long long avail;
	struct stat st;

	if (stat(dir, &st))
		skip_all("scratch directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		skip_all("scratch directory %s: not a directory", dir);
	if (statvfs(dir, &sv))
		skip_all("scratch directory %s: statvfs: %s", dir,
			 strerror(errno));
	if (sv.f_flag & ST_RDONLY)
		skip_all("scratch directory %s: read-only filesystem", dir);
	if (access(dir, W_OK | X_OK))
		skip_all("scratch directory %s: not writable: %s", dir,
			 strerror(errno));
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	if (need > avail)
		usage_error("%s: %llu bytes do not fit in %s (%llu bytes available)",
			    what, need, dir, avail);
}

int drop_file_cache(int fd, const char **how)
{
	int dc;

	*how = "fsync";
	if (fsync(fd))
		return -1;
	errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		return -1;
	*how = "fsync+fadvise";
	if (geteuid() != 0)
		return 0;
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc < 0) {
		*how = "fsync+fadvise (drop_caches not writable)";
		return 0;
	}
	if (write(dc, "3\n", 2) == 2)
		*how = "fsync+fadvise+drop_caches";
	else
		*how = "fsync+fadvise (drop_caches write failed)";
	close(dc);
	return 0;
}

static char wd_why[160];

static void watchdog_check_workers(struct watchdog *wd, unsigned long *seen,
				   double *last, double t)
{
	unsigned int i;
	unsigned long v;

	for (i = 0; i < wd->nr; i++) {
		v = atomic_load(&wd->progress[i]);
		if (v != seen[i]) {
			seen[i] = v;
			last[i] = t;
		} else if (t - last[i] > wd->timeout) {
			snprintf(wd_why, sizeof(wd_why),
				 "%s %u made no progress for %.0fs (at %lu)",
				 wd->role, i, wd->timeout, v);
			wd->expire(wd_why);
		}
	}
}

static void *watchdog_fn(void *arg)
{
	struct watchdog *wd = arg;
	unsigned long *seen = calloc(wd->nr, sizeof(*seen));
	double *last = calloc(wd->nr, sizeof(*last));
	unsigned long mseen = 0;
	double t, mlast = 0;
	unsigned int i;
	bool finishing = false;

	if (!seen || !last)
		die_errno("watchdog");
	t = now_s();
	for (i = 0; i < wd->nr; i++)
		last[i] = t;
	while (!atomic_load(&wd->done)) {
		sleep_s(0.1);
		t = now_s();
		if (!finishing && atomic_load(&wd->finishing)) {
			finishing = true;
			mlast = t;
		}
		if (!finishing) {
			watchdog_check_workers(wd, seen, last, t);
		} else if (atomic_load(&wd->main_progress) != mseen) {
			mseen = atomic_load(&wd->main_progress);
			mlast = t;
		} else if (t - mlast > wd->timeout) {
			snprintf(wd_why, sizeof(wd_why),
				 "shutdown/verification made no progress for %.0fs",
				 wd->timeout);
			wd->expire(wd_why);
		}
	}
	free(seen);
	free(last);
	return NULL;
}

int watchdog_start(struct watchdog *wd)
{
	atomic_store(&wd->done, 0);
	return pthread_create(&wd->tid, NULL, watchdog_fn, wd);
}

void watchdog_stop(struct watchdog *wd)
{
	atomic_store(&wd->done, 1);
	pthread_join(wd->tid, NULL);
}

double run_for(double start, double duration, atomic_int *stop,
	       void (*progress)(void))
{
	double left, next = PROGRESS_EVERY;

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		left = duration - (now_s() - start);
		if (left <= 0)
			break;
		if (progress && now_s() - start >= next) {
			progress();
			next += PROGRESS_EVERY;
		}
		sleep_s(left < 0.05 ? left : 0.05);
	}
	return now_s() - start;
}
