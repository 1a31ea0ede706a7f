// SPDX-License-Identifier: GPL-2.0
/*
 * console_scan.c - find kernel splats in a serial console log.
 *
 * The log is read into memory as an array of lines. In each line the kernel
 * message is what follows the printk timestamp ("[   12.345678] ", maybe
 * with a "[  T123]" caller field); whatever comes before the timestamp, and
 * every line without one, was written by user space and is never matched.
 * A log without a single timestamp (printk.time=0) is taken as all kernel.
 *
 * A report starts at a line whose kernel message begins with one of the
 * headers in rules[] and ends at the kernel's own end marker
 * ("---[ end ...]---", the closing "=====" of KASAN, the "</TASK>" of the
 * last stack of reports that print no marker), at the start of the next
 * report, or after REPORT_MAX_LINES. Its title names the class and the
 * function the report blames, taken from the header, lockdep's "at:"
 * line, the RIP line or the first meaningful Call Trace frame, in the
 * order the rule asks for; the names follow syzkaller's (pkg/report).
 * Reports with the same title are folded into one struct splat.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "console_scan.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define NAME_LEN		128	/* function names, file:line */
#define TITLE_LEN		256
#define NMATCH			4	/* regex submatches kept */
/* A report is looked at for at most this many lines from its header. */
#define REPORT_MAX_LINES	400
/* An "Oops: ..." line this close after "kernel BUG at" etc. is its own. */
#define OOPS_FOLLOW_LINES	16
/* Lines after lockdep's "is trying to acquire lock:" to find "at:" in. */
#define LOCK_AT_LINES		4
/* Shortest "=====" or "-----" line taken as a ruler. */
#define RULER_MIN		20

/* ---- the log ---- */

struct cline {
	char *raw;		/* the line, without its line end */
	const char *msg;	/* kernel message within raw, or NULL */
};

struct con_log {
	struct cline *v;
	size_t n;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "[   12.345678]" at @p: return what follows it, or NULL. */
static const char *skip_stamp(const char *p)
{
	int frac = 0;

	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (!is_digit(*p))
		return NULL;
	while (is_digit(*p))
		p++;
	if (*p++ != '.')
		return NULL;
	while (is_digit(*p)) {
		p++;
		frac++;
	}
	return frac == 6 && *p == ']' ? p + 1 : NULL;
}

/* CONFIG_PRINTK_CALLER's "[  T123]" or "[    C1]" at @p, or NULL. */
static const char *skip_caller(const char *p)
{
	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (*p != 'T' && *p != 'C')
		return NULL;
	if (!is_digit(*++p))
		return NULL;
	while (is_digit(*p))
		p++;
	return *p == ']' ? p + 1 : NULL;
}

/*
 * The kernel message in @line: what follows the first printk timestamp.
 * User space output can precede it on the same line when the kernel
 * printed while a program had written half a line.
 */
static const char *kmsg_find(const char *line)
{
	const char *p, *end, *caller;

	for (p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		end = skip_stamp(p);
		if (!end)
			continue;
		caller = skip_caller(*end == ' ' ? end + 1 : end);
		if (caller)
			end = caller;
		return *end == ' ' ? end + 1 : end;
	}
	return NULL;
}

/* Drop the line end ("\n", "\r\n", "\r\r\n") and NUL bytes; copy. */
static char *tidy_line(char *buf, size_t len)
{
	size_t i, j;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	for (i = j = 0; i < len; i++)
		if (buf[i])
			buf[j++] = buf[i];
	buf[j] = '\0';
	return strdup(buf);
}

static void log_free(struct con_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->v[i].raw);
	free(log->v);
	log->v = NULL;
	log->n = 0;
}

static int log_add(struct con_log *log, size_t *cap, char *raw)
{
	struct cline *v;

	if (log->n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		v = realloc(log->v, *cap * sizeof(*v));
		if (!v)
			return -1;
		log->v = v;
	}
	log->v[log->n].raw = raw;
	log->v[log->n].msg = kmsg_find(raw);
	log->n++;
	return 0;
}

/* Read all of @in. Returns 0, or -1 with errno set. */
static int log_read(FILE *in, struct con_log *log)
{
	char *buf = NULL, *raw;
	size_t bufsz = 0, cap = 0, i;
	bool stamped = false;
	ssize_t len;
	int err = 0;

	while ((len = getline(&buf, &bufsz, in)) >= 0) {
		raw = tidy_line(buf, len);
		if (!raw || log_add(log, &cap, raw)) {
			free(raw);
			err = ENOMEM;
			break;
		}
		stamped |= log->v[log->n - 1].msg != NULL;
	}
	if (!err && ferror(in))
		err = errno ? errno : EIO;
	free(buf);
	if (err) {
		log_free(log);
		errno = err;
		return -1;
	}
	if (!stamped)
		for (i = 0; i < log->n; i++)
			log->v[i].msg = log->v[i].raw;
	return 0;
}

/* ---- what a report looks like ---- */

