// SPDX-License-Identifier: GPL-2.0
/*
 * Opt-in targets. The module touches only memory that a process offered:
 *
 *   echo "arena START LEN" > targets   a page-aligned range of the writer's
 *                                      own address space, fully mapped
 *   echo "file FD" > targets           a regular file the writer has open
 *                                      for writing, resolved in the
 *                                      writer's context, on a filesystem
 *                                      whose pages are written back the
 *                                      ordinary way (no hugetlbfs, DAX or
 *                                      pseudo filesystem)
 *   echo "release ID" > targets        drop one of the writer's targets
 *   echo "release all" > targets       drop all of the writer's targets
 *   cat targets                        one line per live target
 *
 * A target keeps the owner's mm_struct allocated (mmgrab), never its
 * address space: engines take mmget_not_zero() for each operation, so the
 * owner can always exit. A janitor drops every target whose mm has no
 * users left (the process exited or exec()ed) within 100 ms, then stops
 * every engine whose owner (the process that enabled it) has no target
 * left. Writes follow the knob grammar (knob.c): decimal FD and ID,
 * hexadecimal START and LEN, nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mmtorture.h"

/* Largest arena accepted, a sanity bound. */
#define MMT_ARENA_MAX SZ_1G

static LIST_HEAD(mmt_targets);
static DEFINE_MUTEX(mmt_targets_lock);
static unsigned int mmt_nr_targets;
static u32 mmt_next_id = 1;
/* Owner mms, compared by address only (never dereferenced) by probes. */
static struct mm_struct *mmt_target_mms[MMT_MAX_TARGETS];

static void mmt_target_free(struct kref *ref)
{
	struct mmt_target *t = container_of(ref, struct mmt_target, ref);

	if (t->file)
		fput(t->file);
	put_pid(t->pid);
	mmdrop(t->mm);
	kfree(t);
}

void mmt_target_put(struct mmt_target *t)
{
	kref_put(&t->ref, mmt_target_free);
}

void mmt_target_mark_dead(struct mmt_target *t)
{
	WRITE_ONCE(t->dead, true);
}

bool mmt_target_mm(const struct mm_struct *mm)
{
	unsigned int i;

	if (!mm)
		return false;
	for (i = 0; i < MMT_MAX_TARGETS; i++)
		if (READ_ONCE(mmt_target_mms[i]) == mm)
			return true;
	return false;
}

unsigned int mmt_target_count(void)
{
	return READ_ONCE(mmt_nr_targets);
}

/*
 * The owner is going away: its thread group is exiting (SIGKILL sets
 * SIGNAL_GROUP_EXIT at once) or has gone, or it exec()ed another mm.
 * Checked besides mm_users because engine threads take short mm_users
 * references (mmget_not_zero) one after another: several of them could
 * keep an exiting owner's address space alive indefinitely.
 */
static bool mmt_owner_gone(const struct mmt_target *t)
{
	struct task_struct *task;
	bool gone;

	rcu_read_lock();
	task = pid_task(t->pid, PIDTYPE_TGID);
	gone = !task || (task->flags & PF_EXITING) ||
	       (task->signal->flags & SIGNAL_GROUP_EXIT) ||
	       READ_ONCE(task->mm) != t->mm;
	rcu_read_unlock();
	return gone;
}

static bool mmt_target_live(const struct mmt_target *t)
{
	return atomic_read(&t->mm->mm_users) > 0 && !READ_ONCE(t->dead);
}

/* Whether the process (@mm, @tgid) has a live target; @mm is compared only. */
bool mmt_target_owner_live(const struct mm_struct *mm, pid_t tgid)
{
	struct mmt_target *t;
	bool live = false;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry(t, &mmt_targets, node) {
		if (t->mm == mm && t->tgid == tgid && mmt_target_live(t)) {
			live = true;
			break;
		}
	}
	mutex_unlock(&mmt_targets_lock);
	return live;
}

static void mmt_mms_rebuild_locked(void)
{
	struct mmt_target *t;
	unsigned int i = 0;

	list_for_each_entry(t, &mmt_targets, node)
		if (i < MMT_MAX_TARGETS)
			WRITE_ONCE(mmt_target_mms[i++], t->mm);
	for (; i < MMT_MAX_TARGETS; i++)
		WRITE_ONCE(mmt_target_mms[i], NULL);
}

static void mmt_target_unlink_locked(struct mmt_target *t)
{
	list_del(&t->node);
	mmt_nr_targets--;
	mmt_mms_rebuild_locked();
	mmt_target_put(t);
}

/*
 * The next live target of @type (MMT_TARGET_ANY: of any type) after id
 * *@cursor (round robin), with a reference the caller drops with
 * mmt_target_put(); NULL if none.
 */
