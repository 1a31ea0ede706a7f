#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_dontneed.sh - the dontneed-storm workload as a kselftest: MMT_DURATION seconds
# (default 5) on MMT_SCRATCH (default a folder next to the tests; use an
# ext4 folder to test ext4 writeback). Extra arguments, e.g. from
# KSELFTEST_MMT_DONTNEED_SH_ARGS, go to dontneed-storm. A lost or stale write
# fails the test with its evidence: a finding about the kernel under test.
. "$(dirname "$0")/mmt_lib.sh"

dir=$(scratch_dir)
ktap_print_msg "dontneed-storm on $dir ($(stat -f -c %T "$dir" 2>/dev/null || echo unknown)), $MMT_DURATION s, seed $MMT_SEED"
exec "$here/dontneed-storm" --dir "$dir" --duration "$MMT_DURATION" --seed "$MMT_SEED" "$@"
