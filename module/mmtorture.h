/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmtorture - provoke Linux memory-management races from debugfs.
 */
#ifndef MMTORTURE_H
#define MMTORTURE_H

#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/types.h>

#include "mmtorture_uapi.h"

#define MMT_VERSION "0.2.0"

struct mm_struct;
struct pid;
struct file;
struct seq_file;
struct task_struct;

/* Crash-test modes: positive controls for the console scanner. */
enum mmt_crash_mode {
	MMT_CRASH_NONE,
	MMT_CRASH_WARN,
	MMT_CRASH_BUG,
};

/* control.c: seed, broken=, crash_test= and their debugfs files. */
enum mmt_crash_mode mmt_crash_mode(void);
const char *mmt_crash_mode_name(void);
int mmt_control_init(struct dentry *root);

/* Broken modes: deliberate breakage that the detectors must catch. */
enum mmt_broken_mode {
	MMT_BROKEN_NONE,
	MMT_BROKEN_MKCLEAN_NOFLUSH,
	MMT_BROKEN_VMA_STALE,
	MMT_BROKEN_VMA_WRITABLE,
	MMT_BROKEN_LAZYTLB_EARLY_DROP,
	MMT_BROKEN_VMA_INVARIANT,
};

enum mmt_broken_mode mmt_broken_mode(void);
const char *mmt_broken_mode_name(void);
u64 mmt_seed_get(void);

/* The knob grammar (knob.c); every debugfs write goes through it. */
#define MMT_KNOB_MAX 256

char *mmt_knob_fetch(const char __user *buf, size_t count, loff_t *ppos,
		     size_t max);
int mmt_knob_split(char *s, char **tok, unsigned int max);
int mmt_knob_u64(const char *tok, unsigned int base, u64 min, u64 max,
		 u64 *val);
int mmt_knob_u32(const char *tok, unsigned int base, u32 min, u32 max,
		 u32 *val);
int mmt_knob_write_u64(const char __user *buf, size_t count, loff_t *ppos,
		       u64 min, u64 max, u64 *val);

/* Opt-in targets (target.c). */
enum mmt_target_type {
	MMT_TARGET_ARENA,
	MMT_TARGET_FILE,
	MMT_TARGET_ANY,			/* mmt_target_next() filter only */
};

/* MMT_MAX_TARGETS, and per process half of it (mmtorture_uapi.h). */

struct mmt_target {
	struct list_head node;
	struct kref ref;
	u32 id;
	enum mmt_target_type type;
	struct mm_struct *mm;		/* mmgrab()bed: the owner's mm */
	pid_t tgid;
	struct pid *pid;		/* get_pid()ed: the owner's thread group */
	char comm[TASK_COMM_LEN];
	unsigned long start;		/* arena */
	unsigned long len;
	struct file *file;		/* file; own reference */
	bool dead;
	unsigned long early_dropped;	/* broken=lazytlb_early_drop: bit 0 */
};

int mmt_targets_init(struct dentry *root);
void mmt_targets_exit(void);
struct mmt_target *mmt_target_next(enum mmt_target_type type, u32 *cursor);
void mmt_target_put(struct mmt_target *t);
void mmt_target_mark_dead(struct mmt_target *t);
bool mmt_target_mm(const struct mm_struct *mm);
unsigned int mmt_target_count(void);
bool mmt_target_owner_live(const struct mm_struct *mm, pid_t tgid);
/* Drops the targets whose owner is gone (main.c's janitor, every 100 ms). */
void mmt_targets_reap(void);

/* Engines (engine.c): kthreads plus knobs and counters. */
#define MMT_MAX_COUNTERS 24

struct mmt_engine;

struct mmt_worker {
	struct mmt_engine *e;
	unsigned int idx;
	u32 cursor;			/* round robin over targets */
	struct rnd_state rnd;
	void *priv;
};

