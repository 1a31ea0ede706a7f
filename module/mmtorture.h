/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmtorture - provoke Linux memory-management races from debugfs.
 */
#ifndef MMTORTURE_H
#define MMTORTURE_H

#include <linux/dcache.h>
#include <linux/types.h>

#define MMT_VERSION "0.1.0"

/* Crash-test modes: positive controls for the console scanner. */
enum mmt_crash_mode {
	MMT_CRASH_NONE,
	MMT_CRASH_WARN,
	MMT_CRASH_BUG,
};

enum mmt_crash_mode mmt_crash_mode(void);
const char *mmt_crash_mode_name(void);
int mmt_crash_test_init(struct dentry *root);

#endif /* MMTORTURE_H */
