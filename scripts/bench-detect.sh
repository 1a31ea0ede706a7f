#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-detect.sh - how well the engines help racewrite find the real
# lost-dirty race (docs/races.md section 1) on a kernel that has it (Debian
# 6.1 lacks v6.2's 5df397dec7c4), and what they cost, engines off vs on:
#   off  SUITE=racewrite-bench          racewrite's default configuration
#   on   SUITE=racewrite-bench-engines  the same with --engines tlbdelay,mkclean
#   tlbdelay, mkclean  SUITE=racewrite-bench-ENGINE: one engine alone
#   control  SUITE=racewrite-bench-control: no zapper, no engine
# For each kernel, vCPU count and mode, RUNS boots of at most DURATION s
# (racewrite stops at its first lost write). Per row: boots with a lost
# write, time to the first lost write (median and max over the boots that
# had one), writer iterations/s and tlbdelay delays (medians over all
# boots), boots with a kernel splat, boots with an emulator fault (a
# splat of the QEMU multi-threaded TCG INT3 fault: "int3" or a jump to
# RIP 0), and boots without a verdict.
# A benchmark, not a test: no thresholds, every number is what came out.
# The verdict of each boot belongs to the kernel; losses are findings.
#
#   scripts/bench-detect.sh [RUNS=10] [KERNELS=6.1] [SMPS="2 4"] [MODES="off on"] [DURATION=60]
#   scripts/bench-detect.sh KERNELS=6.12 RUNS=5 DURATION=60   # 6.12: 10 min in all
# Each boot's results folder is kept under RESULTS (default
# results/bench-detect-<time>/) so every number can be traced;
# TABLE=1 RESULTS=DIR prints the table again from a kept folder.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=10 KERNELS=6.1 SMPS="2 4" MODES="off on" DURATION=60
RESULTS=$top/results/bench-detect-$(date -u +%Y%m%dT%H%M%SZ)
for kv in "$@"; do
	case ${kv%%=*} in
	RUNS|KERNELS|SMPS|MODES|DURATION|RESULTS|TABLE) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
	*) echo "bench-detect: unknown option '${kv%%=*}' (RUNS, KERNELS, SMPS, MODES, DURATION, RESULTS, TABLE)" >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-detect: RUNS must be a positive integer, not '$RUNS'" >&2; exit 2; }
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "bench-detect: DURATION must be a positive integer, not '$DURATION'" >&2; exit 2; }
for m in $MODES; do
	case $m in off|on|tlbdelay|mkclean|control) ;; *) echo "bench-detect: MODES are off, on, tlbdelay, mkclean and control, not '$m'" >&2; exit 2 ;; esac
done
mkdir -p "$RESULTS" || exit 2

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
maxof() { sort -g | tail -n 1 | grep . || echo -; }

# row KERNEL SMP MODE: one table row from the kept folders of those boots.
row() {
	local k=$1 smp=$2 mode=$3 out s d t n hits=0 splats=0 emu=0 nov=0 kver=$1 boots=0
	: >"$RESULTS/ttd"; : >"$RESULTS/iter"; : >"$RESULTS/delays"
	for out in "$RESULTS/$k-smp$smp-$mode"-*/; do
		[ -d "$out" ] || continue
		boots=$((boots + 1))
		s=$(ls "$out"/2*/summary.json 2>/dev/null | head -n 1)
		if [ -z "$s" ]; then
			nov=$((nov + 1))
			continue
		fi
		kver=$(jq -r .environment.kernel "$s")
		d=$(dirname "$s")
		t=$(grep -m1 '^ *# lost write:' "$d/results.ktap" | sed -n 's/.* elapsed=\([0-9.]*\)s.*/\1/p')
		if [ -n "$t" ]; then
			hits=$((hits + 1))
			echo "$t" >>"$RESULTS/ttd"
		fi
		jq -r '.tests[] | select(.name == "racewrite_default") | .metrics.writer_iter_per_s // empty' "$s" >>"$RESULTS/iter"
		jq -r '.tests[] | select(.name == "racewrite_default") | .metrics.engine_tlbdelay_delays // empty' "$s" >>"$RESULTS/delays"
		n=$(jq '.splats | length' "$s")
		[ "$n" -gt 0 ] && splats=$((splats + 1))
		jq -e '[.splats[] | (.title + " " + ((.context // []) | join(" ")))] | any(test("int3|RIP: 0010:0x0|RIP: 0010:0000000000000000|RIP: 0010:0\\b"))' "$s" >/dev/null &&
			emu=$((emu + 1))
	done
	[ $boots = 0 ] && return
	printf '%-22s %-5s %-4s %-5s %-6s %-10s %-10s %-11s %-8s %-6s %-6s %-6s\n' \
		"$kver" "$smp" "$mode" "$boots" "$hits/$boots" \
		"$(median <"$RESULTS/ttd")" "$(maxof <"$RESULTS/ttd")" \
		"$(median <"$RESULTS/iter")" "$(median <"$RESULTS/delays")" \
		"$splats" "$emu" "$nov"
}

header() {
	printf '%-22s %-5s %-4s %-5s %-6s %-10s %-10s %-11s %-8s %-6s %-6s %-6s\n' \
		kernel vcpus eng boots losses ttd_med_s ttd_max_s writer_it/s delays splats emufault noverd
}

# TABLE=1: only tabulate the boots already kept in RESULTS.
if [ "${TABLE:-0}" = 1 ]; then
	header
	for k in $KERNELS; do for smp in $SMPS; do for mode in $MODES; do
		row "$k" "$smp" "$mode"
	done; done; done
	exit 0
fi

header
for k in $KERNELS; do
	for smp in $SMPS; do
		for mode in $MODES; do
			case $mode in
			off)	suite=racewrite-bench ;;
			on)	suite=racewrite-bench-engines ;;
			*)	suite=racewrite-bench-$mode ;;
			esac
			for i in $(seq "$RUNS"); do
				out=$RESULTS/$k-smp$smp-$mode-$i
				QUIET=1 "$top/scripts/vm-run.sh" KERNEL="$k" SUITE="$suite" SMP="$smp" \
					SEED="$((2026 + i))" DURATION="$DURATION" RESULTS="$out" \
					>"$out.log" 2>&1
				rc=$?
				s=$(ls "$out"/2*/summary.json 2>/dev/null | head -n 1)
				if [ -z "$s" ] && [ "$rc" = 2 ] && [ ! -d "$out" ]; then
					# vm-run could not start a guest (missing package,
					# kernel not fetched): every other boot would too.
					echo "bench-detect: $k SMP=$smp $mode run $i could not boot: $(tail -n 1 "$out.log")" >&2
					exit 2
				fi
				if [ -z "$s" ]; then
					echo "bench-detect: $k SMP=$smp $mode run $i gave no verdict ($out.log)" >&2
					mkdir -p "$out"
					continue
				fi
				echo "# $k SMP=$smp $mode run $i: verdict=$(jq -r .verdict "$s") $(grep -m1 '^ *# lost write:' "$(dirname "$s")/results.ktap" | sed 's/^ *//')" >&2
			done
			row "$k" "$smp" "$mode"
		done
	done
done
