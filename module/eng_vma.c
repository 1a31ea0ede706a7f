// SPDX-License-Identifier: GPL-2.0
/*
 * VMA engine: kernel threads that change a registered arena's VMAs and
 * page tables while its owner faults on it. Each operation adopts the
 * owner's mm (mmget_not_zero + kthread_use_mm) only for its own length.
 *
 * Registering an arena hands it to the engines until it is released: they
 * unmap, replace and zap it at will, always inside [start, start + len).
 *
 * Ops (/sys/kernel/debug/mmtorture/vma/ops), on random page runs:
 *   munmap      vm_munmap(), check that no PTE is left in the hole, then
 *               map fresh anonymous memory back (MAP_FIXED_NOREPLACE)
 *   mmap_fixed  vm_mmap(MAP_FIXED) of fresh anonymous memory over it
 *               BROKEN MODE, only with broken=vma_stale: the run's old
 *               contents are saved first and, after a short window in
 *               which the owner may use the new memory, written back into
 *               the new mapping: the owner sees the replaced contents
 *               again after mmap(MAP_FIXED) returned (races.md section 2)
 *   dontneed    zap the run inside its VMA, as MADV_DONTNEED does
 *   zap_all     zap every VMA of the whole arena
 *   mprotect    not available: no exported interface
 *   mremap      not available: no exported interface
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

enum {
	VMA_OP_MUNMAP,
	VMA_OP_MMAP_FIXED,
	VMA_OP_DONTNEED,
	VMA_OP_ZAP_ALL,
	VMA_OP_MPROTECT,
	VMA_OP_MREMAP,
	VMA_NR_OPS,
};

static const char * const vma_op_names[] = {
	[VMA_OP_MUNMAP] = "munmap",
	[VMA_OP_MMAP_FIXED] = "mmap_fixed",
	[VMA_OP_DONTNEED] = "dontneed",
	[VMA_OP_ZAP_ALL] = "zap_all",
	[VMA_OP_MPROTECT] = "mprotect",
	[VMA_OP_MREMAP] = "mremap",
};

enum {
	VMA_C_MUNMAP,
	VMA_C_MMAP_FIXED,
	VMA_C_DONTNEED,
	VMA_C_ZAP_ALL,
	VMA_C_REMAP,
	VMA_C_REMAP_TAKEN,
	VMA_C_CHECKS,
	VMA_C_CHECKS_SKIPPED,
	VMA_C_NO_VMA,
	VMA_C_STALE,
	VMA_NR_COUNTERS,
};

static const char * const vma_counter_names[] = {
	[VMA_C_MUNMAP] = "op_munmap",
	[VMA_C_MMAP_FIXED] = "op_mmap_fixed",
	[VMA_C_DONTNEED] = "op_dontneed",
	[VMA_C_ZAP_ALL] = "op_zap_all",
	[VMA_C_REMAP] = "remaps",
	[VMA_C_REMAP_TAKEN] = "remap_already_mapped",
	[VMA_C_CHECKS] = "hole_checks",
	[VMA_C_CHECKS_SKIPPED] = "hole_checks_refilled",
	[VMA_C_NO_VMA] = "zap_no_vma",
	[VMA_C_STALE] = "broken_stale_writebacks",
};

/* Longest run of pages one operation works on. */
#define VMA_MAX_RUN 16

/* broken=vma_stale: how long the new contents live before the old return. */
#define VMA_STALE_WINDOW_US 500

static void vma_zap(struct vm_area_struct *vma, unsigned long addr,
		    unsigned long len)
{
#ifdef MMT_HAVE_ZAP_PAGE_RANGE
	zap_page_range(vma, addr, len);
#else
	zap_page_range_single(vma, addr, len, NULL);
#endif
}

/* Zap [addr, end) VMA by VMA; the caller holds the mmap_lock. */
static unsigned long vma_zap_range(struct mm_struct *mm, unsigned long addr,
				   unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long n = 0;

	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		vma_zap(vma, addr, min(end, vma->vm_end) - addr);
		addr = vma->vm_end;
		n++;
	}
	return n;
}

static void vma_count_pte(struct mm_struct *mm, unsigned long addr,
			  pte_t *ptep, void *data)
{
	unsigned long *left = data;

	if (!pte_none(ptep_get(ptep)))
		(*left)++;
}

/*
 * Invariant: after munmap() returns, no PTE remains in the hole. Checked
 * under the mmap_lock for writing, and only while no VMA has been mapped
 * into the hole again (by the owner or another thread).
 */
static void vma_check_hole(struct mmt_engine *e, struct mm_struct *mm,
			   unsigned long addr, unsigned long len)
{
	unsigned long left = 0, huge = 0;
	struct vm_area_struct *vma;

	mmap_write_lock(mm);
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start < addr + len) {
		mmap_write_unlock(mm);
		mmt_engine_count(e, VMA_C_CHECKS_SKIPPED);
		return;
	}
	mmt_walk_ptes(mm, addr, addr + len, vma_count_pte, &left, &huge);
	mmap_write_unlock(mm);
	mmt_engine_count(e, VMA_C_CHECKS);
	if (left || huge) {
		atomic64_inc(&e->violations);
		pr_err("vma: invariant violated: %lu PTEs and %lu huge entries left in [0x%lx, 0x%lx) after munmap\n",
		       left, huge, addr, addr + len);
	}
}

