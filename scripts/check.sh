#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - mmtorture's own tests (make check). They test the harness:
# clean verdicts are asserted on the default kernel (6.12) only; on every
# kernel the detectors must catch their positive controls.
#
# Prints "ok N name" / "not ok N name" per check and ends with the line
# "N passed, M failed". Exit 0 iff M = 0.
# CHECK_ONLY=regex runs only the checks whose names match.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MMT_BUILD:-$top/build}
cd "$top" || exit 2

work=$(mktemp -d "${TMPDIR:-/tmp}/mmt-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results

# shellcheck source=lib/checks.sh
. "$top/scripts/lib/checks.sh"
t_start=$(date +%s)

# The guests' kernels are fetched in the background while the host-side
# units run: downloading and unpacking waits on the network and the disk,
# the units on the CPU. Not a check of its own: a kernel that could not be
# fetched fails the first check that boots it, with the fetcher's message.
# (CHECK_ONLY runs fetch what their own boots need.)
if [ -z "${CHECK_ONLY:-}" ]; then
	( for k in 6.12 6.1 7.2; do scripts/fetch-kernel.sh $k; done ) >"$work/prefetch.log" 2>&1 &
	prefetch=$!
	trap 'kill $prefetch 2>/dev/null; wait $prefetch 2>/dev/null; rm -rf "$work"' EXIT
fi

# --- host-side units --------------------------------------------------------

check console_scanner_corpus scripts/tests/test-console-scan.sh "$build/console-scan"
check console_scanner_scoring scripts/tests/test-score-scanner.sh "$build/score-scanner"
check report_verdicts scripts/tests/test-report.sh "$build/mmt-report"
check campaign_aggregate_html_kcidb scripts/tests/test-campaign.sh "$build/mmt-campaign" "$build/mmt-report"
check workloads_host_selfcheck make -s -C workloads check O="$work/workloads"
check writeback_wrapper_selfcheck sh workloads/writeback/selfcheck.sh "$build/guest/bin/mmt-writeback"
check checkpatch_strict_module scripts/checkpatch.sh "$(cat "$build/ksrc.path")"

shells_parse() {
	local sh f
	for sh in "busybox sh" dash bash; do
		command -v "${sh%% *}" >/dev/null || continue
		for f in scripts/guest/mmtorture-run scripts/guest/guest-init; do
			$sh -n "$f" || { echo "$sh cannot parse $f"; return 1; }
		done
	done
	for f in scripts/*.sh; do
		bash -n "$f" || return 1
	done
}
check shell_scripts_parse shells_parse

# The contract header's shell copy is current (and a stale one is caught);
# module/*.c call one another without a cycle (and a cycle is caught).
check uapi_shell_copy_current scripts/tests/test-uapi-sh.sh
check module_callgraph_acyclic scripts/tests/test-callgraph.sh 6.12

# --- bad input: one line, status 2, no results -------------------------------

# expect_refusal PATTERN COMMAND...: exit 2, stderr matches, nothing in results.
expect_refusal() {
	local pat=$1 rc
	shift
	rm -rf "$results"
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	cat "$work/err"
	[ $rc = 2 ] || { echo "exit $rc, wanted 2"; return 1; }
	grep -qE "$pat" "$work/err" || { echo "message does not match /$pat/"; return 1; }
	[ "$(ls -A "$results" 2>/dev/null | wc -l)" = 0 ] ||
		{ echo "results were written: $(ls -A "$results")"; return 1; }
}
vm() { QUIET=1 scripts/vm-run.sh RESULTS="$results" "$@"; }

check refuses_unknown_suite expect_refusal "unknown SUITE 'nosuch'.*choose one of" vm SUITE=nosuch
check refuses_unknown_kernel expect_refusal "unknown KERNEL '5.10'" vm KERNEL=5.10
check refuses_unknown_option expect_refusal "unknown option 'SUIT'" vm SUIT=smoke
check refuses_bad_duration expect_refusal "DURATION must be" vm DURATION=ten
check refuses_gone_unstable_kernel expect_refusal "Debian unstable has no kernel '7.99'" vm KERNEL=7.99
check refuses_bzimage_without_kdir expect_refusal "also give KDIR" vm KERNEL=/etc/hostname
check refuses_mismatched_kdir expect_refusal "KDIR=.* is for .* but KERNEL=6.1" \
	vm KERNEL=6.1 KDIR="$(. "$(scripts/fetch-kernel.sh 6.12 2>/dev/null | tail -n 1)/kernel.env" && echo "$KDIR")"
check runner_refuses_unknown_suite expect_refusal "unknown suite 'nosuch'" \
	scripts/guest/mmtorture-run --suite nosuch
# Kernels from source: bad input is refused before anything is built.
check refuses_unknown_kconfig expect_refusal "unknown KCONFIG 'nosuch'" vm KERNEL=src KCONFIG=nosuch
check refuses_ksrc_not_a_kernel expect_refusal "KSRC=/etc is not a kernel source tree" vm KERNEL=src KSRC=/etc
check refuses_missing_patch expect_refusal "PATCH /nonexistent.patch: no such file" vm KERNEL=src PATCH=/nonexistent.patch
check refuses_src_options_without_src expect_refusal "are for KERNEL=src" vm KERNEL=6.12 KCONFIG=debug

# repro.sh speaks git bisect run: 125 when it cannot test, with the reason.
expect_cannot_test() {
	local pat=$1 rc
	shift
	scripts/repro.sh "$@" >"$work/out" 2>"$work/err"
	rc=$?
	cat "$work/err" "$work/out"
	[ $rc = 125 ] || { echo "exit $rc, wanted 125"; return 1; }
	grep -qE "$pat" "$work/err" || { echo "message does not match /$pat/"; return 1; }
	tail -n 1 "$work/out" | grep -q 'verdict=cannot-test' || { echo "no machine-readable last line"; return 1; }
}
check repro_unknown_entry_cannot_test expect_cannot_test "unknown entry 'nosuch': entries are .*delayed-rmap" nosuch RESULTS="$work/repro"
check repro_missing_prerequisite_cannot_test expect_cannot_test "needs CONFIG_KASAN=y and 6\.12\..* does not have it" \
	lazytlb-early-drop KERNEL=6.12 RESULTS="$work/repro"

# --- real kernels in the VM --------------------------------------------------

# run_vm EXPECTED_EXIT|any KEY=VALUE...: one boot; keeps the summary for checks.
run_vm() {
	local want=$1 rc
	shift
	rm -rf "$results"
	vm "$@"
	rc=$?
	last=$(ls -d "$results"/2* 2>/dev/null | tail -n 1)
	[ -n "$last" ] && [ -f "$last/summary.json" ] || { echo "no complete results folder"; return 1; }
	jq -r '"verdict=\(.verdict) reason=\(.verdict_reason) kernel=\(.environment.kernel) seed=\(.seed)"' "$last/summary.json"
	[ "$want" = any ] || [ "$rc" = "$want" ] || { echo "exit $rc, wanted $want"; run_evidence; return 1; }
}
# run_evidence: what failed in the last run, and its folder kept for replay
# under results/check-failed/ (the check's own folders are thrown away).
run_evidence() {
	local keep=$top/results/check-failed
	grep -E '^ *not ok ' "$last/results.ktap" | head -n 20
	grep -E '^ *# ' "$last/results.ktap" | grep -iE 'fail|violation|lost|stale|error|not ' | head -n 20
	mkdir -p "$keep" && cp -a "$last" "$keep/" &&
		echo "results kept: $keep/$(basename "$last") (replay: its replay file)"
}
# jqtrue FILTER: the last run's summary.json satisfies FILTER.
jqtrue() { jq -e "$1" "$last/summary.json" >/dev/null || { echo "summary.json fails: $1"; run_evidence; return 1; }; }
status_of() { jq -r --arg n "$1" '.tests[] | select(.name == $n) | .status' "$last/summary.json"; }

smoke_default_kernel() {
	run_vm 0 KERNEL=6.12 SUITE=smoke SEED=42 || return 1
	local f
	for f in console.log results.ktap summary.json meta.env replay; do
		[ -s "$last/$f" ] || { echo "missing $f"; return 1; }
	done
	[[ $(basename "$last") =~ ^[0-9]{8}T[0-9]{6}Z-6\.12\. ]] || { echo "bad folder name $last"; return 1; }
	[ -z "$(ls -d "$results"/.incomplete-* 2>/dev/null)" ] || { echo "incomplete folder left"; return 1; }
	jqtrue '.verdict == "pass" and .stream_complete == true and .seed == 42' &&
	jqtrue '.environment.kernel | startswith("6.12.")' &&
	jqtrue '.environment.kernel_config_sha256 | test("^[0-9a-f]{64}$")' &&
	jqtrue '.environment.qemu_cmdline | test("qemu-system-x86_64")' &&
	jqtrue '[.tests[].name] | index("module_load") != null and index("module_unload") != null' &&
	jqtrue '[.tests[] | select(.status != "pass")] | length == 0' &&
	grep -q "SEED=42" "$last/replay"
}
check vm_smoke_6.12_clean smoke_default_kernel

# On 6.1 the harness must work (module loads, is exercised, unloads); the
# kernel's verdict is recorded as it comes out, not asserted.
smoke_61() {
	run_vm any KERNEL=6.1 SUITE=smoke || return 1
	jqtrue '.environment.kernel | startswith("6.1.0-")' &&
	jqtrue '.stream_complete == true' || return 1
	local t
	for t in module_load debugfs_contract module_unload; do
		[ "$(status_of $t)" = pass ] || { echo "$t: $(status_of $t)"; return 1; }
	done
	echo "6.1 verdict: $(jq -r .verdict "$last/summary.json")"
}
# (smoke_61 is not run by default: engines-smoke, attack and the kselftest
# contract on 6.1 assert the same load, debugfs contract and unload, and
# make check must stay within 15 minutes. CHECK_EXTRA=1 runs it.)
[ -n "${CHECK_EXTRA:-}" ] && check vm_smoke_6.1_module_lifecycle smoke_61

# One vCPU is enough for the scanner's positive controls: each kernel's WARN
# and BUG boots run side by side, one host core each.
warn_caught() {
	run_vm 1 KERNEL=$1 SMP=1 SUITE=selftest-warn &&
	jqtrue '.verdict == "fail"' &&
	jqtrue '[.splats[].title] | index("WARNING in mmt_crash_warn") != null' &&
	jqtrue '.taint.new == 512'
}
bug_caught() {
	run_vm 7 KERNEL=$1 SMP=1 SUITE=selftest-bug &&
	jqtrue '.verdict == "panic"' &&
	jqtrue '[.splats[].title] | index("BUG: corrupted list in mmt_crash_bug") != null' &&
	jqtrue '[.splats[].kind] | index("PANIC") != null'
}
for k in 6.12 6.1 7.2; do
	check_bg "detects_WARN_${k}" warn_caught $k
	check_bg "detects_BUG_${k}" bug_caught $k
	check_join
done

# --- workloads in the guest (default kernel: clean verdict + metrics) ------

metric_of() {
	jq -r --arg t "$1" --arg m "$2" '.tests[] | select(.name == $t) | .metrics[$m] // empty' "$last/summary.json"
}
# has_metrics TEST METRIC...: each metric is a number > 0.
has_metrics() {
	local t=$1 m v
	shift
	for m in "$@"; do
		v=$(metric_of "$t" "$m")
		awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }' || { echo "$t: metric $m is '$v'"; return 1; }
		echo "$t: $m=$v"
	done
}
check suite_racewrite_6.12 eval 'run_vm 0 KERNEL=6.12 SUITE=racewrite DURATION=3 &&
	has_metrics racewrite_default writer_iter_per_s zaps_per_s cleans_per_s final_verified_pages'
check suite_dontneed_6.12 eval 'run_vm 0 KERNEL=6.12 SUITE=dontneed DURATION=3 &&
	has_metrics dontneed_default worker_rounds_per_s storm_madvise_per_s verified_pages'
check suite_writeback_6.12 eval 'run_vm 0 KERNEL=6.12 SUITE=writeback DURATION=3 &&
	has_metrics writeback_fio fio_write_bw_kib_s fio_verify_bw_kib_s &&
	jqtrue "[.tests[] | select(.name | startswith(\"fio_detects_\")) | .status] | length == 4 and all(. == \"pass\")"'

# --- the attack: engines acting on the workloads' memory, all vCPUs at once ---

# engine_metrics TEST: every engine the test armed did work on its memory.
engine_worked() {
	local t=$1
	has_metrics "$t" engine_tlbdelay_filtered_calls engine_mkclean_passes || return 1
	jqtrue "[.tests[] | select(.name == \"$t\") | .metrics | keys[] | select(startswith(\"engine_\"))] | length > 4"
}
# The attack on 6.12 and 6.1 runs as a 2-boot campaign (make campaign):
# the same two boots as before, now also testing the campaign end to end
# (parallel runner, aggregate, HTML, KCIDB). Each boot's assertions are
# then made on its own results folder.
campaign_attack() {
	rm -rf "$results"
	scripts/campaign.sh RESULTS="$results" KERNELS="6.12 6.1" SUITE=attack RUNS=1 SMP=2 DURATION=4
	local rc=$? c k
	c=$(ls -d "$results"/campaign-* 2>/dev/null | tail -n 1)
	[ $rc = 0 ] || [ $rc = 1 ] || { echo "campaign exit $rc"; return 1; }
	[ -n "$c" ] && cat "$c/table.txt" || { echo "no campaign folder"; return 1; }
	jq -e '.boots_done == 2 and .boots_planned == 2 and .interrupted == false and (.cells | length) == 2' \
		"$c/campaign.json" >/dev/null || { echo "campaign.json is not 2 boots in 2 cells"; return 1; }
	jq -e '[.cells[] | .hit_rate_ci95 | length == 2] | all' "$c/campaign.json" >/dev/null || return 1
	scripts/kcidb-validate.sh "$c/kcidb.json" || return 1
	grep -q '<table id="matrix">' "$c/index.html" || { echo "index.html has no verdict matrix"; return 1; }
	for k in 6.12 6.1; do
		jq -r --arg k "$k" '.boots[] | select(.kernel == $k) | .results_dir' "$c/campaign.json" >"$work/camp.$k"
		[ -s "$work/camp.$k" ] && [ -f "$(cat "$work/camp.$k")/report.html" ] ||
			{ echo "no run folder with report.html for $k"; return 1; }
	done
}
check campaign_attack_6.12_and_6.1 campaign_attack
# from_campaign KERNEL: the campaign's boot of KERNEL becomes the last run.
from_campaign() {
	last=$(cat "$work/camp.$1" 2>/dev/null)
	[ -n "$last" ] && [ -f "$last/summary.json" ] || { echo "the campaign has no boot of $1"; return 1; }
	jq -r '"verdict=\(.verdict) reason=\(.verdict_reason) kernel=\(.environment.kernel) seed=\(.seed)"' "$last/summary.json"
}
attack_612() {
	from_campaign 6.12 &&
	[ "$(jq -r .verdict "$last/summary.json")" = pass ] || { run_evidence; return 1; }
	jqtrue '.environment.accel | test("tcg-single") | not' &&
	jqtrue '.environment.vma_locking == "per_vma_lock"' &&
	jqtrue '[.tests[].status] | all(. == "pass")' &&
	jqtrue '[.tests[].subtests[]?.name] | map(select(startswith("engine_"))) | length >= 9' &&
	engine_worked racewrite_engines && engine_worked dontneed_engines &&
	has_metrics racewrite_engines engine_tlbdelay_delays writer_iter_per_s &&
	has_metrics mprotect_engines judged_stores readonly_windows engine_tlbdelay_filtered_calls &&
	has_metrics fork_engines forks stores engine_tlbdelay_filtered_calls &&
	has_metrics move_engines moves checked_words engine_tlbdelay_filtered_calls &&
	grep -q '^ *# progress: elapsed=' "$last/results.ktap"
}
check attack_6.12_clean_multithreaded attack_612
# On 6.1, which lacks the v6.2 fix, racewrite may lose a write: that is the
# kernel's verdict, recorded; the harness must have armed the engines on
# the workloads' memory and their counters must have advanced. On 7.2
# (Debian unstable) the same: its verdict is recorded, not asserted.
# attack_harness KERNEL RELEASE_PREFIX: on the last run.
attack_harness_of_last() {
	jqtrue ".environment.kernel | startswith(\"$2\")" &&
	jqtrue '.stream_complete == true' &&
	jqtrue '.environment.accel | test("tcg-single") | not' || return 1
	local t
	for t in module_load racewrite_engines dontneed_engines vma_engines mprotect_engines move_engines fork_engines module_unload; do
		[ -n "$(status_of $t)" ] || { echo "$t did not run"; return 1; }
	done
	[ "$(status_of module_unload)" = pass ] || { echo "module_unload: $(status_of module_unload)"; return 1; }
	engine_worked racewrite_engines && engine_worked dontneed_engines || return 1
	echo "$1 attack verdict: $(jq -r '.verdict + " (" + .verdict_reason + ")"' "$last/summary.json")"
	grep -m3 '^ *# lost write:' "$last/results.ktap" || true
}
attack_harness() {
	run_vm any KERNEL=$1 SUITE=attack DURATION=3 || return 1
	attack_harness_of_last "$@"
}
attack_61() {
	from_campaign 6.1 &&
	attack_harness_of_last 6.1 6.1.0- &&
	jqtrue '.environment.vma_locking == "mmap_lock"'
}
check attack_6.1_harness_multithreaded attack_61
# 7.2's module is built in the unstable tree with unstable's compiler.
attack_72() {
	attack_harness 7.2 7.2. &&
	jqtrue '.environment.kernel_package | startswith("linux-binary-7.2.")' &&
	jqtrue '.environment.module_compiler | test("GCC: .*1[6-9]\\.")'
}
check attack_7.2_harness_multithreaded attack_72

# --- race engines -----------------------------------------------------------

# Every engine's end line on the console says SUCCESS (the module's own
# verdict, read by mmt-report; module_verdict_fails_vma_invariant below is
# its failing side).
module_verdicts_clean() {
	jqtrue '.module_verdict == "SUCCESS"' &&
	jqtrue '[.module_verdicts[].engine] | sort == ["lazytlb", "mkclean", "tlbdelay", "vma"]' &&
	jqtrue '[.module_verdicts[] | .failures == 0 and .runs >= 1] | all'
}
check engines_smoke_6.12_clean eval 'run_vm 0 KERNEL=6.12 SUITE=engines-smoke DURATION=3 &&
	jqtrue "[.tests[].status] | all(. == \"pass\")" && module_verdicts_clean'
engines_harness() {
	run_vm any KERNEL=$1 SUITE=engines-smoke DURATION=3 || return 1
	local t
	for t in module_load engine_contract workload_killed module_unload; do
		[ "$(status_of $t)" = pass ] || { echo "$t: $(status_of $t)"; return 1; }
	done
	echo "$1 engines-smoke verdict: $(jq -r .verdict "$last/summary.json")"
}
# (6.1's engine contract and killed-workload cleanup run in its kselftest
# contract below, one boot fewer.)
check engines_smoke_7.2_harness engines_harness 7.2
# Both broken modes are caught on 6.12 and 6.1 inside the kselftest runs
# below (mmt_broken_modes.sh reloads the module with each); on 7.2 by the
# suites, one boot each.
for k in 7.2; do
	broken_caught() {
		run_vm 0 KERNEL=$1 SUITE=engines-smoke-broken &&
		grep -qE '# lost write: offset=[0-9]+ expected seq=[0-9]+ found seq=' "$last/results.ktap" &&
		has_metrics lostdirty_broken time_to_detection_ms
	}
	check "detects_lost_dirty_broken_mode_${k}" broken_caught $k
	vma_stale_caught() {
		run_vm 0 KERNEL=$1 SUITE=engines-smoke-broken-vma &&
		grep -qE '# stale contents: offset=[0-9]+ expected' "$last/results.ktap" &&
		has_metrics vmastale_broken time_to_detection_ms
	}
	check "detects_vma_stale_broken_mode_${k}" vma_stale_caught $k
	vma_writable_caught() {
		run_vm 0 KERNEL=$1 SUITE=engines-smoke-broken-prot &&
		grep -qE '# protection violation: kind=store-after-readonly offset=[0-9]+' "$last/results.ktap" &&
		has_metrics vmaprot_broken time_to_detection_ms engine_vma_broken_writable_ptes
	}
	check "detects_vma_writable_broken_mode_${k}" vma_writable_caught $k
done

# --- kselftest target (issue: kselftests) -----------------------------------

# subtests_all_pass N: the kselftest test of the last run has N subtests,
# all passed.
subtests_all_pass() {
	jqtrue "[.tests[] | select(.name | startswith(\"kselftest\")) | .subtests[]] | length == $1 and all(.status == \"pass\")"
}
# broken_modes_evidence: mmt_broken_modes.sh's detectors printed their
# evidence (racewrite's lost write, vma-stale's stale contents, vma-prot's
# store to a read-only range).
broken_modes_evidence() {
	grep -qE '# lost write: offset=[0-9]+ expected seq=[0-9]+ found seq=' "$last/results.ktap" &&
	grep -qE '# stale contents: offset=[0-9]+ expected' "$last/results.ktap" &&
	grep -qE '# protection violation: kind=store-after-readonly offset=[0-9]+' "$last/results.ktap" ||
		{ echo "a broken mode's evidence line is missing"; return 1; }
}
# knob_fuzz_refused_all: mmt_knob_fuzz reported every knob it fuzzed with
# 0 malformed writes accepted (18 knobs on 6.1 and 6.12; at least 16).
knob_fuzz_refused_all() {
	local k
	k=$(grep -cE '^[ #]*# knob [^ ]+: [0-9]+ malformed writes, 0 accepted' "$last/results.ktap")
	[ "$k" -ge 16 ] || { echo "knob fuzz reported $k knobs with 0 accepted, want >= 16"; return 1; }
	echo "knob fuzz: $k knobs, 0 malformed writes accepted"
}
# mmt_engine_smoke's subtests but its data verdict, the one named $1, as
# the kselftest output nested in results.ktap gives them: "ok" or "not ok".
engine_smoke_contract_results() {
	awk -v data="$1" '
		/# selftests: mmtorture: mmt_engine_smoke$/ { on = 1; next }
		on && /^ *(not )?ok [0-9]+ selftests: mmtorture: mmt_engine_smoke/ { exit }
		on && $0 ~ "^ *# (not )?ok [0-9]+ " && $0 !~ data {
			sub(/^ *# /, ""); sub(/ [0-9]+ .*/, ""); print
		}' "$last/results.ktap"
}
# 6.1 is not the default kernel: the harness is asserted (every contract
# test but the last passes, the broken modes are caught, the fuzz refuses
# everything). Kernel verdicts are recorded: the last test's (rmmod under
# load, see the suite), and mmt_engine_smoke's data check (its target saw
# no misplaced or stale data), which may fail only alone, with its evidence.
kselftest_contract_61() {
	local smoke data=target_saw_no_misplaced_data
	run_vm any KERNEL=6.1 SUITE=kselftest-contract || return 1
	jqtrue '.environment.kernel | startswith("6.1.0-")' &&
	jqtrue '[.tests[] | select(.name | startswith("kselftest")) | .subtests[] | select(.name | test("mmt_module_reload|mmt_engine_smoke") | not) | .status] | length == 5 and all(. == "pass")' &&
	broken_modes_evidence && knob_fuzz_refused_all || return 1
	smoke=$(engine_smoke_contract_results "$data" | sort | uniq -c | tr -s ' ' | sed 's/^ //')
	[ "$smoke" = "8 ok" ] || { echo "mmt_engine_smoke's contract subtests: ${smoke:-none found} (want 8 ok)"; run_evidence; return 1; }
	echo "6.1 mmt_engine_smoke data verdict: $(grep -m1 -oE "(not )?ok [0-9]+ $data" "$last/results.ktap" || echo "did not finish")$(grep -m1 -oE '# stale contents: .*|# misplaced.*' "$last/results.ktap" | sed 's/^/, /')"
	echo "6.1 rmmod under load: $(jq -r '[.tests[] | select(.name | startswith("kselftest")) | .subtests[] | select(.name | test("mmt_module_reload")) | .status] | .[0] // "did not finish"' "$last/summary.json"); verdict $(jq -r '.verdict + " (" + .verdict_reason + ")"' "$last/summary.json")"
}

