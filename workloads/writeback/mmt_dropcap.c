// SPDX-License-Identifier: GPL-2.0
/*
 * mmt-dropcap - run a program without CAP_SYS_ADMIN (still as root).
 *
 *   mmt-dropcap PROG [ARGS...]
 *
 * Drops CAP_SYS_ADMIN from the capability bounding set and execs PROG; a
 * root exec then gets every capability but that one.  mmt-writeback runs
 * stress-ng's madvise stressor so: with CAP_SYS_ADMIN, stress-ng 0.15.06
 * also injects memory failures (MADV_HWPOISON, MADV_SOFT_OFFLINE), a
 * destructive RAS test that is not the mm race under test; without it
 * those calls fail with EPERM and the rest of the stressor runs as root.
 *
 * Exit: PROG's status; 126 the capability could not be dropped; 127 PROG
 * could not be run; 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mmt-dropcap PROG [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0)) {
		fprintf(stderr, "mmt-dropcap: cannot drop CAP_SYS_ADMIN from the bounding set: %s\n",
			strerror(errno));
		return 126;
	}
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0) {
		fprintf(stderr, "mmt-dropcap: CAP_SYS_ADMIN is still in the bounding set\n");
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "mmt-dropcap: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
