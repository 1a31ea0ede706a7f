// SPDX-License-Identifier: GPL-2.0
/* mmt_util.c - see mmt_util.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmt_util.h"

const char *mmt_module_missing(void)
{
	struct stat st;

	if (geteuid() != 0)
		return "needs root";
	if (stat("/sys/kernel/debug", &st) != 0)
		return "no /sys/kernel/debug (debugfs not available)";
	if (stat(MMT_DEBUGFS, &st) != 0)
		return "mmtorture module not loaded (no " MMT_DEBUGFS ")";
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
