// SPDX-License-Identifier: GPL-2.0
/*
 * TLB-gather window forcing: kprobes at named kernel functions that
 * busy-wait for a while, but only in tasks whose mm is a registered
 * target's (the owner's threads, and engine threads that adopted it), so
 * the rest of the system runs at full speed. The default sites sit inside
 * the window between a zap clearing a dirty PTE and the TLB flush
 * (docs/races.md section 1); any other function can be added.
 *
 * /sys/kernel/debug/mmtorture/tlbdelay/sites (changed only while disabled):
 *   add SYMBOL[+OFFSET] DELAY_US [PROBABILITY_PCT [MAX_HITS]]
 *   del SYMBOL[+OFFSET]
 *   clear
 *   defaults      the built-in sites this kernel has (others are skipped)
 * DELAY_US is 1..2000, PROBABILITY_PCT 1..100 (default 100), MAX_HITS
 * 0 = unlimited.
 *
 * No text is patched while a workload runs unless it asked for it: "add"
 * registers the probe disabled (register_kprobe() neither arms nor
 * optimizes a KPROBE_FLAG_DISABLED probe, INT3 or ftrace based), which
 * proves the site can be probed; the probe stays registered while the
 * site is listed. The first enable=1 patches every site in
 * (enable_kprobe()); enable=0 only disarms them: the handler returns at
 * once, and the text stays patched until rmmod. A site that del, clear or
 * "defaults" removes after it was patched is parked, not unregistered: it
 * leaves the list, stays patched and disarmed, and an add of the same
 * SYMBOL+OFFSET takes it back with the new settings (stats:
 * parked_sites). Only rmmod patches text out.
 * Multi-threaded TCG faults when probes are patched in or out while the
 * probed function is hot, and the default sites are hot in every process
 * that exits, not only in the workload: so the text is patched once per
 * site, not once per arm (docs/races.md, "Emulation").
 *
 * tlbdelay/budget_ms (1..1000, default 100; changed only while disabled):
 * the delay time allowed per second of wall time, all sites and CPUs
 * together. A delay that would exceed the current second's budget is
 * skipped and counted: a large munmap under the mmap_lock is slowed down
 * by a bounded factor, never long enough for the hung-task detector.
 *
 * Whether a call is delayed is a function of the module seed, the site's
 * index and the call's number at that site since the engine was enabled:
 * the same seed makes the same choices for the same call sequence.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

#define TLD_DEFAULT_DELAY_US 200
#define TLD_DEFAULT_PROB 50
#define TLD_DEFAULT_BUDGET_MS 100

struct tld_site {
	char sym[KSYM_NAME_LEN];
	unsigned int offset;
	unsigned int delay_us;
	unsigned int prob;
	u64 max_hits;
	const char *why;		/* static text without spaces */
	unsigned int idx;		/* position when the engine was enabled */
	struct kprobe kp;
	bool registered;		/* with KPROBE_FLAG_DISABLED */
	bool patched;			/* enable_kprobe() done: until unregistered */
	bool armed;			/* delays calls: the engine is enabled */
	int reg_err;
	atomic64_t seq;			/* calls since enabled: the hash input */
	atomic64_t calls;
	atomic64_t hits;
	atomic64_t budget_skips;
	atomic64_t delay_us_total;
};

static struct tld_site *tld_sites[MMT_TLD_MAX_SITES];
static unsigned int tld_nr;
/* Removed from the list after they were patched: patched until rmmod. */
static struct tld_site *tld_parked[MMT_TLD_MAX_SITES];
static unsigned int tld_nr_parked;
static unsigned int tld_budget_ms = TLD_DEFAULT_BUDGET_MS;

/* Set at enable, read by the probes. */
static u64 tld_seed;
static unsigned int tld_budget_us;
/* The current budget second (jiffies / HZ) and the delay spent in it. */
static atomic_long_t tld_window;
static atomic_t tld_window_used_us;

struct tld_default {
	const char *sym;
	const char *why;
};

/*
 * The built-in sites, chosen from each kernel's zap path (zap_pte_range()
 * in mm/memory.c, include/asm-generic/tlb.h, mm/mmu_gather.c,
 * arch/x86/mm/tlb.c). Sites before the window (unmap_page_range) or after
 * it (tlb_finish_mmu, free_pages_and_swap_cache) only slow the zap down.
 * Chosen at build time by a feature test (Kbuild): 6.1 has no delayed
 * rmap, 6.2 and later (6.12) have tlb_flush_rmaps().
 */
