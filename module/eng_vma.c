// SPDX-License-Identifier: GPL-2.0
/*
 * VMA engine: kernel threads that change a registered arena's VMAs and
 * page tables while its owner faults on it. Each operation adopts the
 * owner's mm (mmget_not_zero + kthread_use_mm) only for its own length.
 *
 * Registering an arena hands it to the engines until it is released: they
 * unmap, replace and zap it at will, always inside [start, start + len).
 * An arena may cover private anonymous memory and MAP_SHARED file or
 * shmem mappings. Each VMA is judged when an op touches it (VMA types
 * change after registration):
 *   hugetlb, VM_IO, VM_PFNMAP, VM_MIXEDMAP,
 *   VM_DONTEXPAND (special mappings), DAX        nothing (skipped_unsupported)
 *   private anonymous                            every op below
 *   shared (file, shmem)                         munmap, dontneed, zap_all;
 *                                                not mmap_fixed, which the
 *                                                checkers do not model
 *                                                (skipped_unmodeled)
 *   private file                                 nothing (skipped_unmodeled)
 *
 * Ops (/sys/kernel/debug/mmtorture/vma/ops), on random page runs, each
 * restricted to the VMA the run starts in:
 *   munmap      vm_munmap(), check that no PTE is left in the hole, then
 *               map the same back with MAP_FIXED_NOREPLACE: fresh
 *               anonymous memory, or the same file at the same offset
 *               with the same protection (a shared mapping loses nothing).
 *               If the hole was taken or the remap fails, it is counted
 *               and nothing else is mapped there.
 *   mmap_fixed  vm_mmap(MAP_FIXED) of fresh anonymous memory over it
 *   mmap_fixed_stale
 *               BROKEN MODE, only with broken=vma_stale: as mmap_fixed,
 *               but the run's old contents are saved first and, after a
 *               short window in which the owner may use the new memory,
 *               written back into the new mapping: the owner sees the
 *               replaced contents again after mmap(MAP_FIXED) returned
 *               (docs/races.md section 2)
 *   dontneed    zap the run inside its VMA, as MADV_DONTNEED does
 *   zap_all     zap every VMA of the whole arena
 *   mprotect    not available: no exported interface
 *   mremap      not available: no exported interface
 *   check_mapped
 *               BROKEN MODE, only with broken=vma_invariant: the munmap
 *               op's own post-munmap check (no PTE left), run on a run
 *               that is still mapped and was NOT unmapped: the owner's
 *               PTEs are found, and the invariant's real report (a
 *               WARN, counted in violations, the end line says FAILURE)
 *               fires from clean-mode code
 *   mkwrite     BROKEN MODE, only with broken=vma_writable: in a shared
 *               VMA that is read-only now (mprotect(PROT_READ) returned)
 *               but may be written, make the run's present PTEs writable
 *               and dirty again, without changing the VMA: the owner's
 *               stores to a read-only range then do not fault (vma-prot's
 *               store-after-readonly, docs/races.md section 2)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
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
	VMA_OP_MKWRITE,
	VMA_OP_MMAP_FIXED_STALE,
	VMA_OP_CHECK_MAPPED,
	VMA_NR_OPS,
};

static const char * const vma_op_names[] = {
	[VMA_OP_MUNMAP] = MMT_VMA_OP_MUNMAP,
	[VMA_OP_MMAP_FIXED] = MMT_VMA_OP_MMAP_FIXED,
	[VMA_OP_DONTNEED] = MMT_VMA_OP_DONTNEED,
	[VMA_OP_ZAP_ALL] = MMT_VMA_OP_ZAP_ALL,
	[VMA_OP_MPROTECT] = MMT_VMA_OP_MPROTECT,
	[VMA_OP_MREMAP] = MMT_VMA_OP_MREMAP,
	[VMA_OP_MKWRITE] = MMT_VMA_OP_MKWRITE,
	[VMA_OP_MMAP_FIXED_STALE] = MMT_VMA_OP_MMAP_FIXED_STALE,
	[VMA_OP_CHECK_MAPPED] = MMT_VMA_OP_CHECK_MAPPED,
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
	VMA_C_REMAP_SHARED,
	VMA_C_REMAP_SHARED_FAILED,
	VMA_C_UNSUPPORTED,
	VMA_C_UNMODELED,
	VMA_C_MKWRITE,
	VMA_C_MKWRITE_PTES,
	VMA_C_MAPPED_CHECKS,
	VMA_NR_COUNTERS,
};

static const char * const vma_counter_names[] = {
	[VMA_C_MUNMAP] = MMT_STAT_VMA_OP_MUNMAP,
	[VMA_C_MMAP_FIXED] = "op_mmap_fixed",
	[VMA_C_DONTNEED] = MMT_STAT_VMA_OP_DONTNEED,
	[VMA_C_ZAP_ALL] = MMT_STAT_VMA_OP_ZAP_ALL,
	[VMA_C_REMAP] = "remaps",
	[VMA_C_REMAP_TAKEN] = "remap_already_mapped",
	[VMA_C_CHECKS] = MMT_STAT_VMA_HOLE_CHECKS,
	[VMA_C_CHECKS_SKIPPED] = "hole_checks_refilled",
	[VMA_C_NO_VMA] = "zap_no_vma",
	[VMA_C_STALE] = "broken_stale_writebacks",
	[VMA_C_REMAP_SHARED] = "remaps_shared",
	[VMA_C_REMAP_SHARED_FAILED] = "remap_shared_failed",
	[VMA_C_UNSUPPORTED] = MMT_STAT_VMA_SKIPPED_UNSUPPORTED,
	[VMA_C_UNMODELED] = "skipped_unmodeled",
	[VMA_C_MKWRITE] = "op_mkwrite",
	[VMA_C_MKWRITE_PTES] = "broken_writable_ptes",
	[VMA_C_MAPPED_CHECKS] = MMT_STAT_VMA_MAPPED_CHECKS,
};

static_assert(VMA_NR_COUNTERS <= MMT_MAX_COUNTERS);

#ifdef MMT_HAVE_ZAP_PAGE_RANGE
#define VMA_ZAP_ROUTE "zap_page_range"
#elif defined(MMT_HAVE_ZAP_VMA_RANGE)
#define VMA_ZAP_ROUTE "zap_vma_range"
#else
#define VMA_ZAP_ROUTE "zap_page_range_single"
#endif

/* How each op is done (stats and status), NULL-terminated. */
static const char * const vma_routes[] = {
	"munmap=vm_munmap+vm_mmap(FIXED_NOREPLACE)",
	"mmap_fixed=vm_mmap(FIXED,anon)",
	"dontneed=" VMA_ZAP_ROUTE,
	"zap_all=" VMA_ZAP_ROUTE,
	"mprotect=unavailable",
	"mremap=unavailable",
	"mkwrite=pte_walk(broken=vma_writable)",
	"mmap_fixed_stale=vm_mmap(FIXED,anon)+old_contents(broken=vma_stale)",
	"check_mapped=munmap_hole_check_on_a_mapped_run(broken=vma_invariant)",
	NULL,
};

