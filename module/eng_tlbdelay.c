// SPDX-License-Identifier: GPL-2.0
/*
 * TLB-gather window forcing: kprobes at named kernel functions that
 * busy-wait for a while, but only in tasks whose mm is a registered
 * target's (the owner's threads, and engine threads that adopted it), so
 * the rest of the system runs at full speed. A delay at the entry of
 * tlb_finish_mmu() stretches the window between a zap clearing the PTEs
 * and the TLB flush; one at folio_mkclean() stretches page cleaning.
 *
 * /sys/kernel/debug/mmtorture/tlbdelay/sites (changed only while disabled):
 *   add SYMBOL[+OFFSET] DELAY_US [PROBABILITY_PCT [MAX_HITS]]
 *   del SYMBOL[+OFFSET]
 *   clear
 *   defaults      the built-in sites this kernel has (others are skipped)
 * A site is checked by registering its probe once when added. DELAY_US is
 * 1..2000, PROBABILITY_PCT 1..100 (default 100), MAX_HITS 0 = unlimited.
 * enable=1 registers every probe; enable=0 and rmmod remove them all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

#define TLD_MAX_SITES 16
#define TLD_MAX_DELAY_US 2000
#define TLD_DEFAULT_DELAY_US 200

struct tld_site {
	char sym[KSYM_NAME_LEN];
	unsigned int offset;
	unsigned int delay_us;
	unsigned int prob;
	u64 max_hits;
	struct kprobe kp;
	bool armed;
	int reg_err;
	atomic64_t calls;
	atomic64_t hits;
};

static struct tld_site *tld_sites[TLD_MAX_SITES];
static unsigned int tld_nr;

/*
 * The zap-to-flush window and the page-cleaning path. Names that do not
 * exist on a kernel (page_remove_rmap went away in 6.9, tlb_flush_rmaps
 * came in 6.2; zap_pte_range is often inlined) are skipped there.
 */
static const char * const tld_defaults[] = {
	"unmap_page_range",
	"zap_pte_range",
	"tlb_flush_rmaps",
	"page_remove_rmap",
	"tlb_finish_mmu",
	"flush_tlb_mm_range",
	"free_pages_and_swap_cache",
	"folio_mkclean",
	"folio_clear_dirty_for_io",
};

enum {
	TLD_C_CALLS,
	TLD_C_HITS,
	TLD_NR_COUNTERS,
};

static const char * const tld_counter_names[] = {
	[TLD_C_CALLS] = "filtered_calls",
	[TLD_C_HITS] = "delays",
};

static int tld_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct tld_site *s = container_of(kp, struct tld_site, kp);

	if (!mmt_target_mm(current->mm))
		return 0;
	atomic64_inc(&s->calls);
	if (s->max_hits && atomic64_read(&s->hits) >= s->max_hits)
		return 0;
	if (s->prob < 100 && get_random_u32() % 100 >= s->prob)
		return 0;
	atomic64_inc(&s->hits);
	udelay(s->delay_us);
	return 0;
}

static int tld_arm(struct tld_site *s)
{
	int ret;

	memset(&s->kp, 0, sizeof(s->kp));
	s->kp.symbol_name = s->sym;
	s->kp.offset = s->offset;
	s->kp.pre_handler = tld_pre;
	ret = register_kprobe(&s->kp);
	s->armed = !ret;
	s->reg_err = ret;
	return ret;
}

