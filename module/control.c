// SPDX-License-Identifier: GPL-2.0
/*
 * The module's controls, which every other file reads and none sets:
 *
 *   seed        debugfs file: one decimal u64, the seed of every engine's
 *               random choices (a run replays with the same seed)
 *   broken=     module parameter: a positive control that makes one
 *               engine deliberately wrong (its own op; see each engine)
 *   crash_test= module parameter, with the crash_trigger debugfs file
 *
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
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

/* Serialises the seed's writers against its readers. */
static DEFINE_MUTEX(mmt_seed_lock);
static u64 mmt_seed = 1;

static enum mmt_broken_mode broken_mode = MMT_BROKEN_NONE;

static const char * const broken_mode_names[] = {
	[MMT_BROKEN_NONE] = MMT_BROKEN_NONE_NAME,
	[MMT_BROKEN_MKCLEAN_NOFLUSH] = MMT_BROKEN_MKCLEAN_NOFLUSH_NAME,
	[MMT_BROKEN_VMA_STALE] = MMT_BROKEN_VMA_STALE_NAME,
	[MMT_BROKEN_VMA_WRITABLE] = MMT_BROKEN_VMA_WRITABLE_NAME,
	[MMT_BROKEN_LAZYTLB_EARLY_DROP] = MMT_BROKEN_LAZYTLB_EARLY_DROP_NAME,
	[MMT_BROKEN_VMA_INVARIANT] = MMT_BROKEN_VMA_INVARIANT_NAME,
};

static int broken_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(broken_mode_names, val);

	if (mode < 0) {
		pr_err("broken must be none, mkclean_noflush, vma_stale, vma_writable, lazytlb_early_drop or vma_invariant\n");
		return -EINVAL;
	}
	broken_mode = mode;
	return 0;
}

static int broken_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", broken_mode_names[broken_mode]);
}

static const struct kernel_param_ops broken_ops = {
	.set = broken_set,
	.get = broken_get,
};
module_param_cb(broken, &broken_ops, NULL, 0444);
MODULE_PARM_DESC(broken,
		 "Positive control: none (default), mkclean_noflush (clean PTEs without a TLB flush), vma_stale (old contents written back after MAP_FIXED), vma_writable (writable PTEs in a read-only VMA), lazytlb_early_drop (drop a lazy mm reference too early; KASAN kernels only), vma_invariant (run the post-munmap PTE check on a range still mapped)");

enum mmt_broken_mode mmt_broken_mode(void)
{
	return broken_mode;
}

const char *mmt_broken_mode_name(void)
{
	return broken_mode_names[broken_mode];
}

u64 mmt_seed_get(void)
{
	return READ_ONCE(mmt_seed);
}

static ssize_t seed_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	char tmp[24];
	int len;

	mutex_lock(&mmt_seed_lock);
	len = scnprintf(tmp, sizeof(tmp), "%llu\n", mmt_seed);
	mutex_unlock(&mmt_seed_lock);
	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

/* One decimal u64 (knob.c grammar). */
static ssize_t seed_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	u64 val;
	int ret;

	ret = mmt_knob_write_u64(buf, count, ppos, 0, U64_MAX, &val);
	if (ret)
		return ret;
	mutex_lock(&mmt_seed_lock);
	WRITE_ONCE(mmt_seed, val);
	mutex_unlock(&mmt_seed_lock);
	return count;
}

static const struct file_operations seed_fops = {
	.owner = THIS_MODULE,
	.read = seed_read,
	.write = seed_write,
	.llseek = default_llseek,
};

static enum mmt_crash_mode crash_mode = MMT_CRASH_NONE;

static const char * const crash_mode_names[] = {
	[MMT_CRASH_NONE] = MMT_CRASH_NONE_NAME,
	[MMT_CRASH_WARN] = MMT_CRASH_WARN_NAME,
	[MMT_CRASH_BUG] = MMT_CRASH_BUG_NAME,
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

/* The control files in the module's debugfs folder. */
int mmt_control_init(struct dentry *root)
{
	debugfs_create_file(MMT_FILE_SEED, 0600, root, NULL, &seed_fops);
	if (crash_mode == MMT_CRASH_NONE)
		return 0;
	debugfs_create_file(MMT_FILE_CRASH_TRIGGER, 0200, root, NULL,
			    &crash_trigger_fops);
	return 0;
}
