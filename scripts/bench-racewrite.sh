#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-racewrite.sh - racewrite's rates per kernel and vCPU count: writer
# iterations per second and zaps per second of the default configuration
# (suite racewrite-bench), median over RUNS boots of scripts/vm-run.sh.
# A benchmark, not a test: no thresholds; the exit status is 0 when the
# table was printed.  A run whose verdict is not pass still gives its
# rates, and its verdict is shown next to them: a lost write found during
# a bench run is that kernel's finding (see its results folder for the
# evidence), not a bench failure.  Under TCG the rates vary a lot from
# run to run (and with the host's load), hence the median and the range.
#
#   scripts/bench-racewrite.sh [KEY=VALUE...]
#     KERNELS="6.12 6.1"  SMPS="2 4"  RUNS=3  DURATION=10  SUITE=racewrite-bench
#     TEST=racewrite_default  RESULTS=/tmp/...  ACCEL, MEM, SEED (passed on)
#     REUSE=1: take the runs already in RESULTS (same layout) instead of
#     booting again, e.g. to print the table of an earlier bench
#
# Needs jq on the host (Debian package jq).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-racewrite: $*" >&2; exit 2; }

KERNELS="6.12 6.1"
SMPS="2 4"
RUNS=3
DURATION=10
SUITE=racewrite-bench
TEST=racewrite_default
RESULTS=
REUSE=0
pass=()
for kv in "$@"; do
	key=${kv%%=*}
	[ "$key" != "$kv" ] || die "arguments are KEY=VALUE, not '$kv'"
	case $key in
	KERNELS|SMPS|RUNS|DURATION|SUITE|TEST|RESULTS|REUSE) printf -v "$key" '%s' "${kv#*=}" ;;
	ACCEL|MEM|SEED|ON_WARN|SCRATCH_MB|HANG_SECS) pass+=("$kv") ;;
	*) die "unknown option '$key'" ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"
RESULTS=${RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/bench-racewrite.XXXXXX")}
mkdir -p "$RESULTS" || die "cannot create $RESULTS"

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# "(MIN-MAX)" of a list of numbers, or "" for none.
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "(%s-%s)", lo, hi }'; }

declare -A wi zp verdicts accels kvers
for k in $KERNELS; do
	for s in $SMPS; do
		for r in $(seq 1 "$RUNS"); do
			out=$RESULTS/$k-smp$s-run$r
			mkdir -p "$out"
			rc=0
			if [ "$REUSE" = 1 ] && [ -f "$out/latest/summary.json" ]; then
				echo "bench-racewrite: KERNEL=$k SMP=$s run $r/$RUNS: reusing $out/latest" >&2
			else
				echo "bench-racewrite: KERNEL=$k SMP=$s run $r/$RUNS" >&2
				"$top/scripts/vm-run.sh" KERNEL="$k" SMP="$s" SUITE="$SUITE" \
					DURATION="$DURATION" RESULTS="$out" QUIET=1 "${pass[@]}" >&2
				rc=$?
			fi
			sum=$out/latest/summary.json
			if [ ! -f "$sum" ]; then
				verdicts[$k,$s]+="error($rc) "
				continue
			fi
			m=$(jq -c --arg t "$TEST" '.tests[] | select(.name == $t) | .metrics' "$sum")
			w=$(jq -r '.writer_iter_per_s // empty' <<<"$m")
			z=$(jq -r '.zaps_per_s // empty' <<<"$m")
			[ -n "$w" ] && wi[$k,$s]+="$w "
			[ -n "$z" ] && zp[$k,$s]+="$z "
			verdicts[$k,$s]+="$(jq -r '.verdict // "?"' "$sum") "
			accels[$k,$s]=$(jq -r '.environment.accel // .environment.accelerator // empty' "$sum" 2>/dev/null)
			[ -n "${accels[$k,$s]}" ] || accels[$k,$s]=$(sed -n 's/^accel=//p' "$out/latest/meta.env")
			kvers[$k]=$(sed -n 's/^kernel=//p' "$out/latest/meta.env")
			echo "bench-racewrite:   writer_iter_per_s=${w:-?} zaps_per_s=${z:-?} verdict=$(jq -r '.verdict' "$sum") ($out/latest)" >&2
		done
	done
done

echo
echo "racewrite default configuration ($TEST, DURATION=${DURATION}s), median of $RUNS run(s)"
for k in $KERNELS; do
	echo
	echo "kernel $k (${kvers[$k]:-unknown})"
	printf '  %-6s %-6s %14s %-18s %12s %-18s  %s\n' vCPUs accel writer_iter/s "(min-max)" zaps/s "(min-max)" "verdicts (per run)"
	for s in $SMPS; do
		w=$(tr ' ' '\n' <<<"${wi[$k,$s]:-}" | grep . | median)
		z=$(tr ' ' '\n' <<<"${zp[$k,$s]:-}" | grep . | median)
		printf '  %-6s %-6s %14s %-18s %12s %-18s  %s\n' "$s" "${accels[$k,$s]:-?}" \
			"$w" "$(range "${wi[$k,$s]:-}")" "$z" "$(range "${zp[$k,$s]:-}")" "${verdicts[$k,$s]:-none}"
	done
done
echo
echo "results: $RESULTS"
