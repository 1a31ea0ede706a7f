#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make-buildroot.sh - a minimal Debian unstable tree that holds the headers
# of one unstable kernel and the compiler they need, to build mmtorture.ko
# for that kernel. Unstable's headers call for unstable's gcc and C
# library (linux-kbuild-7.x needs libc6 >= 2.38; bookworm has 2.36), so
# they cannot be used on the host itself. The host's apt sources and /boot
# are never touched: debootstrap fetches into DIR only.
#
#   scripts/make-buildroot.sh DIR KVER MIRROR
#
# DIR must not exist; on failure nothing is left there. DIR/.complete
# marks a finished tree. MIRROR is the Debian archive's address.
set -euo pipefail

die() { echo "make-buildroot: $*" >&2; exit 2; }
say() { echo "make-buildroot: $*" >&2; }

[ $# -eq 3 ] || die "usage: make-buildroot.sh DIR KVER MIRROR"
dir=$1 kver=$2 mirror=$3
[ ! -e "$dir" ] || die "$dir already exists: remove it or pick another folder"
[ "$(id -u)" = 0 ] || die "debootstrap and chroot need root"
command -v debootstrap >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v debootstrap >/dev/null || die "debootstrap is missing: run 'make deps' (as root)"

parent=$(dirname "$dir")
mkdir -p "$parent" || die "cannot create $parent"
avail=$(df -Pk "$parent" | awk 'NR==2 {print $4}')
[ "${avail:-0}" -gt 1048576 ] ||
	die "less than 1 GiB free under $parent (the tree takes about 600 MB): free some space or set MMT_CACHE"

stage=$(mktemp -d "$parent/.buildroot.XXXXXX") || die "cannot create a folder in $parent"
trap 'rm -rf "$stage"' EXIT
say "debootstrap of unstable with linux-headers-$kver from $mirror (about 600 MB, a minute)"
if ! debootstrap --variant=minbase --include="make,linux-headers-$kver" \
	sid "$stage/root" "$mirror" >"$stage/debootstrap.log" 2>&1; then
	tail -n 5 "$stage/debootstrap.log" | sed 's/^/  /' >&2
	die "debootstrap of unstable failed (log above): is $mirror reachable, and does unstable still have linux-headers-$kver?"
fi
[ -f "$stage/root/usr/src/linux-headers-$kver/Makefile" ] ||
	die "the tree has no /usr/src/linux-headers-$kver/Makefile"
# The compiler the headers were made for, as kbuild will call it.
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' \
	"$stage/root/usr/src/linux-headers-$kver/.config")
echo "$cc" >"$stage/root/.mmt-compiler"
touch "$stage/root/.complete"
mv "$stage/root" "$dir"
rm -rf "$stage"
trap - EXIT
say "ready: $dir (kernel built with: $cc)"