static const struct tld_default tld_defaults[] = {
#ifndef MMT_HAVE_DELAY_RMAP
	/*
	 * No delayed rmap: zap_pte_range() clears a dirty shared PTE, marks
	 * the page dirty, page_remove_rmap() and queues the page; the forced
	 * flush comes later under the PTL. Once the mapcount is 0,
	 * folio_mkclean() returns at once and stale-TLB stores land in a
	 * page that writeback cleaned.
	 */
	{ "__tlb_remove_page_size",
	  "no_delayed_rmap:each_page_queued_after_its_rmap_removal_before_the_TLB_flush" },
	{ "flush_tlb_mm_range",
	  "no_delayed_rmap:forced_flush_of_a_batch_whose_rmaps_are_all_removed:widest_window" },
#else
	/*
	 * Delayed rmap (5df397dec7c4): a dirty shared PTE's rmap is removed
	 * by tlb_flush_rmaps() after tlb_flush_mmu_tlbonly(), both under the
	 * PTL; folio_mkclean() waits on that PTL. These sites stretch the
	 * fixed ordering, so a regression of it would lose data.
	 */
	{ "__tlb_remove_folio_pages",
	  "delayed_rmap:each_folio_queued_PTE_cleared_TLB_not_flushed_rmap_delayed" },
	{ "flush_tlb_mm_range",
	  "delayed_rmap:forced_flush_under_the_PTL_before_the_delayed_rmap_removal" },
	{ "tlb_flush_rmaps",
	  "delayed_rmap:delayed_rmap_removal_after_the_flush_under_the_PTL" },
#endif
	/*
	 * Not defaults: folio_mkclean and folio_clear_dirty_for_io (page
	 * cleaning). Measured on 6.1 with racewrite (suite tlbdelay-cost):
	 * delays there found no loss in 2 x 20 s, while they spent the
	 * budget that the window sites need. Add them by hand to stretch
	 * cleaning itself.
	 */
};

enum {
	TLD_C_CALLS,
	TLD_C_HITS,
	TLD_C_BUDGET_SKIPS,
	TLD_C_DELAY_US,
	TLD_NR_COUNTERS,
};

static_assert(TLD_NR_COUNTERS <= MMT_MAX_COUNTERS);

/* What removed sites had counted (under the engine's lock). */
static s64 tld_retired[TLD_NR_COUNTERS];

static const char * const tld_counter_names[] = {
	[TLD_C_CALLS] = MMT_STAT_TLBDELAY_CALLS,
	[TLD_C_HITS] = MMT_STAT_TLBDELAY_DELAYS,
	[TLD_C_BUDGET_SKIPS] = MMT_STAT_TLBDELAY_BUDGET_SKIPS,
	[TLD_C_DELAY_US] = MMT_STAT_TLBDELAY_DELAY_US,
};

/* splitmix64's finalizer: a well-mixed 64-bit function of its input. */
static u64 tld_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* 0..99, deterministic in (seed, site index, call number). */
static unsigned int tld_draw(const struct tld_site *s, u64 n)
{
	u64 h = tld_mix(tld_mix(READ_ONCE(tld_seed) ^ s->idx) ^ n);

	return (unsigned int)(((h >> 32) * 100) >> 32);
}

/* Takes @us from the current second's budget; false when it does not fit. */
static bool tld_budget_take(unsigned int us)
{
	long now = jiffies / HZ, win = atomic_long_read(&tld_window);

	if (win != now && atomic_long_cmpxchg(&tld_window, win, now) == win)
		atomic_set(&tld_window_used_us, 0);
	if (atomic_add_return(us, &tld_window_used_us) <=
	    READ_ONCE(tld_budget_us))
		return true;
	atomic_sub(us, &tld_window_used_us);
	return false;
}

static int tld_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct tld_site *s = container_of(kp, struct tld_site, kp);
	u64 n;

	if (!READ_ONCE(s->armed) || !mmt_target_mm(current->mm))
		return 0;
	atomic64_inc(&s->calls);
	n = atomic64_inc_return(&s->seq);
	if (s->max_hits && atomic64_read(&s->hits) >= s->max_hits)
		return 0;
	if (s->prob < 100 && tld_draw(s, n) >= s->prob)
		return 0;
	if (!tld_budget_take(s->delay_us)) {
		atomic64_inc(&s->budget_skips);
		return 0;
	}
	atomic64_inc(&s->hits);
	atomic64_add(s->delay_us, &s->delay_us_total);
	udelay(s->delay_us);
	return 0;
}

NOKPROBE_SYMBOL(tld_pre);

