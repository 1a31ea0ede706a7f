#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-campaign.sh MMT_CAMPAIGN MMT_REPORT: the campaign's orchestration,
# aggregate, HTML and KCIDB writers on results folders from a stand-in
# vm-run (scripts/tests/campaign/fake-vm-run.sh: pass, lost write, panic,
# hang, no results folder, a slow boot for Ctrl-C), no guest. Checks that
# each can fail: a broken KCIDB file is refused, a folder that is not a
# run is refused. Ends with "N passed, M failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
camp_tool=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export MMT_BUILD=$(dirname "$camp_tool")
export MMT_VM_RUN=$top/scripts/tests/campaign/fake-vm-run.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/mmt-camp-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
t() {
	local name=$1
	shift
	if "$@" >"$work/log" 2>&1; then
		pass=$((pass + 1)); echo "ok $((pass + fail)) $name"
	else
		fail=$((fail + 1)); echo "not ok $((pass + fail)) $name"; sed 's/^/#   /' "$work/log" | tail -n 30
	fi
}
camp() { "$top/scripts/campaign.sh" RESULTS="$work/r" "$@"; }
cdir() { ls -d "$work/r"/campaign-* | tail -n 1; }
jqt() { jq -e "$1" "$2" >/dev/null || { echo "fails: $1"; jq . "$2" | head -n 80; return 1; }; }

