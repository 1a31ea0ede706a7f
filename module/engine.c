// SPDX-License-Identifier: GPL-2.0
/*
 * The engine frame shared by every race engine, in the style of
 * rcutorture: kernel threads that loop on one unit of work until told to
 * stop, knobs that can only change while the engine is stopped, counters,
 * and, as kernel/locking/locktorture.c does, console lines that are the
 * module's verdict (format in mmtorture_uapi.h): a start line with the
 * seed, the broken mode and every knob when the engine is enabled, a stats
 * line every MMT_STATS_PERIOD_S seconds while it runs (from the janitor),
 * and an end line with the counters and SUCCESS or FAILURE when it stops.
 *
 * Files in /sys/kernel/debug/mmtorture/<engine>/:
 *   enable       0 or 1 (idempotent); 1 starts the threads, 0 stops them
 *   threads      1..max threads (engines that run threads)
 *   interval_us  pause between two units of work, 0..1000000
 *   ops          comma-separated operation names, or "all"
 *   stats        counters by kind, errors, invariant violations
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

#define MMT_VERDICT_LEN 900

u32 mmt_rand(struct mmt_worker *w, u32 below)
{
	if (!below)
		return 0;
	return prandom_u32_state(&w->rnd) % below;
}

/* The prefix, then each word of a NULL-terminated list after a space. */
void mmt_seq_words(struct seq_file *m, const char *prefix,
		   const char * const *words)
{
	seq_puts(m, prefix);
	for (; *words; words++)
		seq_printf(m, " %s", *words);
	seq_putc(m, '\n');
}

void mmt_engine_count(struct mmt_engine *e, unsigned int counter)
{
	if (counter < e->nr_counters)
		atomic64_inc(&e->counters[counter]);
}

/* Nothing to do (no target): sleep a little, wake early on stop. */
void mmt_engine_idle(struct mmt_worker *w)
{
	atomic64_inc(&w->e->idle);
	schedule_timeout_interruptible(msecs_to_jiffies(10));
}

/* A random op among the selected ones, as a single bit. */
unsigned long mmt_engine_pick_op(struct mmt_worker *w)
{
	unsigned long ops = READ_ONCE(w->e->ops);
	unsigned int n = hweight_long(ops), k, bit;

	if (!n)
		return 0;
	k = mmt_rand(w, n);
	for_each_set_bit(bit, &ops, BITS_PER_LONG) {
		if (!k--)
			return BIT(bit);
	}
	return 0;
}

const char *mmt_engine_state(struct mmt_engine *e)
{
	return READ_ONCE(e->enabled) ? "on" : "off";
}

static int mmt_engine_thread(void *arg)
{
	struct mmt_worker *w = arg;
	struct mmt_engine *e = w->e;

	while (!kthread_should_stop()) {
		unsigned int us = READ_ONCE(e->interval_us);

		e->step(w);
		if (us)
			usleep_range(us, us + us / 4 + 1);
		else
			cond_resched();
	}
	return 0;
}

static int mmt_ops_format(struct mmt_engine *e, unsigned long ops, char *buf,
			  size_t len)
{
	unsigned int bit;
	int n = 0;

	buf[0] = '\0';
	for_each_set_bit(bit, &ops, e->nr_ops)
		n += scnprintf(buf + n, len - n, "%s%s", n ? "," : "",
			       e->op_names[bit]);
	if (!n)
		n = scnprintf(buf, len, "none");
	return n;
}

/* "seed=S broken=B threads=N interval_us=U ops=A,B KNOB=V..." */
static int mmt_engine_knobs(struct mmt_engine *e, char *buf, size_t len)
{
	int n;

	n = scnprintf(buf, len, "seed=%llu broken=%s threads=%u interval_us=%u ops=",
		      mmt_seed_get(), mmt_broken_mode_name(),
		      e->max_threads ? e->nthreads : 0,
		      e->max_threads ? e->interval_us : 0);
	n += mmt_ops_format(e, e->ops, buf + n, len - n);
	if (e->format_knobs)
		n += e->format_knobs(e, buf + n, len - n);
	return n;
}

