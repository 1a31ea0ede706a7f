// SPDX-License-Identifier: GPL-2.0
/*
 * mmt_debugfs_test - the module's debugfs contract: layout, permissions,
 * the "seed" knob's validation. Needs root and a loaded mmtorture module.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mmt_util.h"

#define REQUIRE_MODULE() do {						\
	const char *why = mmt_module_missing();				\
	if (why)							\
		SKIP(return, "%s", why);				\
} while (0)

TEST(files_and_modes)
{
	static const struct { const char *name; mode_t mode; } files[] = {
		{ MMT_FILE_VERSION, 0400 }, { MMT_FILE_STATUS, 0400 }, { MMT_FILE_SEED, 0600 },
	};
	struct stat st;
	size_t i;

	REQUIRE_MODULE();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];

		mmt_path(path, sizeof(path), files[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(files[i].mode, st.st_mode & 07777)
			TH_LOG("%s has mode %o", path, st.st_mode & 07777);
		EXPECT_EQ((uid_t)0, st.st_uid);
	}
}

TEST(version_format)
{
	char buf[128];

	REQUIRE_MODULE();
	ASSERT_LT(0, mmt_read(MMT_FILE_VERSION, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, MMT_MODULE_NAME " ", strlen(MMT_MODULE_NAME) + 1)) TH_LOG("version: '%s'", buf);
}

TEST(status_keys)
{
	static const char *const keys[] = {
		MMT_STATUS_VERSION ": ", MMT_STATUS_KERNEL ": ",
		MMT_STATUS_SEED ": ", MMT_STATUS_CRASH_TEST ": ",
		MMT_STATUS_ENGINES ": ",
	};
	char buf[4096];
	size_t i;

	REQUIRE_MODULE();
	ASSERT_LT(0, mmt_read(MMT_FILE_STATUS, buf, sizeof(buf)));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EXPECT_NE(NULL, mmt_status_line(buf, keys[i]))
			TH_LOG("status lacks '%s'", keys[i]);
}

TEST(seed_roundtrip)
{
	char buf[64];

	REQUIRE_MODULE();
	ASSERT_EQ(0, mmt_write(MMT_FILE_SEED, "12345\n"));
	ASSERT_LT(0, mmt_read(MMT_FILE_SEED, buf, sizeof(buf)));
	EXPECT_STREQ("12345\n", buf);
	ASSERT_EQ(0, mmt_write(MMT_FILE_SEED, "18446744073709551615"));
	ASSERT_LT(0, mmt_read(MMT_FILE_SEED, buf, sizeof(buf)));
	EXPECT_STREQ("18446744073709551615\n", buf);
}

TEST(seed_rejects_bad_input)
{
	/* Every refusal is -EINVAL, out of range included (knob grammar). */
	static const char *const bad[] = {
		"", "\n", "abc", "-1", "12abc", "0x", "1 2", " ", "+",
		"18446744073709551616", "99999999999999999999999", "+5",
		" 5", "5 ", "5\n\n", "5\t", "0x10",
	};
	char before[64], after[64];
	size_t i;

	REQUIRE_MODULE();
	ASSERT_EQ(0, mmt_write(MMT_FILE_SEED, "777"));
	ASSERT_LT(0, mmt_read(MMT_FILE_SEED, before, sizeof(before)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = mmt_write(MMT_FILE_SEED, bad[i]);

		EXPECT_EQ(-EINVAL, err) TH_LOG("seed accepted '%s' (%d)", bad[i], err);
		ASSERT_LT(0, mmt_read(MMT_FILE_SEED, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("'%s' changed the seed", bad[i]);
	}
}

TEST(readonly_files_refuse_writes)
{
	REQUIRE_MODULE();
	EXPECT_NE(0, mmt_write(MMT_FILE_VERSION, "x"));
	EXPECT_NE(0, mmt_write(MMT_FILE_STATUS, "x"));
}

TEST(crash_trigger_only_with_crash_test)
{
	char buf[4096], path[256];
	const char *mode;
	int present;

	REQUIRE_MODULE();
	ASSERT_LT(0, mmt_read(MMT_FILE_STATUS, buf, sizeof(buf)));
	mode = mmt_status_line(buf, MMT_STATUS_CRASH_TEST ": ");
	ASSERT_NE(NULL, mode);
	mmt_path(path, sizeof(path), MMT_FILE_CRASH_TRIGGER);
	present = access(path, F_OK) == 0;
	if (strncmp(mode, "none", 4) == 0) {
		EXPECT_FALSE(present) TH_LOG("crash_trigger exists with crash_test=none");
	} else {
		EXPECT_TRUE(present) TH_LOG("crash_trigger missing with crash_test=%.4s", mode);
	}
}

/*
 * Not TEST_HARNESS_MAIN: when every test skips, the harness still exits
 * 0, and a run that executed nothing must not read as a pass.
 */
int main(int argc, char **argv)
{
	const char *why = mmt_module_missing();

	if (why) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	return test_harness_run(argc, argv);
}
