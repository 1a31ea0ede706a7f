/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmtorture's contract with userspace: every path, debugfs file name,
 * verb, engine name, op name, stats key, broken mode name, console
 * verdict word and exit convention that crosses the boundary between the
 * module and the programs that drive it (selftests/, workloads/, the
 * runner scripts/guest/mmtorture-run, scripts/host/report_load.c).
 *
 * Userspace-safe: no kernel (or libc) includes, only macros, in the way
 * of the kernel's mm/gup_test.h and lib/test_hmm_uapi.h. Every macro
 * whose value is a string or an integer constant is also in the shell
 * copy, selftests/mmt_uapi.sh, made by scripts/gen-uapi-sh.sh; make check
 * (scripts/tests/test-uapi-sh.sh) fails when the copy differs.
 */
#ifndef MMTORTURE_UAPI_H
#define MMTORTURE_UAPI_H

/* ---- where ---- */
#define MMT_MODULE_NAME		"mmtorture"
#define MMT_DEBUGFS_MOUNT	"/sys/kernel/debug"
#define MMT_DEBUGFS_DIR		MMT_DEBUGFS_MOUNT "/" MMT_MODULE_NAME
#define MMT_PARAM_DIR		"/sys/module/" MMT_MODULE_NAME "/parameters"
/* The module's console lines start with this (its pr_fmt). */
#define MMT_CONSOLE_PREFIX	"mmtorture: "

/* ---- files in MMT_DEBUGFS_DIR ---- */
#define MMT_FILE_VERSION	"version"
#define MMT_FILE_STATUS		"status"
#define MMT_FILE_SEED		"seed"
#define MMT_FILE_TARGETS	"targets"
#define MMT_FILE_CRASH_TRIGGER	"crash_trigger"	/* crash_test=warn|bug only */

/* ---- files in MMT_DEBUGFS_DIR/ENGINE/ ---- */
#define MMT_FILE_ENABLE		"enable"
#define MMT_FILE_THREADS	"threads"	/* MMT_ENG_F_THREADS engines */
#define MMT_FILE_INTERVAL_US	"interval_us"	/* MMT_ENG_F_THREADS engines */
#define MMT_FILE_OPS		"ops"		/* MMT_ENG_F_OPS engines */
#define MMT_FILE_STATS		"stats"
#define MMT_FILE_SHARED		"shared"	/* mkclean */
#define MMT_FILE_SITES		"sites"		/* tlbdelay */
#define MMT_FILE_BUDGET_MS	"budget_ms"	/* tlbdelay */

/* ---- module parameters (MMT_PARAM_DIR/NAME) ---- */
#define MMT_PARAM_BROKEN	"broken"
#define MMT_PARAM_CRASH_TEST	"crash_test"

/* ---- verbs ---- */
/* targets: "arena START LEN", "file FD", "release ID", "release all" */
#define MMT_TARGET_ARENA_VERB	"arena"
#define MMT_TARGET_FILE_VERB	"file"
#define MMT_TARGET_RELEASE_VERB	"release"
#define MMT_TARGET_ALL		"all"
/* ENGINE/ops: a comma-separated list of op names, or this */
#define MMT_OPS_ALL		"all"
/* tlbdelay/sites: "add SYM[+OFF] US [PCT [MAX]]", "del SYM[+OFF]", ... */
#define MMT_SITES_ADD		"add"
#define MMT_SITES_DEL		"del"
#define MMT_SITES_CLEAR		"clear"
#define MMT_SITES_DEFAULTS	"defaults"

/* ---- knob limits ---- */
#define MMT_MAX_THREADS		8
#define MMT_MAX_INTERVAL_US	1000000
#define MMT_MAX_TARGETS		16
#define MMT_MAX_TARGETS_PER_MM	8
#define MMT_TLD_MAX_SITES	16
#define MMT_TLD_MAX_DELAY_US	2000
#define MMT_TLD_MIN_BUDGET_MS	1
#define MMT_TLD_MAX_BUDGET_MS	1000

/* ---- engines ---- */
#define MMT_ENGINE_MKCLEAN	"mkclean"
#define MMT_ENGINE_VMA		"vma"
#define MMT_ENGINE_TLBDELAY	"tlbdelay"
#define MMT_ENGINE_LAZYTLB	"lazytlb"
/* All of them, in the module's order. */
#define MMT_ENGINES		MMT_ENGINE_MKCLEAN " " MMT_ENGINE_VMA " " \
				MMT_ENGINE_TLBDELAY " " MMT_ENGINE_LAZYTLB