static unsigned long vma_map_anon(unsigned long addr, unsigned long len,
				  unsigned long flags)
{
	return vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, 0);
}

static void vma_mmap_fixed(struct mmt_engine *e, unsigned long addr,
			   unsigned long len)
{
	bool stale = mmt_broken_mode() == MMT_BROKEN_VMA_STALE;
	void *old = NULL;

	if (stale) {
		old = kvmalloc(len, GFP_KERNEL);
		if (old && copy_from_user(old, (const void __user *)addr, len)) {
			kvfree(old);
			old = NULL;
		}
	}
	if (vma_map_anon(addr, len, MAP_FIXED) != addr) {
		atomic64_inc(&e->errors);
		goto out;
	}
	mmt_engine_count(e, VMA_C_MMAP_FIXED);
	if (!old)
		goto out;
	/* Deliberately wrong: the replaced contents come back. */
	usleep_range(VMA_STALE_WINDOW_US, 2 * VMA_STALE_WINDOW_US);
	if (!copy_to_user((void __user *)addr, old, len))
		mmt_engine_count(e, VMA_C_STALE);
out:
	kvfree(old);
}

static void vma_do_op(struct mmt_worker *w, struct mmt_target *t,
		      unsigned long op)
{
	struct mmt_engine *e = w->e;
	struct mm_struct *mm = t->mm;
	unsigned long npages = t->len >> PAGE_SHIFT;
	unsigned long off = mmt_rand(w, npages);
	unsigned long run = 1 + mmt_rand(w, min(npages - off, VMA_MAX_RUN));
	unsigned long addr = t->start + (off << PAGE_SHIFT);
	unsigned long len = run << PAGE_SHIFT;
	unsigned long ret;

	switch (op) {
	case BIT(VMA_OP_MUNMAP):
		if (vm_munmap(addr, len)) {
			atomic64_inc(&e->errors);
			break;
		}
		mmt_engine_count(e, VMA_C_MUNMAP);
		vma_check_hole(e, mm, addr, len);
		ret = vma_map_anon(addr, len, MAP_FIXED_NOREPLACE);
		if (ret == addr)
			mmt_engine_count(e, VMA_C_REMAP);
		else if (ret == (unsigned long)-EEXIST)
			mmt_engine_count(e, VMA_C_REMAP_TAKEN);
		else
			atomic64_inc(&e->errors);
		break;
	case BIT(VMA_OP_MMAP_FIXED):
		vma_mmap_fixed(e, addr, len);
		break;
	case BIT(VMA_OP_DONTNEED):
	case BIT(VMA_OP_ZAP_ALL):
		if (op == BIT(VMA_OP_ZAP_ALL)) {
			addr = t->start;
			len = t->len;
		}
		mmap_read_lock(mm);
		if (!vma_zap_range(mm, addr, addr + len))
			mmt_engine_count(e, VMA_C_NO_VMA);
		mmap_read_unlock(mm);
		mmt_engine_count(e, op == BIT(VMA_OP_DONTNEED) ?
				 VMA_C_DONTNEED : VMA_C_ZAP_ALL);
		break;
	default:
		break;
	}
}

static void vma_step(struct mmt_worker *w)
{
	struct mmt_target *t = mmt_target_next(MMT_TARGET_ARENA, &w->cursor);
	struct mm_struct *mm;

	if (!t) {
		mmt_engine_idle(w);
		return;
	}
	mm = t->mm;
	if (!mmget_not_zero(mm)) {
		mmt_target_mark_dead(t);
		mmt_target_put(t);
		mmt_engine_idle(w);
		return;
	}
	kthread_use_mm(mm);
	vma_do_op(w, t, mmt_engine_pick_op(w));
	kthread_unuse_mm(mm);
	mmput(mm);
	mmt_target_put(t);
}

struct mmt_engine mmt_vma_engine = {
	.name = "vma",
	.op_names = vma_op_names,
	.nr_ops = VMA_NR_OPS,
	.ops_avail = BIT(VMA_OP_MUNMAP) | BIT(VMA_OP_MMAP_FIXED) |
		     BIT(VMA_OP_DONTNEED) | BIT(VMA_OP_ZAP_ALL),
	.ops_default = BIT(VMA_OP_MUNMAP) | BIT(VMA_OP_MMAP_FIXED) |
		       BIT(VMA_OP_DONTNEED) | BIT(VMA_OP_ZAP_ALL),
	.unavail_why = "no exported interface on this kernel",
	.counter_names = vma_counter_names,
	.nr_counters = VMA_NR_COUNTERS,
	.max_threads = MMT_MAX_THREADS,
	.nthreads = 1,
	.step = vma_step,
};
