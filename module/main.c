// SPDX-License-Identifier: GPL-2.0
/*
 * mmtorture - provoke Linux memory-management races from debugfs.
 *
 * This file holds the module's core: the debugfs root
 * (/sys/kernel/debug/mmtorture/, root only), the "version" and "status"
 * files, the janitor, and it registers and unregisters the engines. It
 * is the top of the module's call graph (scripts/tests/test-callgraph.sh
 * checks that the graph has no cycle): nothing calls into it.
 *
 *   seed, broken=, crash_test=   the controls (control.c)
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
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>

#include "mmtorture.h"

static struct dentry *mmt_root;

/* Serialises status reads against each other. */
static DEFINE_MUTEX(mmt_status_lock);

static struct mmt_engine * const mmt_engines[] = {
	&mmt_mkclean_engine,
	&mmt_vma_engine,
	&mmt_tlbdelay_engine,
	&mmt_lazytlb_engine,
};

#define MMT_JANITOR_MS 100

static void mmt_janitor_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(mmt_janitor, mmt_janitor_fn);

/*
 * Every 100 ms: drop the targets of dead owners, then (without the target
 * lock: engine threads take it) stop every engine whose owner has no
 * target left, and let running engines print their periodic stats line.
 */
static void mmt_janitor_fn(struct work_struct *work)
{
	unsigned int i;

	mmt_targets_reap();
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++) {
		mmt_engine_reap(mmt_engines[i]);
		mmt_engine_periodic(mmt_engines[i]);
	}
	schedule_delayed_work(&mmt_janitor, msecs_to_jiffies(MMT_JANITOR_MS));
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

	mutex_lock(&mmt_status_lock);
	seq_printf(m, MMT_STATUS_VERSION ": %s\n", MMT_VERSION);
	seq_printf(m, MMT_STATUS_KERNEL ": %s\n", init_utsname()->release);
	seq_printf(m, MMT_STATUS_SEED ": %llu\n", mmt_seed_get());
	seq_printf(m, MMT_STATUS_CRASH_TEST ": %s\n", mmt_crash_mode_name());
	seq_puts(m, MMT_STATUS_ENGINES ":");
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++)
		seq_printf(m, " %s=%s", mmt_engines[i]->name,
			   mmt_engine_state(mmt_engines[i]));
	seq_putc(m, '\n');
	seq_printf(m, MMT_STATUS_BROKEN ": %s\n", mmt_broken_mode_name());
	seq_printf(m, MMT_STATUS_TARGETS ": %u\n", mmt_target_count());
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++) {
		struct mmt_engine *e = mmt_engines[i];

		if (e->nr_ops && e->ops_avail != GENMASK(e->nr_ops - 1, 0))
			seq_printf(m, MMT_STATUS_UNAVAILABLE ": %s: %s\n", e->name,
				   e->unavail_why);
		if (e->routes) {
			seq_printf(m, MMT_STATUS_ROUTES ": %s:", e->name);
			mmt_seq_words(m, "", e->routes);
		}
		if (e->show_status)
			e->show_status(e, m);
	}
	mutex_unlock(&mmt_status_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/* The janitor is stopped first: it must not stop an engine being torn down. */
static void mmt_engines_stop(void)
{
	unsigned int i;

	cancel_delayed_work_sync(&mmt_janitor);
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++)
		mmt_engine_unregister(mmt_engines[i]);
}

static int __init mmt_init(void)
{
	unsigned int i;
	int ret;

	mmt_root = debugfs_create_dir(MMT_MODULE_NAME, NULL);
	if (IS_ERR(mmt_root)) {
		ret = PTR_ERR(mmt_root);
		pr_err("cannot create the debugfs folder (%d); is debugfs enabled?\n",
		       ret);
		return ret;
	}

	debugfs_create_file(MMT_FILE_VERSION, 0400, mmt_root, NULL,
			    &version_fops);
	debugfs_create_file(MMT_FILE_STATUS, 0400, mmt_root, NULL,
			    &status_fops);

	ret = mmt_control_init(mmt_root);
	if (ret)
		goto err_remove;
	ret = mmt_targets_init(mmt_root);
	if (ret)
		goto err_remove;
	for (i = 0; i < ARRAY_SIZE(mmt_engines); i++) {
		ret = mmt_engine_register(mmt_engines[i], mmt_root);
		if (ret)
			goto err_targets;
	}
	/* Only now: the janitor stops engines, which must be set up. */
	schedule_delayed_work(&mmt_janitor, msecs_to_jiffies(MMT_JANITOR_MS));

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
