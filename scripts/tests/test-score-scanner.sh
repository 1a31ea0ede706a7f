#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test-score-scanner.sh - the scanner's scoring against its own small set
# of logs in syzkaller's format (scripts/tests/score/), and its bad input.
#
#   test-score-scanner.sh PATH/TO/score-scanner
#
# The logs: a WARNING and a KASAN report titled as syzkaller titles them,
# a general protection fault whose RIP names another function than the
# title (the CRLF line ends and the REPORT: section are syzkaller's own
# test format), a hung task, a syzkaller failure the scanner does not
# report, a clean log with user space text, and a README that is not a
# case. Prints "ok N NAME" / "not ok N NAME", then "P passed, F failed".
set -u

bin=${1:?usage: test-score-scanner.sh PATH/TO/score-scanner}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

[ -x "$bin" ] || { echo "test-score-scanner: $bin is not executable" >&2; exit 2; }

n=0 pass=0 fail=0
result() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
		pass=$((pass + 1))
	else
		echo "not ok $n $1"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
		fail=$((fail + 1))
	fi
}

# expect_line NAME WANT ARGS...: exit 0 and the "score ..." line is WANT.
expect_line() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(grep '^score ' "$tmp/out")
	[ "$rc" = 0 ] && [ "$got" = "$want" ]
	result "$name" $?
}

# expect_bad NAME ARGS...: exit 2, one line on stderr, nothing on stdout.
expect_bad() {
	name=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ]
	result "$name" $?
}

expect_line figures "score logs=6 crash=5 clean=1 skipped=1 reported=4 recall=80.0 class_right=4 class=100.0 fn_named=4 fn_right=3 function=75.0 false_reports=0 false=0.0" \
	"$bin" "$here/score"
expect_line figures_via_script "score logs=6 crash=5 clean=1 skipped=1 reported=4 recall=80.0 class_right=4 class=100.0 fn_named=4 fn_right=3 function=75.0 false_reports=0 false=0.0" \
	env BUILD="$(cd "$(dirname "$bin")" && pwd)" sh "$top/scripts/score-scanner.sh" "$here/score"

"$bin" --list "$here/score" >"$tmp/out" 2>"$tmp/err"
grep -q '^3	general protection fault in mmt_score_walk	general protection fault in mmt_score_other	class-ok fn-wrong$' "$tmp/out" &&
	grep -q '^5	SYZFAIL: score test	-	missed$' "$tmp/out" &&
	grep -q '^7	clean	-	ok$' "$tmp/out" &&
	grep -q 'README: not in syzkaller.s format, skipped' "$tmp/err"
result list_verdicts $?

mkdir "$tmp/empty" && echo "no header line here" >"$tmp/empty/notes"
expect_bad no_case "$bin" "$tmp/empty"
expect_bad not_a_folder "$bin" "$here/score/1"
expect_bad no_such_folder "$bin" "$tmp/missing"
expect_bad no_argument "$bin"
expect_bad script_not_a_folder sh "$top/scripts/score-scanner.sh" "$here/score/1"
expect_bad script_no_argument sh "$top/scripts/score-scanner.sh"
expect_bad script_two_arguments sh "$top/scripts/score-scanner.sh" "$here/score" "$here/score"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
