// SPDX-License-Identifier: GPL-2.0
/*
 * mmtorture - provoke Linux memory-management races from debugfs.
 *
 * This file holds the module's core: the debugfs root
 * (/sys/kernel/debug/mmtorture/, root only), the "version" and "status"
 * files and the global "seed" knob.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "mmtorture.h"

static struct dentry *mmt_root;

/* Serialises knob writes against status reads. */
static DEFINE_MUTEX(mmt_knob_lock);
static u64 mmt_seed = 1;

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mmtorture %s\n", MMT_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int status_show(struct seq_file *m, void *v)
{
	mutex_lock(&mmt_knob_lock);
	seq_printf(m, "version: %s\n", MMT_VERSION);
	seq_printf(m, "kernel: %s\n", init_utsname()->release);
	seq_printf(m, "seed: %llu\n", mmt_seed);
	seq_printf(m, "crash_test: %s\n", mmt_crash_mode_name());
	seq_puts(m, "engines: none\n");
	mutex_unlock(&mmt_knob_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

static ssize_t seed_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	char tmp[24];
	int len;

	mutex_lock(&mmt_knob_lock);
	len = scnprintf(tmp, sizeof(tmp), "%llu\n", mmt_seed);
	mutex_unlock(&mmt_knob_lock);
	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

/* Accepts one decimal u64, optionally followed by a newline. */
static ssize_t seed_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	u64 val;
	int ret;

	if (*ppos)
		return -EINVAL;
	ret = kstrtou64_from_user(buf, count, 10, &val);
	if (ret)
		return ret;
	mutex_lock(&mmt_knob_lock);
	mmt_seed = val;
	mutex_unlock(&mmt_knob_lock);
	return count;
}

static const struct file_operations seed_fops = {
	.owner = THIS_MODULE,
	.read = seed_read,
	.write = seed_write,
	.llseek = default_llseek,
};

static int __init mmt_init(void)
{
	int ret;

	mmt_root = debugfs_create_dir("mmtorture", NULL);
	if (IS_ERR(mmt_root)) {
		ret = PTR_ERR(mmt_root);
		pr_err("cannot create the debugfs folder (%d); is debugfs enabled?\n",
		       ret);
		return ret;
	}

	debugfs_create_file("version", 0400, mmt_root, NULL, &version_fops);
	debugfs_create_file("status", 0400, mmt_root, NULL, &status_fops);
	debugfs_create_file("seed", 0600, mmt_root, NULL, &seed_fops);

	ret = mmt_crash_test_init(mmt_root);
	if (ret)
		goto err_remove;

	pr_info("version %s loaded, crash_test=%s\n", MMT_VERSION,
		mmt_crash_mode_name());
	return 0;

err_remove:
	debugfs_remove_recursive(mmt_root);
	return ret;
}

static void __exit mmt_exit(void)
{
	/* Waits for every open debugfs operation of ours to finish. */
	debugfs_remove_recursive(mmt_root);
	pr_info("unloaded\n");
}

module_init(mmt_init);
module_exit(mmt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Provoke memory-management races for testing");
MODULE_VERSION(MMT_VERSION);