struct mmt_engine {
	const char *name;
	/* Selectable operations; a bit per name. */
	const char * const *op_names;
	unsigned int nr_ops;
	unsigned long ops_avail;	/* usable on this kernel/mode */
	unsigned long ops_default;
	const char *unavail_why;	/* shown in status when ops are missing */
	const char * const *routes;	/* how each op is done, NULL-ended */
	/* Counters shown in stats; the first nr_ops count the ops. */
	const char * const *counter_names;
	unsigned int nr_counters;
	unsigned int max_threads;	/* 0: no threads (probe engines) */
	/* One unit of work; called in a loop by each thread. */
	void (*step)(struct mmt_worker *w);
	int (*start)(struct mmt_engine *e);
	void (*stop)(struct mmt_engine *e);
	void (*show_extra)(struct mmt_engine *e, struct seq_file *m);
	/* Brings counters[] up to date before they are shown. */
	void (*sync_counters)(struct mmt_engine *e);
	int (*create_files)(struct mmt_engine *e, struct dentry *dir);
	/* At load, before the files exist: what the broken mode changes. */
	int (*init)(struct mmt_engine *e);
	/* At unload, after the engine stopped: free what it still holds. */
	void (*exit)(struct mmt_engine *e);
	/* The engine's own knobs as " KEY=VALUE..." for the console lines. */
	int (*format_knobs)(struct mmt_engine *e, char *buf, size_t len);
	/* Engine lines in the module's status file. */
	void (*show_status)(struct mmt_engine *e, struct seq_file *m);

	/* State; knobs under lock. */
	struct mutex lock;
	bool enabled;
	unsigned int nthreads;
	unsigned int interval_us;
	unsigned long ops;
	u64 started_ns;
	u64 ran_ns;
	u64 stats_ns;			/* last periodic stats line */
	struct task_struct *threads[MMT_MAX_THREADS];
	struct mmt_worker *workers[MMT_MAX_THREADS];
	atomic64_t counters[MMT_MAX_COUNTERS];
	atomic64_t errors;
	atomic64_t violations;
	atomic64_t idle;
	struct dentry *dir;
	/*
	 * The process that enabled the engine while it owned a live target:
	 * the engine stops when that owner has no target left. The mm is
	 * compared, never dereferenced. NULL: no owner, no auto-stop.
	 */
	const struct mm_struct *owner_mm;
	pid_t owner_tgid;
};

int mmt_engine_register(struct mmt_engine *e, struct dentry *root);
void mmt_engine_unregister(struct mmt_engine *e);
void mmt_engine_count(struct mmt_engine *e, unsigned int counter);
void mmt_engine_idle(struct mmt_worker *w);
unsigned long mmt_engine_pick_op(struct mmt_worker *w);
u32 mmt_rand(struct mmt_worker *w, u32 below);
void mmt_seq_words(struct seq_file *m, const char *prefix,
		   const char * const *words);
const char *mmt_engine_state(struct mmt_engine *e);
void mmt_engine_reap(struct mmt_engine *e);
void mmt_engine_periodic(struct mmt_engine *e);
ssize_t mmt_engine_u32_write(struct mmt_engine *e, unsigned int *knob,
			     unsigned int min, unsigned int max,
			     const char __user *buf, size_t count, loff_t *ppos);
ssize_t mmt_engine_u32_read(unsigned int val, char __user *buf, size_t count,
			    loff_t *ppos);

/* The engines. */
extern struct mmt_engine mmt_mkclean_engine;
extern struct mmt_engine mmt_vma_engine;
extern struct mmt_engine mmt_lazytlb_engine;
extern struct mmt_engine mmt_tlbdelay_engine;

/* Page-table helpers (pgwalk.c). */
typedef void (*mmt_pte_fn)(struct mm_struct *mm, unsigned long addr,
			   pte_t *ptep, void *data);
unsigned long mmt_walk_ptes(struct mm_struct *mm, unsigned long start,
			    unsigned long end, mmt_pte_fn fn, void *data,
			    unsigned long *huge);

#endif /* MMTORTURE_H */