enum {
	R_FN_HDR	= 1 << 0,  /* function from the header (cap_fn) */
	R_FN_LOCK	= 1 << 1,  /* from lockdep's "at:" after the line @key */
	R_FN_RIP	= 1 << 2,  /* from the first "RIP: 0010:func+..." */
	R_FN_TRACE	= 1 << 3,  /* from the first Call Trace */
	R_FN_SRC	= 1 << 4,  /* "at file:line" from the lines after */
	R_NO_IRQ	= 1 << 5,  /* skip <IRQ>/<NMI> sections of the trace */
	R_ACCESS	= 1 << 6,  /* add " Read"/" Write" (KASAN) */
	R_REASON	= 1 << 7,  /* cap_stem is free text: drop variable parts */
	R_CLAUSE	= 1 << 8,  /* ... and keep only its first clause */
	R_OOPS		= 1 << 9,  /* an "Oops: NNNN [#N]" style header */
	R_OOPS_NEXT	= 1 << 10, /* a following R_OOPS line belongs to it */
	R_END_TASK	= 1 << 11, /* ends with its stack's "</TASK>" */
	R_END_RULER	= 1 << 12, /* ends with a closing "=====" line */
	R_ONE_LINE	= 1 << 13, /* the header is all of it */
};

#define R_FN_OOPS	(R_FN_RIP | R_FN_TRACE)

/*
 * A report's title is @stem, then " in FUNC" when a function is found;
 * otherwise @fallback if there is one and cap_stem matched, else @stem.
 */
struct rule {
	const char *re;		/* ERE, anchored at the start of the message */
	const char *kind;	/* struct splat's kind */
	const char *stem;	/* a "%s" in it takes submatch cap_stem */
	const char *fallback;	/* may hold a "%s" as well */
	int cap_stem;		/* submatch of the header, 0 for none */
	int cap_fn;		/* R_FN_HDR: submatch with "func+0x1/0x2" */
	unsigned int flags;
	const char *key;	/* R_FN_LOCK: line after which "at:" follows */
	const char *const *skip; /* frames not to blame, besides skip_all */
};

/*
 * Frames that are never to blame: the reporting machinery, exception
 * entry, sanitizers, locking and string primitives. Prefixes.
 */
static const char *const skip_all[] = {
	"dump_stack", "__dump_stack", "show_stack", "show_trace_log_lvl",
	"show_regs", "print_", "__warn", "warn_slowpath", "report_bug",
	"handle_bug", "panic", "nmi_panic", "check_panic_on_warn", "die",
	"__die", "oops_", "do_trap", "do_error_trap", "exc_", "asm_exc_",
	"do_user_addr_fault", "page_fault_oops", "kernelmode_fixup_or_oops",
	"__bad_area", "bad_area", "kasan_", "__kasan_", "__asan_", "kfence_",
	"__kfence_", "__ubsan_", "ubsan_", "__might_resched", "__might_sleep",
	"__might_fault", "might_fault", "might_sleep", "lockdep_",
	"lock_acquire", "lock_release", "__lock_acquire", "lock_acquired",
	"lock_contended", "check_noncircular", "check_prev_add",
	"check_prevs_add", "validate_chain", "mark_lock", "mark_usage",
	"_raw_spin_", "_raw_read_", "_raw_write_", "do_raw_spin_",
	"queued_spin_", "native_queued_spin_", "__pv_queued_spin_",
	"queued_read_", "queued_write_", "mutex_lock", "__mutex_lock",
	"mutex_unlock", "__mutex_unlock", "down_read", "down_write",
	"up_read", "up_write", "refcount_", "__list_add", "__list_del",
	"list_add", "list_del", "memcpy", "memset", "memmove", "memcmp",
	"__memcpy", "__memset", "__memmove", "strcpy", "strncpy", "strscpy",
	"strlen", "strnlen", "strcmp", "strncmp", "copy_to_user",
	"copy_from_user", "_copy_to_user", "_copy_from_user",
	"rep_movs_alternative", "__put_user", "__get_user",
	NULL
};

/* Scheduler, sleep and lock slow paths: where a hung task waits. */
static const char *const skip_sleep[] = {
	"__schedule", "schedule", "io_schedule", "preempt_schedule",
	"context_switch", "__switch_to", "__wait", "wait_", "do_wait_for_common",
	"__flush_work", "flush_work", "rwsem_down", "__down", "down",
	"rt_mutex", "__rt_mutex", "rwbase_", "percpu_down", "percpu_rwsem",
	"folio_wait", "__folio_lock", "__lock_page", "__lock_folio",
	"out_of_line_wait_on_bit", "bit_wait", "msleep", "usleep_range",
	"__cond_resched", "kthread",
	NULL
};

/* Allocators and sleeping locks: what calls might_sleep() for the caller. */
static const char *const skip_might_sleep[] = {
	"__alloc_pages", "alloc_pages", "__folio_alloc", "folio_alloc",
	"vma_alloc_folio", "__kmalloc", "kmalloc", "__kmem_cache_alloc",
	"kmem_cache_alloc", "slab_pre_alloc_hook", "kvmalloc", "__kvmalloc",
	"vmalloc", "__vmalloc", "vzalloc", "__get_free_pages",
	"get_zeroed_page", "might_alloc", "down", "__down", "rt_mutex",
	"__flush_work", "flush_work", "msleep", "usleep_range",
	"__cond_resched",
	NULL
};