static void tld_disarm(struct tld_site *s)
{
	if (s->armed)
		unregister_kprobe(&s->kp);
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

/* "name" or "name+offset"; names as kallsyms prints them. */
static int tld_parse_sym(char *spec, unsigned int *offset)
{
	char *plus = strchr(spec, '+');
	size_t i, len;

	*offset = 0;
	if (plus) {
		*plus = '\0';
		if (kstrtouint(plus + 1, 0, offset) || *offset > 0x10000)
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

static int tld_add(const char *sym, unsigned int offset, unsigned int delay,
		   unsigned int prob, u64 max_hits)
{
	struct tld_site *s;
	int ret;

	if (tld_find(sym, offset) >= 0)
		return -EEXIST;
	if (tld_nr >= TLD_MAX_SITES)
		return -ENOSPC;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	strscpy(s->sym, sym, sizeof(s->sym));
	s->offset = offset;
	s->delay_us = delay;
	s->prob = prob;
	s->max_hits = max_hits;
	/* Proves the site can be probed; it stays off until enabled. */
	ret = tld_arm(s);
	if (ret) {
		kfree(s);
		return ret == -EINVAL || ret == -ENOENT ? -ENOENT : ret;
	}
	tld_disarm(s);
	s->reg_err = 0;
	tld_sites[tld_nr++] = s;
	return 0;
}

static void tld_clear(void)
{
	while (tld_nr) {
		tld_nr--;
		tld_disarm(tld_sites[tld_nr]);
		kfree(tld_sites[tld_nr]);
		tld_sites[tld_nr] = NULL;
	}
}

static int tld_load_defaults(void)
{
	unsigned int i;

	tld_clear();
	for (i = 0; i < ARRAY_SIZE(tld_defaults); i++)
		tld_add(tld_defaults[i], 0, TLD_DEFAULT_DELAY_US, 50, 0);
	return tld_nr ? 0 : -ENOENT;
}

static int tld_cmd(char *s)
{
	unsigned int offset, delay, prob = 100;
	char *cmd, *spec;
	u64 max_hits = 0;
	int n, ret;
	char extra;

	s = strim(s);
	cmd = strsep(&s, " ");
	if (!strcmp(cmd, "clear") && !s) {
		tld_clear();
		return 0;
	}
	if (!strcmp(cmd, "defaults") && !s)
		return tld_load_defaults();
	if (!s)
		return -EINVAL;
	spec = strsep(&s, " ");
	ret = tld_parse_sym(spec, &offset);
	if (ret)
		return ret;
	if (!strcmp(cmd, "del")) {
		if (s)
			return -EINVAL;
		n = tld_find(spec, offset);
		if (n < 0)
			return n;
		tld_disarm(tld_sites[n]);
		kfree(tld_sites[n]);
		tld_sites[n] = tld_sites[--tld_nr];
		tld_sites[tld_nr] = NULL;
		return 0;
	}
	if (strcmp(cmd, "add") || !s)
		return -EINVAL;
	n = sscanf(s, "%u %u %llu %c", &delay, &prob, &max_hits, &extra);
	if (n < 1 || n > 3)
		return -EINVAL;
	if (!delay || delay > TLD_MAX_DELAY_US || !prob || prob > 100)
		return -EINVAL;
	return tld_add(spec, offset, delay, prob, max_hits);
}

static ssize_t sites_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct mmt_engine *e = m->private;
	char *s;
	int ret;

	if (*ppos || !count || count > 256)
		return -EINVAL;
	s = memdup_user_nul(buf, count);
	if (IS_ERR(s))
		return PTR_ERR(s);
	mutex_lock(&e->lock);
	ret = e->enabled ? -EBUSY : tld_cmd(s);
	mutex_unlock(&e->lock);
	kfree(s);
	return ret ? ret : count;
}

static void tld_show_sites(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < tld_nr; i++) {
		struct tld_site *s = tld_sites[i];

		seq_printf(m, "site: %s+0x%x delay_us=%u prob=%u max_hits=%llu state=%s",
			   s->sym, s->offset, s->delay_us, s->prob,
			   s->max_hits, s->armed ? "armed" : "off");
		if (s->reg_err)
			seq_printf(m, " error=%d", s->reg_err);
		seq_printf(m, " calls=%lld hits=%lld\n",
			   atomic64_read(&s->calls), atomic64_read(&s->hits));
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

static void tld_sum(struct mmt_engine *e)
{
	s64 calls = 0, hits = 0;
	unsigned int i;

	for (i = 0; i < tld_nr; i++) {
		calls += atomic64_read(&tld_sites[i]->calls);
		hits += atomic64_read(&tld_sites[i]->hits);
	}
	atomic64_set(&e->counters[TLD_C_CALLS], calls);
	atomic64_set(&e->counters[TLD_C_HITS], hits);
}

static int tld_start(struct mmt_engine *e)
{
	unsigned int i, armed = 0;

	if (!tld_nr && tld_load_defaults())
		return -ENOENT;
	for (i = 0; i < tld_nr; i++) {
		if (tld_arm(tld_sites[i]))
			atomic64_inc(&e->errors);
		else
			armed++;
	}
	if (!armed)
		return -ENOENT;
	return 0;
}

static void tld_stop(struct mmt_engine *e)
{
	unsigned int i;

	for (i = 0; i < tld_nr; i++)
		tld_disarm(tld_sites[i]);
	tld_sum(e);
}

static void tld_show_extra(struct mmt_engine *e, struct seq_file *m)
{
	tld_sum(e);
	tld_show_sites(m);
}

static int tld_create_files(struct mmt_engine *e, struct dentry *dir)
{
	debugfs_create_file("sites", 0600, dir, e, &sites_fops);
	return 0;
}

struct mmt_engine mmt_tlbdelay_engine = {
	.name = "tlbdelay",
	.counter_names = tld_counter_names,
	.nr_counters = TLD_NR_COUNTERS,
	.start = tld_start,
	.stop = tld_stop,
	.show_extra = tld_show_extra,
	.create_files = tld_create_files,
};

/* At unload, after the engine stopped: free the site list. */
void mmt_tlbdelay_exit(void)
{
	tld_clear();
}
