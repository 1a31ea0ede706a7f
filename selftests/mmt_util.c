// SPDX-License-Identifier: GPL-2.0
/* mmt_util.c - see mmt_util.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mmt_util.h"

/*
 * Run as a kselftest on a test box, a program finds the module not loaded:
 * it then loads MMT_MODULE, or mmtorture.ko next to the program, before
 * main() (and before the harness forks its tests), and unloads it at exit.
 * A module someone else loaded is used as it is and left loaded.
 * Only the program the test runner started decides: it sets
 * MMT_NO_AUTOLOAD for its descendants, so that children which exec (the
 * fork/exec churn) never load the module behind a test that just
 * unloaded it.
 */
static bool loaded_by_us;
static char load_failure[PATH_MAX + 128];

static void mmt_module_unload(void)
{
	if (loaded_by_us && syscall(SYS_delete_module, MMT_MODULE_NAME, O_NONBLOCK))
		fprintf(stderr, "# cannot unload mmtorture: %s\n", strerror(errno));
}

static void mmt_module_path(char *buf, size_t len)
{
	const char *env = getenv("MMT_MODULE");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		snprintf(buf, len, MMT_MODULE_NAME ".ko");
		return;
	}
	exe[n] = '\0';
	snprintf(buf, len, "%s/" MMT_MODULE_NAME ".ko", dirname(exe));
}

__attribute__((constructor)) static void mmt_module_autoload(void)
{
	char path[PATH_MAX];
	int fd;

	if (getenv("MMT_NO_AUTOLOAD"))
		return;
	setenv("MMT_NO_AUTOLOAD", "1", 1);
	if (geteuid() != 0 || access(MMT_DEBUGFS, F_OK) == 0)
		return;
	mmt_module_path(path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(load_failure, sizeof(load_failure),
			 MMT_MODULE_NAME " module not loaded and no %s (build it with KDIR=..., or set MMT_MODULE)",
			 path);
		return;
	}
	if (syscall(SYS_finit_module, fd, "", 0)) {
		snprintf(load_failure, sizeof(load_failure),
			 MMT_MODULE_NAME " module not loaded, and loading %s failed: %s",
			 path, strerror(errno));
	} else {
		loaded_by_us = true;
		atexit(mmt_module_unload);
	}
	close(fd);
}

const char *mmt_module_missing(void)
{
	struct stat st;

	if (geteuid() != 0)
		return "needs root";
	if (stat(MMT_DEBUGFS_MOUNT, &st) != 0)
		return "no " MMT_DEBUGFS_MOUNT " (debugfs not available)";
	if (stat(MMT_DEBUGFS, &st) != 0)
		return load_failure[0] ? load_failure :
			MMT_MODULE_NAME " module not loaded (no " MMT_DEBUGFS ")";
	return NULL;
}

void mmt_path(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", MMT_DEBUGFS, file);
}

int mmt_read(const char *file, char *buf, size_t len)
{
	char path[256];
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	mmt_path(path, sizeof(path), file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	buf[got] = '\0';
	close(fd);
	return (int)got;
}

int mmt_write(const char *file, const char *text)
{
	size_t len = strlen(text);
	char path[256];
	ssize_t n;
	int fd, err = 0;

	mmt_path(path, sizeof(path), file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

const char *mmt_status_line(const char *status, const char *key)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0)
			return p + klen;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

long mmt_engine_stat(const char *engine, const char *key)
{
	char file[64], buf[8192];
	const char *v;

	snprintf(file, sizeof(file), "%s/stats", engine);
	if (mmt_read(file, buf, sizeof(buf)) < 0)
		return -1;
	v = mmt_status_line(buf, key);
	return v ? strtol(v, NULL, 10) : -1;
}

void mmt_print_engine_stats(const char *engine)
{
	char file[64], buf[8192], *line, *save;

	snprintf(file, sizeof(file), "%s/stats", engine);
	if (mmt_read(file, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s: %s\n", file, line);
}

unsigned long mmt_opt_ulong(const char *opt, const char *text,
			    unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s must be an integer from %lu to %lu, not '%s'\n",
			program_invocation_short_name, opt, min, max, text);
		exit(2);
	}
	return v;
}

int mmt_writef(const char *file, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return mmt_write(file, text);
}

int mmt_count_targets(int pid)
{
	char buf[16384], key[32], *line, *save;
	int n = 0;

	if (mmt_read(MMT_FILE_TARGETS, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(key, sizeof(key), " pid=%d ", pid);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "id=", 3) && (pid <= 0 || strstr(line, key)))
			n++;
	return n;
}