/*
 * Timer interrupt and watchdog frames on top of a stalled CPU's stack, and
 * the scheduler frames of a preempted RCU reader.
 */
static const char *const skip_stall[] = {
	"rcu_", "__rcu_", "watchdog", "__hrtimer_run_queues", "hrtimer_",
	"__schedule", "schedule", "preempt_schedule", "__cond_resched",
	"tick_", "update_process_times", "sched_tick", "scheduler_tick",
	"irq_exit", "__irq_exit", "__do_softirq", "handle_softirqs",
	"do_softirq", "__sysvec_", "sysvec_", "asm_sysvec_", "nmi_",
	"default_do_nmi", "exc_nmi", "end_repeat_nmi", "trigger_",
	"arch_trigger_", "dump_cpu_task",
	NULL
};

static const struct rule rules[] = {
	/* lockdep: "WARNING:" headers that are not WARN_ON */
	{
		.re = "^WARNING: possible circular locking dependency detected",
		.kind = "LOCKDEP",
		.stem = "possible deadlock",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = "is trying to acquire lock",
	},
	{
		.re = "^WARNING: possible recursive locking detected",
		.kind = "LOCKDEP",
		.stem = "possible deadlock",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = "is trying to acquire lock",
	},
	{
		.re = "^WARNING: possible irq lock inversion dependency detected",
		.kind = "LOCKDEP",
		.stem = "possible deadlock",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = "just changed the state of lock",
	},
	{
		.re = "^WARNING: (SOFT|HARD)IRQ-safe -> (SOFT|HARD)IRQ-unsafe lock order detected",
		.kind = "LOCKDEP",
		.stem = "possible deadlock",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = "is trying to acquire",
	},
	{
		.re = "^WARNING: inconsistent lock state",
		.kind = "LOCKDEP",
		.stem = "inconsistent lock state",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = " takes:",
	},
	{
		.re = "^WARNING: suspicious RCU usage",
		.kind = "LOCKDEP",
		.stem = "suspicious RCU usage",
		.flags = R_FN_SRC | R_END_TASK,
	},
	{
		.re = "^WARNING: bad unlock balance detected!",
		.kind = "LOCKDEP",
		.stem = "WARNING: bad unlock balance",
		.flags = R_FN_LOCK | R_FN_TRACE | R_END_TASK,
		.key = "is trying to release lock",
	},
	{
		.re = "^WARNING: held lock freed!",
		.kind = "LOCKDEP",
		.stem = "WARNING: held lock freed",
		.flags = R_FN_TRACE | R_END_TASK,
	},

	/* WARN_ON(); the second form is newer kernels' reordered header */
	{
		.re = "^WARNING: CPU: [0-9]+ PID: [0-9]+ at (([^ ]+:[0-9]+) )?([^ ]+)",
		.kind = "WARNING",
		.stem = "WARNING",
		.fallback = "WARNING at %s",
		.cap_stem = 2,
		.cap_fn = 3,
		.flags = R_FN_HDR | R_FN_RIP | R_FN_TRACE,
	},
	{
		.re = "^WARNING: ([^ ]+:[0-9]+) at ([^ ,]+)( \\[[^]]+\\])?, CPU#[0-9]+: ",
		.kind = "WARNING",
		.stem = "WARNING",
		.fallback = "WARNING at %s",
		.cap_stem = 1,
		.cap_fn = 2,
		.flags = R_FN_HDR | R_FN_RIP | R_FN_TRACE,
	},

	/* sanitizers */
	{
		.re = "^BUG: KASAN: ([a-z-]+) in ([^ ]+)",
		.kind = "KASAN",
		.stem = "KASAN: %s",
		.cap_stem = 1,
		.cap_fn = 2,
		.flags = R_FN_HDR | R_FN_TRACE | R_ACCESS | R_END_RULER,
	},
	{
		.re = "^BUG: KASAN: ([a-z-]+)",
		.kind = "KASAN",
		.stem = "KASAN: %s",
		.cap_stem = 1,
		.flags = R_FN_TRACE | R_ACCESS | R_END_RULER,
	},
	{
		.re = "^BUG: KFENCE: ([a-z-]+( [a-z-]+)?) in ([^ ]+)",
		.kind = "KFENCE",
		.stem = "KFENCE: %s",
		.cap_stem = 1,
		.cap_fn = 3,
		.flags = R_FN_HDR | R_FN_TRACE | R_END_RULER,
	},
	{
		.re = "^UBSAN: ([a-z-]+) in ",
		.kind = "UBSAN",
		.stem = "UBSAN: %s",
		.cap_stem = 1,
		.flags = R_FN_TRACE | R_END_RULER,
	},

	/* BUG_ON() and oopses */
	{
		.re = "^kernel BUG at ([^ !]+)!",
		.kind = "BUG",
		.stem = "kernel BUG",
		.fallback = "kernel BUG at %s",
		.cap_stem = 1,
		.flags = R_FN_OOPS | R_OOPS_NEXT,
	},
	{
		.re = "^Kernel BUG at ([^ ]+)",
		.kind = "BUG",
		.stem = "kernel BUG",
		.cap_fn = 1,
		.flags = R_FN_HDR | R_FN_OOPS | R_OOPS_NEXT,
	},
	{
		.re = "^BUG: (unable to handle )?kernel NULL pointer dereference",
		.kind = "OOPS",
		.stem = "BUG: unable to handle kernel NULL pointer dereference",
		.flags = R_FN_OOPS | R_OOPS_NEXT,
	},
	{
		.re = "^BUG: unable to handle (page fault for address|kernel paging request)",
		.kind = "OOPS",
		.stem = "BUG: unable to handle kernel paging request",
		.flags = R_FN_OOPS | R_OOPS_NEXT,
	},
	{
		.re = "^(Oops: )?general protection fault[,:]",
		.kind = "OOPS",
		.stem = "general protection fault",
		.flags = R_FN_OOPS,
	},
	{
		.re = "^(Oops: )?(invalid opcode|divide error|stack segment|int3|"
		      "bounds|alignment check|segment not present|invalid TSS): "
		      "[0-9a-f]{4} \\[#",
		.kind = "OOPS",
		.stem = "%s",
		.cap_stem = 2,
		.flags = R_FN_OOPS | R_OOPS,
	},
	{
		.re = "^(Oops: )?Oops: [0-9a-f]{4} \\[#",
		.kind = "OOPS",
		.stem = "Oops",
		.flags = R_FN_OOPS | R_OOPS,
	},
	{
		.re = "^PANIC: double fault",
		.kind = "OOPS",
		.stem = "PANIC: double fault",
		.flags = R_FN_RIP,
	},

	/* mm state checks */
	{
		.re = "^BUG: Bad page state in process ",
		.kind = "BUG",
		.stem = "BUG: Bad page state",
		.flags = R_END_TASK,
	},
	{
		.re = "^BUG: Bad page map in process ",
		.kind = "BUG",
		.stem = "BUG: Bad page map",
		.flags = R_END_TASK,
	},
	{
		.re = "^BUG: Bad rss-counter state ",
		.kind = "BUG",
		.stem = "BUG: Bad rss-counter state",
		.flags = R_ONE_LINE,
	},
	{
		.re = "^BUG: non-zero (pgtables_bytes|nr_ptes|nr_pmds) on freeing mm",
		.kind = "BUG",
		.stem = "BUG: non-zero %s on freeing mm",
		.cap_stem = 1,
		.flags = R_ONE_LINE,
	},
	{
		.re = "^BUG [^ ]+ \\((Not tainted|Tainted: [^)]*)\\): (.+)",
		.kind = "BUG",
		.stem = "BUG: SLUB: %s",
		.cap_stem = 2,
		.flags = R_REASON | R_END_TASK,
	},

	/* context and lockups */
	{
		.re = "^BUG: sleeping function called from invalid context",
		.kind = "BUG",
		.stem = "BUG: sleeping function called from invalid context",
		.flags = R_FN_TRACE | R_END_TASK,
		.skip = skip_might_sleep,
	},
	{
		.re = "^BUG: scheduling while atomic: ",
		.kind = "BUG",
		.stem = "BUG: scheduling while atomic",
		.flags = R_FN_TRACE | R_END_TASK,
		.skip = skip_sleep,
	},
	{
		.re = "^((NMI )?watchdog: )?BUG: soft lockup - CPU#",
		.kind = "LOCKUP",
		.stem = "BUG: soft lockup",
		.flags = R_FN_RIP | R_FN_TRACE | R_NO_IRQ | R_END_TASK,
		.skip = skip_stall,
	},
	{
		.re = "^((NMI )?watchdog: )?(CPU[0-9]+: )?Watchdog detected hard LOCKUP on cpu",
		.kind = "LOCKUP",
		.stem = "hard lockup",
		.flags = R_FN_RIP | R_FN_TRACE | R_NO_IRQ | R_END_TASK,
		.skip = skip_stall,
	},
	{
		.re = "^INFO: task .+:[0-9]+ blocked for more than [0-9]+ seconds",
		.kind = "HUNG",
		.stem = "INFO: task hung",
		.flags = R_FN_TRACE | R_END_TASK,
		.skip = skip_sleep,
	},
	{
		.re = "^(rcu: )?INFO: rcu_(preempt|sched|bh) (self-)?detected( expedited)? stall",
		.kind = "STALL",
		.stem = "INFO: rcu detected stall",
		.flags = R_FN_RIP | R_FN_TRACE | R_NO_IRQ,
		.skip = skip_stall,
	},

	/* last resorts */
	{
		.re = "^Kernel panic - not syncing: (.*)",
		.kind = "PANIC",
		.stem = "kernel panic: %s",
		.cap_stem = 1,
		.flags = R_REASON,
	},
	{
		.re = "^BUG: (.+)",
		.kind = "BUG",
		.stem = "BUG: %s",
		.cap_stem = 1,
		.flags = R_REASON | R_CLAUSE,
	},
};