/* Which VMAs get which ops, NULL-terminated. */
static const char * const vma_kinds[] = {
	"private_anon=munmap,mmap_fixed,dontneed,zap_all",
	"shared=munmap(same_file,pgoff,prot),dontneed,zap_all",
	"private_file=none",
	"unsupported=hugetlb,io,pfnmap,mixedmap,dontexpand,dax",
	NULL,
};

enum vma_kind {
	VMA_KIND_ANON,		/* private anonymous */
	VMA_KIND_SHARED,	/* MAP_SHARED of a file or shmem */
	VMA_KIND_UNMODELED,	/* private file, special mappings */
	VMA_KIND_UNSUPPORTED,	/* must not be zapped or unmapped by us */
};

/* Under the mmap_lock. */
static enum vma_kind vma_kind(struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_HUGETLB | VM_IO | VM_PFNMAP | VM_MIXEDMAP |
			      VM_DONTEXPAND)) || vma_is_dax(vma))
		return VMA_KIND_UNSUPPORTED;
	if (vma->vm_flags & VM_MAYSHARE)
		return vma->vm_file ? VMA_KIND_SHARED : VMA_KIND_UNSUPPORTED;
	if (vma_is_anonymous(vma))
		return VMA_KIND_ANON;
	return VMA_KIND_UNMODELED;
}

/* Counts a VMA the op leaves alone; true if it is one. */
static bool vma_skip(struct mmt_engine *e, enum vma_kind kind)
{
	if (kind == VMA_KIND_UNSUPPORTED) {
		mmt_engine_count(e, VMA_C_UNSUPPORTED);
		return true;
	}
	if (kind == VMA_KIND_UNMODELED) {
		mmt_engine_count(e, VMA_C_UNMODELED);
		return true;
	}
	return false;
}

/* What one op needs to know of the VMA its run starts in. */
struct vma_run {
	enum vma_kind kind;
	unsigned long len;		/* cut to the VMA's end */
	struct file *file;		/* shared: own reference */
	unsigned long pgoff;		/* shared: of the run's start */
	unsigned long prot;
};