matrix() {
	rm -rf "$work/r"
	camp KERNELS="pass lost panic hang nores" SUITE=racewrite-bench-engines RUNS=2 SMP=1 JOBS=2 DURATION=3 2>"$work/err"
	local rc=$? c
	cat "$work/err"
	[ $rc = 1 ] || { echo "exit $rc, wanted 1 (some boots did not pass)"; return 1; }
	grep -q 'campaign: 10/10 boots done, 8 not passed' "$work/err" || { echo "no final progress line"; return 1; }
	grep -qE 'ETA [0-9]+m[0-9]+s' "$work/err" || { echo "no ETA"; return 1; }
	c=$(cdir)/campaign.json
	jqt '.boots_done == 10 and .boots_planned == 10 and .interrupted == false and (.cells | length) == 5' "$c" &&
	jqt '.cells[] | select(.kernel == "pass") | .hits == 0 and .judged == 2 and .verdicts.pass == 2 and (.hit_rate_ci95[1] * 1e4 | round) == 6576' "$c" &&
	jqt '.cells[] | select(.kernel == "lost") | .hits == 2 and .detected == 2 and .time_to_detection_s.n == 2 and (.hit_rate_ci95[0] * 1e4 | round) == 3424 and .time_to_detection_s.max < 1' "$c" &&
	jqt '.cells[] | select(.kernel == "lost") | .rates.writer_iter_per_s.n == 2 and .rates.tlbdelay_delays_per_s.median > 200 and .rates.engine_ops_per_s.median == 500' "$c" &&
	jqt '.cells[] | select(.kernel == "panic") | .verdicts.panic == 2 and .hits == 2' "$c" &&
	jqt '.cells[] | select(.kernel == "hang") | .verdicts.hang == 2 and .hits == 2' "$c" &&
	jqt '.cells[] | select(.kernel == "nores") | .verdicts.none == 2 and .judged == 0 and .hits == 0 and .hit_rate == null' "$c" &&
	jqt '[.splats[] | select(.title | test("general protection fault"))] | length == 1 and .[0].boots == 2' "$c" &&
	jqt '[.boots[] | select(.verdict == "none") | .reason] | all(test("cannot make the ext4 scratch disk"))' "$c" &&
	jqt '[.boots[] | select(.verdict != "pass" and .verdict != "none") | .replay] | length == 6 and all(startswith("make run KERNEL=9.9.0-"))' "$c" || return 1
	grep -q 'lost write' "$(cdir)/table.txt" || grep -q 'fail boot' "$(cdir)/table.txt" || { echo "table has no failing boot"; return 1; }
	[ "$(ls "$(cdir)"/boots/*/2*/report.html | wc -l)" = 8 ] || { echo "report.html missing in a run"; return 1; }
	ls "$(cdir)"/plots/ttd.svg "$(cdir)"/plots/rate-writer_iter_per_s.svg >/dev/null || return 1
	grep -q '<svg' "$(cdir)/index.html" || { echo "index.html has no inline plot"; return 1; }
}
t campaign_matrix_cells_rates_and_verdicts matrix
t kcidb_file_is_valid "$top/scripts/kcidb-validate.sh" "$(cdir)/kcidb.json"
kcidb_statuses() {
	local k=$(cdir)/kcidb.json
	jqt '[.tests[] | select(.path == "mmtorture.racewrite-bench-engines") | .status] | sort == ["FAIL","FAIL","FAIL","FAIL","FAIL","FAIL","PASS","PASS"]' "$k" &&
	jqt '[.tests[] | select(.status == "FAIL") | .log_excerpt] | all(length > 0)' "$k" &&
	jqt '[.tests[] | select(.log_excerpt // "" | test("lost write in racewrite_default"))] | length >= 2' "$k"
}
t kcidb_statuses_and_excerpts kcidb_statuses
kcidb_broken_refused() {
	jq '.tests[0].status = "BROKEN" | .tests[1].path = "a..b" | .builds[0].id = "no-origin"' "$(cdir)/kcidb.json" >"$work/bad.json"
	! "$top/scripts/kcidb-validate.sh" "$work/bad.json" && "$top/scripts/kcidb-validate.sh" "$work/bad.json" | grep -q 'invalid'
}
t kcidb_validator_refuses_a_broken_file kcidb_broken_refused
kcidb_run_and_base() {
	local run
	run=$(ls -d "$(cdir)"/boots/*/2*-lost | head -n 1)
	"$camp_tool" --kcidb "$work/one.json" --origin lab_x --log-base https://lab.example/mmt "$run" &&
	"$top/scripts/kcidb-validate.sh" "$work/one.json" &&
	jqt '.tests[0].log_url | startswith("https://lab.example/mmt/")' "$work/one.json" &&
	jqt '[.tests[].id] | all(startswith("lab_x:"))' "$work/one.json" &&
	! "$camp_tool" --kcidb "$work/two.json" --origin Bad-Origin "$run" && [ ! -e "$work/two.json" ]
}
t kcidb_of_one_run_with_log_urls kcidb_run_and_base

browser() {
	local d=$(cdir) b
	b=$(command -v chromium || command -v chromium-browser) || { echo "chromium is missing (make deps)"; return 1; }
	"$b" --headless --no-sandbox --disable-gpu --window-size=1400,2000 \
		--screenshot="$work/shot.png" "file://$d/index.html" >"$work/chr.out" 2>&1 || { cat "$work/chr.out"; return 1; }
	[ "$(stat -c %s "$work/shot.png")" -gt 20000 ] || { echo "screenshot too small"; return 1; }
	"$b" --headless --no-sandbox --disable-gpu --dump-dom "file://$d/index.html" >"$work/dom.html" 2>"$work/dom.err" ||
		{ cat "$work/dom.err"; return 1; }
	grep -q '<table id="matrix">' "$work/dom.html" || { echo "no verdict matrix in the DOM"; return 1; }
	[ "$(grep -o '<th>9.9.0-[a-z]*</th>\|<th>[a-z]*</th><td><div' "$work/dom.html" | wc -l)" -ge 5 ] ||
		[ "$(grep -c 'vCPUs: <b>' "$work/dom.html")" -ge 5 ] || { echo "matrix rows missing"; return 1; }
	grep -q '<svg' "$work/dom.html" || { echo "no plot in the DOM"; return 1; }
	! grep -iE 'Uncaught|Failed to load resource|ERR_FILE_NOT_FOUND' "$work/dom.err" "$work/chr.out" || return 1
	# every link of the page names a file that is there
	local href bad=0
	for href in $(grep -o 'href="[^"]*"' "$work/dom.html" | sed 's/^href="//; s/"$//'); do
		[ -e "$d/$href" ] || { echo "broken link $href"; bad=1; }
	done
	[ $bad = 0 ] && [ -n "$(grep -o 'href="[^"]*console.log"' "$work/dom.html")" ]
	[ -n "${MMT_SCREENSHOT:-}" ] && cp "$work/shot.png" "$MMT_SCREENSHOT"
	return 0
}
t html_loads_in_headless_chromium_with_matrix browser

not_a_run() {
	local d=$(cdir) before
	before=$(sha256sum "$d/campaign.json")
	mkdir -p "$work/notarun"
	"$camp_tool" --out "$d" "$work/notarun" 2>"$work/err"
	local rc=$?
	cat "$work/err"
	[ $rc = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q 'is not a run' "$work/err" &&
	[ "$before" = "$(sha256sum "$d/campaign.json")" ]
}
t refuses_a_folder_that_is_not_a_run not_a_run
refusal() {
	local pat=$1
	shift
	rm -rf "$work/r"
	camp "$@" 2>"$work/err"
	local rc=$?
	cat "$work/err"
	[ $rc = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -qE "$pat" "$work/err" &&
	[ -z "$(ls -A "$work/r" 2>/dev/null)" ]
}
t refuses_runs_0 refusal 'RUNS must be a positive integer' KERNELS=pass RUNS=0
t refuses_unknown_suite refusal "unknown SUITE 'nosuch'" KERNELS=pass SUITE=nosuch
t refuses_unknown_option refusal "unknown option 'KERNEL'" KERNEL=6.1
t refuses_bad_smp refusal 'SMP must be' KERNELS=pass SMP=two
unknown_kernel() {
	rm -rf "$work/r"
	MMT_VM_RUN= "$top/scripts/campaign.sh" RESULTS="$work/r" KERNELS="5.10" 2>"$work/err"
	local rc=$?
	cat "$work/err"
	[ $rc = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "unknown KERNEL '5.10'" "$work/err" &&
	[ -z "$(ls -A "$work/r" 2>/dev/null)" ]
}
t refuses_unknown_kernel unknown_kernel
jobs_cap() {
	rm -rf "$work/r"
	camp KERNELS=pass JOBS=999 SMP=1 2>"$work/err"
	cat "$work/err"
	grep -q "JOBS=999 is more than this host's $(nproc) cores: running $(nproc) at once" "$work/err" &&
	grep -q "$(nproc) at once" "$work/err"
}
t jobs_above_cores_warns_and_caps jobs_cap
interrupt() {
	rm -rf "$work/r"
	# as a terminal's Ctrl-C: SIGINT to the campaign's whole process group
	set -m
	camp KERNELS="pass slow" SUITE=racewrite-bench-engines RUNS=1 SMP=1 JOBS=2 2>"$work/err" &
	local pid=$! i c
	set +m
	for i in $(seq 100); do
		sleep 0.2
		c=$(ls -d "$work/r"/campaign-* 2>/dev/null | tail -n 1)
		[ -n "$c" ] && [ "$(wc -l <"$c/boots.tsv" 2>/dev/null)" = 1 ] && break
	done
	kill -INT -- "-$pid"
	wait "$pid"
	local rc=$?
	cat "$work/err"
	[ $rc = 130 ] || { echo "exit $rc, wanted 130"; return 1; }
	c=$(cdir)/campaign.json
	jqt '.interrupted == true and .boots_done == 1 and .boots_planned == 2 and .cells[0].kernel == "pass"' "$c" &&
	grep -q 'interrupted' "$(cdir)/index.html"
}
t ctrl_c_keeps_finished_boots_and_writes_their_aggregate interrupt
echo "$pass passed, $fail failed"
[ $fail = 0 ]
