// SPDX-License-Identifier: GPL-2.0
/*
 * Lazy-TLB / mm lifetime engine: kernel threads that adopt registered mms
 * in a tight loop (mmget_not_zero, kthread_use_mm, touch user memory,
 * kthread_unuse_mm, mmput) while the owners fork, exec and exit. Every
 * switch makes the CPU's active_mm change hands through a kernel thread,
 * the path whose lazy-TLB refcounting races with exit (docs/races.md section 3).
 *
 * Any target's mm is adopted, an arena's or a file's owner. Ops
 * (/sys/kernel/debug/mmtorture/lazytlb/ops):
 *   adopt   kthread_use_mm + kthread_unuse_mm, nothing touched
 *   read    adopt, then read one word of the arena (copy_from_user); a
 *           file target has no address the module knows, so nothing is
 *           read there (counted in reads_skipped)
 *   yield   adopt, read, and schedule() while the mm is in use
 *   early_drop  BROKEN MODE, only with broken=lazytlb_early_drop on a
 *           kernel with KASAN: adopt, and after kthread_unuse_mm() drop
 *           the lazy reference this CPU still holds (once per target), as
 *           a lazy-TLB refcounting bug would. The mm is then freed one
 *           reference early, while its last user still has it, and
 *           KASAN reports the use after free (the lazy-TLB class's
 *           detector must catch it). Without KASAN the freed mm would be
 *           used silently, so the op is refused there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

enum {
	LT_OP_ADOPT,
	LT_OP_READ,
	LT_OP_YIELD,
	LT_OP_EARLY_DROP,
	LT_NR_OPS,
};

static const char * const lt_op_names[] = {
	[LT_OP_ADOPT] = MMT_LAZYTLB_OP_ADOPT,
	[LT_OP_READ] = MMT_LAZYTLB_OP_READ,
	[LT_OP_YIELD] = MMT_LAZYTLB_OP_YIELD,
	[LT_OP_EARLY_DROP] = MMT_LAZYTLB_OP_EARLY_DROP,
};

enum {
	LT_C_ADOPT,
	LT_C_READ,
	LT_C_YIELD,
	LT_C_READ_FAULT,
	LT_C_MM_GONE,
	LT_C_READ_SKIPPED,
	LT_C_EARLY_DROPS,
	LT_NR_COUNTERS,
};

static const char * const lt_counter_names[] = {
	[LT_C_ADOPT] = "op_adopt",
	[LT_C_READ] = MMT_STAT_LAZYTLB_OP_READ,
	[LT_C_YIELD] = "op_yield",
	[LT_C_READ_FAULT] = "read_faults",
	[LT_C_MM_GONE] = "mm_gone",
	[LT_C_READ_SKIPPED] = "reads_skipped",
	[LT_C_EARLY_DROPS] = "broken_early_drops",
};

/* adopt, read, yield: the mm in use for the op's length. */
static void lt_adopt(struct mmt_worker *w, struct mmt_target *t,
		     struct mm_struct *mm, unsigned long op)
{
	struct mmt_engine *e = w->e;
	unsigned long addr, word;

	kthread_use_mm(mm);
	if (op != BIT(LT_OP_ADOPT)) {
		if (t->type != MMT_TARGET_ARENA) {
			mmt_engine_count(e, LT_C_READ_SKIPPED);
		} else {
			addr = t->start + (mmt_rand(w, t->len >> PAGE_SHIFT) <<
					   PAGE_SHIFT);
			if (copy_from_user(&word, (const void __user *)addr,
					   sizeof(word)))
				mmt_engine_count(e, LT_C_READ_FAULT);
		}
		if (op == BIT(LT_OP_YIELD))
			schedule();
	}
	kthread_unuse_mm(mm);
	mmt_engine_count(e, op == BIT(LT_OP_ADOPT) ? LT_C_ADOPT :
			 op == BIT(LT_OP_READ) ? LT_C_READ : LT_C_YIELD);
}

/*
 * broken=lazytlb_early_drop: adopt, then drop the lazy reference this
 * CPU still holds, once per target. Deliberately wrong.
 */
static void lt_early_drop(struct mmt_worker *w, struct mmt_target *t,
			  struct mm_struct *mm)
{
	struct mmt_engine *e = w->e;

	kthread_use_mm(mm);
	kthread_unuse_mm(mm);
	if (!test_and_set_bit(0, &t->early_dropped)) {
		mmdrop(mm);
		mmt_engine_count(e, LT_C_EARLY_DROPS);
	}
	mmt_engine_count(e, LT_C_ADOPT);
}

static_assert(LT_NR_COUNTERS <= MMT_MAX_COUNTERS);

static void lt_step(struct mmt_worker *w)
{
	struct mmt_target *t = mmt_target_next(MMT_TARGET_ANY, &w->cursor);
	struct mmt_engine *e = w->e;
	struct mm_struct *mm;
	unsigned long op;

	if (!t) {
		mmt_engine_idle(w);
		return;
	}
	mm = t->mm;
	if (!mmget_not_zero(mm)) {
		mmt_engine_count(e, LT_C_MM_GONE);
		mmt_target_mark_dead(t);
		mmt_target_put(t);
		return;
	}
	op = mmt_engine_pick_op(w);
	if (op == BIT(LT_OP_EARLY_DROP))
		lt_early_drop(w, t, mm);
	else
		lt_adopt(w, t, mm, op);
	mmput(mm);
	mmt_target_put(t);
}

/* The broken mode makes early_drop available and the default (KASAN only). */
static int lt_init(struct mmt_engine *e)
{
	if (IS_ENABLED(CONFIG_KASAN) &&
	    mmt_broken_mode() == MMT_BROKEN_LAZYTLB_EARLY_DROP) {
		e->ops_avail |= BIT(LT_OP_EARLY_DROP);
		e->ops_default = BIT(LT_OP_EARLY_DROP);
	}
	return 0;
}

struct mmt_engine mmt_lazytlb_engine = {
	.name = MMT_ENGINE_LAZYTLB,
	.op_names = lt_op_names,
	.nr_ops = LT_NR_OPS,
	.ops_avail = BIT(LT_OP_ADOPT) | BIT(LT_OP_READ) | BIT(LT_OP_YIELD),
	.ops_default = BIT(LT_OP_ADOPT) | BIT(LT_OP_READ) | BIT(LT_OP_YIELD),
	.counter_names = lt_counter_names,
	.nr_counters = LT_NR_COUNTERS,
	.max_threads = MMT_MAX_THREADS,
	.unavail_why = "early_drop needs broken=lazytlb_early_drop on a KASAN kernel",
	.nthreads = 2,
	.step = lt_step,
	.init = lt_init,
};
