#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-ksrc.sh - the parts of a kernel source tree mmtorture uses:
# scripts/checkpatch.pl (and its data files) and the kselftest framework
# (tools/testing/selftests/kselftest_harness.h, kselftest.h, the runner
# scripts and lib.mk).
#
# With KSRC=/path/to/linux set, that tree is used as it is. Otherwise
# Debian's linux-source-6.12 package is installed (if missing) and the
# members are extracted once into $MMT_CACHE/ksrc-6.12. The last line on
# stdout is the tree's top.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MMT_CACHE:-$top/.cache}
die() { echo "fetch-ksrc: $*" >&2; exit 2; }

if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/tools/testing/selftests/kselftest_harness.h" ] ||
		die "KSRC=$KSRC is not a kernel source tree (no tools/testing/selftests/kselftest_harness.h)"
	echo "$KSRC"
	exit 0
fi

out=$cache/ksrc-6.12
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "fetch-ksrc: installing Debian's linux-source-6.12" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		linux-source-6.12 >&2 ||
		die "cannot install linux-source-6.12 from Debian's archive; set KSRC=/path/to/linux instead"
	tarball=/usr/src/linux-source-6.12.tar.xz
fi

echo "fetch-ksrc: extracting checkpatch and kselftest from $tarball" >&2
mkdir -p "$cache"
stage=$(mktemp -d "$cache/.ksrc.XXXXXX")
trap 'rm -rf "$stage"' EXIT
s=linux-source-6.12
tar -xJf "$tarball" -C "$stage" --wildcards \
	"$s/scripts/checkpatch.pl" "$s/scripts/spelling.txt" \
	"$s/scripts/const_structs.checkpatch" \
	"$s/tools/testing/selftests/kselftest*" \
	"$s/tools/testing/selftests/lib.mk" \
	"$s/tools/testing/selftests/run_kselftest.sh" \
	"$s/tools/testing/selftests/Makefile" \
	"$s/tools/scripts/Makefile.include" \
	"$s/tools/scripts/Makefile.arch" ||
	die "cannot extract from $tarball"
rm -rf "$out"
mv "$stage/$s" "$out"
touch "$out/.complete"
echo "$out"
