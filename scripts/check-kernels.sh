#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernels.sh - the kernels-from-source checks that take too long for
# make check (make check-kernels): build the default and the debug kernel
# from Debian's linux-source-6.12, boot both, and prove
#   - the attack suite passes on both (clean mode, KASAN and lockdep on in
#     the debug one);
#   - the lazy-TLB positive control (suite lazytlb-broken) is caught by
#     KASAN on the debug kernel as a use-after-free, and is refused on the
#     default kernel (no KASAN);
#   - 6.12 with 5df397dec7c4 reverted (the catalog's delayed-rmap entry)
#     loses dirty data under the entry's reproducer, and without the
#     revert does not (RUNS boots each).
# CLEAN=1 builds in a new, empty cache (MMT_CACHE=results/check-kernels-
# cache-<time>): the build times are then those of a first build.
# Ends with "N passed, M failed"; exit 0 iff M = 0.
#
#   scripts/check-kernels.sh [RUNS=3] [CLEAN=1] [SEED=N]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3 CLEAN=0 SEED=4242
for kv in "$@"; do
	case ${kv%%=*} in
	RUNS|CLEAN|SEED) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
	*) echo "check-kernels: unknown option '${kv%%=*}' (RUNS, CLEAN, SEED)" >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "check-kernels: RUNS must be a positive integer" >&2; exit 2; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$top/results/check-kernels-$stamp
mkdir -p "$out" || exit 2
[ "$CLEAN" = 1 ] && export MMT_CACHE=$out/cache
work=$out check_tail=20
# shellcheck source=lib/checks.sh
. "$top/scripts/lib/checks.sh"
build() { "$top/scripts/build-kernel.sh" "$@"; }
vm() { QUIET=1 "$top/scripts/vm-run.sh" RESULTS="$out/runs" KERNEL=src "$@"; }
last() { ls -d "$out"/runs/2*/ | sort | tail -n 1; }

check build_default_kernel build KCONFIG=default
check build_debug_kernel build KCONFIG=debug
check build_revert_kernel build KCONFIG=default PATCH=delayed-rmap.revert-6.12.patch
check attack_passes_default vm KCONFIG=default SUITE=attack SEED=$SEED
check attack_passes_debug vm KCONFIG=debug SUITE=attack SEED=$SEED
kasan_caught() {
	vm KCONFIG=debug SUITE=lazytlb-broken SEED=$SEED
	local d
	d=$(last)
	jq -r '.verdict, (.splats[].title)' "$d/summary.json"
	jq -e '.verdict != "pass" and ([.splats[].title] | any(test("^KASAN: [a-z-]*use-after-free")))' \
		"$d/summary.json" >/dev/null
}
check lazytlb_broken_caught_by_kasan kasan_caught
refused() {
	vm KCONFIG=default SUITE=lazytlb-broken SEED=$SEED
	local d
	d=$(last)
	jq -r '.verdict' "$d/summary.json"
	grep -E 'early_drop' "$d/results.ktap" | head -n 3
	jq -e '.verdict != "pass" and (.splats | length == 0)' "$d/summary.json" >/dev/null
}
check lazytlb_broken_refused_without_kasan refused
repro() {
	local want=$1 rc
	shift
	"$top/scripts/repro.sh" delayed-rmap KERNEL=src RUNS="$RUNS" SEED="$SEED" RESULTS="$out/repro-$want" "$@"
	rc=$?
	[ "$rc" = "$want" ] || { echo "repro exit $rc, wanted $want"; return 1; }
}
check revert_reproduces_delayed_rmap repro 1 PATCH=delayed-rmap.revert-6.12.patch
check unpatched_does_not_reproduce repro 0
echo "# folders and logs: $out"
checks_summary