struct scan {
	regex_t re[ARRAY_SIZE(rules)];
	const struct con_log *log;
	unsigned int ctx_before;
	struct splat_list *out;
};

struct report {
	const struct rule *rule;
	size_t start;		/* the header line */
	size_t end;		/* one past its last line */
	regmatch_t m[NMATCH];	/* submatches in the header's message */
	bool oops_seen;
};

static int scan_init(struct scan *sc)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		if (regcomp(&sc->re[i], rules[i].re, REG_EXTENDED)) {
			while (i--)
				regfree(&sc->re[i]);
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

static void scan_exit(struct scan *sc)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++)
		regfree(&sc->re[i]);
}

/* Index of the rule whose header @msg is, or -1. */
static int match_header(const struct scan *sc, const char *msg,
			regmatch_t *m)
{
	size_t i;

	/* Every header starts with a letter; frames and dumps do not. */
	if (!isalpha((unsigned char)msg[0]))
		return -1;
	for (i = 0; i < ARRAY_SIZE(rules); i++)
		if (!regexec(&sc->re[i], msg, NMATCH, m, 0))
			return i;
	return -1;
}

/* ---- picking the function to blame ---- */

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool in_list(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (has_prefix(name, *list))
			return true;
	return false;
}

static bool blamable(const struct rule *r, const char *name)
{
	return !in_list(name, skip_all) && !in_list(name, r->skip);
}

