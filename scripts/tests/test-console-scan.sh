#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test-console-scan.sh - run console-scan over the sample console logs.
#
#   test-console-scan.sh PATH/TO/console-scan
#
# Every scripts/tests/console/NAME.log is scanned with --json; the titles
# found, as "COUNT TITLE" lines in order of first occurrence, must equal
# NAME.expected (empty: no splat), and the exit status must be 1 when a
# splat is expected and 0 when none is. Prints "ok N NAME" or
# "not ok N NAME" with a diff per case, then "P passed, F failed".
set -u

bin=${1:?usage: test-console-scan.sh PATH/TO/console-scan}
dir=$(cd "$(dirname "$0")/console" && pwd)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

[ -x "$bin" ] || { echo "test-console-scan: $bin is not executable" >&2; exit 2; }

# "COUNT TITLE" from each JSON line, which begins
#   {"title":T,"kind":K,"line":N,"count":N,
# The corpus's titles hold no quote or backslash: T is taken as it is.
titles() {
	sed -nE 's/^\{"title":"(([^"\\]|\\.)*)","kind":"[^"]*","line":[0-9]+,"count":([0-9]+),.*/\3 \1/p'
}

n=0 pass=0 fail=0
for log in "$dir"/*.log; do
	[ -e "$log" ] || continue
	name=$(basename "$log" .log)
	n=$((n + 1))
	"$bin" --json "$log" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	titles <"$tmp/out" >"$tmp/got"
	want_rc=0
	[ -s "$dir/$name.expected" ] && want_rc=1
	if [ ! -f "$dir/$name.expected" ]; then
		echo "not ok $n $name"
		echo "#   $name.expected is missing"
		fail=$((fail + 1))
	elif [ "$rc" -ne "$want_rc" ]; then
		echo "not ok $n $name"
		echo "#   exit status $rc, want $want_rc"
		sed 's/^/#   /' "$tmp/err"
		fail=$((fail + 1))
	elif ! diff -u "$dir/$name.expected" "$tmp/got" >"$tmp/diff"; then
		echo "not ok $n $name"
		sed 's/^/#   /' "$tmp/diff"
		fail=$((fail + 1))
	else
		echo "ok $n $name"
		pass=$((pass + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
