#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_workload_killed.sh - a workload killed mid-run leaves nothing behind.
# racewrite registers its file and mapping and arms every engine; it is
# SIGKILLed while the engines race it. Within 2 s the module must have
# dropped its targets (the owner's address space is gone) and stopped
# every engine that racewrite armed, tlbdelay's probes included.
# Needs the module loaded (the VM runner loads it; on a test box, insmod
# it first or let mmt_lib.sh's MMT_MODULE be loaded by hand).
. "$(dirname "$0")/mmt_lib.sh"

require_root
[ -d "$MMT_DEBUGFS" ] || skip_all "the $MMT_MODULE_NAME module is not loaded ($MMT_DEBUGFS missing)"
[ -x "$here/racewrite" ] || skip_all "no $here/racewrite"
dir=$(scratch_dir)

ktap_print_header
ktap_set_plan 2
out=$(mktemp)
"$here/racewrite" --dir "$dir" --duration 120 --seed "$MMT_SEED" \
	--engines "$MMT_ENGINE_TLBDELAY,$MMT_ENGINE_MKCLEAN,$MMT_ENGINE_VMA,$MMT_ENGINE_LAZYTLB" >"$out" 2>&1 &
pid=$!
status=$MMT_DEBUGFS/$MMT_FILE_STATUS
tld_stats=$(engine_file "$MMT_ENGINE_TLBDELAY" "$MMT_FILE_STATS")
all_on=$(engines_status on)
all_off=$(engines_status off)

# armed: racewrite has targets and every engine is on.
armed() {
	grep -qx "$all_on" "$status" &&
		! grep -qx "$MMT_STATUS_TARGETS: 0" "$status"
}
i=0
while ! armed && [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if ! armed; then
	ktap_print_msg "racewrite did not arm the engines within 10 s:"
	sed 's/^/# /' "$out" "$status"
	kill -9 $pid 2>/dev/null
	ktap_test_fail workload_armed
	ktap_print_msg "nothing_left_after_kill skipped: not armed"
	ktap_test_skip nothing_left_after_kill
	ktap_finished
fi
ktap_test_pass workload_armed
sleep 2
delays=$(sed -n "s/^$MMT_STAT_TLBDELAY_DELAYS: //p" "$tld_stats")
kill -9 $pid
wait $pid 2>/dev/null
t0=$(date +%s)

# clean: no target left and every engine off.
clean() {
	grep -qx "$MMT_STATUS_TARGETS: 0" "$status" &&
		grep -qx "$all_off" "$status"
}
i=0
while ! clean && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
ktap_print_msg "after SIGKILL ($((i * 100)) ms; tlbdelay delays before the kill: ${delays:-unknown}):"
sed 's/^/# /' "$status"
grep '^site:' "$tld_stats" | sed 's/^/# /'
rm -f "$out"
if clean && ! grep -q "$MMT_SITE_STATE=$MMT_SITE_STATE_ARMED" "$tld_stats"; then
	ktap_test_pass nothing_left_after_kill
else
	ktap_test_fail "nothing_left_after_kill # targets or armed engines left $(( $(date +%s) - t0 ))s after the kill"
fi
ktap_finished
