#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mmt_lib.sh - shared by mmtorture's shell kselftests (POSIX sh, busybox ok).

here=$(cd "$(dirname "$0")" && pwd)
# The contract: paths, file, engine, op and broken mode names, generated
# from module/mmtorture_uapi.h (scripts/gen-uapi-sh.sh).
. "$here/mmt_uapi.sh"

# KTAP lines and exit codes: the kernel's own shell helpers
# (tools/testing/selftests/kselftest/ktap_helpers.sh: ktap_print_header,
# ktap_set_plan, ktap_test_pass/fail/skip, ktap_print_msg, ktap_finished,
# KSFT_*), installed next to the tests (selftests/Makefile's TEST_FILES,
# the guest's bin), or in a kselftest install's kselftest/ folder.
for _k in "$here/ktap_helpers.sh" "$here/../kselftest/ktap_helpers.sh"; do
	[ -r "$_k" ] && break
done
if [ ! -r "$_k" ]; then
	echo "mmt_lib.sh: no ktap_helpers.sh next to $0 (install the tests with make -C selftests install)" >&2
	exit "$MMT_EXIT_FAIL"
fi
. "$_k"
# The helpers' exit codes are the contract's.
if [ "$KSFT_PASS $KSFT_FAIL $KSFT_SKIP" != "$MMT_EXIT_PASS $MMT_EXIT_FAIL $MMT_EXIT_SKIP" ]; then
	echo "mmt_lib.sh: $_k's KSFT_PASS/FAIL/SKIP ($KSFT_PASS $KSFT_FAIL $KSFT_SKIP) differ from mmtorture_uapi.h's ($MMT_EXIT_PASS $MMT_EXIT_FAIL $MMT_EXIT_SKIP)" >&2
	exit "$MMT_EXIT_FAIL"
fi

MMT_DEBUGFS=$MMT_DEBUGFS_DIR
mmt_module=${MMT_MODULE:-$here/$MMT_MODULE_NAME.ko}

# skip_all REASON: plan of 0 with the reason, kselftest skip status.
skip_all() {
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

require_module_file() {
	[ -r "$mmt_module" ] ||
		skip_all "no $mmt_module: build it with KDIR=... or set MMT_MODULE=/path/$MMT_MODULE_NAME.ko"
}

module_loaded() {
	grep -q "^$MMT_MODULE_NAME " /proc/modules
}

# Scratch folder for the workloads: MMT_SCRATCH, else one next to the tests.
scratch_dir() {
	_d=${MMT_SCRATCH:-$here/scratch}
	mkdir -p "$_d" 2>/dev/null || skip_all "cannot create scratch folder $_d (set MMT_SCRATCH)"
	echo "$_d"
}

# unload: rmmod of the module.
unload() {
	rmmod "$MMT_MODULE_NAME"
}

# engine_file ENGINE FILE: the path of one of an engine's files.
engine_file() {
	echo "$MMT_DEBUGFS/$1/$2"
}

# engines_status STATE: the status file's engines line with every engine
# in STATE (on or off), in the module's order.
engines_status() {
	_l="$MMT_STATUS_ENGINES:"
	for _e in $MMT_ENGINES; do
		_l="$_l $_e=$1"
	done
	echo "$_l"
}

# Seconds and seed, overridable through the environment.
MMT_DURATION=${MMT_DURATION:-5}
MMT_SEED=${MMT_SEED:-$(( $(date +%s) % 100000 ))}