/*
 * Properties: F_THREADS engines run kernel threads and have the threads
 * and interval_us files; F_OPS engines have the ops file.
 */
#define MMT_ENG_F_THREADS	0x1
#define MMT_ENG_F_OPS		0x2
#define MMT_ENG_FLAGS_MKCLEAN	(MMT_ENG_F_THREADS | MMT_ENG_F_OPS)
#define MMT_ENG_FLAGS_VMA	(MMT_ENG_F_THREADS | MMT_ENG_F_OPS)
#define MMT_ENG_FLAGS_TLBDELAY	0
#define MMT_ENG_FLAGS_LAZYTLB	(MMT_ENG_F_THREADS | MMT_ENG_F_OPS)
/* The engines with threads, and with an ops file. */
#define MMT_ENGINES_THREADED	MMT_ENGINE_MKCLEAN " " MMT_ENGINE_VMA " " \
				MMT_ENGINE_LAZYTLB
#define MMT_ENGINES_WITH_OPS	MMT_ENGINES_THREADED

/* ---- ops, per engine ---- */
#define MMT_MKCLEAN_OP_MKCLEAN		"mkclean"
#define MMT_MKCLEAN_OP_CLEAR_DIRTY	"clear_dirty"
#define MMT_MKCLEAN_OP_WRITEBACK	"writeback"
#define MMT_MKCLEAN_OP_NOFLUSH		"noflush"	/* broken=mkclean_noflush */

#define MMT_VMA_OP_MUNMAP		"munmap"
#define MMT_VMA_OP_MMAP_FIXED		"mmap_fixed"
#define MMT_VMA_OP_DONTNEED		"dontneed"
#define MMT_VMA_OP_ZAP_ALL		"zap_all"
#define MMT_VMA_OP_MPROTECT		"mprotect"	/* never available */
#define MMT_VMA_OP_MREMAP		"mremap"	/* never available */
#define MMT_VMA_OP_MKWRITE		"mkwrite"	/* broken=vma_writable */
#define MMT_VMA_OP_MMAP_FIXED_STALE	"mmap_fixed_stale" /* broken=vma_stale */
#define MMT_VMA_OP_CHECK_MAPPED		"check_mapped"	/* broken=vma_invariant */

#define MMT_LAZYTLB_OP_ADOPT		"adopt"
#define MMT_LAZYTLB_OP_READ		"read"
#define MMT_LAZYTLB_OP_YIELD		"yield"
#define MMT_LAZYTLB_OP_EARLY_DROP	"early_drop"	/* broken=lazytlb_early_drop */

