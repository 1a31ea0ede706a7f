#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# campaign.sh - make campaign: a matrix of kernels x suites x vCPU counts
# x seeds, RUNS boots per cell, as parallel guests (scripts/vm-run.sh, one
# ordinary results folder per boot), then the aggregate by mmt-campaign in
# results/campaign-<time>/: campaign.json, table.txt, index.html (plots),
# kcidb.json, and report.html in every run folder.
#
#   scripts/campaign.sh KERNELS="6.1 6.12" SUITE=attack RUNS=5 SMP=2 \
#       [SEEDS="1 2"] [DURATION=10] [JOBS=auto] [RESULTS=results] [MEM= TIMEOUT=
#       HANG_SECS= ON_WARN= ACCEL= MODULE_PARAMS=] [ORIGIN=mmtorture LOG_BASE=URL]
#
# SUITE, SMP and SEEDS take space-separated lists. Without SEEDS every
# boot has a seed of its own (recorded, so it replays). JOBS=auto runs
# cores / vCPUs-per-guest guests at once (at least 1); a JOBS above the
# host's cores is capped with a warning. A progress line (boots done of
# all, failures, ETA) goes to stderr. Ctrl-C (or SIGTERM) stops the
# running boots and writes the aggregate of the finished ones.
# Exit: 0 every boot passed, 1 some boot did not pass (its verdict is in
# the aggregate), 2 bad input (nothing written), 130 interrupted.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MMT_BUILD:-$top/build}
vmrun=${MMT_VM_RUN:-$top/scripts/vm-run.sh}	# tests put a stand-in here

die() { echo "campaign: $*" >&2; exit 2; }

known="KERNELS SUITE RUNS SMP SEEDS DURATION JOBS RESULTS MEM TIMEOUT HANG_SECS ON_WARN ACCEL MODULE_PARAMS ORIGIN LOG_BASE"
for kv in "$@"; do
	key=${kv%%=*}
	[ "$key" != "$kv" ] || die "arguments are KEY=VALUE, not '$kv'"
	case " $known " in
	*" $key "*) printf -v "$key" '%s' "${kv#*=}" ;;
	*) die "unknown option '$key': known options are $known" ;;
	esac
done
KERNELS=${KERNELS:-6.12}
SUITE=${SUITE:-attack}
RUNS=${RUNS:-1}
SMP=${SMP:-2}
SEEDS=${SEEDS:-}
DURATION=${DURATION:-10}
JOBS=${JOBS:-auto}
RESULTS=${RESULTS:-$top/results}
ORIGIN=${ORIGIN:-mmtorture}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive integer, not '$DURATION'"
[ -n "$KERNELS" ] || die "KERNELS is empty"
for s in $SMP; do
	[[ $s =~ ^[1-9][0-9]*$ ]] && [ "$s" -le 64 ] || die "SMP must be vCPU counts 1..64, not '$s'"
done
for s in $SEEDS; do
	[[ $s =~ ^[0-9]+$ ]] || die "SEEDS must be non-negative integers, not '$s'"
done
for s in $SUITE; do
	[ -f "$top/scripts/suites/$s" ] ||
		die "unknown SUITE '$s': choose one of: $(ls "$top/scripts/suites" | tr '\n' ' ')"
done
[[ $ORIGIN =~ ^[a-z0-9_]+$ ]] || die "ORIGIN must be [a-z0-9_]+ (KCIDB), not '$ORIGIN'"
[ -x "$build/mmt-campaign" ] || die "$build/mmt-campaign is missing: run 'make' first"

cores=$(nproc)
maxsmp=0
for s in $SMP; do [ "$s" -gt "$maxsmp" ] && maxsmp=$s; done
if [ "$JOBS" = auto ]; then
	JOBS=$((cores / maxsmp))
	[ "$JOBS" -ge 1 ] || JOBS=1
