#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# repro.sh - run a catalog entry's reproducer (scripts/catalog/NAME.entry)
# RUNS times on one kernel and say whether that kernel has the race.
#
#   scripts/repro.sh NAME [KERNEL=6.12] [RUNS=5] [SEED=N] [STOP=first]
#                    [KSRC= KCONFIG= PATCH=] [KDIR=] [SMP=] [DURATION=]
#                    [RESULTS=dir]
#
# KERNEL and the rest are make run's (scripts/vm-run.sh). Each run is an
# ordinary results folder under RESULTS (default
# results/repro-NAME-<time>/), with seed SEED+i; a run is "reproduced"
# when its verdict is not pass and the entry's match is in it,
# "not reproduced" when it passes, and "undecided" otherwise (the kernel
# did not build or boot, a different failure, a timeout). STOP=first
# ends at the first reproduction (what a bisection needs).
#
# Exit status, as `git bisect run` reads it:
#   0    good: not reproduced in RUNS runs, every run decided
#   1    bad: reproduced in at least one run
#   125  cannot test: unknown entry or bad input, the kernel does not
#        build or boot, a prerequisite (the entry's "needs") is missing,
#        or a run was undecided and none reproduced
# The last line on stdout is machine-readable:
#   repro: name=NAME kernel=KVER runs=N reproduced=H undecided=U verdict=bad|good|cannot-test ttd_median_s=X ttd_max_s=Y
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MMT_BUILD:-$top/build}
cannot() { echo "repro: $*" >&2; echo "repro: name=${NAME:-?} kernel=${kver:-?} runs=0 reproduced=0 undecided=0 verdict=cannot-test"; exit 125; }

NAME= KERNEL=6.12 RUNS=5 SEED= STOP=all RESULTS= KSRC= KCONFIG= PATCH= KDIR= SMP= DURATION=
for a in "$@"; do
	case $a in
	*=*) key=${a%%=*}
	     case $key in
	     NAME|KERNEL|RUNS|SEED|STOP|RESULTS|KSRC|KCONFIG|PATCH|KDIR|SMP|DURATION) printf -v "$key" '%s' "${a#*=}" ;;
	     *) cannot "unknown option '$key': known options are NAME KERNEL RUNS SEED STOP RESULTS KSRC KCONFIG PATCH KDIR SMP DURATION" ;;
	     esac ;;
	*) [ -z "$NAME" ] || cannot "one entry at a time: '$NAME' and '$a'"
	   NAME=$a ;;
	esac
