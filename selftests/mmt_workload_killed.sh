#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_workload_killed.sh - a workload killed mid-run leaves nothing behind.
# racewrite registers its file and mapping and arms every engine; it is
# SIGKILLed while the engines race it. Within 2 s the module must have
# dropped its targets (the owner's address space is gone) and stopped
# every engine that racewrite armed, tlbdelay's probes included.
# Then the kernel's own list of kprobes (debugfs kprobes/list) must show
# that disarming left tlbdelay's sites patched in (no [DISABLED]): the
# text goes back only when a site is removed, never at a disarm, because
# multi-threaded TCG faults when a probe is patched out while another vCPU
# runs the function (docs/races.md, "Emulation"). Patching out is not
# tried here: this test also runs under multi-threaded TCG.
# Needs the module loaded (the VM runner loads it; on a test box, insmod
# it first or let mmt_lib.sh's MMT_MODULE be loaded by hand).
. "$(dirname "$0")/mmt_lib.sh"

require_root
[ -d "$MMT_DEBUGFS" ] || skip_all "the $MMT_MODULE_NAME module is not loaded ($MMT_DEBUGFS missing)"
[ -x "$here/racewrite" ] || skip_all "no $here/racewrite"
dir=$(scratch_dir)

ktap_print_header
ktap_set_plan 3
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
	for _t in nothing_left_after_kill tlbdelay_disarm_keeps_text_patched; do
		ktap_print_msg "$_t skipped: not armed"
		ktap_test_skip "$_t"
	done
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
grep "^$MMT_STAT_TLBDELAY_SITE:" "$tld_stats" | sed 's/^/# /'
rm -f "$out"
if clean && ! grep -q "$MMT_SITE_STATE=$MMT_SITE_STATE_ARMED" "$tld_stats"; then
	ktap_test_pass nothing_left_after_kill
else
	ktap_test_fail "nothing_left_after_kill # targets or armed engines left $(( $(date +%s) - t0 ))s after the kill"
fi

# The sites racewrite armed, as the kernel's kprobes/list names them
# ("SYMBOL+0xOFFSET"), and their lines there.
sites=$(sed -n "s/^$MMT_STAT_TLBDELAY_SITE: \([^ ]*\) .*/\1/p" "$tld_stats")
kplist=/sys/kernel/debug/kprobes/list
# site_lines: the kprobes/list line of every site, or why there is none.
site_lines() {
	for _s in $sites; do
		grep -F "  $_s " "$kplist" || echo "$_s: not in $kplist"
	done
}
if [ -z "$sites" ] || [ ! -r "$kplist" ]; then
	ktap_print_msg "tlbdelay_disarm_keeps_text_patched skipped: ${sites:+no $kplist}${sites:-tlbdelay had no sites}"
	ktap_test_skip tlbdelay_disarm_keeps_text_patched
	ktap_finished
fi
lines=$(site_lines)
echo "$lines" | sed 's/^/# kprobes after the disarm: /'
if echo "$lines" | grep -q 'not in\|\[DISABLED\]\|\[GONE\]'; then
	ktap_test_fail "tlbdelay_disarm_keeps_text_patched # a site was unpatched or unregistered by the disarm"
else
	ktap_test_pass tlbdelay_disarm_keeps_text_patched
fi

ktap_finished