/* Registered but not armed: no text is patched. */
static int tld_register(struct tld_site *s)
{
	int ret;

	memset(&s->kp, 0, sizeof(s->kp));
	s->kp.symbol_name = s->sym;
	s->kp.offset = s->offset;
	s->kp.pre_handler = tld_pre;
	s->kp.flags = KPROBE_FLAG_DISABLED;
	ret = register_kprobe(&s->kp);
	s->registered = !ret;
	return ret;
}

static void tld_unregister(struct tld_site *s)
{
	if (s->registered)
		unregister_kprobe(&s->kp);
	s->registered = false;
	s->patched = false;
	s->armed = false;
}

static int tld_find(const char *sym, unsigned int offset)
{
	unsigned int i;

	for (i = 0; i < tld_nr; i++)
		if (!strcmp(tld_sites[i]->sym, sym) &&
		    tld_sites[i]->offset == offset)
			return i;
	return -ENOENT;
}

/* "name" or "name+offset" (C notation: 0x hex); names as kallsyms prints them. */
static int tld_parse_sym(char *spec, unsigned int *offset)
{
	char *plus = strchr(spec, '+');
	size_t i, len;

	*offset = 0;
	if (plus) {
		*plus = '\0';
		if (mmt_knob_u32(plus + 1, 0, 0, 0x10000, offset))
			return -EINVAL;
	}
	len = strlen(spec);
	if (!len || len >= KSYM_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(spec[i]) && spec[i] != '_' && spec[i] != '.')
			return -EINVAL;
	return 0;
}

/* The parked site SYM+OFFSET, taken out of the park, or NULL. */
static struct tld_site *tld_unpark(const char *sym, unsigned int offset)
{
	struct tld_site *s;
	unsigned int i;

	for (i = 0; i < tld_nr_parked; i++) {
		s = tld_parked[i];
		if (strcmp(s->sym, sym) || s->offset != offset)
			continue;
		tld_parked[i] = tld_parked[--tld_nr_parked];
		tld_parked[tld_nr_parked] = NULL;
		return s;
	}
	return NULL;
}

static int tld_add(const char *sym, unsigned int offset, unsigned int delay,
		   unsigned int prob, u64 max_hits, const char *why)
{
	struct tld_site *s;
	int ret;

	if (tld_find(sym, offset) >= 0)
		return -EEXIST;
	if (tld_nr >= MMT_TLD_MAX_SITES)
		return -ENOSPC;
	s = tld_unpark(sym, offset);
	if (s) {
		s->delay_us = delay;
		s->prob = prob;
		s->max_hits = max_hits;
		s->why = why;
		tld_sites[tld_nr++] = s;
		return 0;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	strscpy(s->sym, sym, sizeof(s->sym));
	s->offset = offset;
	s->delay_us = delay;
	s->prob = prob;
	s->max_hits = max_hits;
	s->why = why;
	/* Proves the site can be probed; it stays disarmed until enabled. */
	ret = tld_register(s);
	if (ret) {
		kfree(s);
		return ret == -EINVAL || ret == -ENOENT ? -ENOENT : ret;
	}
	tld_sites[tld_nr++] = s;
	return 0;
}

/* A site's counters, in engine counter order. */
static void tld_site_counts(const struct tld_site *s, s64 *c)
{
	c[TLD_C_CALLS] += atomic64_read(&s->calls);
	c[TLD_C_HITS] += atomic64_read(&s->hits);
	c[TLD_C_BUDGET_SKIPS] += atomic64_read(&s->budget_skips);
	c[TLD_C_DELAY_US] += atomic64_read(&s->delay_us_total);
}

/*
 * Takes site @n off the list. Its counters go to the engine's totals. A
 * patched site is parked (see the top of this file); with the park full
 * (as many parked sites as the list holds), or @unpatch (rmmod), it is
 * unregistered like one never patched.
 */
static void tld_free(unsigned int n, bool unpatch)
{
	struct tld_site *s = tld_sites[n];

	tld_site_counts(s, tld_retired);
	tld_sites[n] = tld_sites[--tld_nr];
	tld_sites[tld_nr] = NULL;
	if (s->patched && !unpatch && tld_nr_parked < MMT_TLD_MAX_SITES) {
		WRITE_ONCE(s->armed, false);
		atomic64_set(&s->calls, 0);
		atomic64_set(&s->hits, 0);
		atomic64_set(&s->budget_skips, 0);
		atomic64_set(&s->delay_us_total, 0);
		tld_parked[tld_nr_parked++] = s;
		return;
	}
	tld_unregister(s);
	kfree(s);
}

static void tld_clear(void)
{
	while (tld_nr)
		tld_free(tld_nr - 1, false);
}

static int tld_load_defaults(void)
{
	unsigned int i;

	/* Patched defaults come back out of the park, still patched. */
	tld_clear();
	for (i = 0; i < ARRAY_SIZE(tld_defaults); i++)
		tld_add(tld_defaults[i].sym, 0, TLD_DEFAULT_DELAY_US,
			TLD_DEFAULT_PROB, 0, tld_defaults[i].why);
	return tld_nr ? 0 : -ENOENT;
}

/*
 * "clear", "defaults", "del SYM[+OFF]" or
 * "add SYM[+OFF] DELAY_US [PROBABILITY_PCT [MAX_HITS]]", all decimal but OFF.
 */
static int tld_cmd(char *s)
{
	unsigned int offset, delay, prob = 100;
	u64 max_hits = 0;
	char *tok[6];
	int n, ret;

	n = mmt_knob_split(s, tok, ARRAY_SIZE(tok));
	if (n == 1 && !strcmp(tok[0], MMT_SITES_CLEAR)) {
		tld_clear();
		return 0;
	}
	if (n == 1 && !strcmp(tok[0], MMT_SITES_DEFAULTS))
		return tld_load_defaults();
	if (n < 2)
		return -EINVAL;
	ret = tld_parse_sym(tok[1], &offset);
	if (ret)
		return ret;
	if (n == 2 && !strcmp(tok[0], MMT_SITES_DEL)) {
		n = tld_find(tok[1], offset);
		if (n < 0)
			return n;
		tld_free(n, false);
		return 0;
	}
	if (n < 3 || n > 5 || strcmp(tok[0], MMT_SITES_ADD) ||
	    mmt_knob_u32(tok[2], 10, 1, MMT_TLD_MAX_DELAY_US, &delay) ||
	    (n > 3 && mmt_knob_u32(tok[3], 10, 1, 100, &prob)) ||
	    (n > 4 && mmt_knob_u64(tok[4], 10, 0, U64_MAX, &max_hits)))
		return -EINVAL;
	return tld_add(tok[1], offset, delay, prob, max_hits, "user");
}

static ssize_t sites_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct mmt_engine *e = m->private;
	char *s;
	int ret;

	s = mmt_knob_fetch(buf, count, ppos, 256);
	if (IS_ERR(s))
		return PTR_ERR(s);
	mutex_lock(&e->lock);
	ret = e->enabled ? -EBUSY : tld_cmd(s);
	mutex_unlock(&e->lock);
	kfree(s);
	return ret ? ret : count;
}