/* " run_ms=T COUNTER=N ... errors=E violations=V"; under e->lock. */
static int mmt_engine_counts(struct mmt_engine *e, u64 ran_ns, char *buf,
			     size_t len)
{
	unsigned int i;
	int n;

	if (e->sync_counters)
		e->sync_counters(e);
	n = scnprintf(buf, len, " run_ms=%llu", div_u64(ran_ns, NSEC_PER_MSEC));
	for (i = 0; i < e->nr_counters; i++)
		n += scnprintf(buf + n, len - n, " %s=%lld",
			       e->counter_names[i],
			       atomic64_read(&e->counters[i]));
	n += scnprintf(buf + n, len - n, " " MMT_STAT_ERRORS "=%lld " MMT_STAT_VIOLATIONS "=%lld",
		       atomic64_read(&e->errors),
		       atomic64_read(&e->violations));
	return n;
}

/* The start line, when the engine is enabled (mmtorture_uapi.h). */
static void mmt_engine_start_line(struct mmt_engine *e)
{
	char *buf = kmalloc(MMT_VERDICT_LEN, GFP_KERNEL);

	if (!buf)
		return;
	mmt_engine_knobs(e, buf, MMT_VERDICT_LEN);
	pr_info("%s: " MMT_LINE_START " %s\n", e->name, buf);
	kfree(buf);
}

/*
 * The end line, the module's verdict on one run of the engine: its
 * knobs, its counters and SUCCESS, or FAILURE when an invariant it
 * checks was violated. Errors (operations the kernel refused) are
 * counted, but break no invariant.
 */
static void mmt_engine_end_line(struct mmt_engine *e)
{
	char *buf = kmalloc(MMT_VERDICT_LEN, GFP_KERNEL);
	int n;

	if (!buf)
		return;
	n = mmt_engine_knobs(e, buf, MMT_VERDICT_LEN);
	mmt_engine_counts(e, e->ran_ns, buf + n, MMT_VERDICT_LEN - n);
	pr_info("%s: " MMT_LINE_END " %s %s\n", e->name, buf,
		atomic64_read(&e->violations) ? MMT_VERDICT_FAILURE :
						MMT_VERDICT_SUCCESS);
	kfree(buf);
}

/*
 * From the janitor: while the engine runs, its counters every
 * MMT_STATS_PERIOD_S seconds. Never waits for e->lock (a start or stop
 * holds it while threads start or stop): the next tick tries again.
 */
void mmt_engine_periodic(struct mmt_engine *e)
{
	u64 now = ktime_get_ns();
	char *buf;

	if (!READ_ONCE(e->enabled) ||
	    now - READ_ONCE(e->stats_ns) < MMT_STATS_PERIOD_S * NSEC_PER_SEC)
		return;
	if (!mutex_trylock(&e->lock))
		return;
	if (!e->enabled)
		goto out;
	buf = kmalloc(MMT_VERDICT_LEN, GFP_KERNEL);
	if (!buf)
		goto out;
	e->stats_ns = now;
	mmt_engine_counts(e, e->ran_ns + now - e->started_ns, buf,
			  MMT_VERDICT_LEN);
	pr_info_ratelimited("%s: " MMT_LINE_STATS "%s\n", e->name, buf);
	kfree(buf);
out:
	mutex_unlock(&e->lock);
}

static void mmt_engine_stop_locked(struct mmt_engine *e)
{
	unsigned int i;

	if (!e->enabled)
		return;
	for (i = 0; i < MMT_MAX_THREADS; i++) {
		if (e->threads[i])
			kthread_stop(e->threads[i]);
		e->threads[i] = NULL;
		kfree(e->workers[i]);
		e->workers[i] = NULL;
	}
	if (e->stop)
		e->stop(e);
	if (e->sync_counters)
		e->sync_counters(e);
	e->ran_ns += ktime_get_ns() - e->started_ns;
	WRITE_ONCE(e->enabled, false);
	e->owner_mm = NULL;
	e->owner_tgid = 0;
	mmt_engine_end_line(e);
}

