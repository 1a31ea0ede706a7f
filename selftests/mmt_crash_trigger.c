// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_crash_trigger - fires the module's crash test (positive control for
 * the console scanner). Only meaningful when mmtorture was loaded with
 * crash_test=warn or crash_test=bug; the harness then expects the run to
 * be reported as a failure with the matching splat title. This program
 * itself only reports whether the trigger was accepted.
 */
#include <stdio.h>

#include "kselftest.h"
#include "mmt_util.h"

int main(void)
{
	const char *why = mmt_module_missing();
	int err;

	ksft_print_header();
	if (why)
		ksft_exit_skip("%s\n", why);
	ksft_set_plan(1);
	/* Out before the kernel may die of the write. */
	fflush(stdout);
	err = mmt_write(MMT_FILE_CRASH_TRIGGER, "1\n");
	if (err) {
		ksft_test_result_code(KSFT_FAIL, "crash_trigger", "write failed: %d", err);
		ksft_exit_fail();
	}
	ksft_test_result_pass("crash_trigger\n");
	ksft_exit_pass();
}
