/* SPDX-License-Identifier: GPL-2.0 */
/* mmt_util.h - small helpers for the tests that talk to mmtorture's debugfs. */
#ifndef MMT_UTIL_H
#define MMT_UTIL_H

#include <stddef.h>

/* The contract: paths, names and exit codes (module/mmtorture_uapi.h). */
#include "../module/mmtorture_uapi.h"

#define MMT_DEBUGFS MMT_DEBUGFS_DIR

/* NULL when the module's debugfs folder is usable, else why not. */
const char *mmt_module_missing(void);
void mmt_path(char *buf, size_t len, const char *file);
/* Reads a debugfs file into buf (NUL-terminated); bytes read or -errno. */
int mmt_read(const char *file, char *buf, size_t len);
/* Writes text in one write(); 0 if all of it was taken, else -errno. */
int mmt_write(const char *file, const char *text);
/*
 * OPT's value TEXT as a decimal integer in [MIN, MAX]; anything else ends
 * the program with a one-line message and exit status 2.
 */
unsigned long mmt_opt_ulong(const char *opt, const char *text,
			    unsigned long min, unsigned long max);
/* Counter KEY ("passes: ") of ENGINE's stats file, or -1. */
long mmt_engine_stat(const char *engine, const char *key);
/* ENGINE's stats file as "# ENGINE/stats: line" diagnostics. */
void mmt_print_engine_stats(const char *engine);
/* The value after "key" in a "key: value" status dump, or NULL. */
const char *mmt_status_line(const char *status, const char *key);
/* mmt_write() of a formatted text. */
int mmt_writef(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Lines of the targets file owned by PID (any owner if PID <= 0), or -1. */
int mmt_count_targets(int pid);

#endif