/*
 * From the janitor, with no target lock held (engine threads take it):
 * an engine whose recorded owner has no live target left stops, so a
 * workload killed mid-run leaves nothing running behind it.
 */
void mmt_engine_reap(struct mmt_engine *e)
{
	mutex_lock(&e->lock);
	if (e->enabled && e->owner_mm &&
	    !mmt_target_owner_live(e->owner_mm, e->owner_tgid)) {
		pr_info("%s: stopped: owner pid %d has no targets left\n",
			e->name, e->owner_tgid);
		mmt_engine_stop_locked(e);
	}
	mutex_unlock(&e->lock);
}

/* The writer becomes the owner if it has a live target of its own. */
static void mmt_engine_set_owner(struct mmt_engine *e)
{
	pid_t tgid = task_tgid_nr(current);

	e->owner_mm = NULL;
	e->owner_tgid = 0;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return;
	if (!mmt_target_owner_live(current->mm, tgid))
		return;
	e->owner_mm = current->mm;
	e->owner_tgid = tgid;
}

static int mmt_engine_start_locked(struct mmt_engine *e)
{
	unsigned int i;
	int ret;

	if (e->enabled)
		return 0;
	if (e->nr_ops && !e->ops)
		return -EINVAL;
	if (e->start) {
		ret = e->start(e);
		if (ret)
			return ret;
	}
	e->started_ns = ktime_get_ns();
	e->stats_ns = e->started_ns;
	/* Before any thread runs: the knobs cannot change while enabled. */
	mmt_engine_start_line(e);
	WRITE_ONCE(e->enabled, true);
	for (i = 0; e->max_threads && i < e->nthreads; i++) {
		struct mmt_worker *w = kzalloc(sizeof(*w), GFP_KERNEL);
		struct task_struct *t;

		if (!w) {
			ret = -ENOMEM;
			goto err_stop;
		}
		w->e = e;
		w->idx = i;
		prandom_seed_state(&w->rnd, mmt_seed_get() + i * 7919 + 1);
		t = kthread_run(mmt_engine_thread, w, "mmt_%s/%u", e->name, i);
		if (IS_ERR(t)) {
			kfree(w);
			ret = PTR_ERR(t);
			goto err_stop;
		}
		e->workers[i] = w;
		e->threads[i] = t;
	}
	return 0;

err_stop:
	mmt_engine_stop_locked(e);
	return ret;
}

static ssize_t enable_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;
	char tmp[4];
	int len = scnprintf(tmp, sizeof(tmp), "%d\n", READ_ONCE(e->enabled));

	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

static ssize_t enable_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;
	bool on;
	u64 val;
	int ret;

	/* Strictly "0" or "1" (knob.c). */
	ret = mmt_knob_write_u64(buf, count, ppos, 0, 1, &val);
	if (ret)
		return ret;
	on = val;
	mutex_lock(&e->lock);
	if (on && !e->enabled) {
		ret = mmt_engine_start_locked(e);
		if (!ret)
			mmt_engine_set_owner(e);
	} else if (!on) {
		mmt_engine_stop_locked(e);
	}
	mutex_unlock(&e->lock);
	return ret ? ret : count;
}

static const struct file_operations enable_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = enable_read,
	.write = enable_write,
	.llseek = default_llseek,
};

/*
 * A u32 knob of the engine, changed only while the engine is stopped:
 * one decimal number in [min, max] (knob.c grammar).
 */