struct mmt_target *mmt_target_next(enum mmt_target_type type, u32 *cursor)
{
	struct mmt_target *t, *first = NULL, *found = NULL;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry(t, &mmt_targets, node) {
		if ((type != MMT_TARGET_ANY && t->type != type) ||
		    READ_ONCE(t->dead))
			continue;
		if (!first)
			first = t;
		if (t->id > *cursor) {
			found = t;
			break;
		}
	}
	if (!found)
		found = first;
	if (found) {
		kref_get(&found->ref);
		*cursor = found->id;
	}
	mutex_unlock(&mmt_targets_lock);
	return found;
}

/*
 * From main.c's janitor: drop every target whose mm has no users left or
 * whose owner is gone.
 */
void mmt_targets_reap(void)
{
	struct mmt_target *t, *tmp;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry_safe(t, tmp, &mmt_targets, node) {
		if (atomic_read(&t->mm->mm_users) == 0 || READ_ONCE(t->dead) ||
		    mmt_owner_gone(t)) {
			WRITE_ONCE(t->dead, true);
			pr_debug("target %u (pid %d) dropped: its owner is gone\n",
				 t->id, t->tgid);
			mmt_target_unlink_locked(t);
		}
	}
	mutex_unlock(&mmt_targets_lock);
}

/* The whole of [start, start + len) is covered by usable VMAs. */
static int mmt_arena_check(struct mm_struct *mm, unsigned long start,
			   unsigned long len)
{
	unsigned long addr = start, end = start + len;
	struct vm_area_struct *vma;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr) {
			ret = -ENOENT;
			break;
		}
		if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP |
				     VM_HUGETLB)) {
			ret = -EINVAL;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return ret;
}

static struct mmt_target *mmt_target_alloc(enum mmt_target_type type)
{
	struct mmt_target *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	kref_init(&t->ref);
	t->type = type;
	t->mm = current->mm;
	mmgrab(t->mm);
	t->tgid = task_tgid_nr(current);
	t->pid = get_pid(task_tgid(current));
	get_task_comm(t->comm, current);
	return t;
}

static int mmt_target_add(struct mmt_target *t)
{
	struct mmt_target *old, *tmp;
	unsigned int mine = 0;
	int ret = 0;

	mutex_lock(&mmt_targets_lock);
	/* Make room from targets whose owners are gone already. */
	if (mmt_nr_targets >= MMT_MAX_TARGETS)
		list_for_each_entry_safe(old, tmp, &mmt_targets, node)
			if (atomic_read(&old->mm->mm_users) == 0)
				mmt_target_unlink_locked(old);
	list_for_each_entry(old, &mmt_targets, node)
		if (old->mm == t->mm && !READ_ONCE(old->dead))
			mine++;
	if (mmt_nr_targets >= MMT_MAX_TARGETS ||
	    mine >= MMT_MAX_TARGETS_PER_MM) {
		ret = -ENOSPC;
	} else {
		t->id = mmt_next_id++;
		list_add_tail(&t->node, &mmt_targets);
		mmt_nr_targets++;
		mmt_mms_rebuild_locked();
	}
	mutex_unlock(&mmt_targets_lock);
	if (ret)
		mmt_target_put(t);
	return ret;
}

/* "arena START LEN", both hexadecimal (an optional 0x). */
static int mmt_register_arena(char **tok, int n)
{
	struct mmt_target *t;
	u64 start, len;
	int ret;

	if (n != 3 || mmt_knob_u64(tok[1], 16, 0, U64_MAX, &start) ||
	    mmt_knob_u64(tok[2], 16, 1, MMT_ARENA_MAX, &len))
		return -EINVAL;
	if (!PAGE_ALIGNED(start) ||
	    !PAGE_ALIGNED(len) || start + len < start ||
	    start + len > TASK_SIZE)
		return -EINVAL;
	ret = mmt_arena_check(current->mm, start, len);
	if (ret)
		return ret;
	t = mmt_target_alloc(MMT_TARGET_ARENA);
	if (!t)
		return -ENOMEM;
	t->start = start;
	t->len = len;
	return mmt_target_add(t);
}

/*
 * Filesystems whose regular files are not page cache written back to a
 * backing store: their pages are not what the cleaners race on, and some
 * (hugetlbfs) break assumptions of the page-level engines.
 */
static const unsigned long mmt_refused_magics[] = {
	HUGETLBFS_MAGIC, DAXFS_MAGIC, PROC_SUPER_MAGIC, SYSFS_MAGIC,
	DEBUGFS_MAGIC, TRACEFS_MAGIC, SECURITYFS_MAGIC, SELINUX_MAGIC,
	SMACK_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
	RDTGROUP_SUPER_MAGIC, BPF_FS_MAGIC, PSTOREFS_MAGIC, EFIVARFS_MAGIC,
	DEVPTS_SUPER_MAGIC, BINFMTFS_MAGIC, USBDEVICE_SUPER_MAGIC,
	ANON_INODE_FS_MAGIC, NSFS_MAGIC, PIPEFS_MAGIC, SOCKFS_MAGIC,
	DMA_BUF_MAGIC, SECRETMEM_MAGIC, AAFS_MAGIC, BINDERFS_SUPER_MAGIC,
	OPENPROM_SUPER_MAGIC, XENFS_SUPER_MAGIC, DEVMEM_MAGIC,
};