/* One line per site; why= last, its value without spaces. */
static void tld_show_sites(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < tld_nr; i++) {
		struct tld_site *s = tld_sites[i];

		seq_printf(m, MMT_STAT_TLBDELAY_SITE ": %s+0x%x delay_us=%u prob=%u max_hits=%llu "
			   MMT_SITE_STATE "=%s", s->sym, s->offset, s->delay_us,
			   s->prob, s->max_hits,
			   s->armed ? MMT_SITE_STATE_ARMED : MMT_SITE_STATE_OFF);
		if (s->reg_err)
			seq_printf(m, " error=%d", s->reg_err);
		seq_printf(m, " " MMT_SITE_CALLS "=%lld " MMT_SITE_HITS
			   "=%lld budget_skips=%lld delay_us_total=%lld why=%s\n",
			   atomic64_read(&s->calls), atomic64_read(&s->hits),
			   atomic64_read(&s->budget_skips),
			   atomic64_read(&s->delay_us_total), s->why);
	}
}

static int sites_show(struct seq_file *m, void *v)
{
	struct mmt_engine *e = m->private;

	mutex_lock(&e->lock);
	tld_show_sites(m);
	mutex_unlock(&e->lock);
	return 0;
}

static int sites_open(struct inode *inode, struct file *file)
{
	return single_open(file, sites_show, inode->i_private);
}

static const struct file_operations sites_fops = {
	.owner = THIS_MODULE,
	.open = sites_open,
	.read = seq_read,
	.write = sites_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t budget_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	return mmt_engine_u32_read(READ_ONCE(tld_budget_ms), buf, count, ppos);
}

static ssize_t budget_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct mmt_engine *e = file->private_data;

	return mmt_engine_u32_write(e, &tld_budget_ms, MMT_TLD_MIN_BUDGET_MS,
				    MMT_TLD_MAX_BUDGET_MS, buf, count, ppos);
}

static const struct file_operations budget_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = budget_read,
	.write = budget_write,
	.llseek = default_llseek,
};

/*
 * Under e->lock: the engine counters are the sums over the sites, plus
 * what sites removed since load had counted, so that they never go back.
 */