ssize_t mmt_engine_u32_write(struct mmt_engine *e, unsigned int *knob,
			     unsigned int min, unsigned int max,
			     const char __user *buf, size_t count, loff_t *ppos)
{
	u64 val;
	int ret;

	ret = mmt_knob_write_u64(buf, count, ppos, min, max, &val);
	if (ret)
		return ret;
	mutex_lock(&e->lock);
	if (e->enabled)
		ret = -EBUSY;
	else
		*knob = val;
	mutex_unlock(&e->lock);
	return ret ? ret : count;
}

ssize_t mmt_engine_u32_read(unsigned int val, char __user *buf, size_t count,
			    loff_t *ppos)
{
	char tmp[16];
	int len = scnprintf(tmp, sizeof(tmp), "%u\n", val);

	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

static ssize_t threads_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;

	return mmt_engine_u32_read(READ_ONCE(e->nthreads), buf, count, ppos);
}

static ssize_t threads_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;

	return mmt_engine_u32_write(e, &e->nthreads, 1, e->max_threads, buf,
				    count, ppos);
}

static const struct file_operations threads_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = threads_read,
	.write = threads_write,
	.llseek = default_llseek,
};

static ssize_t interval_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;

	return mmt_engine_u32_read(READ_ONCE(e->interval_us), buf, count, ppos);
}

static ssize_t interval_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;

	return mmt_engine_u32_write(e, &e->interval_us, 0, MMT_MAX_INTERVAL_US,
				    buf, count, ppos);
}

static const struct file_operations interval_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = interval_read,
	.write = interval_write,
	.llseek = default_llseek,
};

static ssize_t ops_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;
	char tmp[256];
	int len;

	mutex_lock(&e->lock);
	len = mmt_ops_format(e, e->ops, tmp, sizeof(tmp) - 1);
	mutex_unlock(&e->lock);
	tmp[len++] = '\n';
	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

/*
 * "a,b,c" or "all": one token, names separated by single commas, every
 * name known and usable here.
 */
static int mmt_ops_parse(struct mmt_engine *e, char *s, unsigned long *out)
{
	unsigned long ops = 0;
	char *tok;
	int i;

	if (!strcmp(s, MMT_OPS_ALL)) {
		*out = e->ops_avail;
		return e->ops_avail ? 0 : -EOPNOTSUPP;
	}
	while ((tok = strsep(&s, ",")) != NULL) {
		i = match_string(e->op_names, e->nr_ops, tok);
		if (i < 0 || (ops & BIT(i)))
			return -EINVAL;
		if (!(e->ops_avail & BIT(i)))
			return -EOPNOTSUPP;
		ops |= BIT(i);
	}
	*out = ops;
	return 0;
}

static ssize_t ops_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;
	unsigned long ops;
	char *s;
	int ret;

	s = mmt_knob_fetch(buf, count, ppos, 255);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = strchr(s, ' ') ? -EINVAL : mmt_ops_parse(e, s, &ops);
	kfree(s);
	if (ret)
		return ret;
	mutex_lock(&e->lock);
	if (e->enabled)
		ret = -EBUSY;
	else
		e->ops = ops;
	mutex_unlock(&e->lock);
	return ret ? ret : count;
}

static const struct file_operations ops_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ops_read,
	.write = ops_write,
	.llseek = default_llseek,
};

