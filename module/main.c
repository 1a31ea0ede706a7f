// SPDX-License-Identifier: GPL-2.0
/*
 * mmtorture - provoke Linux memory-management races from debugfs.
 *
 * This file holds the module's core: the debugfs root
 * (/sys/kernel/debug/mmtorture/, root only), the "version" and "status"
 * files, the global "seed" knob and the "broken" parameter, and it starts
 * and stops the engines:
 *
 *   targets               opt-in registrations (target.c)
 *   mkclean/              page_mkclean racer (eng_mkclean.c)
 *   vma/                  concurrent VMA changes (eng_vma.c)
 *   tlbdelay/             kprobe delays in the zap-to-flush window
 *   lazytlb/              mm adoption churn (eng_lazytlb.c)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "mmtorture.h"

static struct dentry *mmt_root;

/* Serialises knob writes against status reads. */
static DEFINE_MUTEX(mmt_knob_lock);
static u64 mmt_seed = 1;

static struct mmt_engine * const mmt_engines[] = {
	&mmt_mkclean_engine,
	&mmt_vma_engine,
	&mmt_tlbdelay_engine,
	&mmt_lazytlb_engine,
};

static enum mmt_broken_mode broken_mode = MMT_BROKEN_NONE;

static const char * const broken_mode_names[] = {
	[MMT_BROKEN_NONE] = "none",
	[MMT_BROKEN_MKCLEAN_NOFLUSH] = "mkclean_noflush",
	[MMT_BROKEN_VMA_STALE] = "vma_stale",
	[MMT_BROKEN_VMA_WRITABLE] = "vma_writable",
	[MMT_BROKEN_LAZYTLB_EARLY_DROP] = "lazytlb_early_drop",
};

static int broken_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(broken_mode_names, val);

	if (mode < 0) {
		pr_err("broken must be none, mkclean_noflush, vma_stale, vma_writable or lazytlb_early_drop\n");
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
		 "Positive control: none (default), mkclean_noflush (clean PTEs without a TLB flush), vma_stale (old contents written back after MAP_FIXED), vma_writable (writable PTEs in a read-only VMA), lazytlb_early_drop (drop a lazy mm reference too early; KASAN kernels only)");

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

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mmtorture %s\n", MMT_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int status_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&mmt_knob_lock);
	seq_printf(m, "version: %s\n", MMT_VERSION);
	seq_printf(m, "kernel: %s\n", init_utsname()->release);
	seq_printf(m, "seed: %llu\n", mmt_seed);
	seq_printf(m, "crash_test: %s\n", mmt_crash_mode_name());
	seq_puts(m, "engines:");
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++)
		seq_printf(m, " %s=%s", mmt_engines[i]->name,
			   mmt_engine_state(mmt_engines[i]));
	seq_putc(m, '\n');
	seq_printf(m, "broken: %s\n", mmt_broken_mode_name());
	seq_printf(m, "targets: %u\n", mmt_target_count());
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++) {
		struct mmt_engine *e = mmt_engines[i];

		if (e->nr_ops && e->ops_avail != GENMASK(e->nr_ops - 1, 0))
			seq_printf(m, "unavailable: %s: %s\n", e->name,
				   e->unavail_why);
		if (e->routes) {
			seq_printf(m, "routes: %s:", e->name);
			mmt_seq_words(m, "", e->routes);
		}
		if (e->show_status)
			e->show_status(e, m);
	}
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

/* One decimal u64 (knob.c grammar). */
static ssize_t seed_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	u64 val;
	int ret;

	ret = mmt_knob_write_u64(buf, count, ppos, 0, U64_MAX, &val);
	if (ret)
		return ret;
	mutex_lock(&mmt_knob_lock);
	WRITE_ONCE(mmt_seed, val);
	mutex_unlock(&mmt_knob_lock);
	return count;
}

static const struct file_operations seed_fops = {
	.owner = THIS_MODULE,
	.read = seed_read,
	.write = seed_write,
	.llseek = default_llseek,
};

/* The janitor, after dropping the targets of dead owners. */
void mmt_engines_reap(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++)
		mmt_engine_reap(mmt_engines[i]);
}

/* The janitor is stopped first: it must not stop an engine being torn down. */
static void mmt_engines_stop(void)
{
	unsigned int i;

	mmt_janitor_stop();
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++)
		mmt_engine_unregister(mmt_engines[i]);
	mmt_tlbdelay_exit();
}

static int __init mmt_init(void)
{
	unsigned int i;
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
	ret = mmt_targets_init(mmt_root);
	if (ret)
		goto err_remove;
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++) {
		if (mmt_engines[i]->setup)
			mmt_engines[i]->setup(mmt_engines[i]);
		ret = mmt_engine_register(mmt_engines[i], mmt_root);
		if (ret)
			goto err_targets;
	}
	/* Only now: the janitor stops engines, which must be set up. */
	mmt_janitor_start();

	pr_info("version %s loaded, crash_test=%s broken=%s\n", MMT_VERSION,
		mmt_crash_mode_name(), mmt_broken_mode_name());
	return 0;

err_targets:
	debugfs_remove_recursive(mmt_root);
	mmt_engines_stop();
	mmt_targets_exit();
	return ret;
err_remove:
	debugfs_remove_recursive(mmt_root);
	return ret;
}

static void __exit mmt_exit(void)
{
	/* Waits for every open debugfs operation of ours to finish. */
	debugfs_remove_recursive(mmt_root);
	/* Threads and probes first, then the targets they used. */
	mmt_engines_stop();
	mmt_targets_exit();
	pr_info("unloaded\n");
}

module_init(mmt_init);
module_exit(mmt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Provoke memory-management races for testing");
MODULE_VERSION(MMT_VERSION);
