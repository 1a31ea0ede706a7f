#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-uapi-sh.sh - selftests/mmt_uapi.sh, the shell copy of the contract
# header module/mmtorture_uapi.h, is what scripts/gen-uapi-sh.sh makes of
# the header now; and the comparison catches a header changed without
# regenerating the copy (a copy of the header with one value changed).
#
#   scripts/tests/test-uapi-sh.sh
#
# Prints "ok N name" / "not ok N name" and ends with "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-uapi.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../lib/checks.sh
. "$top/scripts/lib/checks.sh"

"$top/scripts/gen-uapi-sh.sh" >"$tmp/now.sh" 2>"$tmp/err"
result $? generator_runs "$(head -n 3 "$tmp/err")"
if diff -u "$top/selftests/mmt_uapi.sh" "$tmp/now.sh" >"$tmp/diff"; then
	result 0 checked_in_copy_is_current
else
	sed 's/^/# /' "$tmp/diff" | head -n 30
	result 1 checked_in_copy_is_current "selftests/mmt_uapi.sh differs: run scripts/gen-uapi-sh.sh > selftests/mmt_uapi.sh"
fi

# Every shell script that crosses the boundary reads the copy.
missing=
for f in selftests/mmt_lib.sh scripts/guest/mmtorture-run; do
	grep -q 'mmt_uapi\.sh' "$top/$f" || missing="$missing $f"
done
result "$([ -z "$missing" ] && echo 0 || echo 1)" shell_users_source_the_copy "not sourced by:$missing"

# Each sh parses the copy and sees the values.
ok=0
for sh in "busybox sh" dash bash; do
	command -v "${sh%% *}" >/dev/null || continue
	v=$($sh -c ". '$top/selftests/mmt_uapi.sh' && echo \"\$MMT_DEBUGFS_DIR \$MMT_ENGINES\"") || ok=1
	[ "$v" = "/sys/kernel/debug/mmtorture mkclean vma tlbdelay lazytlb" ] || ok=1
done
result $ok copy_parses_in_every_shell

# Negative control: a header whose engine name changed must not match.
sed 's/#define MMT_ENGINE_VMA\t\t"vma"/#define MMT_ENGINE_VMA\t\t"vmx"/' \
	"$top/module/mmtorture_uapi.h" >"$tmp/changed.h"
if cmp -s "$top/module/mmtorture_uapi.h" "$tmp/changed.h"; then
	result 1 changed_header_is_caught "the control's sed did not change the header"
elif "$top/scripts/gen-uapi-sh.sh" "$tmp/changed.h" >"$tmp/changed.sh" &&
	! cmp -s "$top/selftests/mmt_uapi.sh" "$tmp/changed.sh" &&
	grep -qx "MMT_ENGINES='mkclean vmx tlbdelay lazytlb'" "$tmp/changed.sh"; then
	result 0 changed_header_is_caught
else
	result 1 changed_header_is_caught "a changed header gave the same copy"
fi

checks_summary