static int stats_show(struct seq_file *m, void *v)
{
	struct mmt_engine *e = m->private;
	char tmp[256];
	unsigned int i;
	u64 ran;

	mutex_lock(&e->lock);
	ran = e->ran_ns;
	if (e->enabled)
		ran += ktime_get_ns() - e->started_ns;
	seq_printf(m, MMT_STAT_ENGINE ": %s\n", e->name);
	seq_printf(m, MMT_STAT_ENABLED ": %d\n", e->enabled);
	if (e->max_threads)
		seq_printf(m, MMT_STAT_THREADS ": %u\n", e->nthreads);
	if (e->max_threads)
		seq_printf(m, MMT_STAT_INTERVAL_US ": %u\n", e->interval_us);
	if (e->nr_ops) {
		mmt_ops_format(e, e->ops, tmp, sizeof(tmp));
		seq_printf(m, MMT_STAT_OPS ": %s\n", tmp);
		mmt_ops_format(e, e->ops_avail, tmp, sizeof(tmp));
		seq_printf(m, MMT_STAT_OPS_AVAILABLE ": %s\n", tmp);
	}
	if (e->nr_ops && e->ops_avail != GENMASK(e->nr_ops - 1, 0)) {
		mmt_ops_format(e, GENMASK(e->nr_ops - 1, 0) & ~e->ops_avail,
			       tmp, sizeof(tmp));
		seq_printf(m, MMT_STAT_OPS_UNAVAILABLE ": %s (%s)\n", tmp,
			   e->unavail_why ? e->unavail_why : "not on this kernel");
	}
	if (e->owner_mm)
		seq_printf(m, MMT_STAT_OWNER ": %d\n", e->owner_tgid);
	seq_printf(m, MMT_STAT_RUN_MS ": %llu\n", div_u64(ran, NSEC_PER_MSEC));
	/* One snapshot under e->lock per read; nothing resets the counters. */
	seq_puts(m, MMT_STAT_COUNTERS_SINCE ": load\n");
	if (e->sync_counters)
		e->sync_counters(e);
	for (i = 0; i < e->nr_counters; i++)
		seq_printf(m, "%s: %lld\n", e->counter_names[i],
			   atomic64_read(&e->counters[i]));
	seq_printf(m, MMT_STAT_IDLE ": %lld\n", atomic64_read(&e->idle));
	seq_printf(m, MMT_STAT_ERRORS ": %lld\n", atomic64_read(&e->errors));
	seq_printf(m, MMT_STAT_VIOLATIONS ": %lld\n",
		   atomic64_read(&e->violations));
	if (e->show_extra)
		e->show_extra(e, m);
	mutex_unlock(&e->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

int mmt_engine_register(struct mmt_engine *e, struct dentry *root)
{
	int ret;

	mutex_init(&e->lock);
	/* Each engine static_asserts this too; a coding error, refused. */
	if (e->nr_counters > MMT_MAX_COUNTERS || e->nr_ops > BITS_PER_LONG) {
		pr_err("%s: %u counters and %u ops, at most %u and %u\n",
		       e->name, e->nr_counters, e->nr_ops, MMT_MAX_COUNTERS,
		       BITS_PER_LONG);
		return -EINVAL;
	}
	if (e->init) {
		ret = e->init(e);
		if (ret)
			return ret;
	}
	e->ops = e->ops_default & e->ops_avail;
	if (!e->nthreads)
		e->nthreads = 1;
	e->dir = debugfs_create_dir(e->name, root);
	if (IS_ERR(e->dir))
		return PTR_ERR(e->dir);
	debugfs_create_file(MMT_FILE_ENABLE, 0600, e->dir, e, &enable_fops);
	if (e->max_threads)
		debugfs_create_file(MMT_FILE_THREADS, 0600, e->dir, e,
				    &threads_fops);
	if (e->max_threads)
		debugfs_create_file(MMT_FILE_INTERVAL_US, 0600, e->dir, e,
				    &interval_fops);
	if (e->nr_ops)
		debugfs_create_file(MMT_FILE_OPS, 0600, e->dir, e, &ops_fops);
	debugfs_create_file(MMT_FILE_STATS, 0400, e->dir, e, &stats_fops);
	if (e->create_files) {
		ret = e->create_files(e, e->dir);
		if (ret)
			return ret;
	}
	return 0;
}

/* Called after the debugfs files are gone: no writer can race us. */
void mmt_engine_unregister(struct mmt_engine *e)
{
	if (!e->dir)
		return;
	mutex_lock(&e->lock);
	mmt_engine_stop_locked(e);
	mutex_unlock(&e->lock);
	if (e->exit)
		e->exit(e);
}
