#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-engines.sh - the race engines' sensitivity and speed, per kernel
# and vCPU count: the median time from start to detection of each broken
# mode (mkclean_noflush: lost dirty data, suite engines-smoke-broken;
# vma_stale: stale contents after MAP_FIXED, engines-smoke-broken-vma;
# vma_writable: a store to a range mprotect made read-only,
# engines-smoke-broken-prot) over RUNS boots, and each engine's operation
# rate from the engines-smoke suite. A benchmark, not a test: no
# thresholds; it fails only when a run gives no verdict or a broken mode
# was not detected.
#
#   scripts/bench-engines.sh [RUNS=10] [KERNELS="6.12 6.1"] [SMPS="2 4"]
#                            [MODES="mkclean_noflush vma_stale vma_writable"]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=10 KERNELS="6.12 6.1" SMPS="2 4" MODES="mkclean_noflush vma_stale vma_writable"
for kv in "$@"; do
	case ${kv%%=*} in
	RUNS|KERNELS|SMPS|MODES) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
	*) echo "bench-engines: unknown option '${kv%%=*}' (RUNS, KERNELS, SMPS, MODES)" >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-engines: RUNS must be a positive integer" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# boot SUITE KERNEL SMP SEED: one run; prints its summary.json path.
boot() {
	rm -rf "$work/r"
	QUIET=1 "$top/scripts/vm-run.sh" KERNEL="$2" SUITE="$1" SMP="$3" SEED="$4" \
		RESULTS="$work/r" >/dev/null 2>"$work/err"
	ls "$work"/r/2*/summary.json 2>/dev/null | head -n 1
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

# The broken modes: suite, test that reports time_to_detection_ms.
all_modes="mkclean_noflush:engines-smoke-broken:lostdirty_broken vma_stale:engines-smoke-broken-vma:vmastale_broken vma_writable:engines-smoke-broken-prot:vmaprot_broken"
modes=
for want in $MODES; do
	m=$(tr ' ' '\n' <<<"$all_modes" | grep "^$want:") ||
		{ echo "bench-engines: unknown mode '$want' (mkclean_noflush, vma_stale, vma_writable)" >&2; exit 2; }
	modes="$modes $m"
done

printf '%-22s %-5s %-11s %-16s %-10s %-10s\n' kernel vcpus accel broken_mode ttd_med_ms ttd_max_ms
for k in $KERNELS; do
	for smp in $SMPS; do
		for m in $modes; do
			IFS=: read -r mode suite test <<<"$m"
			: >"$work/ttd"
			for i in $(seq "$RUNS"); do
				s=$(boot "$suite" "$k" "$smp" "$i")
				if [ -z "$s" ]; then
					echo "bench-engines: $k SMP=$smp $mode run $i gave no verdict:" >&2
					cat "$work/err" >&2
					exit 1
				fi
				t=$(jq -r --arg t "$test" '.tests[] | select(.name == $t) | .metrics.time_to_detection_ms // empty' "$s")
				if [ -z "$t" ]; then
					echo "bench-engines: $k SMP=$smp run $i: $mode not detected (verdict $(jq -r .verdict "$s"))" >&2
					exit 1
				fi
				echo "$t" >>"$work/ttd"
				kver=$(jq -r .environment.kernel "$s")
				accel=$(jq -r .environment.accel "$s")
			done
			printf '%-22s %-5s %-11s %-16s %-10s %-10s\n' "$kver" "$smp" "$accel" "$mode" \
				"$(median <"$work/ttd")" "$(sort -n "$work/ttd" | tail -n 1)"
		done
		s=$(boot engines-smoke "$k" "$smp" 1)
		rates=$( [ -n "$s" ] && jq -r '[.tests[] | select(.name == "engine_contract") | .metrics | to_entries[] | select(.key | endswith("_per_s")) | "\(.key | sub("_per_s$"; ""))=\(.value)"] | join(" ")' "$s")
		printf '%-22s %-5s %-11s engine ops/s: %s\n' "$kver" "$smp" "$(jq -r .environment.accel "$s" 2>/dev/null)" "${rates:-no verdict}"
	done
done
