#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_broken_modes.sh - each broken mode must be caught by its detector.
# The module is reloaded with the broken mode; the test passes only when
# the detector reports the failure (mmt_engine_lostdirty --expect loss
# exits 0 only after it saw a lost write, with its offset).
. "$(dirname "$0")/mmt_lib.sh"

require_root
require_module_file
dir=$(scratch_dir)

was_loaded=0
module_loaded && was_loaded=1
restore() {
	module_loaded && rmmod mmtorture
	[ $was_loaded = 1 ] && insmod "$mmt_module"
}
trap restore EXIT

echo "TAP version 13"
echo "1..1"
if module_loaded && ! rmmod mmtorture; then
	echo "not ok 1 lostdirty_mkclean_noflush # cannot unload the module to reload it"
	exit $KSFT_FAIL
fi
if ! insmod "$mmt_module" broken=mkclean_noflush; then
	echo "not ok 1 lostdirty_mkclean_noflush # insmod broken=mkclean_noflush failed"
	exit $KSFT_FAIL
fi
out=$(mktemp)
"$here/mmt_engine_lostdirty" --expect loss --duration 60 --seed "$MMT_SEED" \
	--dir "$dir" >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
loss=$(grep -m 1 '# lost write: ' "$out")
rm -f "$out"
if [ $rc = 0 ] && [ -n "$loss" ]; then
	echo "ok 1 lostdirty_mkclean_noflush"
	exit $KSFT_PASS
fi
echo "not ok 1 lostdirty_mkclean_noflush # the lost write was not detected (exit $rc)"
exit $KSFT_FAIL
