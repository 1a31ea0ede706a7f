// SPDX-License-Identifier: GPL-2.0
/*
 * page_mkclean racer: kernel threads that clean the registered files'
 * pages the way writeback does, racing the owners' stores and zaps.
 *
 * Ops (/sys/kernel/debug/mmtorture/mkclean/ops):
 *   mkclean      lock the folio; folio_mkclean() write-protects and cleans
 *                every PTE mapping it (with TLB flushes); the dirty bits
 *                found are moved to the folio, as writeback does
 *   clear_dirty  lock the folio; folio_clear_dirty_for_io() (mkclean and
 *                clear the folio's dirty flag), then mark it dirty again so
 *                that nothing is lost without I/O
 *   writeback    filemap_write_and_wait_range() over the page: the real
 *                writeback path, I/O included
 *   noflush      BROKEN MODE, only with broken=mkclean_noflush: in the
 *                owner's address space, write-protect and clean every PTE
 *                mapping the file WITHOUT flushing the TLB (the dirty bits
 *                are moved to the folios), then write the file back.
 *                Stores through stale writable TLB entries then land in
 *                clean pages and are lost when the pages are dropped.
 *
 * Cleaning a page write-protects it in every process that maps it. By
 * default a file is acted on only while nobody but its registering
 * process maps it (a pass over a file mapped elsewhere is skipped and
 * counted as shared_skips); mkclean/shared = 1 lets the engine act on
 * files that other processes map too (mmt-arm for fio, which registers
 * files fio writes). The write to shared follows the knob grammar.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>

#include "mmtorture.h"

enum {
	MKC_OP_MKCLEAN,
	MKC_OP_CLEAR_DIRTY,
	MKC_OP_WRITEBACK,
	MKC_OP_NOFLUSH,
	MKC_NR_OPS,
};

static const char * const mkc_op_names[] = {
	[MKC_OP_MKCLEAN] = MMT_MKCLEAN_OP_MKCLEAN,
	[MKC_OP_CLEAR_DIRTY] = MMT_MKCLEAN_OP_CLEAR_DIRTY,
	[MKC_OP_WRITEBACK] = MMT_MKCLEAN_OP_WRITEBACK,
	[MKC_OP_NOFLUSH] = MMT_MKCLEAN_OP_NOFLUSH,
};

enum {
	MKC_C_MKCLEAN,
	MKC_C_CLEAR_DIRTY,
	MKC_C_WRITEBACK,
	MKC_C_NOFLUSH,
	MKC_C_CLEANED_PTES,
	MKC_C_ABSENT,
	MKC_C_PASSES,
	MKC_C_NOFLUSH_PTES,
	MKC_C_SHARED_SKIPS,
	MKC_NR_COUNTERS,
};

static const char * const mkc_counter_names[] = {
	[MKC_C_MKCLEAN] = "op_mkclean",
	[MKC_C_CLEAR_DIRTY] = "op_clear_dirty",
	[MKC_C_WRITEBACK] = "op_writeback",
	[MKC_C_NOFLUSH] = "op_noflush",
	[MKC_C_CLEANED_PTES] = MMT_STAT_MKCLEAN_CLEANED_PTES,
	[MKC_C_ABSENT] = "absent_pages",
	[MKC_C_PASSES] = MMT_STAT_MKCLEAN_PASSES,
	[MKC_C_NOFLUSH_PTES] = "noflush_ptes",
	[MKC_C_SHARED_SKIPS] = MMT_STAT_MKCLEAN_SHARED_SKIPS,
};

static_assert(MKC_NR_COUNTERS <= MMT_MAX_COUNTERS);

/* 1: also act on files that processes other than the registrant map. */
static unsigned int mkc_shared;

/* Pages of a file swept per step, so a stop is seen quickly. */
#define MKC_MAX_PAGES_PER_STEP 4096

