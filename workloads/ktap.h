/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - the workloads' one KTAP writer. Every version line, plan,
 * result, diagnostic and metric line a workload prints comes from here
 * (workloads/ktap-single-writer.sh fails the build's self-test on a bare
 * one elsewhere). Exit codes are the contract header's MMT_EXIT_*.
 *
 * Two ways out:
 *  - the normal one: whole lines to stdout under out_lock() (stdio's own
 *    recursive FILE lock, so a caller may hold it around several lines),
 *    flushed at out_unlock();
 *  - the last-words one, for a watchdog that found a thread stuck (maybe
 *    holding the stdout lock): ktap_seize() waits a bounded time for the
 *    lock, then ktap_raw_*() format on the stack and write(2) straight to
 *    fd 1, taking no lock and allocating nothing; async-signal-safe, so
 *    they may also be called from a signal handler. The caller then
 *    _exit()s. Both paths share one line formatter, so a TIMEOUT line is
 *    the same bytes whichever path printed it.
 */
#ifndef MMT_KTAP_H
#define MMT_KTAP_H

#include <stdarg.h>

#include "../module/mmtorture_uapi.h"

enum verdict { V_PASS, V_FAIL, V_SKIP, V_TIMEOUT };

void out_lock(void);
void out_unlock(void);

/* "KTAP version 1" and "1..PLAN". */
void ktap_header(unsigned int plan);
/* "KTAP version 1" and "1..0 # SKIP MESSAGE" (no exit). */
void ktap_vskip_plan(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
/* "# MESSAGE" */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "# metric: NAME=VALUE[ UNIT]" (integers without decimals, else %.1f). */
void metric(const char *name, double value, const char *unit);
/*
 * A result line: "ok N NAME", "not ok N NAME" (preceded by "# NAME:
 * REASON" when there is a reason), "ok N NAME # SKIP REASON" or
 * "not ok N NAME # TIMEOUT REASON".
 */
void ktap_result(unsigned int num, const char *name, enum verdict v,
		 const char *reason);
/* Exit code for a set of verdicts: any fail or timeout 1, all skip 4. */
int exit_code(const enum verdict *v, unsigned int n);

/*
 * Last words. ktap_seize(): take the stdout lock if it comes free within
 * @secs and flush what is buffered; returns 0 then, -1 when its owner
 * seems stuck (the raw lines are written anyway). Not for signal
 * handlers (it sleeps); the two below are async-signal-safe.
 */
int ktap_seize(double secs);
void ktap_raw_diag(const char *prefix, const char *text);	/* "# PREFIXTEXT" */
void ktap_raw_result(unsigned int num, const char *name, enum verdict v,
		     const char *reason);

#endif