# Both suites run TCG with one host thread: side by side, one core each.
check_bg kselftest_target_in_6.12_guest eval 'run_vm 0 KERNEL=6.12 SUITE=kselftest && subtests_all_pass 9 &&
	broken_modes_evidence && knob_fuzz_refused_all'
check_bg kselftest_contract_in_6.1_guest kselftest_contract_61
check_join

# Standalone on a box where the module cannot be loaded (this host): every
# module test must skip with its reason; nothing may pass vacuously.
selftests_standalone_skips() {
	make -s -C selftests run_tests OUTPUT="$work/st" KSRC="$(cat "$build/ksrc.path")" \
		KDIR= MMT_MODULE="$work/none.ko" MMT_DURATION=1 MMT_SCRATCH="$work/st-scratch" \
		>"$work/st.out" 2>&1
	cat "$work/st.out"
	local t
	for t in mmt_debugfs_test mmt_engine_smoke mmt_module_reload.sh mmt_broken_modes.sh \
		mmt_workload_killed.sh; do
		grep -qE "^ok [0-9]+ selftests: .*: $t # SKIP" "$work/st.out" ||
			{ echo "$t did not skip"; return 1; }
	done
	grep -q "no $work/none.ko" "$work/st.out" || { echo "skip reason missing"; return 1; }
}
if [ "$(id -u)" = 0 ] && [ ! -e "$(. "$top/selftests/mmt_uapi.sh" && echo "$MMT_DEBUGFS_DIR")" ]; then
	check selftests_standalone_skip_with_reason selftests_standalone_skips