static int mmt_file_check(struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned int i;

	if (!S_ISREG(inode->i_mode) || !file->f_mapping ||
	    !file->f_mapping->a_ops)
		return -EINVAL;
	/*
	 * Opened for writing, and still writable by the caller now: the
	 * engines clean and write-protect the file's pages.
	 */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (file_permission(file, MAY_WRITE))
		return -EACCES;
	if (IS_DAX(inode))
		return -EINVAL;
	/* hugetlbfs, and SysV shm on it: a file on the hugetlbfs sb. */
	for (i = 0; i < ARRAY_SIZE(mmt_refused_magics); i++)
		if (inode->i_sb->s_magic == mmt_refused_magics[i])
			return -EINVAL;
	return 0;
}

/* "file FD", decimal. */
static int mmt_register_file(char **tok, int n)
{
	struct mmt_target *t;
	struct file *file;
	u32 fd;
	int ret;

	if (n != 2 || mmt_knob_u32(tok[1], 10, 0, INT_MAX, &fd))
		return -EINVAL;
	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = mmt_file_check(file);
	if (ret)
		goto err_put;
	t = mmt_target_alloc(MMT_TARGET_FILE);
	if (!t) {
		ret = -ENOMEM;
		goto err_put;
	}
	t->file = file;
	return mmt_target_add(t);

err_put:
	fput(file);
	return ret;
}

/* "release ID" (decimal) or "release all": only the writer's own targets. */
static int mmt_release(char **tok, int n)
{
	struct mmt_target *t, *tmp;
	bool all = false;
	int ret = -ENOENT;
	u32 id = 0;

	if (n != 2)
		return -EINVAL;
	if (!strcmp(tok[1], MMT_TARGET_ALL))
		all = true;
	else if (mmt_knob_u32(tok[1], 10, 1, U32_MAX, &id))
		return -EINVAL;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry_safe(t, tmp, &mmt_targets, node) {
		if (t->mm != current->mm || (!all && t->id != id))
			continue;
		mmt_target_unlink_locked(t);
		ret = 0;
	}
	mutex_unlock(&mmt_targets_lock);
	return all ? 0 : ret;
}

static ssize_t targets_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	char *s, *tok[4];
	int n, ret;

	if (!current->mm || (current->flags & PF_KTHREAD))
		return -EINVAL;
	s = mmt_knob_fetch(buf, count, ppos, 128);
	if (IS_ERR(s))
		return PTR_ERR(s);
	n = mmt_knob_split(s, tok, ARRAY_SIZE(tok));
	if (n < 2)
		ret = -EINVAL;
	else if (!strcmp(tok[0], MMT_TARGET_ARENA_VERB))
		ret = mmt_register_arena(tok, n);
	else if (!strcmp(tok[0], MMT_TARGET_FILE_VERB))
		ret = mmt_register_file(tok, n);
	else if (!strcmp(tok[0], MMT_TARGET_RELEASE_VERB))
		ret = mmt_release(tok, n);
	else
		ret = -EINVAL;
	kfree(s);
	return ret ? ret : count;
}

static int targets_show(struct seq_file *m, void *v)
{
	struct mmt_target *t;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry(t, &mmt_targets, node) {
		seq_printf(m, "id=%u pid=%d comm=%s", t->id, t->tgid, t->comm);
		if (t->type == MMT_TARGET_ARENA) {
			seq_printf(m, " type=arena start=0x%lx len=0x%lx",
				   t->start, t->len);
		} else {
			struct inode *inode = file_inode(t->file);

			/* i_ino is unsigned long before 7.x, u64 after. */
			seq_printf(m, " type=file dev=%u:%u ino=%llu size=%lld",
				   MAJOR(inode->i_sb->s_dev),
				   MINOR(inode->i_sb->s_dev),
				   (unsigned long long)inode->i_ino,
				   i_size_read(inode));
		}
		seq_printf(m, " live=%d\n", mmt_target_live(t));
	}
	mutex_unlock(&mmt_targets_lock);
	return 0;
}

static int targets_open(struct inode *inode, struct file *file)
{
	return single_open(file, targets_show, inode->i_private);
}

static const struct file_operations targets_fops = {
	.owner = THIS_MODULE,
	.open = targets_open,
	.read = seq_read,
	.write = targets_write,
	.llseek = seq_lseek,
	.release = single_release,
};

int mmt_targets_init(struct dentry *root)
{
	debugfs_create_file(MMT_FILE_TARGETS, 0600, root, NULL, &targets_fops);
	return 0;
}

/*
 * After the janitor was stopped and every engine stopped: nobody else
 * holds a target any more.
 */
void mmt_targets_exit(void)
{
	struct mmt_target *t, *tmp;

	mutex_lock(&mmt_targets_lock);
	list_for_each_entry_safe(t, tmp, &mmt_targets, node)
		mmt_target_unlink_locked(t);
	mutex_unlock(&mmt_targets_lock);
}
