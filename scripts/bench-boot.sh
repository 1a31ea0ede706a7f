#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-boot.sh - boot-to-verdict seconds of the smoke run, per kernel,
# with the accelerator used. A benchmark, not a test: it reports numbers
# and fails only if a run does not produce a verdict.
#
#   scripts/bench-boot.sh [RUNS=5] [KERNELS="6.12 6.1"] [SMP=2]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5 KERNELS="6.12 6.1" SMP=2
for kv in "$@"; do
	case ${kv%%=*} in
	RUNS|KERNELS|SMP) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
	*) echo "bench-boot: unknown option '${kv%%=*}' (RUNS, KERNELS, SMP)" >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-boot: RUNS must be a positive integer" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-24s %-6s %-5s %-8s %-8s %-8s %s\n' kernel accel vcpus median min max "runs (s)"
for k in $KERNELS; do
	secs=()
	for i in $(seq "$RUNS"); do
		rm -rf "$work/r"
		QUIET=1 "$top/scripts/vm-run.sh" KERNEL="$k" SUITE=smoke SMP="$SMP" \
			RESULTS="$work/r" SEED="$i" >/dev/null 2>"$work/err"
		rc=$?
		m=$(ls "$work"/r/2*/meta.env 2>/dev/null | head -n 1)
		if [ -z "$m" ]; then
			echo "bench-boot: $k run $i produced no verdict (exit $rc):" >&2
			cat "$work/err" >&2
			exit 1
		fi
		secs+=("$(sed -n 's/^boot_to_verdict_s=//p' "$m")")
		accel=$(sed -n 's/^accel=//p' "$m")
		kver=$(sed -n 's/^kernel=//p' "$m")
	done
	sorted=($(printf '%s\n' "${secs[@]}" | sort -n))
	med=${sorted[$(( ${#sorted[@]} / 2 ))]}
	printf '%-24s %-6s %-5s %-8s %-8s %-8s %s\n' "$kver" "$accel" "$SMP" "$med" \
		"${sorted[0]}" "${sorted[-1]}" "${secs[*]}"
done
