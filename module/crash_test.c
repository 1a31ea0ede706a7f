// SPDX-License-Identifier: GPL-2.0
/*
 * Crash tests: positive controls for the harness's console scanner.
 *
 * Off unless the module is loaded with crash_test=warn or crash_test=bug.
 * Then a write of "1" to /sys/kernel/debug/mmtorture/crash_trigger makes
 * the kernel report:
 *   warn: a WARN_ON splat from mmt_crash_warn();
 *   bug:  a "kernel BUG at lib/list_debug.c" from the kernel's own list
 *         integrity check, by deleting an entry of a private list that
 *         was corrupted on purpose. This needs CONFIG_DEBUG_LIST and
 *         CONFIG_BUG_ON_DATA_CORRUPTION (both set in Debian's kernels);
 *         without them loading with crash_test=bug is refused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

static enum mmt_crash_mode crash_mode = MMT_CRASH_NONE;

static const char * const crash_mode_names[] = {
	[MMT_CRASH_NONE] = "none",
	[MMT_CRASH_WARN] = "warn",
	[MMT_CRASH_BUG] = "bug",
};

static int crash_test_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(crash_mode_names, val);

	if (mode < 0) {
		pr_err("crash_test must be none, warn or bug\n");
		return -EINVAL;
	}
	if (mode == MMT_CRASH_BUG &&
	    !(IS_ENABLED(CONFIG_DEBUG_LIST) &&
	      IS_ENABLED(CONFIG_BUG_ON_DATA_CORRUPTION))) {
		pr_err("crash_test=bug needs a kernel that stops on list corruption (list debugging plus data-corruption checks)\n");
		return -EOPNOTSUPP;
	}
	crash_mode = mode;
	return 0;
}

static int crash_test_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", crash_mode_names[crash_mode]);
}

static const struct kernel_param_ops crash_test_ops = {
	.set = crash_test_set,
	.get = crash_test_get,
};
module_param_cb(crash_test, &crash_test_ops, NULL, 0444);
MODULE_PARM_DESC(crash_test,
		 "Positive control for splat detection: none (default), warn, bug");

enum mmt_crash_mode mmt_crash_mode(void)
{
	return crash_mode;
}

const char *mmt_crash_mode_name(void)
{
	return crash_mode_names[crash_mode];
}

static noinline void mmt_crash_warn(void)
{
	WARN(1, "mmtorture: crash_test=warn fired on request\n");
}

struct crash_item {
	struct list_head node;
};

static noinline void mmt_crash_bug(void)
{
	static LIST_HEAD(head);
	static struct crash_item item;

	list_add(&item.node, &head);
	/* Make item.next->prev point elsewhere; list_del() must notice. */
	head.prev = &head;
	list_del(&item.node);
	/* Only reached if the kernel let the corruption pass. */
	pr_err("crash_test=bug: the kernel did not stop a corrupted list_del\n");
}

static ssize_t crash_trigger_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	u64 fire;
	int ret;

	/* "0" does nothing, "1" fires (knob.c grammar). */
	ret = mmt_knob_write_u64(buf, count, ppos, 0, 1, &fire);
	if (ret)
		return ret;
	if (!fire)
		return count;

	pr_info("crash_test=%s: firing on request\n", mmt_crash_mode_name());
	switch (crash_mode) {
	case MMT_CRASH_WARN:
		mmt_crash_warn();
		break;
	case MMT_CRASH_BUG:
		mmt_crash_bug();
		break;
	default:
		return -EINVAL;
	}
	return count;
}

static const struct file_operations crash_trigger_fops = {
	.owner = THIS_MODULE,
	.write = crash_trigger_write,
	.llseek = noop_llseek,
};

int mmt_crash_test_init(struct dentry *root)
{
	if (crash_mode == MMT_CRASH_NONE)
		return 0;
	debugfs_create_file("crash_trigger", 0200, root, NULL,
			    &crash_trigger_fops);
	return 0;
}