/* Skip leading blanks and the "[<ffffffff81234567>] " of old kernels. */
static const char *skip_addr(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] != '[' || p[1] != '<')
			return p;
		p = strchr(p, ']');
		if (!p)
			return "";
		p++;
	}
}

/*
 * The function in a "func.cold+0x1a/0x40 [mod]" token: without offset,
 * module and compiler suffix (".cold", ".isra.0", ".constprop.0", ...),
 * which change from build to build.
 */
static bool sym_name(const char *p, char *name, size_t size)
{
	size_t n = 0, len;

	while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.')
		n++;
	if (!n || strncmp(p + n, "+0x", 3))
		return false;
	len = strcspn(p, ".+");
	if (!len || len >= size)
		return false;
	memcpy(name, p, len);
	name[len] = '\0';
	return true;
}

static bool fn_from_header(const struct report *rep, const char *msg,
			   char *name, size_t size)
{
	const regmatch_t *m = &rep->m[rep->rule->cap_fn];

	return m->rm_so >= 0 && sym_name(msg + m->rm_so, name, size) &&
	       blamable(rep->rule, name);
}

/* Kernel message of line @i, or NULL for user space output. */
static const char *kmsg(const struct con_log *log, size_t i)
{
	return log->v[i].msg;
}

/* First line in [@from, @to) whose kernel message holds @s, or @to. */
static size_t find_kmsg(const struct con_log *log, size_t from, size_t to,
			const char *s)
{
	const char *msg;

	for (; from < to; from++) {
		msg = kmsg(log, from);
		if (msg && strstr(msg, s))
			break;
	}
	return from;
}

/* lockdep: "ffff88810... (&mm->mmap_lock){++++}-{3:3}, at: func+0x2f/0x80" */
static bool fn_from_lock(const struct con_log *log, const struct report *rep,
			 char *name, size_t size)
{
	size_t i = find_kmsg(log, rep->start + 1, rep->end, rep->rule->key);
	size_t seen = 0;
	const char *msg, *at;

	while (++i < rep->end && seen < LOCK_AT_LINES) {
		msg = kmsg(log, i);
		if (!msg)
			continue;
		seen++;
		at = strstr(msg, "at: ");
		if (at)
			return sym_name(skip_addr(at + 4), name, size) &&
			       blamable(rep->rule, name);
	}
	return false;
}

/* "RIP: 0010:func+0x15/0x30 [mod]": the first one of the report only. */
static bool fn_from_rip(const struct con_log *log, const struct report *rep,
			char *name, size_t size)
{
	const char *msg;
	size_t i;

	for (i = rep->start; i < rep->end; i++) {
		msg = kmsg(log, i);
		if (!msg || !has_prefix(msg, "RIP: "))
			continue;
		msg += 5;
		/* the code segment, "0010:" */
		if (strspn(msg, "0123456789abcdef") == 4 && msg[4] == ':')
			msg += 5;
		return sym_name(skip_addr(msg), name, size) &&
		       blamable(rep->rule, name);
	}
	return false;
}

enum trace_line {
	TL_END,		/* not part of a stack trace */
	TL_FRAME,	/* "func+0x1/0x2", name filled in */
	TL_UNRELIABLE,	/* "? func+0x1/0x2" */
	TL_IRQ_IN,	/* <IRQ>, <NMI>, <SOFTIRQ> */
	TL_IRQ_OUT,	/* </IRQ>, </NMI>, </SOFTIRQ> */
	TL_OTHER,	/* <TASK>, register dump of an interrupt frame, ... */
};

/*
 * "RIP: ", "Code: ", "R10: ", "FS:  ": the registers of an interrupted
 * context, printed inside a trace.
 */
static bool is_regs_line(const char *msg)
{
	size_t n = 1;

	if (!isupper((unsigned char)msg[0]))
		return false;
	while (n < 4 && isalnum((unsigned char)msg[n]))
		n++;
	return n >= 2 && msg[n] == ':' && msg[n + 1] == ' ';
}

static enum trace_line trace_line(const char *msg, char *name, size_t size)
{
	const char *p = skip_addr(msg);

