// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_crash_trigger - fires the module's crash test (positive control for
 * the console scanner). Only meaningful when mmtorture was loaded with
 * crash_test=warn or crash_test=bug; the harness then expects the run to
 * be reported as a failure with the matching splat title. This program
 * itself only reports whether the trigger was accepted.
 */
#include <stdio.h>

#include "mmt_util.h"

int main(void)
{
	const char *why = mmt_module_missing();
	int err;

	printf("TAP version 13\n1..1\n");
	if (why) {
		printf("ok 1 crash_trigger # SKIP %s\n", why);
		return 4;
	}
	fflush(stdout);
	err = mmt_write(MMT_FILE_CRASH_TRIGGER, "1\n");
	if (err) {
		printf("not ok 1 crash_trigger # write failed: %d\n", err);
		return 1;
	}
	printf("ok 1 crash_trigger\n");
	return 0;
}