static void mkc_page(struct mmt_worker *w, struct address_space *mapping,
		     pgoff_t index, unsigned long op)
{
	struct mmt_engine *e = w->e;
	struct folio *folio;
	loff_t pos;
	int ret;

	if (op == BIT(MKC_OP_WRITEBACK)) {
		pos = (loff_t)index << PAGE_SHIFT;
		ret = filemap_write_and_wait_range(mapping, pos,
						   pos + PAGE_SIZE - 1);
		if (ret)
			atomic64_inc(&e->errors);
		mmt_engine_count(e, MKC_C_WRITEBACK);
		return;
	}

	folio = __filemap_get_folio(mapping, index, FGP_LOCK, 0);
	if (IS_ERR_OR_NULL(folio)) {
		mmt_engine_count(e, MKC_C_ABSENT);
		return;
	}
	if (op == BIT(MKC_OP_MKCLEAN)) {
		ret = folio_mkclean(folio);
		if (ret) {
			folio_mark_dirty(folio);
			atomic64_add(ret, &e->counters[MKC_C_CLEANED_PTES]);
		}
		mmt_engine_count(e, MKC_C_MKCLEAN);
	} else {
		if (folio_clear_dirty_for_io(folio))
			folio_mark_dirty(folio);
		mmt_engine_count(e, MKC_C_CLEAR_DIRTY);
	}
	folio_unlock(folio);
	folio_put(folio);
}

struct mkc_noflush {
	struct address_space *mapping;
	unsigned long cleaned;
};

/* Under the PTE lock. Deliberately no TLB flush: this is the breakage. */
static void mkc_noflush_pte(struct mm_struct *mm, unsigned long addr,
			    pte_t *ptep, void *data)
{
	struct mkc_noflush *nf = data;
	pte_t pte = ptep_get(ptep);
	struct folio *folio;

	if (!pte_present(pte) || (!pte_write(pte) && !pte_dirty(pte)))
		return;
	if (!pfn_valid(pte_pfn(pte)))
		return;
	folio = page_folio(pfn_to_page(pte_pfn(pte)));
	if (folio->mapping != nf->mapping)
		return;
	if (pte_dirty(pte))
		folio_mark_dirty(folio);
	set_pte_at(mm, addr, ptep, pte_wrprotect(pte_mkclean(pte)));
	nf->cleaned++;
}

/* Every shared mapping of the file in @mm; under its mmap_lock. */
static void mkc_noflush_walk(struct mm_struct *mm, struct mkc_noflush *nf)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;

	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (!vma->vm_file || vma->vm_file->f_mapping != nf->mapping ||
		    !(vma->vm_flags & VM_SHARED))
			continue;
		mmt_walk_ptes(mm, vma->vm_start, vma->vm_end, mkc_noflush_pte,
			      nf, NULL);
	}
}

static void mkc_noflush(struct mmt_worker *w, struct mmt_target *t)
{
	struct mmt_engine *e = w->e;
	struct mkc_noflush nf = { .mapping = t->file->f_mapping };
	struct mm_struct *mm = t->mm;
	int ret;

	if (!mmget_not_zero(mm)) {
		mmt_target_mark_dead(t);
		return;
	}
	mmap_read_lock(mm);
	mkc_noflush_walk(mm, &nf);
	mmap_read_unlock(mm);
	mmput(mm);
	atomic64_add(nf.cleaned, &e->counters[MKC_C_NOFLUSH_PTES]);
	ret = filemap_write_and_wait_range(nf.mapping, 0, LLONG_MAX);
	if (ret)
		atomic64_inc(&e->errors);
	mmt_engine_count(e, MKC_C_NOFLUSH);
}

/*
 * Whether a process other than @mm maps @mapping: every VMA in the
 * mapping's i_mmap tree, visited in order under i_mmap_rwsem.
 */
static bool mkc_mapped_elsewhere(struct address_space *mapping,
				 struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	struct rb_node *node;
	bool other = false;

	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node && !other;
	     node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		other = vma->vm_mm != mm;
	}
	i_mmap_unlock_read(mapping);
	return other;
}

