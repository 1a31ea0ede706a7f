#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gen-uapi-sh.sh - the shell copy of module/mmtorture_uapi.h.
#
#   scripts/gen-uapi-sh.sh [HEADER] > selftests/mmt_uapi.sh
#
# Every object-like MMT_ macro of the header whose value is a string or
# an integer constant becomes NAME='VALUE', in the header's order. The
# values are the compiler's: the macro names come from cpp -dM, and a
# small C program that includes the header prints each one, so a value
# built from other macros ("a" MMT_X "b", A | B) is spelled out as C
# sees it. POSIX sh, for busybox ash and dash.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
hdr=${1:-$top/module/mmtorture_uapi.h}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-uapi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Names in the header's order (cpp -dM does not keep it), object-like only.
grep -oE '^#define[[:space:]]+MMT_[A-Z0-9_]+([[:space:]]|$)' "$hdr" |
	awk '{ print $2 }' >"$tmp/names"
"$cc" -E -dM -x c "$hdr" | awk '/^#define MMT_[A-Z0-9_]+ / { print $2 }' |
	sort >"$tmp/object"
{
	printf '#include <stdio.h>\n#include "%s"\n' "$hdr"
	cat <<'C'
static void s(const char *n, const char *v)
{
	const char *p;

	printf("%s='", n);
	for (p = v; *p; p++)
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	puts("'");
}
static void i(const char *n, long long v) { printf("%s=%lld\n", n, v); }
#define P(x) _Generic((x), char *: s, const char *: s, default: i)(#x, x)
int main(void)
{
C
	while read -r n; do
		grep -qx "$n" "$tmp/object" || continue
		[ "$n" = MMTORTURE_UAPI_H ] && continue
		printf '\tP(%s);\n' "$n"
	done <"$tmp/names"
	printf '\treturn 0;\n}\n'
} >"$tmp/gen.c"
"$cc" -std=gnu11 -Wall -Wextra -Werror -o "$tmp/gen" "$tmp/gen.c"
cat <<'SH'
# SPDX-License-Identifier: GPL-2.0
# mmt_uapi.sh - GENERATED from module/mmtorture_uapi.h by
# scripts/gen-uapi-sh.sh; do not edit. make check fails when it differs
# (scripts/tests/test-uapi-sh.sh). The contract between the module and
# its userspace, for the shell tests and the runner: source it.
SH
"$tmp/gen"
