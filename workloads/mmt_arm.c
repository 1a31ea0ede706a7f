// SPDX-License-Identifier: GPL-2.0
/*
 * mmt-arm - arm the module's mkclean engine on files another program
 * writes (mmt-writeback: fio's job files).  The module only acts on
 * targets registered by a living process, with "file FD" an fd open for
 * writing in that process, so this program holds the files open, arms,
 * waits, disarms and reports (engines.h).
 *
 *   mmt-arm --engines mkclean [--engine-set mkclean.KEY=VALUE]... \
 *           [--seed N] [--first N] --file PATH [--file PATH]...
 *   mmt-arm --engines LIST [--engine-set ...] --check
 *
 * Only mkclean: it cleans the files' pages the way writeback does, which
 * the writer's own verification (fio's) must survive. fio, not mmt-arm,
 * maps the files, so mmt-arm sets mkclean.shared=1 unless told otherwise.  tlbdelay delays
 * only in tasks of the registering process's mm (ours, not the writer's),
 * vma and lazytlb act on the registering process's own mappings (ours,
 * which no checker reads): refused, exit 2.
 *
 * --check: parse and validate (module loaded, engine and ops present),
 * exit 0 or 2 with one line on stderr; registers nothing.
 *
 * Otherwise each --file (must exist) is opened O_RDWR and registered, the
 * engine is armed, "# mmt-arm: armed engines=... files=N" is printed, and
 * mmt-arm waits for SIGTERM or SIGINT (or its parent's death: it gets
 * SIGTERM then).  It then disarms and prints the engines' report
 * (engines_report): "# metric: engine_mkclean_<counter>=V" lines, the
 * "# engine mkclean: passes=P errors=E violations=V" diagnostic and one
 * KTAP result "ok|not ok N engine_mkclean" numbered from --first (default
 * 1), for a caller that owns the KTAP numbering to fold in or re-number.
 * No KTAP header or plan of its own.
 *
 * Exit: 0 armed and disarmed cleanly (whatever the verdict), 2 bad input
 * or arming failed (one line on stderr), 1 a system call failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common.h"
#include "engines.h"

#define MAX_FILES 128

static struct engines eng = { .allowed = ENG_BIT(ENG_MKCLEAN) };

/* The engines this program refuses, each with its reason. */
static void refuse_engines(const char *list)
{
	static const char *const why[ENG_NR] = {
		[ENG_TLBDELAY] = "it delays only in tasks of the registering process's mm, which is mmt-arm's, not the writer's",
		[ENG_VMA] = "it would act on mmt-arm's own mappings, which no checker reads",
		[ENG_LAZYTLB] = "it would adopt mmt-arm's own mm, which no checker reads",
	};
	const char *p = list, *end;
	int id;

	for (;;) {
		end = strchrnul(p, ',');
		for (id = 0; id < ENG_NR; id++)
			if (why[id] && strlen(engine_names[id]) == (size_t)(end - p) &&
			    !strncmp(engine_names[id], p, end - p))
				usage_error("engine %s is refused: %s; allowed: mkclean",
					    engine_names[id], why[id]);
		if (!*end)
			return;
		p = end + 1;
	}
}

static void usage(void)
{
	printf("usage: %s --engines mkclean [--engine-set mkclean.KEY=VALUE]...\n"
	       "          [--seed N] [--first N] --file PATH [--file PATH]...\n"
	       "       %s --engines LIST [--engine-set ...] --check\n"
	       "  --engines LIST          mkclean (or none)\n"
	       "  --engine-set E.KEY=V    threads=N, interval_us=N, ops=A,B (engines.h)\n"
	       "  --seed N                the module's seed (default: clock)\n"
	       "  --first N               number of the engine_mkclean KTAP result (default 1)\n"
	       "  --file PATH             an existing file to register (repeatable)\n"
	       "  --check                 validate the options and the module, register nothing\n"
	       "Arms, prints \"# mmt-arm: armed ...\", waits for SIGTERM/SIGINT, disarms,\n"
	       "prints metrics and the engine_mkclean result. Exit 0, 1 error, 2 bad input.\n",
	       prog_name, prog_name);
}

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engines", required_argument, NULL, 'E' },
		{ "engine-set", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "first", required_argument, NULL, 'F' },
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *files[MAX_FILES];
	unsigned int nr_files = 0, first = 1, i;
	uint64_t seed = default_seed();
	bool check = false;
	enum verdict v[ENG_NR];
	struct sigaction sa;
	sigset_t set;
	char desc[512];
	int c, sig, fd;

	prog_name = "mmt-arm";
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'E':
			refuse_engines(optarg);
			engines_parse_list(&eng, optarg);
			break;
		case 'S':
			engines_parse_set(&eng, optarg);
			break;
		case 's':
			seed = opt_seed("--seed", optarg);
			break;
		case 'F':
			first = opt_count("--first", optarg, 1, 1000000);
			break;
		case 'f':
			if (nr_files == MAX_FILES)
				usage_error("at most %d --file", MAX_FILES);
			files[nr_files++] = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			bad_option(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	engines_validate(&eng);
	if (check)
		return 0;
	if (!engines_any(&eng))
		usage_error("--engines mkclean is needed (nothing to arm)");
	if (!nr_files)
		usage_error("--file is needed: the files to register");

	/* SIGTERM/SIGINT are waited for with sigwait(); a handler, not
	 * SIG_IGN (a background job of sh starts with SIGINT ignored). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* The wrapper dying must not leave the engine running on its files. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		die_errno("prctl(PR_SET_PDEATHSIG)");
	if (getppid() == 1)
		usage_error("parent already gone");

	for (i = 0; i < nr_files; i++) {
		fd = open(files[i], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			engines_disarm(&eng);
			usage_error("--file %s: %s", files[i], strerror(errno));
		}
		engines_add_file(&eng, fd);
	}
	/* The files are fio's: mapped by fio, not by us. */
	engines_default(&eng, ENG_MKCLEAN, "shared", "1");
	engines_arm(&eng, seed);
	engines_describe(&eng, desc, sizeof(desc));
	diag("mmt-arm: armed %s files=%u seed=%llu", desc, nr_files,
	     (unsigned long long)seed);
	fflush(stdout);

	if (sigwait(&set, &sig))
		sig = 0;
	engines_disarm(&eng);
	diag("mmt-arm: disarmed after %.2fs (signal %d)",
	     eng.disarmed_at - eng.armed_at, sig);
	engines_report(&eng, first, v);
	fflush(stdout);
	return 0;
}