/* ---- stats keys ("KEY: VALUE" lines of ENGINE/stats) ---- */
#define MMT_STAT_ENGINE		"engine"
#define MMT_STAT_ENABLED	"enabled"
#define MMT_STAT_THREADS	"threads"
#define MMT_STAT_INTERVAL_US	"interval_us"
#define MMT_STAT_OPS		"ops"
#define MMT_STAT_OPS_AVAILABLE	"ops_available"
#define MMT_STAT_OPS_UNAVAILABLE "ops_unavailable"
#define MMT_STAT_OWNER		"owner"
#define MMT_STAT_RUN_MS		"run_ms"
#define MMT_STAT_COUNTERS_SINCE	"counters_since"
#define MMT_STAT_IDLE		"idle"
#define MMT_STAT_ERRORS		"errors"
#define MMT_STAT_VIOLATIONS	"violations"
#define MMT_STAT_ROUTES		"routes"
/* The counters of an engine's ops are named "op_NAME". */
#define MMT_STAT_OP_PREFIX	"op_"
/* Engine counters a program reads by name. */
#define MMT_STAT_MKCLEAN_PASSES		"passes"
#define MMT_STAT_MKCLEAN_CLEANED_PTES	"cleaned_ptes"
#define MMT_STAT_MKCLEAN_SHARED_SKIPS	"shared_skips"
#define MMT_STAT_VMA_OP_MUNMAP		"op_munmap"
#define MMT_STAT_VMA_OP_DONTNEED	"op_dontneed"
#define MMT_STAT_VMA_OP_ZAP_ALL		"op_zap_all"
#define MMT_STAT_VMA_HOLE_CHECKS	"hole_checks"
#define MMT_STAT_VMA_SKIPPED_UNSUPPORTED "skipped_unsupported"
#define MMT_STAT_VMA_MAPPED_CHECKS	"broken_mapped_checks"
#define MMT_STAT_LAZYTLB_OP_READ	"op_read"
#define MMT_STAT_TLBDELAY_CALLS		"filtered_calls"
#define MMT_STAT_TLBDELAY_DELAYS	"delays"
#define MMT_STAT_TLBDELAY_BUDGET_SKIPS	"budget_skips"
#define MMT_STAT_TLBDELAY_DELAY_US	"delay_us_total"
/* Sites removed after they were patched: still patched, until rmmod. */
#define MMT_STAT_TLBDELAY_PARKED	"parked_sites"
/* Keys of the status file. */
#define MMT_STATUS_SEED		"seed"
#define MMT_STATUS_BROKEN	"broken"
#define MMT_STATUS_ENGINES	"engines"
#define MMT_STATUS_TARGETS	"targets"
#define MMT_STATUS_VERSION	"version"
#define MMT_STATUS_KERNEL	"kernel"
#define MMT_STATUS_CRASH_TEST	"crash_test"
#define MMT_STATUS_UNAVAILABLE	"unavailable"
#define MMT_STATUS_ROUTES	"routes"
/* tlbdelay's stats file: one "site: SYMBOL+0xOFFSET KEY=VALUE..." per site. */
#define MMT_STAT_TLBDELAY_SITE	"site"
/* Fields of tlbdelay's "site:" lines (its stats file): KEY=VALUE. */
#define MMT_SITE_STATE		"state"
#define MMT_SITE_STATE_ARMED	"armed"
#define MMT_SITE_STATE_OFF	"off"
#define MMT_SITE_CALLS		"calls"
#define MMT_SITE_HITS		"hits"

/* ---- broken modes (broken=NAME) and crash tests (crash_test=NAME) ---- */
#define MMT_BROKEN_NONE_NAME		"none"
#define MMT_BROKEN_MKCLEAN_NOFLUSH_NAME	"mkclean_noflush"
#define MMT_BROKEN_VMA_STALE_NAME	"vma_stale"
#define MMT_BROKEN_VMA_WRITABLE_NAME	"vma_writable"
#define MMT_BROKEN_LAZYTLB_EARLY_DROP_NAME "lazytlb_early_drop"
#define MMT_BROKEN_VMA_INVARIANT_NAME	"vma_invariant"
#define MMT_CRASH_NONE_NAME		"none"
#define MMT_CRASH_WARN_NAME		"warn"
#define MMT_CRASH_BUG_NAME		"bug"

/*
 * ---- the module's verdict on the console ----
 * Per engine, with MMT_CONSOLE_PREFIX first:
 *   "ENGINE: start: seed=S broken=B KNOB=V ..."        when enabled
 *   "ENGINE: stats: run_ms=T COUNTER=N ... errors=E violations=V"
 *                                   every MMT_STATS_PERIOD_S while on
 *   "ENGINE: end: seed=S broken=B KNOB=V ... run_ms=T COUNTER=N ...
 *    errors=E violations=V SUCCESS|FAILURE"            when stopped
 * Counters, errors and violations count since the module was loaded, as
 * in the stats file; run_ms is the time enabled since load. FAILURE iff
 * violations > 0: an invariant the engine checks broke (errors are
 * operations the kernel refused, not broken invariants).
 */
#define MMT_LINE_START		"start:"
#define MMT_LINE_STATS		"stats:"
#define MMT_LINE_END		"end:"
#define MMT_VERDICT_SUCCESS	"SUCCESS"
#define MMT_VERDICT_FAILURE	"FAILURE"
#define MMT_STATS_PERIOD_S	5

/* ---- exit conventions (kselftest's, and the workloads') ---- */
#define MMT_EXIT_PASS		0
#define MMT_EXIT_FAIL		1
#define MMT_EXIT_USAGE		2	/* bad input: one line, nothing run */
#define MMT_EXIT_SKIP		4

#endif /* MMTORTURE_UAPI_H */