static void tld_sync_counters(struct mmt_engine *e)
{
	s64 c[TLD_NR_COUNTERS];
	unsigned int i, k;

	memcpy(c, tld_retired, sizeof(c));
	for (i = 0; i < tld_nr; i++)
		tld_site_counts(tld_sites[i], c);
	for (k = 0; k < TLD_NR_COUNTERS; k++)
		atomic64_set(&e->counters[k], c[k]);
}

static int tld_start(struct mmt_engine *e)
{
	unsigned int i, armed = 0;
	int ret;

	if (!tld_nr && tld_load_defaults())
		return -ENOENT;
	WRITE_ONCE(tld_seed, mmt_seed_get());
	WRITE_ONCE(tld_budget_us, tld_budget_ms * USEC_PER_MSEC);
	atomic_long_set(&tld_window, jiffies / HZ);
	atomic_set(&tld_window_used_us, 0);
	for (i = 0; i < tld_nr; i++) {
		struct tld_site *s = tld_sites[i];

		s->idx = i;
		atomic64_set(&s->seq, 0);
		ret = !s->registered ? -ENOENT :
		      s->patched ? 0 : enable_kprobe(&s->kp);
		s->reg_err = ret;
		s->patched = !ret;
		WRITE_ONCE(s->armed, !ret);
		if (ret)
			atomic64_inc(&e->errors);
		else
			armed++;
	}
	if (armed)
		return 0;
	return -ENOENT;
}

static void tld_stop(struct mmt_engine *e)
{
	unsigned int i;

	for (i = 0; i < tld_nr; i++) {
		struct tld_site *s = tld_sites[i];

		/* The text stays patched: see the top of this file. */
		WRITE_ONCE(s->armed, false);
	}
}

static void tld_show_extra(struct mmt_engine *e, struct seq_file *m)
{
	seq_printf(m, "budget_ms: %u\n", tld_budget_ms);
	seq_printf(m, MMT_STAT_TLBDELAY_PARKED ": %u\n", tld_nr_parked);
	tld_show_sites(m);
}

static int tld_create_files(struct mmt_engine *e, struct dentry *dir)
{
	debugfs_create_file(MMT_FILE_SITES, 0600, dir, e, &sites_fops);
	debugfs_create_file(MMT_FILE_BUDGET_MS, 0600, dir, e, &budget_fops);
	return 0;
}

/* The module status: one line per armed site. */
static void tld_show_status(struct mmt_engine *e, struct seq_file *m)
{
	unsigned int i;

	mutex_lock(&e->lock);
	for (i = 0; i < tld_nr; i++) {
		struct tld_site *s = tld_sites[i];

		if (s->armed)
			seq_printf(m, "tlbdelay_site: %s+0x%x delay_us=%u prob=%u why=%s\n",
				   s->sym, s->offset, s->delay_us, s->prob,
				   s->why);
	}
	mutex_unlock(&e->lock);
}

/* budget_ms and each site, for the start and end lines; under e->lock. */
static int tld_format_knobs(struct mmt_engine *e, char *buf, size_t len)
{
	unsigned int i;
	int n;

	n = scnprintf(buf, len, " " MMT_FILE_BUDGET_MS "=%u " MMT_FILE_SITES "=",
		      tld_budget_ms);
	for (i = 0; i < tld_nr; i++)
		n += scnprintf(buf + n, len - n, "%s%s+0x%x:%u:%u:%llu",
			       i ? "," : "", tld_sites[i]->sym,
			       tld_sites[i]->offset, tld_sites[i]->delay_us,
			       tld_sites[i]->prob, tld_sites[i]->max_hits);
	if (!tld_nr)
		n += scnprintf(buf + n, len - n, "none");
	return n;
}

/* At unload, after the engine stopped: unregister and free every site. */
static void tld_exit(struct mmt_engine *e)
{
	while (tld_nr)
		tld_free(tld_nr - 1, true);
	while (tld_nr_parked) {
		tld_nr_parked--;
		tld_unregister(tld_parked[tld_nr_parked]);
		kfree(tld_parked[tld_nr_parked]);
		tld_parked[tld_nr_parked] = NULL;
	}
}

struct mmt_engine mmt_tlbdelay_engine = {
	.name = MMT_ENGINE_TLBDELAY,
	.counter_names = tld_counter_names,
	.nr_counters = TLD_NR_COUNTERS,
	.start = tld_start,
	.stop = tld_stop,
	.show_extra = tld_show_extra,
	.sync_counters = tld_sync_counters,
	.create_files = tld_create_files,
	.show_status = tld_show_status,
	.format_knobs = tld_format_knobs,
	.exit = tld_exit,
};