	if (msg[0] != ' ')
		return is_regs_line(msg) ? TL_OTHER : TL_END;
	if (p[0] == '<') {
		if (strstr(p, "IRQ>") || strstr(p, "NMI>"))
			return p[1] == '/' ? TL_IRQ_OUT : TL_IRQ_IN;
		return TL_OTHER;
	}
	if (p[0] == '?' && p[1] == ' ')
		return TL_UNRELIABLE;
	return sym_name(p, name, size) ? TL_FRAME : TL_OTHER;
}

/* The first frame of the first Call Trace that is worth blaming. */
static bool fn_from_trace(const struct con_log *log, const struct report *rep,
			  char *name, size_t size)
{
	size_t i = find_kmsg(log, rep->start, rep->end, "Call Trace:");
	bool no_irq = rep->rule->flags & R_NO_IRQ;
	int irq_depth = 0;
	const char *msg;

	while (++i < rep->end) {
		msg = kmsg(log, i);
		if (!msg)
			continue;
		switch (trace_line(msg, name, size)) {
		case TL_END:
			return false;
		case TL_IRQ_IN:
			irq_depth++;
			break;
		case TL_IRQ_OUT:
			irq_depth -= irq_depth > 0;
			break;
		case TL_FRAME:
			if (!(no_irq && irq_depth) && blamable(rep->rule, name))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/* Length of the "mm/foo.c:123" that @msg starts with, or 0. */
static size_t src_line_len(const char *msg)
{
	size_t len = strcspn(msg, " ");
	const char *colon = memrchr(msg, ':', len);

	if (!colon || !memchr(msg, '.', colon - msg) ||
	    colon + 1 == msg + len ||
	    strspn(colon + 1, "0123456789") != len - (colon + 1 - msg))
		return 0;
	return len;
}

/* suspicious RCU usage: "mm/foo.c:123 suspicious rcu_dereference_check() usage!" */
static bool src_from_lines(const struct con_log *log, const struct report *rep,
			   char *name, size_t size)
{
	const char *msg;
	size_t i, len;

	for (i = rep->start + 1; i < rep->end; i++) {
		msg = kmsg(log, i);
		len = msg ? src_line_len(msg) : 0;
		if (len && len < size) {
			memcpy(name, msg, len);
			name[len] = '\0';
			return true;
		}
	}
	return false;
}

static bool report_function(const struct con_log *log,
			    const struct report *rep, char *name, size_t size)
{
	unsigned int flags = rep->rule->flags;
	const char *msg = kmsg(log, rep->start);

	return ((flags & R_FN_HDR) && fn_from_header(rep, msg, name, size)) ||
	       ((flags & R_FN_LOCK) && fn_from_lock(log, rep, name, size)) ||
	       ((flags & R_FN_RIP) && fn_from_rip(log, rep, name, size)) ||
	       ((flags & R_FN_TRACE) && fn_from_trace(log, rep, name, size)) ||
	       ((flags & R_FN_SRC) && src_from_lines(log, rep, name, size));
}

/* ---- titles ---- */

/* KASAN: " Read" or " Write", from "Read of size 8 at addr ...". */
static const char *access_kind(const struct con_log *log,
			       const struct report *rep)
{
	const char *msg;
	size_t i;

	for (i = rep->start + 1; i < rep->end; i++) {
		msg = kmsg(log, i);
		if (msg && has_prefix(msg, "Read of size "))
			return " Read";
		if (msg && has_prefix(msg, "Write of size "))
			return " Write";
	}
	return "";
}

static bool is_hex_word(const char *w, size_t len)
{
	size_t i, digits = 0;

	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)w[i]))
			return false;
		digits += is_digit(w[i]);
	}
	return len >= 8 && digits;
}

/* Does the "key=value" word @w carry a number? */
static bool is_numeric_setting(const char *w, size_t len)
{
	const char *eq = memchr(w, '=', len);
	size_t i;

	if (!eq)
		return false;
	for (i = eq + 1 - w; i < len; i++)
		if (is_digit(w[i]))
			return true;
	return false;
}

/* Append word @w to @out without its numbers ("0x1f", "1234"). */
static void add_word(char *out, size_t size, const char *w, size_t len)
{
	size_t n = strlen(out), start = n, i = 0;

	if (n && n + 1 < size)
		out[n++] = ' ';
	while (i < len && n + 1 < size) {
		if (w[i] == '0' && i + 1 < len && w[i + 1] == 'x') {
			for (i += 2; i < len && isxdigit((unsigned char)w[i]); i++)
				;
		} else if (is_digit(w[i])) {
			while (i < len && is_digit(w[i]))
				i++;
		} else {
			out[n++] = w[i++];
		}
	}
	/* Nothing of the word was left: take back the blank. */
	if (n == start + (start != 0))
		n = start;
	out[n] = '\0';
}

/*
 * Drop what changes from run to run out of free text such as a panic
 * reason: addresses, numbers, "key=value" settings with a number, and
 * offsets and modules of "func+0x1/0x2 [mod]".
 */