fi

selftests_install_builds_module() {
	local kdir61 out=$work/inst
	kdir61=$(. "$(scripts/fetch-kernel.sh 6.1 2>/dev/null | tail -n 1)/kernel.env" && echo "$KDIR")
	make -s -C selftests install INSTALL_PATH="$out" OUTPUT="$work/inst-build" \
		KSRC="$(cat "$build/ksrc.path")" KDIR="$kdir61" || return 1
	[ -x "$out/run_kselftest.sh" ] && [ -f "$out/kselftest/runner.sh" ] || { echo "no runner"; return 1; }
	grep -qx 'mmtorture:mmt_debugfs_test' "$out/kselftest-list.txt" || { echo "bad list"; return 1; }
	modinfo -F vermagic "$out/mmtorture/mmtorture.ko" | grep -q '^6\.1\.0-' || { echo "module not built for 6.1"; return 1; }
	rm -rf "$out"
	make -C selftests install INSTALL_PATH="$out" OUTPUT="$work/inst-build2" \
		KSRC="$(cat "$build/ksrc.path")" KDIR="$work" >"$work/inst.out" 2>&1 || return 1
	grep -q "has no Module.symvers" "$work/inst.out" || { echo "no skip reason"; return 1; }
	[ ! -e "$out/mmtorture/mmtorture.ko" ] || { echo "module built without Module.symvers"; return 1; }
}
check selftests_install_layout_and_module selftests_install_builds_module