else
	[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be auto or a positive integer, not '$JOBS'"
	if [ "$JOBS" -gt "$cores" ]; then
		echo "campaign: JOBS=$JOBS is more than this host's $cores cores: running $cores at once" >&2
		JOBS=$cores
	fi
fi

# Every kernel is fetched (and so checked) before any boot: an unknown one
# stops the campaign here with fetch-kernel's one line.
if [ -z "${MMT_VM_RUN:-}" ]; then
	for k in $KERNELS; do
		out=$("$top/scripts/fetch-kernel.sh" "$k" 2>&1 >/dev/null) ||
			die "$(printf '%s\n' "$out" | tail -n 1)"
	done
fi

camp=$RESULTS/campaign-$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$camp" ]; do camp=$camp-1; done
mkdir -p "$camp/boots" || die "cannot create $camp"

# The plan: round-robin over the cells, so an interrupted campaign has
# boots of every cell.
base_seed=$(( 10#$(date +%s%N | cut -c10-16) % 1000000 ))
plan=()
i=0
for r in $(seq "$RUNS"); do
	for k in $KERNELS; do for s in $SUITE; do for smp in $SMP; do
		for sd in ${SEEDS:--}; do
			i=$((i + 1))
			if [ "$sd" = - ]; then seed=$((base_seed + i)); cellseed='*'; else seed=$sd; cellseed=$sd; fi
			plan+=("$k"$'\t'"$s"$'\t'"$smp"$'\t'"$cellseed"$'\t'"$seed")
		done
	done; done; done
done
total=${#plan[@]}
printf '%s\n' "${plan[@]}" >"$camp/plan.tsv"
: >"$camp/boots.tsv"
echo "campaign: $total boots ($KERNELS x $SUITE x SMP $SMP${SEEDS:+ x seeds $SEEDS} x $RUNS), $JOBS at once, in $camp" >&2

passthru=()
for key in MEM TIMEOUT HANG_SECS ON_WARN ACCEL MODULE_PARAMS; do
	[ -n "${!key+x}" ] && passthru+=("$key=${!key}")
done

declare -A running=()	# pid -> plan index
interrupted=0
trap 'interrupted=1' INT TERM
done_n=0 failed=0 next=0 t0=$(date +%s)

progress() {
	local el=$(( $(date +%s) - t0 )) eta=-
	if [ "$done_n" -gt 0 ] && [ "$done_n" -lt "$total" ]; then
		eta=$(( el * (total - done_n) / done_n ))
		eta="$((eta / 60))m$((eta % 60))s"
	fi
	echo "campaign: $done_n/$total boots done, $failed not passed, ${#running[@]} running, elapsed $((el / 60))m$((el % 60))s, ETA $eta" >&2
}

# finish PID RC: record the boot that PID ran.
finish() {
	local pid=$1 rc=$2 idx dir run
	idx=${running[$pid]}
	unset "running[$pid]"
	dir=$camp/boots/$(printf '%03d' "$idx")
	run=$(ls -d "$dir"/2* 2>/dev/null | head -n 1)
	[ -n "$run" ] && [ -f "$run/summary.json" ] || run=-
	if [ "$interrupted" = 1 ] && [ "$run" = - ]; then
		return	# stopped by us: not a finished boot
	fi
	printf '%s\t%s\t%s\t%s\n' "${plan[$((idx - 1))]}" "$rc" "$run" "$dir.log" >>"$camp/boots.tsv"
	done_n=$((done_n + 1))
	[ "$rc" = 0 ] || failed=$((failed + 1))
	report=1
}

while :; do
	while [ "$interrupted" = 0 ] && [ "${#running[@]}" -lt "$JOBS" ] && [ "$next" -lt "$total" ]; do
		IFS=$'\t' read -r k s smp _ seed <<<"${plan[$next]}"
		next=$((next + 1))
		dir=$camp/boots/$(printf '%03d' "$next")
		QUIET=1 "$vmrun" KERNEL="$k" SUITE="$s" SMP="$smp" SEED="$seed" DURATION="$DURATION" \
			RESULTS="$dir" "${passthru[@]}" >"$dir.log" 2>&1 </dev/null &
		running[$!]=$next
	done
	[ "${report:-0}" = 1 ] && progress	# after the next boots started
	report=0
	[ "${#running[@]}" = 0 ] && break
	if [ "$interrupted" = 1 ]; then
		echo "campaign: interrupted: stopping ${#running[@]} running boots, keeping the $done_n finished" >&2
		for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null; done
		for pid in "${!running[@]}"; do wait "$pid"; finish "$pid" $?; done
		[ "${report:-0}" = 1 ] && progress
		break
	fi
	wait -n -p pid "${!running[@]}"
	rc=$?
	[ -n "${pid:-}" ] && [ -n "${running[$pid]+x}" ] && finish "$pid" "$rc"
	pid=
done
trap - INT TERM

args=(--out "$camp" --boots "$camp/boots.tsv" --planned "$total" --origin "$ORIGIN")
[ -n "${LOG_BASE:-}" ] && args+=(--log-base "$LOG_BASE")
[ "$interrupted" = 1 ] && args+=(--interrupted)
if [ "$done_n" = 0 ]; then
	echo "campaign: no boot finished: no aggregate written ($camp)" >&2
	exit $([ "$interrupted" = 1 ] && echo 130 || echo 2)
fi
"$build/mmt-campaign" "${args[@]}" || die "mmt-campaign could not write the aggregate in $camp"
echo "campaign: $camp/index.html ($done_n boots in $(( $(date +%s) - t0 ))s)" >&2
[ "$interrupted" = 1 ] && exit 130
[ "$failed" = 0 ]