static int vma_run_get(struct mm_struct *mm, unsigned long addr,
		       unsigned long len, struct vma_run *r)
{
	struct vm_area_struct *vma;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr) {
		ret = -ENOENT;
		goto out;
	}
	r->kind = vma_kind(vma);
	r->len = min(addr + len, vma->vm_end) - addr;
	if (r->kind != VMA_KIND_SHARED)
		goto out;
	r->file = get_file(vma->vm_file);
	r->pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	r->prot = (vma->vm_flags & VM_READ ? PROT_READ : 0) |
		  (vma->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
		  (vma->vm_flags & VM_EXEC ? PROT_EXEC : 0);
out:
	mmap_read_unlock(mm);
	return ret;
}

/* Longest run of pages one operation works on. */
#define VMA_MAX_RUN 16

/* broken=vma_stale: how long the new contents live before the old return. */
#define VMA_STALE_WINDOW_US 500

static void vma_zap(struct vm_area_struct *vma, unsigned long addr,
		    unsigned long len)
{
#if defined(MMT_HAVE_ZAP_PAGE_RANGE)
	zap_page_range(vma, addr, len);
#elif defined(MMT_HAVE_ZAP_VMA_RANGE)
	zap_vma_range(vma, addr, len);
#else
	zap_page_range_single(vma, addr, len, NULL);
#endif
}

/*
 * Zap [addr, end) VMA by VMA, the supported ones only; the caller holds
 * the mmap_lock. Returns the VMAs zapped, *@seen the VMAs met.
 */
static unsigned long vma_zap_range(struct mmt_engine *e, struct mm_struct *mm,
				   unsigned long addr, unsigned long end,
				   unsigned long *seen)
{
	struct vm_area_struct *vma;
	unsigned long n = 0;

	*seen = 0;
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		(*seen)++;
		if (!vma_skip(e, vma_kind(vma))) {
			vma_zap(vma, addr, min(end, vma->vm_end) - addr);
			n++;
		}
		addr = vma->vm_end;
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
 * The post-munmap invariant's verdict on what the walk found: no PTE and
 * no huge entry may be left. A violation is counted and WARNs once, so
 * that panic_on_warn and the console scanner see it (the splat is
 * "WARNING in mmt_vma_munmap_invariant"); the engine's end line then
 * says FAILURE. Not inlined: the splat must name this function.
 */
static noinline void mmt_vma_munmap_invariant(struct mmt_engine *e,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long left,
					      unsigned long huge)
{
	mmt_engine_count(e, VMA_C_CHECKS);
	if (!left && !huge)
		return;
	atomic64_inc(&e->violations);
	WARN_ONCE(1, "mmtorture: vma: invariant violated: %lu PTEs and %lu huge entries left in [0x%lx, 0x%lx) after munmap\n",
		  left, huge, addr, addr + len);
}

/* Under the mmap_lock for writing: the entries left in [addr, addr + len). */
static void vma_ptes_left(struct mm_struct *mm, unsigned long addr,
			  unsigned long len, unsigned long *left,
			  unsigned long *huge)
{
	*left = 0;
	*huge = 0;
	mmt_walk_ptes(mm, addr, addr + len, vma_count_pte, left, huge);
}

/*
 * Invariant: after munmap() returns, no PTE remains in the hole. Checked
 * under the mmap_lock for writing, and only while no VMA has been mapped
 * into the hole again (by the owner or another thread).
 */
static void vma_check_hole(struct mmt_engine *e, struct mm_struct *mm,
			   unsigned long addr, unsigned long len)
{
	unsigned long left, huge;
	struct vm_area_struct *vma;

	mmap_write_lock(mm);
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start < addr + len) {
		mmap_write_unlock(mm);
		mmt_engine_count(e, VMA_C_CHECKS_SKIPPED);
		return;
	}
	vma_ptes_left(mm, addr, len, &left, &huge);
	mmap_write_unlock(mm);
	mmt_vma_munmap_invariant(e, addr, len, left, huge);
}

/*
 * broken=vma_invariant: the same walk and verdict on a run that is
 * still mapped (nothing was unmapped), so the owner's PTEs are found and
 * the invariant's own report fires.
 */
static void vma_check_mapped(struct mmt_engine *e, struct mm_struct *mm,
			     unsigned long addr, unsigned long len)
{
	unsigned long left, huge;

	mmap_write_lock(mm);
	vma_ptes_left(mm, addr, len, &left, &huge);
	mmap_write_unlock(mm);
	mmt_engine_count(e, VMA_C_MAPPED_CHECKS);
	mmt_vma_munmap_invariant(e, addr, len, left, huge);
}

