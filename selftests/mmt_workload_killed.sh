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
# runs the function (docs/races.md, "Emulation"); and that clear parks
# them, still patched, and defaults takes them back.
# Needs the module loaded (the VM runner loads it; on a test box, insmod
# it first or let mmt_lib.sh's MMT_MODULE be loaded by hand).
. "$(dirname "$0")/mmt_lib.sh"

require_root
[ -d "$MMT_DEBUGFS" ] || skip_all "the $MMT_MODULE_NAME module is not loaded ($MMT_DEBUGFS missing)"
[ -x "$here/racewrite" ] || skip_all "no $here/racewrite"
dir=$(scratch_dir)

ktap_print_header
ktap_set_plan 4
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
	for _t in nothing_left_after_kill tlbdelay_disarm_keeps_text_patched \
		tlbdelay_clear_parks_patched_sites; do
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

# The functions of the sites racewrite armed, and their lines in the
# kernel's kprobes/list ("ADDR  k  SYMBOL+0xOFF  MODULE [FLAGS]"; the
# kernel may move a probe at +0x0 past the function's endbr64, so the
# offset is not compared).
sites=$(sed -n "s/^$MMT_STAT_TLBDELAY_SITE: \([^ +]*\)+.*/\1/p" "$tld_stats")
kplist=/sys/kernel/debug/kprobes/list
# site_lines: the kprobes/list lines of every site, or why there is none.
site_lines() {
	for _s in $sites; do
		grep -E "  $_s\+0x[0-9a-f]+ " "$kplist" || echo "$_s: not in $kplist"
	done
}
if [ -z "$sites" ] || [ ! -r "$kplist" ]; then
	for _t in tlbdelay_disarm_keeps_text_patched tlbdelay_clear_parks_patched_sites; do
		ktap_print_msg "$_t skipped: ${sites:+no $kplist}${sites:-tlbdelay had no sites}"
		ktap_test_skip "$_t"
	done
	ktap_finished
fi
lines=$(site_lines)
echo "$lines" | sed 's/^/# kprobes after the disarm: /'
if echo "$lines" | grep -q 'not in\|\[DISABLED\]\|\[GONE\]'; then
	sed 's/^/# kprobes\/list: /' "$kplist"
	ktap_test_fail "tlbdelay_disarm_keeps_text_patched # a site was unpatched or unregistered by the disarm"
else
	ktap_test_pass tlbdelay_disarm_keeps_text_patched
fi

# clear parks the patched sites (still patched, counted in parked_sites);
# defaults takes the default ones back out of the park, still patched.
sites_file=$(engine_file "$MMT_ENGINE_TLBDELAY" "$MMT_FILE_SITES")
nsites=$(echo "$sites" | wc -w)
parked() {
	sed -n "s/^$MMT_STAT_TLBDELAY_PARKED: //p" "$tld_stats"
}
echo "$MMT_SITES_CLEAR" >"$sites_file"
after_clear=$(site_lines)
parked_clear=$(parked)
echo "$MMT_SITES_DEFAULTS" >"$sites_file"
after_defaults=$(site_lines)
parked_defaults=$(parked)
echo "$after_clear" | sed "s/^/# kprobes after clear (parked_sites: $parked_clear): /"
echo "$after_defaults" | sed "s/^/# kprobes after defaults (parked_sites: $parked_defaults): /"
if echo "$after_clear$after_defaults" | grep -q 'not in\|\[DISABLED\]\|\[GONE\]'; then
	ktap_test_fail "tlbdelay_clear_parks_patched_sites # clear or defaults patched a site out"
elif [ "$parked_clear" != "$nsites" ] || [ "$parked_defaults" != 0 ]; then
	ktap_test_fail "tlbdelay_clear_parks_patched_sites # parked_sites $parked_clear after clear (want $nsites), $parked_defaults after defaults (want 0)"
else
	ktap_test_pass tlbdelay_clear_parks_patched_sites
fi

ktap_finished
