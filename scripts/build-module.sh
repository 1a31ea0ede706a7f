#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh - build mmtorture.ko from a copy of module/ for one kernel.
# The one way the project builds the module: vm-run.sh (which caches the
# result by a hash of module/ and this script), make module, make -C
# module and selftests/Makefile all call it.
#
#   scripts/build-module.sh KDIR OUTDIR [BUILDROOT]
#
# OUTDIR is made fresh and receives mmtorture.ko and build.log; the last
# line on stdout is the compiler that built the module (the .ko's .comment
# section). With BUILDROOT (a tree from make-buildroot.sh), KDIR is a path
# inside it and the build runs there, under chroot in a private mount
# namespace with its own /proc (objtool reads it), so nothing stays mounted.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "build-module: $*" >&2; exit 2; }

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: build-module.sh KDIR OUTDIR [BUILDROOT]"
kdir=$1 out=$2 broot=${3:-}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)	# kbuild's M= must be absolute

if [ -z "$broot" ]; then
	cp "$top"/module/*.c "$top"/module/*.h "$top/module/Kbuild" "$out/"
	# A patched kernel from build-kernel.sh is built with its source copy
	# bind-mounted over the pristine one: the module sees the same tree.
	bind=()
	if [ -f "$kdir/.mmt-src-bind" ]; then
		{ read -r bsrc; read -r bdst; } <"$kdir/.mmt-src-bind"
		[ -d "$bsrc" ] && [ -d "$bdst" ] || die "$kdir/.mmt-src-bind names a missing source ($bsrc or $bdst)"
		# shellcheck disable=SC2016
		bind=(unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$bsrc" "$bdst")
	fi
	"${bind[@]}" make -s -C "$kdir" M="$out" modules >"$out/build.log" 2>&1 || {
		tail -n 20 "$out/build.log" >&2
		die "mmtorture.ko does not build against KDIR=$kdir (log: $out/build.log)"
	}
else
	[ -f "$broot/.complete" ] || die "$broot is not a finished build tree: remove its kernel from the cache and fetch it again"
	[ "$(id -u)" = 0 ] || die "building in $broot needs root (chroot)"
	inner=$(mktemp -d "$broot/tmp/mmt-module.XXXXXX") || die "cannot create a folder in $broot/tmp"
	trap 'rm -rf "$inner"' EXIT
	cp "$top"/module/*.c "$top"/module/*.h "$top/module/Kbuild" "$inner/"
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c \
		'mount -t proc proc "$1/proc" && exec chroot "$1" make -s -C "$2" M="$3" modules' \
		sh "$broot" "$kdir" "${inner#"$broot"}" >"$out/build.log" 2>&1 || {
		tail -n 20 "$out/build.log" >&2
		die "mmtorture.ko does not build against $kdir in $broot (log: $out/build.log)"
	}
	cp "$inner/mmtorture.ko" "$out/"
fi
cc=$(readelf -p .comment "$out/mmtorture.ko" 2>/dev/null |
	sed -n 's/^ *\[ *[0-9a-f]*\] *//p' | grep -m1 GCC || true)
echo "${cc:-unknown}"