done
entries() { (cd "$top/scripts/catalog" && ls ./*.entry 2>/dev/null | sed 's|^\./||; s|\.entry$||' | tr '\n' ' '); }
[ -n "$NAME" ] || cannot "which entry? usage: repro.sh NAME [KERNEL=...] [RUNS=N]; entries: $(entries)"
entry=$top/scripts/catalog/$NAME.entry
[[ $NAME =~ ^[a-z0-9-]+$ ]] && [ -f "$entry" ] || cannot "unknown entry '$NAME': entries are $(entries)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || cannot "RUNS must be a positive integer, not '$RUNS'"
[ -z "$SEED" ] || [[ $SEED =~ ^[0-9]+$ ]] || cannot "SEED must be a non-negative integer, not '$SEED'"
case $STOP in all|first) ;; *) cannot "STOP must be all or first, not '$STOP'" ;; esac
field() { sed -n "s/^$1:[[:space:]]*//p" "$entry" | head -n 1; }
suite=$(field suite)
duration=${DURATION:-$(field duration)}
smp=${SMP:-$(field smp)}
match_ktap=$(field match-ktap)
match_splat=$(field match-splat)
needs=$(field needs)
[ -n "$suite" ] && [ -n "$duration" ] && [ -n "$smp" ] && [ -n "$match_ktap$match_splat" ] ||
	cannot "$entry lacks suite, duration, smp or a match (scripts/catalog-check.sh says which)"
SEED=${SEED:-$(( 10#$(date +%s%N | cut -c10-16) % 1000000 ))}
[ -x "$build/mmt-report" ] || cannot "$build/mmt-report is missing: run 'make' first"

# The kernel first: built or fetched once, its config read for "needs".
kargs=(KERNEL="$KERNEL")
[ -z "$KDIR" ] || kargs+=(KDIR="$KDIR")
if [ "$KERNEL" = src ]; then
	kargs+=(KSRC="${KSRC:-6.12}" KCONFIG="${KCONFIG:-default}")
	[ -z "$PATCH" ] || kargs+=(PATCH="$PATCH")
	kenv=$("$top/scripts/build-kernel.sh" KSRC="${KSRC:-6.12}" KCONFIG="${KCONFIG:-default}" PATCH="$PATCH" | tail -n 1) ||
		cannot "the kernel does not build (KSRC=${KSRC:-6.12} KCONFIG=${KCONFIG:-default} PATCH=$PATCH)"
	config=$(. "$kenv/kernel.env" && echo "$CONFIG")
	kver=$(. "$kenv/kernel.env" && echo "$KVER")
elif [ -f "$KERNEL" ]; then
	[ -n "$KDIR" ] || cannot "KERNEL=$KERNEL is a file: also give KDIR=/path/to/its/build"
	config=$KDIR/.config
	kver=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null || echo unknown)
else
	[ -z "$KSRC$KCONFIG$PATCH" ] || cannot "KSRC, KCONFIG and PATCH are for KERNEL=src, not KERNEL=$KERNEL"
	kenv=$("$top/scripts/fetch-kernel.sh" "$KERNEL" | tail -n 1) || cannot "cannot fetch KERNEL=$KERNEL"
	config=$(. "$kenv/kernel.env" && echo "$CONFIG")
	kver=$(. "$kenv/kernel.env" && echo "$KVER")
fi
for opt in $needs; do
	grep -qx -- "$opt" "$config" 2>/dev/null ||
		cannot "$NAME needs $opt and $kver does not have it (${config}); e.g. KERNEL=src KCONFIG=debug"
done

RESULTS=${RESULTS:-$top/results/repro-$NAME-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS" || cannot "cannot create $RESULTS"
echo "repro: $NAME ($(field fix)) on $kver: $RUNS run(s) of suite $suite, DURATION=$duration SMP=$smp, seeds $SEED..$((SEED + RUNS - 1)); folders in $RESULTS" >&2

hits=0 undecided=0 runs=0
: >"$RESULTS/ttd"
: >"$RESULTS/runs.txt"
for i in $(seq 0 $((RUNS - 1))); do
	seed=$((SEED + i))
	before=$(ls -d "$RESULTS"/2*/ 2>/dev/null | wc -l)
	QUIET=1 "$top/scripts/vm-run.sh" RESULTS="$RESULTS" "${kargs[@]}" SUITE="$suite" \
		DURATION="$duration" SMP="$smp" SEED="$seed" >/dev/null 2>"$RESULTS/.vm-run.err"
	rc=$?
	runs=$((runs + 1))
	d=$(ls -d "$RESULTS"/2*/ 2>/dev/null | sort | tail -n 1)
	if [ "$(ls -d "$RESULTS"/2*/ 2>/dev/null | wc -l)" -le "$before" ] || [ ! -f "$d/summary.json" ]; then
		undecided=$((undecided + 1))
		why=$(tail -n 1 "$RESULTS/.vm-run.err")
		line="run $((i + 1))/$RUNS seed=$seed: undecided, no results (${why:-vm-run exit $rc})"
	else
		verdict=$(jq -r .verdict "$d/summary.json")
		found= ttd=
		if [ -n "$match_ktap" ] && [ -f "$d/results.ktap" ]; then
			found=$(grep -m1 -E -- "$match_ktap" "$d/results.ktap" | sed 's/^ *//')
			ttd=$(printf '%s\n' "$found" | sed -n 's/.* elapsed=\([0-9.]*\)s.*/\1/p')
		fi
		if [ -z "$found" ] && [ -n "$match_splat" ]; then
			found=$(jq -r '.splats[].title' "$d/summary.json" | grep -m1 -E -- "$match_splat")
			# The splat's printk time: seconds since boot.
			ln=$(jq -r --arg t "$found" '[.splats[] | select(.title == $t) | .line][0] // empty' "$d/summary.json")
			[ -z "$ln" ] || ttd=$(sed -n "${ln}p" "$d/console.log" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
		fi
		if [ "$verdict" != pass ] && [ -n "$found" ]; then
			hits=$((hits + 1))
			[ -z "$ttd" ] || echo "$ttd" >>"$RESULTS/ttd"
			line="run $((i + 1))/$RUNS seed=$seed: reproduced ($verdict${ttd:+, after $ttd s}): $found"
		elif [ "$verdict" = pass ]; then
			line="run $((i + 1))/$RUNS seed=$seed: not reproduced (pass)"
		else
			undecided=$((undecided + 1))
			line="run $((i + 1))/$RUNS seed=$seed: undecided ($verdict: $(jq -r .verdict_reason "$d/summary.json"); no match for the entry)"
		fi
		line="$line  [$d]"
	fi
	echo "repro: $line" >&2
	echo "$line" >>"$RESULTS/runs.txt"
	[ "$STOP" = first ] && [ "$hits" -gt 0 ] && break
done
rm -f "$RESULTS/.vm-run.err"

med=$(sort -g "$RESULTS/ttd" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }')
max=$(sort -g "$RESULTS/ttd" | tail -n 1 | grep . || echo -)
if [ "$hits" -gt 0 ]; then
	verdict=bad rc=1
elif [ "$undecided" -gt 0 ]; then
	verdict=cannot-test rc=125
else
	verdict=good rc=0
fi
echo "repro: $NAME on $kver: reproduced in $hits of $runs runs ($undecided undecided); time to detect median $med s, max $med s" |
	sed "s/max $med s\$/max $max s/" >&2
echo "repro: name=$NAME kernel=$kver runs=$runs reproduced=$hits undecided=$undecided verdict=$verdict ttd_median_s=$med ttd_max_s=$max" |
	tee "$RESULTS/repro.txt"
exit $rc