static unsigned long vma_map_anon(unsigned long addr, unsigned long len,
				  unsigned long flags)
{
	return vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, 0);
}

/* mmap(MAP_FIXED) of fresh anonymous memory over the run. */
static bool vma_mmap_fixed(struct mmt_engine *e, unsigned long addr,
			   unsigned long len)
{
	if (vma_map_anon(addr, len, MAP_FIXED) != addr) {
		atomic64_inc(&e->errors);
		return false;
	}
	mmt_engine_count(e, VMA_C_MMAP_FIXED);
	return true;
}

/*
 * broken=vma_stale: the mmap_fixed op, with the run's old contents saved
 * before and, after a short window, deliberately written back.
 */
static void vma_mmap_fixed_stale(struct mmt_engine *e, unsigned long addr,
				 unsigned long len)
{
	void *old = kvmalloc(len, GFP_KERNEL);

	if (old && copy_from_user(old, (const void __user *)addr, len)) {
		kvfree(old);
		old = NULL;
	}
	if (!vma_mmap_fixed(e, addr, len) || !old)
		goto out;
	usleep_range(VMA_STALE_WINDOW_US, 2 * VMA_STALE_WINDOW_US);
	if (!copy_to_user((void __user *)addr, old, len))
		mmt_engine_count(e, VMA_C_STALE);
out:
	kvfree(old);
}

/*
 * munmap of one VMA's run, then the same mapping back, never over
 * anything else: MAP_FIXED_NOREPLACE fails with -EEXIST when the owner
 * mapped something into the hole meanwhile.
 */
static void vma_munmap(struct mmt_engine *e, struct mm_struct *mm,
		       unsigned long addr, struct vma_run *r)
{
	unsigned long ret;

	if (vm_munmap(addr, r->len)) {
		atomic64_inc(&e->errors);
		return;
	}
	mmt_engine_count(e, VMA_C_MUNMAP);
	vma_check_hole(e, mm, addr, r->len);
	if (r->kind == VMA_KIND_SHARED) {
		ret = vm_mmap(r->file, addr, r->len, r->prot,
			      MAP_SHARED | MAP_FIXED_NOREPLACE,
			      r->pgoff << PAGE_SHIFT);
		if (ret == addr) {
			mmt_engine_count(e, VMA_C_REMAP_SHARED);
			return;
		}
		/* Counted, and the hole stays: nothing else goes there. */
		mmt_engine_count(e, VMA_C_REMAP_SHARED_FAILED);
		if (ret == (unsigned long)-EEXIST)
			mmt_engine_count(e, VMA_C_REMAP_TAKEN);
		else
			atomic64_inc(&e->errors);
		return;
	}
	ret = vma_map_anon(addr, r->len, MAP_FIXED_NOREPLACE);
	if (ret == addr)
		mmt_engine_count(e, VMA_C_REMAP);
	else if (ret == (unsigned long)-EEXIST)
		mmt_engine_count(e, VMA_C_REMAP_TAKEN);
	else
		atomic64_inc(&e->errors);
}

/* Under the PTE lock. Deliberately leaves a read-only VMA writable. */
static void vma_mkwrite_pte(struct mm_struct *mm, unsigned long addr,
			    pte_t *ptep, void *data)
{
	unsigned long *made = data;
	pte_t pte = ptep_get(ptep);

	if (!pte_present(pte) || pte_write(pte) || !pfn_valid(pte_pfn(pte)))
		return;
	folio_mark_dirty(page_folio(pfn_to_page(pte_pfn(pte))));
#ifdef MMT_HAVE_PTE_MKWRITE_NOVMA
	pte = pte_mkwrite_novma(pte);
#else
	pte = pte_mkwrite(pte);
#endif
	set_pte_at(mm, addr, ptep, pte_mkdirty(pte));
	(*made)++;
}

/*
 * broken=vma_writable: a shared VMA that may be written but is read-only
 * now gets writable PTEs. Shared only: no copy-on-write page is ever
 * made writable.
 */
static void vma_mkwrite(struct mmt_engine *e, struct mm_struct *mm,
			unsigned long addr, unsigned long len)
{
	struct vm_area_struct *vma;
	unsigned long made = 0;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr) {
		mmt_engine_count(e, VMA_C_NO_VMA);
	} else if (vma_kind(vma) != VMA_KIND_SHARED ||
		   (vma->vm_flags & VM_WRITE) || !(vma->vm_flags & VM_MAYWRITE)) {
		mmt_engine_count(e, VMA_C_UNMODELED);
	} else {
		mmt_walk_ptes(mm, addr, min(addr + len, vma->vm_end),
			      vma_mkwrite_pte, &made, NULL);
	}
	mmap_read_unlock(mm);
	atomic64_add(made, &e->counters[VMA_C_MKWRITE_PTES]);
	mmt_engine_count(e, VMA_C_MKWRITE);
}