# The catalog and the config fragments (no kernel build): entries well
# formed, shipped patches apply to linux-source-6.12, fragments survive
# olddefconfig. And the same check must catch each kind of breakage, in
# a copy of scripts/ with one broken entry, patch and fragment.
catalog_breakage_caught() {
	local c=$work/catalog-broken
	rm -rf "$c" && mkdir -p "$c" && cp -a scripts "$c/" || return 1
	sed -i 's/^fix: 5df397dec7c4 /fix: 5df397 /' "$c/scripts/catalog/delayed-rmap.entry"
	sed -i 's/^-\t\t\tif (tlb_delay_rmap(tlb)) {/-\t\t\tif (tlb_delay_rmap(tlb) \&\& 1) {/' \
		"$c/scripts/catalog/delayed-rmap.revert-6.12.patch"
	echo "CONFIG_KASAN_SW_TAGS=y" >>"$c/scripts/kconfig/debug.config"
	MMT_CACHE=${MMT_CACHE:-$top/.cache} "$c/scripts/catalog-check.sh" && { echo "catalog-check passed a broken copy"; return 1; }
	grep -q '^not ok .* catalog_entry_delayed-rmap # .*fix is not' "$work/log.$1" &&
	grep -q '^not ok .* patch_applies_delayed-rmap.revert-6.12 ' "$work/log.$1" &&
	grep -q '^not ok .* kconfig_merges_debug # olddefconfig dropped: CONFIG_KASAN_SW_TAGS' "$work/log.$1" &&
	grep -q '^ok .* kconfig_merges_default' "$work/log.$1"
}
check_bg catalog_entries_patches_and_kconfig scripts/catalog-check.sh
check_bg catalog_check_catches_breakage eval 'catalog_breakage_caught $n'
check_join
# The module's verdict is authoritative: its end lines on the console
# (mmtorture_uapi.h) fail a run that says FAILURE, with the module's
# verdict as the reason. broken=vma_invariant makes the vma engine's real
# post-munmap check find PTEs (the WARN is the invariant's own). One vCPU,
# beside the timeout and hang checks.
vma_invariant_caught() {
	run_vm 1 KERNEL=6.12 SMP=1 SUITE=vma-invariant-broken &&
	jqtrue '.verdict == "fail"' &&
	jqtrue '.verdict_reason | startswith("module verdict: vma FAILURE (violations=")' &&
	jqtrue '.module_verdict == "FAILURE"' &&
	jqtrue '[.module_verdicts[] | select(.engine == "vma" and .failures >= 1 and .violations >= 1)] | length == 1' &&
	jqtrue '[.splats[].title] | index("WARNING in mmt_vma_munmap_invariant") != null'
}
check_bg module_verdict_fails_vma_invariant_6.12 vma_invariant_caught
check_bg timeout_is_not_a_pass run_vm 5 KERNEL=6.12 SMP=1 SUITE=smoke TIMEOUT=2
check_bg hang_is_not_a_pass run_vm 6 KERNEL=6.12 SMP=1 SUITE=smoke HANG_SECS=1
check_join

echo "# make check took $(( $(date +%s) - t_start ))s"
checks_summary
