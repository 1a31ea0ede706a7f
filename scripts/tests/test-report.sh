#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-report.sh - run mmt-report over every case in scripts/tests/report/.
#
#   scripts/tests/test-report.sh BUILD/mmt-report
#
# A case is a folder with any of console.log, results.ktap, meta.env, and:
#   expected       "VERDICT EXIT_CODE", e.g. "fail 1"
#   args           optional: more mmt-report arguments, e.g. "--exit-reason hang"
#   expected.grep  optional: lines that must appear in summary.json (grep -F)
#   expected.out   optional: lines that must appear in the table (grep -F)
#   expected.jq    optional: jq filters, one per line, each true of summary.json
#   prepare.sh     optional: run in the copy before mmt-report, to make
#                  inputs that are awkward to keep in git (NUL bytes, \r)
# Every case also checks: summary.json is valid JSON (jq -e .), its verdict
# and exit_code match, the table's last line is "verdict: " or "replay: ",
# and --quiet prints the verdict line alone.
#
# MMT_VALGRIND=1 runs every mmt-report under valgrind (leaks are errors).
#
# Prints "ok N name" / "not ok N name" and ends with "N passed, M failed".
set -u

bin=${1:?usage: test-report.sh PATH/TO/mmt-report}
here=$(cd "$(dirname "$0")" && pwd)
cases=$here/report

case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
[ -x "$bin" ] || { echo "test-report: no executable $bin" >&2; exit 2; }
command -v jq >/dev/null || { echo "test-report: needs jq (apt-get install jq)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-report.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

run=("$bin")
if [ "${MMT_VALGRIND:-0}" = 1 ]; then
	run=(valgrind -q --leak-check=full --show-leak-kinds=all
	     --errors-for-leak-kinds=all --error-exitcode=99 "$bin")
fi

# shellcheck source=../lib/checks.sh
. "$here/../lib/checks.sh"
why=

# check_case NAME DIR: sets why on failure
check_case() {
	local name=$1 src=$2 work=$tmp/$1 args=() want_v want_rc rc v line
	local out=$tmp/$1.out err=$tmp/$1.err

	mkdir -p "$work"
	cp -- "$src"/* "$work"/
	rm -f "$work"/expected* "$work"/args "$work"/prepare.sh
	if [ -f "$src/prepare.sh" ]; then
		(cd "$work" && bash "$src/prepare.sh") || { why="prepare.sh failed"; return 1; }
	fi
	[ -f "$src/args" ] && read -r -a args <"$src/args"
	read -r want_v want_rc <"$src/expected"

	"${run[@]}" --dir "$work" "${args[@]}" >"$out" 2>"$err"
	rc=$?
	[ "$rc" = "$want_rc" ] || { why="exit code $rc, want $want_rc: $(head -c 300 "$err")"; return 1; }
	[ -s "$err" ] && { why="stderr: $(head -c 300 "$err")"; return 1; }
	[ -f "$work/summary.json" ] || { why="no summary.json"; return 1; }
	jq -e . "$work/summary.json" >/dev/null 2>&1 || { why="summary.json is not valid JSON"; return 1; }
	v=$(jq -r '.verdict + " " + (.exit_code | tostring)' "$work/summary.json")
	[ "$v" = "$want_v $want_rc" ] || { why="summary says '$v', want '$want_v $want_rc'"; return 1; }
	[ "$(jq -r '.schema' "$work/summary.json")" = 1 ] || { why="schema is not 1"; return 1; }

	if [ -f "$src/expected.grep" ]; then
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			grep -qF -- "$line" "$work/summary.json" ||
				{ why="summary.json lacks: $line"; return 1; }
		done <"$src/expected.grep"
	fi
	if [ -f "$src/expected.jq" ]; then
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			jq -e "$line" "$work/summary.json" >/dev/null 2>&1 ||
				{ why="summary.json fails: $line"; return 1; }
		done <"$src/expected.jq"
	fi
	if [ -f "$src/expected.out" ]; then
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			grep -qF -- "$line" "$out" || { why="table lacks: $line"; return 1; }
		done <"$src/expected.out"
	fi
	[ "$(grep -c '^verdict: ' "$out")" = 1 ] || { why="not exactly one verdict line"; return 1; }
	tail -n 1 "$out" | grep -qE '^(verdict|replay): ' ||
		{ why="last line is not verdict/replay: $(tail -n 1 "$out")"; return 1; }
	grep -q "^verdict: ${want_v^^} - " "$out" || { why="verdict line does not say ${want_v^^}"; return 1; }

	"${run[@]}" --dir "$work" "${args[@]}" --quiet >"$out.q" 2>"$err"
	rc=$?
	[ "$rc" = "$want_rc" ] || { why="--quiet: exit code $rc"; return 1; }
	[ "$(wc -l <"$out.q")" = 1 ] && grep -q '^verdict: ' "$out.q" ||
		{ why="--quiet did not print the verdict line alone"; return 1; }
	ls -A "$work" | grep -q '^\.summary\.json\.' && { why="temporary file left behind"; return 1; }
	return 0
}

for src in "$cases"/*/; do
	src=${src%/}
	name=$(basename "$src")
	why=
	check_case "$name" "$src"
	result $? "$name" "$why"
done

# Command line: usage errors exit 3 and write nothing.
cli() {
	local name=$1 want=$2 rc
	shift 2
	why=
	"${run[@]}" "$@" >"$tmp/cli.out" 2>"$tmp/cli.err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		why="exit code $rc, want $want"
		result 1 "$name" "$why"
	elif [ "$want" = 3 ] && [ -e "$tmp/cli/summary.json" ]; then
		why="summary.json written on a usage error"
		result 1 "$name" "$why"
	else
		result 0 "$name"
	fi
}

mkdir -p "$tmp/cli"
cli cli-no-dir 3
cli cli-bad-exit-reason 3 --dir "$tmp/cli" --exit-reason crashed
cli cli-not-a-dir 3 --dir "$tmp/cli/nonexistent"
cli cli-extra-arg 3 --dir "$tmp/cli" extra
cli cli-help 0 --help
# An empty folder is an error verdict, not a crash.
cli cli-empty-dir 2 --dir "$tmp/cli"

checks_summary
