#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-callgraph.sh - module/*.c call one another without a cycle: the
# file-level call graph of the built objects (scripts/callgraph.sh: nm's
# defined and undefined symbols) is acyclic. And the check catches a
# cycle: a copy of module/ in which knob.c calls control.c's
# mmt_seed_get() (control.c already calls knob.c) must be refused, with
# the cycle named.
#
#   scripts/tests/test-callgraph.sh [KERNEL]     (default 6.12)
#
# Builds the module twice against KERNEL's headers (scripts/fetch-kernel.sh,
# cached). Prints "ok N name" / "not ok N name", ends "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.12}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-callgraph.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../lib/checks.sh
. "$top/scripts/lib/checks.sh"

env=$("$top/scripts/fetch-kernel.sh" "$kernel" 2>"$tmp/fetch.err" | tail -n 1)/kernel.env
[ -f "$env" ] || { cat "$tmp/fetch.err"; echo "test-callgraph: no kernel $kernel"; exit 2; }
kdir=$(. "$env" && echo "$KDIR")

# build NAME: the module's sources in $tmp/NAME, built there.
build() {
	make -s -C "$kdir" M="$tmp/$1" modules >"$tmp/$1.log" 2>&1 ||
		{ tail -n 20 "$tmp/$1.log"; return 1; }
}

mkdir "$tmp/real" && cp "$top"/module/*.c "$top"/module/*.h "$top/module/Kbuild" "$tmp/real/"
if build real; then
	"$top/scripts/callgraph.sh" "$tmp/real" "$tmp/real" >"$tmp/real.out"
	rc=$?
	sed 's/^/# /' "$tmp/real.out"
	result $rc module_call_graph_is_acyclic "$(tail -n 1 "$tmp/real.out")"
else
	result 1 module_call_graph_is_acyclic "the module does not build against $kernel"
fi

# Negative control: one call back from knob.c into control.c.
mkdir "$tmp/cycle" && cp "$tmp/real"/*.c "$tmp/real"/*.h "$tmp/real/Kbuild" "$tmp/cycle/"
rm -f "$tmp/cycle"/*.mod.c
sed -i 's|^#endif /\* MMTORTURE_H \*/|u64 mmt_knob_cycle(void);\n&|' "$tmp/cycle/mmtorture.h"
printf '\nu64 mmt_knob_cycle(void)\n{\n\treturn mmt_seed_get();\n}\n' >>"$tmp/cycle/knob.c"
if build cycle; then
	"$top/scripts/callgraph.sh" "$tmp/cycle" "$tmp/cycle" >"$tmp/cycle.out"
	rc=$?
	tail -n 1 "$tmp/cycle.out" | sed 's/^/# /'
	if [ $rc = 1 ] && grep -qE '^cycle: .*knob -> control|^cycle: .*control -> knob' "$tmp/cycle.out"; then
		result 0 deliberate_cycle_is_caught
	else
		result 1 deliberate_cycle_is_caught "exit $rc, no knob/control cycle named"
	fi
else
	result 1 deliberate_cycle_is_caught "the copy with the cycle does not build"
fi

checks_summary
