#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ktap-single-writer.sh [TOP] - KTAP version lines, plans and results are
# printed by one writer per language:
#   C in workloads/   workloads/ktap.c (ktap.h documents it)
#   C in selftests/   the kernel's kselftest.h (ksft_*), not in this tree
#   shell kselftests  the kernel's ktap_helpers.sh (ktap_*), not in this tree
#   shell workloads   the same ktap_helpers.sh (mmt-writeback)
# Fails, naming file:line, on any other source line that prints one
# itself: a C string literal that starts (or has a line that starts) with
# "ok ", "not ok", "1..", "KTAP version" or "TAP version", or a shell
# echo/printf whose text starts so. Comment lines are not looked at.
# Scope: workloads/*.[ch], selftests/*.[ch], selftests/*.sh (not the
# generated selftests/mmt_uapi.sh), workloads/writeback/*.sh (not the
# host self-tests, selfcheck.sh, whose lines are their own results). Exit 0 clean, 1 found, 2 bad usage.

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$top/workloads" ] && [ -d "$top/selftests" ] ||
	{ echo "usage: $0 [TOP]: $top has no workloads/ and selftests/" >&2; exit 2; }

# In a C string literal: at its start, or after a \n inside it.
c_re='"(ok |not ok|1\.\.|K?TAP version)|\\n(ok |not ok|1\.\.|K?TAP version)'
# A shell echo or printf (options, quotes allowed) whose text starts so.
sh_re='(^|[;&|({[:space:]])(echo|printf)([[:space:]]+-[a-zA-Z]+)*[[:space:]]+["'"'"']?(ok |not ok|1\.\.|K?TAP version)'

found=0
report() {
	# $1: file; stdin: grep -n output
	while IFS= read -r _l; do
		printf '%s:%s\n' "${1#"$top"/}" "$_l"
		found=1
	done
}

for f in "$top"/workloads/*.c "$top"/workloads/*.h "$top"/selftests/*.c "$top"/selftests/*.h; do
	[ -f "$f" ] || continue
	case ${f#"$top"/} in
	workloads/ktap.c|workloads/ktap.h) continue ;;
	esac
	# Drop comment lines (" * ...", "/* ...", "// ...") before matching.
	hits=$(grep -nE "$c_re" "$f" | grep -vE '^[0-9]+:[[:space:]]*(\*|/\*|//)')
	[ -n "$hits" ] && report "$f" <<-EOT
	$hits
	EOT
done
for f in "$top"/selftests/*.sh "$top"/workloads/writeback/*.sh; do
	[ -f "$f" ] || continue
	case ${f#"$top"/} in
	selftests/mmt_uapi.sh|*/selfcheck.sh) continue ;;
	esac
	hits=$(grep -nE "$sh_re" "$f" | grep -vE '^[0-9]+:[[:space:]]*#')
	[ -n "$hits" ] && report "$f" <<-EOT
	$hits
	EOT
done

if [ $found = 1 ]; then
	echo "KTAP lines printed outside the one writer (workloads/ktap.c, kselftest.h, ktap_helpers.sh): use it" >&2
	exit 1
fi
exit 0