static void normalise(char *s, size_t size)
{
	char *in = strdup(s), *w, name[NAME_LEN];
	bool after_sym = false;
	size_t len;

	if (!in)
		return;		/* keep the text as it is */
	s[0] = '\0';
	for (w = in; *w; w += len) {
		w += strspn(w, " \t");
		len = strcspn(w, " \t");
		if (!len)
			break;
		if (after_sym && w[0] == '[' && w[len - 1] == ']')
			continue;
		after_sym = sym_name(w, name, sizeof(name));
		if (after_sym)
			add_word(s, size, name, strlen(name));
		else if (!is_hex_word(w, len) && !is_numeric_setting(w, len))
			add_word(s, size, w, len);
	}
	free(in);
}

/* "workqueue lockup - pool cpus=0 ..." -> "workqueue lockup" */
static void first_clause(char *s)
{
	static const char *const ends[] = {
		" - ", " in process ", " at ", ":", ",", "[",
	};
	size_t i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		p = strstr(s, ends[i]);
		if (p && p != s)
			*p = '\0';
	}
	for (p = s + strlen(s); p > s && p[-1] == ' '; p--)
		p[-1] = '\0';
}

static void submatch(const char *msg, const regmatch_t *m, char *buf,
		     size_t size)
{
	size_t len = 0;

	if (m->rm_so >= 0) {
		len = m->rm_eo - m->rm_so;
		if (len >= size)
			len = size - 1;
		memcpy(buf, msg + m->rm_so, len);
	}
	buf[len] = '\0';
}

static void report_title(const struct con_log *log, const struct report *rep,
			 char *title, size_t size)
{
	const struct rule *r = rep->rule;
	char cap[TITLE_LEN] = "", fn[NAME_LEN];
	size_t n;

	if (r->cap_stem)
		submatch(kmsg(log, rep->start), &rep->m[r->cap_stem], cap,
			 sizeof(cap));
	if (r->flags & R_CLAUSE)
		first_clause(cap);
	if (r->flags & R_REASON)
		normalise(cap, sizeof(cap));

	if (report_function(log, rep, fn, sizeof(fn))) {
		snprintf(title, size, r->stem, cap);
		n = strlen(title);
		snprintf(title + n, size - n, "%s%s%s",
			 r->flags & R_ACCESS ? access_kind(log, rep) : "",
			 r->flags & R_FN_SRC ? " at " : " in ", fn);
	} else if (r->fallback && cap[0]) {
		snprintf(title, size, r->fallback, cap);
	} else {
		snprintf(title, size, r->stem, cap);
		n = strlen(title);
		if (r->flags & R_ACCESS)
			snprintf(title + n, size - n, "%s", access_kind(log, rep));
	}
}

/* ---- reports to splats ---- */

/* A line of @c only, as printed around lockdep and KASAN reports. */
static bool is_ruler(const char *msg, char c)
{
	size_t n = 0;

	while (msg[n] == c)
		n++;
	return n >= RULER_MIN && msg[n] == '\0';
}

/* "------------[ cut here ]------------" leads in WARN and BUG reports. */
static bool is_cut_here(const char *msg)
{
	return has_prefix(msg, "------------[ cut here ]");
}

/* Does the kernel line @msg end the open report @rep (and belong to it)? */
static bool ends_report(const struct report *rep, const char *msg)
{
	unsigned int flags = rep->rule->flags;

	if (has_prefix(msg, "---[ end "))
		return true;
	if ((flags & R_END_RULER) && is_ruler(msg, '='))
		return true;
	return (flags & R_END_TASK) && !strcmp(skip_addr(msg), "</TASK>");
}

/*
 * Where the report before the header at @next ends: not at the "cut here"
 * or "=====" lines that lead in the next one.
 */
static size_t lead_in_start(const struct con_log *log,
			    const struct report *rep, size_t next)
{
	const char *msg;

	while (next > rep->start + 1) {
		msg = kmsg(log, next - 1);
		if (!msg || !(is_cut_here(msg) || is_ruler(msg, '=') ||
			      is_ruler(msg, '-')))
			break;
		next--;
	}
	return next;
}

static struct splat *find_splat(struct splat_list *list, const char *title)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].title, title))
			return &list->v[i];
	return NULL;
}

static void splat_free(struct splat *s)
{
	size_t i;

	for (i = 0; i < s->ncontext; i++)
		free(s->context[i]);
	free(s->context);
	free(s->title);
	free(s->kind);
}

static int splat_fill(struct splat *s, const struct scan *sc,
		      const struct report *rep, const char *title)
{
	size_t from, to, i;

	from = rep->start > sc->ctx_before ? rep->start - sc->ctx_before : 0;
	to = rep->start + 1 + SCAN_CONTEXT_AFTER_MAX;
	if (to > rep->end)
		to = rep->end;

	memset(s, 0, sizeof(*s));
	s->title = strdup(title);
	s->kind = strdup(rep->rule->kind);
	s->line = rep->start + 1;
	s->count = 1;
	s->context = calloc(to - from, sizeof(*s->context));
	if (!s->title || !s->kind || !s->context)
		goto nomem;
	for (i = from; i < to; i++) {
		s->context[s->ncontext] = strdup(sc->log->v[i].raw);
		if (!s->context[s->ncontext])
			goto nomem;
		s->ncontext++;
	}
	return 0;
nomem:
	splat_free(s);
	return -1;
}

