#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_broken_modes.sh - each broken mode must be caught by its detector.
# The module is reloaded with the broken mode; a test passes only when its
# detector reported the failure with its evidence line:
#   mkclean_noflush  racewrite --engines mkclean --clean module
#                    --expect lost-write                  "# lost write: "
#   vma_stale        vma-stale --engines vma --expect stale  "# stale contents: "
# The detectors are the checkers a user runs, with the module's engines
# acting on the checkers' own memory.
#   lazytlb_early_drop  a use after free only KASAN can see: on a kernel
#                    without KASAN the module must refuse the op (it is
#                    not in ops_available and writing it fails); on a
#                    KASAN kernel this test skips, and the lazytlb-broken
#                    suite checks that KASAN catches it.
. "$(dirname "$0")/mmt_lib.sh"

require_root
require_module_file
dir=$(scratch_dir)

was_loaded=0
module_loaded && was_loaded=1
restore() {
	module_loaded && unload
	[ $was_loaded = 1 ] && insmod "$mmt_module"
}
trap restore EXIT

ktap_print_header
ktap_set_plan 4

# caught MODE EVIDENCE PROGRAM ARGS...: reload with broken=MODE, run the
# detector, pass only if it exits 0 and printed the evidence line.
caught() {
	_mode=$1 _evidence=$2
	shift 2
	if module_loaded && ! unload; then
		ktap_test_fail "$_mode # cannot unload the module to reload it"
		return
	fi
	if ! insmod "$mmt_module" "$MMT_PARAM_BROKEN=$_mode"; then
		ktap_test_fail "$_mode # insmod broken=$_mode failed"
		return
	fi
	_out=$(mktemp)
	"$@" >"$_out" 2>&1
	_rc=$?
	unload
	sed 's/^/# /' "$_out"
	if [ $_rc = 0 ] && grep -q "$_evidence" "$_out"; then
		ktap_test_pass "$_mode"
	else
		ktap_test_fail "$_mode # not detected (exit $_rc)"
	fi
	rm -f "$_out"
}

caught "$MMT_BROKEN_MKCLEAN_NOFLUSH_NAME" '# lost write: ' "$here/racewrite" --engines "$MMT_ENGINE_MKCLEAN" \
	--clean module --burst 8 --expect lost-write --duration 60 --seed "$MMT_SEED" --dir "$dir"
caught "$MMT_BROKEN_VMA_STALE_NAME" '# stale contents: ' "$here/vma-stale" --engines "$MMT_ENGINE_VMA" \
	--engine-set "$MMT_ENGINE_VMA.ops=$MMT_VMA_OP_MMAP_FIXED_STALE" --expect stale --duration 60 --seed "$MMT_SEED"
caught "$MMT_BROKEN_VMA_WRITABLE_NAME" '# protection violation: kind=store-after-readonly' "$here/vma-prot" \
	--mapping shmem --engines "$MMT_ENGINE_VMA" --selfcheck module --expect violation \
	--duration 60 --seed "$MMT_SEED"

# refused_without_kasan: broken=lazytlb_early_drop must not arm the op
# on a kernel without KASAN.
refused_without_kasan() {
	_m=$MMT_BROKEN_LAZYTLB_EARLY_DROP_NAME _op=$MMT_LAZYTLB_OP_EARLY_DROP
	module_loaded && unload
	if ! insmod "$mmt_module" "$MMT_PARAM_BROKEN=$_m"; then
		ktap_test_fail "$_m # insmod broken=$_m failed"
		return
	fi
	_st=$(cat "$(engine_file "$MMT_ENGINE_LAZYTLB" "$MMT_FILE_STATS")")
	echo "$_st" | sed 's/^/# /'
	if echo "$_st" | grep -q "^$MMT_STAT_OPS_AVAILABLE:.*$_op"; then
		# (ktap_test_skip takes no reason: it goes on the line before.)
		ktap_print_msg "lazytlb_early_drop skipped: KASAN kernel: early_drop is armed here; the lazytlb-broken suite checks that KASAN catches it"
		ktap_test_skip "lazytlb_early_drop"
	elif echo "$_op" >"$(engine_file "$MMT_ENGINE_LAZYTLB" "$MMT_FILE_OPS")" 2>/dev/null; then
		ktap_test_fail "lazytlb_early_drop # writing ops=early_drop succeeded on a kernel without KASAN"
	elif echo "$_st" | grep -q "^$MMT_STAT_OPS_UNAVAILABLE:.*$_op.*KASAN"; then
		ktap_test_pass "lazytlb_early_drop refused without KASAN"
	else
		ktap_test_fail "lazytlb_early_drop # status does not name early_drop as unavailable for want of KASAN"
	fi
	unload
}
refused_without_kasan
# Passes iff all 4 passed or skipped; the EXIT trap restores the module.
ktap_finished
