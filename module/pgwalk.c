// SPDX-License-Identifier: GPL-2.0
/*
 * A small page-table walker for the engines: walk_page_range() is not
 * exported, and apply_to_page_range() warns on huge PMDs (THP is "always"
 * on Debian's kernels) and allocates tables.
 *
 * The caller holds the mm's mmap_lock: for reading when [start, end) lies
 * inside VMAs it looked up, for writing when the range may have no VMA.
 * Each PTE table is entered like pte_offset_map_lock() does: under RCU,
 * with the PMD re-checked once the PTE lock is held, so a table that is
 * being retracted is skipped, never used after it is freed. Huge PMDs and
 * PUDs are counted in *@huge, not walked. @fn runs under the PTE lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "mmtorture.h"

static pmd_t *mmt_pmd_lookup(struct mm_struct *mm, unsigned long addr,
			     unsigned long *huge)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud, pudval;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || !pud_present(pudval))
		return NULL;
	if (pud_leaf(pudval)) {
		if (huge)
			(*huge)++;
		return NULL;
	}
	if (pud_bad(pudval))
		return NULL;
	return pmd_offset(pud, addr);
}

unsigned long mmt_walk_ptes(struct mm_struct *mm, unsigned long start,
			    unsigned long end, mmt_pte_fn fn, void *data,
			    unsigned long *huge)
{
	unsigned long addr, next, visited = 0;

	for (addr = start; addr < end; addr = next) {
		pmd_t *pmd, pmdval;
		spinlock_t *ptl;	/* the PTE table's lock */
		pte_t *ptep;

		next = pmd_addr_end(addr, end);
		pmd = mmt_pmd_lookup(mm, addr, huge);
		if (!pmd)
			continue;
		rcu_read_lock();
		pmdval = READ_ONCE(*pmd);
		if (pmd_none(pmdval) || !pmd_present(pmdval)) {
			rcu_read_unlock();
			continue;
		}
		if (pmd_leaf(pmdval) || pmd_bad(pmdval)) {
			rcu_read_unlock();
			if (huge && pmd_leaf(pmdval))
				(*huge)++;
			continue;
		}
		ptl = pte_lockptr(mm, &pmdval);
		spin_lock(ptl);
		if (!pmd_same(READ_ONCE(*pmd), pmdval)) {
			spin_unlock(ptl);
			rcu_read_unlock();
			continue;
		}
		ptep = pte_offset_kernel(&pmdval, addr);
		for (; addr < next; addr += PAGE_SIZE, ptep++, visited++)
			fn(mm, addr, ptep, data);
		spin_unlock(ptl);
		rcu_read_unlock();
		cond_resched();
	}
	return visited;
}