/* Title the finished report and fold it into the list. */
static int report_done(struct scan *sc, struct report *rep, size_t end)
{
	struct splat_list *out = sc->out;
	char title[TITLE_LEN];
	struct splat *s, *v;

	rep->end = end;
	report_title(sc->log, rep, title, sizeof(title));
	s = find_splat(out, title);
	if (s) {
		s->count++;
		return 0;
	}
	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	out->v = v;
	if (splat_fill(&out->v[out->n], sc, rep, title))
		return -1;
	out->n++;
	return 0;
}

/* Is the R_OOPS header at line @i the second line of the open @rep? */
static bool oops_follows(const struct report *rep, const struct rule *r,
			 size_t i)
{
	return (r->flags & R_OOPS) && (rep->rule->flags & R_OOPS_NEXT) &&
	       !rep->oops_seen && i - rep->start <= OOPS_FOLLOW_LINES;
}

static struct report *report_open(struct report *rep, const struct rule *r,
				  size_t start, const regmatch_t *m)
{
	memset(rep, 0, sizeof(*rep));
	rep->rule = r;
	rep->start = start;
	memcpy(rep->m, m, sizeof(rep->m));
	return rep;
}

/* Finish *@open at @end, one past its last line; no report is open then. */
static int report_close(struct scan *sc, struct report **open, size_t end)
{
	int ret = report_done(sc, *open, end);

	*open = NULL;
	return ret;
}

static int scan_log(struct scan *sc)
{
	const struct con_log *log = sc->log;
	struct report rep, *open = NULL;
	regmatch_t m[NMATCH];
	const char *msg;
	size_t i;
	int r;

	for (i = 0; i < log->n; i++) {
		if (open && i - open->start >= REPORT_MAX_LINES &&
		    report_close(sc, &open, i))
			return -1;
		msg = kmsg(log, i);
		if (!msg)
			continue;
		r = match_header(sc, msg, m);
		if (r >= 0 && open && oops_follows(open, &rules[r], i)) {
			open->oops_seen = true;
		} else if (r >= 0) {
			if (open && report_close(sc, &open,
						 lead_in_start(log, open, i)))
				return -1;
			open = report_open(&rep, &rules[r], i, m);
			if ((open->rule->flags & R_ONE_LINE) &&
			    report_close(sc, &open, i + 1))
				return -1;
		} else if (open && is_cut_here(msg)) {
			/* WARN() prints it, then its message, then the header */
			if (report_close(sc, &open, i))
				return -1;
		} else if (open && ends_report(open, msg)) {
			if (report_close(sc, &open, i + 1))
				return -1;
		}
	}
	return open ? report_close(sc, &open, log->n) : 0;
}

/* ---- interface ---- */

int console_scan_stream(FILE *in, unsigned int ctx_before,
			struct splat_list *out)
{
	struct con_log log = { 0 };
	struct scan sc;
	int ret;

	out->v = NULL;
	out->n = 0;
	if (log_read(in, &log))
		return -1;
	if (scan_init(&sc)) {
		log_free(&log);
		return -1;
	}
	sc.log = &log;
	sc.ctx_before = ctx_before;
	sc.out = out;
	ret = scan_log(&sc);
	scan_exit(&sc);
	log_free(&log);
	if (ret) {
		splat_list_free(out);
		errno = ENOMEM;
	}
	return ret;
}

int console_scan_file(const char *path, unsigned int ctx_before,
		      struct splat_list *out)
{
	FILE *f = fopen(path, "r");
	int ret, err;

	if (!f) {
		out->v = NULL;
		out->n = 0;
		return -1;
	}
	ret = console_scan_stream(f, ctx_before, out);
	err = errno;
	fclose(f);
	errno = err;
	return ret;
}

void splat_list_free(struct splat_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		splat_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int splat_list_has_panic(const struct splat_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].kind, "PANIC"))
			return 1;
	return 0;
}

/* ---- output ---- */

/* Length of the valid UTF-8 sequence at @p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* @s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putc('"', out);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p++);
		} else if (*p == '\n') {
			fputs("\\n", out);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", out);
			p++;
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			putc(*p++, out);
		} else if ((n = utf8_len(p))) {
			fwrite(p, 1, n, out);
			p += n;
		} else {
			fputs("\\ufffd", out);
			p++;
		}
	}
	putc('"', out);
}

void splat_write_json(FILE *out, const struct splat *s)
{
	size_t i;

	fputs("{\"title\":", out);
	json_string(out, s->title);
	fputs(",\"kind\":", out);
	json_string(out, s->kind);
	fprintf(out, ",\"line\":%lu,\"count\":%u,\"context\":[",
		s->line, s->count);
	for (i = 0; i < s->ncontext; i++) {
		if (i)
			putc(',', out);
		json_string(out, s->context[i]);
	}
	fputs("]}", out);
}

void splat_write_text(FILE *out, const struct splat *s)
{
	size_t i;

	fprintf(out, "%s\n", s->title);
	fprintf(out, "  %s, seen %u time%s, first at line %lu:\n", s->kind,
		s->count, s->count == 1 ? "" : "s", s->line);
	for (i = 0; i < s->ncontext; i++)
		fprintf(out, "    %s\n", s->context[i]);
}