/* One op on a run of a VMA the engine may act on; each its own function. */
static void vma_run_op(struct mmt_engine *e, struct mm_struct *mm,
		       unsigned long addr, unsigned long op, struct vma_run *r)
{
	if (op == BIT(VMA_OP_MUNMAP))
		vma_munmap(e, mm, addr, r);
	else if (op == BIT(VMA_OP_CHECK_MAPPED))
		vma_check_mapped(e, mm, addr, r->len);
	else if (r->kind != VMA_KIND_ANON)
		mmt_engine_count(e, VMA_C_UNMODELED);
	else if (op == BIT(VMA_OP_MMAP_FIXED))
		vma_mmap_fixed(e, addr, r->len);
	else
		vma_mmap_fixed_stale(e, addr, r->len);
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
	unsigned long len = run << PAGE_SHIFT, seen;
	struct vma_run r;

	switch (op) {
	case BIT(VMA_OP_MUNMAP):
	case BIT(VMA_OP_MMAP_FIXED):
	case BIT(VMA_OP_MMAP_FIXED_STALE):
	case BIT(VMA_OP_CHECK_MAPPED):
		if (vma_run_get(mm, addr, len, &r)) {
			mmt_engine_count(e, VMA_C_NO_VMA);
			break;
		}
		if (!vma_skip(e, r.kind))
			vma_run_op(e, mm, addr, op, &r);
		if (r.file)
			fput(r.file);
		break;
	case BIT(VMA_OP_DONTNEED):
	case BIT(VMA_OP_ZAP_ALL):
		if (op == BIT(VMA_OP_ZAP_ALL)) {
			addr = t->start;
			len = t->len;
		}
		mmap_read_lock(mm);
		if (!vma_zap_range(e, mm, addr, addr + len, &seen) && !seen)
			mmt_engine_count(e, VMA_C_NO_VMA);
		mmap_read_unlock(mm);
		mmt_engine_count(e, op == BIT(VMA_OP_DONTNEED) ?
				 VMA_C_DONTNEED : VMA_C_ZAP_ALL);
		break;
	case BIT(VMA_OP_MKWRITE):
		vma_mkwrite(e, mm, addr, len);
		break;
	default:
		break;
	}
}

static void vma_show_extra(struct mmt_engine *e, struct seq_file *m)
{
	mmt_seq_words(m, "routes:", vma_routes);
	mmt_seq_words(m, "vma_kinds:", vma_kinds);
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

/* A broken mode makes its own op available and the default. */
static int vma_engine_init(struct mmt_engine *e)
{
	unsigned long op;

	switch (mmt_broken_mode()) {
	case MMT_BROKEN_VMA_WRITABLE:
		op = BIT(VMA_OP_MKWRITE);
		break;
	case MMT_BROKEN_VMA_STALE:
		op = BIT(VMA_OP_MMAP_FIXED_STALE);
		break;
	case MMT_BROKEN_VMA_INVARIANT:
		op = BIT(VMA_OP_CHECK_MAPPED);
		break;
	default:
		return 0;
	}
	e->ops_avail |= op;
	e->ops_default = op;
	return 0;
}

struct mmt_engine mmt_vma_engine = {
	.name = MMT_ENGINE_VMA,
	.op_names = vma_op_names,
	.nr_ops = VMA_NR_OPS,
	.ops_avail = BIT(VMA_OP_MUNMAP) | BIT(VMA_OP_MMAP_FIXED) |
		     BIT(VMA_OP_DONTNEED) | BIT(VMA_OP_ZAP_ALL),
	.ops_default = BIT(VMA_OP_MUNMAP) | BIT(VMA_OP_MMAP_FIXED) |
		       BIT(VMA_OP_DONTNEED) | BIT(VMA_OP_ZAP_ALL),
	.unavail_why =
		"mprotect, mremap: not exported; mkwrite, mmap_fixed_stale, check_mapped: broken=",
	.counter_names = vma_counter_names,
	.nr_counters = VMA_NR_COUNTERS,
	.max_threads = MMT_MAX_THREADS,
	.nthreads = 1,
	.step = vma_step,
	.show_extra = vma_show_extra,
	.routes = vma_routes,
	.init = vma_engine_init,
};
