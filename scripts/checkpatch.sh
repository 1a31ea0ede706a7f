#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh KSRC_TOP - scripts/checkpatch.pl --strict over the module's
# sources (generated *.mod.c excluded). Exit 0 only when every file is clean.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=${1:?usage: checkpatch.sh KSRC_TOP}
cp=$ksrc/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "checkpatch: no $cp" >&2; exit 2; }
rc=0
cd "$top"
for f in $(ls module/*.c module/*.h module/Kbuild Kbuild | grep -v '\.mod\.c$'); do
	outp=$(perl "$cp" --strict --no-tree --show-types -f "$f" 2>&1)
	if ! grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$outp"; then
		echo "$outp" | grep -E '^(ERROR|WARNING|CHECK)|^#|^\+' | sed "s|^|$f: |"
		rc=1
	fi
done
exit $rc
