#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# score-scanner.sh - how well the console scanner titles kernel reports,
# against a folder of console logs in syzkaller's format (for instance
# syzkaller's pkg/report/testdata/linux/report).
#
#   scripts/score-scanner.sh [--list] DIR
#
# Builds build/score-scanner if needed (make tools) and runs it on DIR:
# a table of recall, class family right, function right and false reports,
# then one line "score logs=N ... false=P" for programs. --list first
# prints one line per log. Bad input (no DIR, not a folder, no log in
# it): one line on stderr, exit 2. The comparison itself is in
# scripts/host/score_scanner.c.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
case $build in
/*) ;;
*) build=$top/$build ;;	# relative to the top, as make BUILD= takes it
esac
usage="usage: score-scanner.sh [--list] DIR"

list=
if [ "${1:-}" = "--list" ]; then
	list=--list
	shift
fi
if [ $# -ne 1 ]; then
	echo "score-scanner.sh: $usage" >&2
	exit 2
fi
if [ ! -d "$1" ]; then
	echo "score-scanner.sh: $1 is not a folder ($usage)" >&2
	exit 2
fi

if ! make -s -C "$top/scripts/host" BUILD="$build" "$build/score-scanner" >&2; then
	echo "score-scanner.sh: cannot build $build/score-scanner" >&2
	exit 2
fi
exec "$build/score-scanner" $list "$1"
