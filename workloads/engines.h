/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engines.h - a workload's opt-in to mmtorture's race engines.
 *
 * A workload that takes --engines registers its own memory with the
 * module (/sys/kernel/debug/mmtorture/targets), arms the engines before
 * its threads start and disarms them after they join; the engines'
 * counters become KTAP metrics and one subtest per engine. The module
 * then provokes races on exactly the memory the workload checks, and
 * only with operations the workload's checker models (docs/races.md,
 * "Which engine may act on which memory").
 *
 * Options (every workload spells them the same way):
 *   --engines LIST            comma-separated: tlbdelay,mkclean,vma,lazytlb
 *                             (or "none"); the workload says which it allows
 *   --engine-set E.KEY=VALUE  repeatable; KEY is one of
 *        threads=N            engine threads, 1..8 (mkclean, vma, lazytlb)
 *        interval_us=N        pause between operations, 0..1000000
 *        ops=A,B              the engine's operations (module names)
 *        sites=SPEC[,SPEC]    tlbdelay only; SPEC is SYM[+OFF]:US[:PCT[:MAXHITS]]
 *                             (default: the module's per-kernel "defaults")
 *        budget_ms=N          tlbdelay only: delay per second, 1..1000
 *        shared=0|1           mkclean only: 1 also acts on files other
 *                             processes map (default 0: such files are
 *                             skipped, counted as shared_skips)
 *
 * Errors: an unknown engine or key, a value out of range, an engine the
 * workload does not allow, settings for an engine not in --engines, the
 * module not loaded, an engine or op this kernel lacks: one line on stderr
 * naming what and what is allowed, exit 2, nothing registered.
 *
 * Order: engines_parse_*() during option parsing, engines_validate() once
 * options are done, engines_add_*() for the workload's own memory,
 * engines_arm() right before the threads start, engines_disarm() right
 * after they join (also on error paths: it is idempotent), then
 * engines_report() while printing results. If the workload dies instead,
 * the module releases its targets and stops the engines it armed.
 */
#ifndef MMT_ENGINES_H
#define MMT_ENGINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
/* The contract: paths, file and engine names (module/mmtorture_uapi.h). */
#include "../module/mmtorture_uapi.h"

enum engine_id { ENG_TLBDELAY, ENG_MKCLEAN, ENG_VMA, ENG_LAZYTLB, ENG_NR };

#define ENG_BIT(id)	(1u << (id))
#define ENG_ALL		(ENG_BIT(ENG_NR) - 1)

#define ENG_MAX_SETTINGS 16

struct engine_setting {
	enum engine_id engine;
	char key[16];
	char value[256];
};

struct engines {
	unsigned int allowed;		/* set by the workload before parsing */
	unsigned int mask;		/* requested by --engines */
	struct engine_setting set[ENG_MAX_SETTINGS];
	unsigned int nr_set;
	bool armed;
	unsigned int nr_targets;
	double armed_at;		/* now_s() when armed */
	double disarmed_at;
	/* Counters read at disarm time, by engine: "key: value" of stats. */
	struct {
		char key[32];
		long long value;
	} final[ENG_NR][24];
	unsigned int nr_final[ENG_NR];
};

extern const char *const engine_names[ENG_NR];

/* --engines LIST: usage_error() on an unknown or disallowed engine. */
void engines_parse_list(struct engines *e, const char *arg);
/* --engine-set ENGINE.KEY=VALUE: usage_error() on bad syntax/key/range. */
void engines_parse_set(struct engines *e, const char *arg);
/*
 * After option parsing: settings only for requested engines; when any
 * engine is requested, the module is loaded and has each engine and each
 * op named in the settings. usage_error() otherwise.
 */
void engines_validate(struct engines *e);
/*
 * For the workload's own rules, after parsing (additions to the API):
 * the value of a setting or NULL; a default for a requested engine's
 * setting the user did not give; usage_error() unless every op in
 * E.ops is one of the comma-separated @allowed (@why says why not).
 */
const char *engines_get(const struct engines *e, enum engine_id id,
			const char *key);
void engines_default(struct engines *e, enum engine_id id, const char *key,
		     const char *value);
void engines_limit_ops(const struct engines *e, enum engine_id id,
		       const char *allowed, const char *why);
/* "engines=a,b E.KEY=VALUE ..." for a workload's configuration line. */
void engines_describe(const struct engines *e, char *buf, size_t len);
static inline bool engines_on(const struct engines *e, enum engine_id id)
{
	return e->mask & ENG_BIT(id);
}
static inline bool engines_any(const struct engines *e)
{
	return e->mask != 0;
}

/* Register a file the workload has open for writing ("file FD"). */
void engines_add_file(struct engines *e, int fd);
/* Register a page-aligned range of the workload's own mappings. */
void engines_add_arena(struct engines *e, const void *start, size_t len);

/*
 * Write @seed to the module, apply the settings, enable the engines in the
 * order tlbdelay, mkclean, vma, lazytlb (probes first: nothing is probed
 * while it runs hot). On failure everything done is undone and the
 * workload exits 2 with the reason.
 */
void engines_arm(struct engines *e, uint64_t seed);
/* Disable in reverse order, keep the final counters, release targets. */
void engines_disarm(struct engines *e);

/* A live counter from an engine's stats ("delays", "violations"), or -1. */
long long engines_stat(const struct engines *e, enum engine_id id,
		       const char *key);
/* Delays so far (tlbdelay), 0 when tlbdelay is off: for progress lines. */
long long engines_delays(const struct engines *e);

/* KTAP subtests engines_report() prints: one per requested engine. */
unsigned int engines_nr_tests(const struct engines *e);
/*
 * After engines_disarm(): metrics engine_<name>_<counter> for every final
 * counter, then one KTAP result per engine numbered from @first:
 * engine_<name> passes when the engine did work on our targets and saw no
 * invariant violation. Stores the verdicts in @v (engines_nr_tests()
 * entries).
 */
void engines_report(const struct engines *e, unsigned int first,
		    enum verdict *v);

/*
 * A watchdog's expire() for a workload with one test of its own: takes
 * the output lock unless its owner is what is stuck (ktap_seize()), prints
 * "# watchdog: WHY", test 1 @test and each requested engine's test as
 * TIMEOUT with the raw KTAP writer, exits 1. The module stops the engines
 * and releases the targets of a dead owner.
 */
_Noreturn void engines_expire(const struct engines *e, const char *test,
			      const char *why);
/*
 * "not ok NUM engine_ENGINE # TIMEOUT WHY" with ktap_raw_result()
 * (async-signal-safe, no lock).
 */
void ktap_raw_engine_timeout(unsigned int num, const char *engine,
			     const char *why);

/*
 * A checker's threads: @nr workers, worker i running @fn(@args + i *
 * @stride) and named "@prefix<i>" (@prefix: 4 characters at most), and
 * one optional solo thread (the modifier: mprotect, mremap, fork)
 * running @solo_fn(NULL) named @solo_name. @wd is the checker's watchdog
 * (its progress array has @nr entries, its expire() set).
 */
struct race {
	unsigned long nr;
	void *(*fn)(void *);
	void *args;
	size_t stride;
	const char *prefix;
	void *(*solo_fn)(void *);
	const char *solo_name;
	struct watchdog *wd;
	atomic_int *stop;		/* set to 1 when the time is up */
	void (*progress)(void);		/* every PROGRESS_EVERY s; may be NULL */
	/* Filled in by engines_race(). */
	pthread_t *tids;
	pthread_t solo;
	double start;			/* now_s() when the threads started */
};

/*
 * The race as every checker runs it: arm @e with @seed, start the
 * watchdog and the threads, wait @duration seconds (or until *stop is
 * set), set *stop, join the threads, disarm @e, stop the watchdog.
 * Returns the seconds run. A thread or watchdog that cannot start: the
 * engines are disarmed and the program exits 1.
 */
double engines_race(struct engines *e, uint64_t seed, struct race *r,
		    double duration);

#endif
