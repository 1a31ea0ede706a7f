// SPDX-License-Identifier: GPL-2.0
/*
 * ktap.c - the workloads' KTAP writer, see ktap.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"

/*
 * One formatted piece of output, built on the stack with nothing but
 * stores: safe in a signal handler and with every lock held by someone
 * else. Text past the end is cut (a result line stays a line: the
 * newline always fits).
 */
struct line {
	char b[1024];
	size_t n;
};

static void put(struct line *l, const char *s)
{
	if (!s)
		return;
	while (*s && l->n < sizeof(l->b) - 1)
		l->b[l->n++] = *s++;
}

static void put_uint(struct line *l, unsigned long v)
{
	char d[24];
	int i = 0;

	do {
		d[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i && l->n < sizeof(l->b) - 1)
		l->b[l->n++] = d[--i];
}

static void put_nl(struct line *l)
{
	if (l->n < sizeof(l->b))
		l->b[l->n++] = '\n';
	else
		l->b[l->n - 1] = '\n';
}

static void format_result(struct line *l, unsigned int num, const char *name,
			  enum verdict v, const char *reason)
{
	l->n = 0;
	if (reason && *reason && v == V_FAIL) {
		put(l, "# ");
		put(l, name);
		put(l, ": ");
		put(l, reason);
		put_nl(l);
	}
	put(l, v == V_PASS || v == V_SKIP ? "ok " : "not ok ");
	put_uint(l, num);
	put(l, " ");
	put(l, name);
	if (v == V_SKIP || v == V_TIMEOUT) {
		put(l, v == V_SKIP ? " # SKIP " : " # TIMEOUT ");
		put(l, reason);
	}
	put_nl(l);
}

/* write(2) all of @l to stdout's descriptor, through EINTR. */
static void write_raw(const struct line *l)
{
	size_t off = 0;
	ssize_t w;

	while (off < l->n) {
		w = write(STDOUT_FILENO, l->b + off, l->n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

void out_lock(void)
{
	flockfile(stdout);
}

void out_unlock(void)
{
	fflush(stdout);
	funlockfile(stdout);
}

void ktap_header(unsigned int plan)
{
	out_lock();
	printf("KTAP version 1\n1..%u\n", plan);
	out_unlock();
}

void ktap_vskip_plan(const char *fmt, va_list ap)
{
	out_lock();
	printf("KTAP version 1\n1..0 # SKIP ");
	vprintf(fmt, ap);
	putchar('\n');
	out_unlock();
}

void diag(const char *fmt, ...)
{
	va_list ap;

	out_lock();
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	out_unlock();
}

void metric(const char *name, double value, const char *unit)
{
	out_lock();
	if (value == floor(value) && fabs(value) < 1e15)
		printf("# metric: %s=%.0f", name, value);
	else
		printf("# metric: %s=%.1f", name, value);
	if (unit && *unit)
		printf(" %s", unit);
	putchar('\n');
	out_unlock();
}

void ktap_result(unsigned int num, const char *name, enum verdict v,
		 const char *reason)
{
	struct line l;

	format_result(&l, num, name, v, reason);
	out_lock();
	fwrite(l.b, 1, l.n, stdout);
	out_unlock();
}

int exit_code(const enum verdict *v, unsigned int n)
{
	unsigned int i, skipped = 0;

	for (i = 0; i < n; i++) {
		if (v[i] == V_FAIL || v[i] == V_TIMEOUT)
			return MMT_EXIT_FAIL;
		if (v[i] == V_SKIP)
			skipped++;
	}
	return n && skipped == n ? MMT_EXIT_SKIP : MMT_EXIT_PASS;
}

int ktap_seize(double secs)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	double waited = 0;

	while (ftrylockfile(stdout)) {
		if (waited >= secs)
			return -1;
		nanosleep(&ts, NULL);
		waited += 0.01;
	}
	/*
	 * Ours now (and kept: the caller _exit()s): what the others
	 * buffered goes out before the raw lines. Lines are flushed whole
	 * at out_unlock(), so the descriptor is at a line start either way.
	 */
	fflush(stdout);
	return 0;
}

void ktap_raw_diag(const char *prefix, const char *text)
{
	struct line l = { .n = 0 };

	put(&l, "# ");
	put(&l, prefix);
	put(&l, text);
	put_nl(&l);
	write_raw(&l);
}

void ktap_raw_result(unsigned int num, const char *name, enum verdict v,
		     const char *reason)
{
	struct line l;

	format_result(&l, num, name, v, reason);
	write_raw(&l);
}
