#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mmt_lib.sh - shared by mmtorture's shell kselftests (POSIX sh, busybox ok).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

here=$(cd "$(dirname "$0")" && pwd)
MMT_DEBUGFS=/sys/kernel/debug/mmtorture
mmt_module=${MMT_MODULE:-$here/mmtorture.ko}

# skip_all REASON: plan of 0 with the reason, kselftest skip status.
skip_all() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

require_module_file() {
	[ -r "$mmt_module" ] ||
		skip_all "no $mmt_module: build it with KDIR=... or set MMT_MODULE=/path/mmtorture.ko"
}

module_loaded() {
	grep -q '^mmtorture ' /proc/modules
}

# Scratch folder for the workloads: MMT_SCRATCH, else one next to the tests.
scratch_dir() {
	_d=${MMT_SCRATCH:-$here/scratch}
	mkdir -p "$_d" 2>/dev/null || skip_all "cannot create scratch folder $_d (set MMT_SCRATCH)"
	echo "$_d"
}

# Seconds and seed, overridable through the environment.
MMT_DURATION=${MMT_DURATION:-5}
MMT_SEED=${MMT_SEED:-$(( $(date +%s) % 100000 ))}