static void mkc_step(struct mmt_worker *w)
{
	struct mmt_target *t = mmt_target_next(MMT_TARGET_FILE, &w->cursor);
	struct address_space *mapping;
	pgoff_t index, nr;
	unsigned long op;

	if (!t) {
		mmt_engine_idle(w);
		return;
	}
	if (!READ_ONCE(mkc_shared) &&
	    mkc_mapped_elsewhere(t->file->f_mapping, t->mm)) {
		mmt_engine_count(w->e, MKC_C_SHARED_SKIPS);
		mmt_target_put(t);
		mmt_engine_idle(w);
		return;
	}
	op = mmt_engine_pick_op(w);
	if (op == BIT(MKC_OP_NOFLUSH)) {
		mkc_noflush(w, t);
		goto out;
	}
	mapping = t->file->f_mapping;
	nr = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
	nr = min_t(pgoff_t, nr, MKC_MAX_PAGES_PER_STEP);
	for (index = 0; index < nr && !kthread_should_stop(); index++) {
		mkc_page(w, mapping, index, op);
		op = mmt_engine_pick_op(w);
		if (op == BIT(MKC_OP_NOFLUSH))
			op = BIT(MKC_OP_MKCLEAN);
		cond_resched();
	}
out:
	mmt_engine_count(w->e, MKC_C_PASSES);
	mmt_target_put(t);
}

static ssize_t shared_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	return mmt_engine_u32_read(READ_ONCE(mkc_shared), buf, count, ppos);
}

static ssize_t shared_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	return mmt_engine_u32_write(file->private_data, &mkc_shared, 0, 1, buf,
				    count, ppos);
}

static const struct file_operations shared_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = shared_read,
	.write = shared_write,
	.llseek = default_llseek,
};

static int mkc_create_files(struct mmt_engine *e, struct dentry *dir)
{
	debugfs_create_file(MMT_FILE_SHARED, 0600, dir, e, &shared_fops);
	return 0;
}

static void mkc_show_extra(struct mmt_engine *e, struct seq_file *m)
{
	/* A setting, not a counter: a word, so nothing sums it. */
	seq_printf(m, "shared: %s\n", READ_ONCE(mkc_shared) ? "on" : "off");
}

static void mkc_show_status(struct mmt_engine *e, struct seq_file *m)
{
	seq_printf(m, "shared_files: mkclean %s\n", READ_ONCE(mkc_shared) ?
		   "acts on files other processes map too (shared=1)" :
		   "skips files other processes map (shared=0)");
}

static int mkc_format_knobs(struct mmt_engine *e, char *buf, size_t len)
{
	return scnprintf(buf, len, " " MMT_FILE_SHARED "=%u",
			 READ_ONCE(mkc_shared));
}

/* The broken mode makes noflush available and the default. */
static int mkc_init(struct mmt_engine *e)
{
	if (mmt_broken_mode() == MMT_BROKEN_MKCLEAN_NOFLUSH) {
		e->ops_avail |= BIT(MKC_OP_NOFLUSH);
		e->ops_default = BIT(MKC_OP_NOFLUSH);
	}
	return 0;
}

struct mmt_engine mmt_mkclean_engine = {
	.name = MMT_ENGINE_MKCLEAN,
	.op_names = mkc_op_names,
	.nr_ops = MKC_NR_OPS,
	.ops_avail = BIT(MKC_OP_MKCLEAN) | BIT(MKC_OP_CLEAR_DIRTY) |
		     BIT(MKC_OP_WRITEBACK),
	.ops_default = BIT(MKC_OP_MKCLEAN) | BIT(MKC_OP_CLEAR_DIRTY) |
		       BIT(MKC_OP_WRITEBACK),
	.unavail_why = "noflush needs broken=mkclean_noflush",
	.counter_names = mkc_counter_names,
	.nr_counters = MKC_NR_COUNTERS,
	.max_threads = MMT_MAX_THREADS,
	.nthreads = 1,
	.step = mkc_step,
	.create_files = mkc_create_files,
	.show_extra = mkc_show_extra,
	.show_status = mkc_show_status,
	.init = mkc_init,
	.format_knobs = mkc_format_knobs,
};
