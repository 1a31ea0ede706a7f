#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh - fetch a Debian kernel into the cache, never into /boot.
#
#   scripts/fetch-kernel.sh KERNEL
#
# KERNEL is "6.12" (newest 6.12 in bookworm/bookworm-security), "6.1"
# (newest Debian 6.1), "7.2" (newest 7.2 in Debian unstable), "unstable"
# (unstable's newest kernel), or an exact release such as
# "6.12.117+deb12-amd64", "6.1.0-41-amd64" or "7.2.13+deb14-amd64".
# Bookworm kernels: the image, headers, headers-common and kbuild packages
# are downloaded with apt-get download and unpacked with dpkg -x into
# $MMT_CACHE/kernels/RELEASE/root. Unstable kernels: unstable's package
# index is read with a private apt configuration under $MMT_CACHE/apt-sid
# (the host's sources are not changed), the binary, modules and base
# packages are unpacked the same way, and the headers are installed in a
# minimal unstable tree (scripts/make-buildroot.sh) with the compiler they
# need, kept in RELEASE/buildroot. On success the last line printed on
# stdout is the kernel's folder, which holds kernel.env:
#   KVER, KPKG_NAME, KPKG_VERSION, VMLINUZ, KDIR (the headers' build dir;
#   a path inside BUILDROOT when that is set), MODROOT, CONFIG (the
#   kernel's .config), BUILDROOT (unstable kernels: the tree to build in)
# Progress goes to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MMT_CACHE:-$top/.cache}

die() { echo "fetch-kernel: $*" >&2; exit 2; }
say() { echo "fetch-kernel: $*" >&2; }

[ $# -eq 1 ] || die "usage: fetch-kernel.sh 6.12|6.1|7.2|unstable|RELEASE"
want=$1

command -v apt-cache >/dev/null && command -v dpkg >/dev/null ||
	die "needs apt-get and dpkg (Debian or a derivative)"

# One fetch at a time per cache: two runs that need the same kernel (make
# check runs guests side by side) wait for each other instead of both
# unpacking into one folder. The unstable fetcher inherits the lock; a
# bookworm kernel already in the cache is printed without waiting for it.
mkdir -p "$cache" || die "cannot create $cache"
lock() {
	exec 9>"$cache/.fetch.lock"
	flock 9 || die "cannot lock $cache/.fetch.lock"
}

case $want in
7.*|unstable|*+deb14-amd64)
	lock
	exec "$top/scripts/fetch-kernel-unstable.sh" "$want" ;;
esac

# Names of the image packages ("linux-image-R-unsigned") known to apt.
image_names() {
	apt-cache pkgnames linux-image- 2>/dev/null |
		grep -E "^linux-image-$1-unsigned\$" | sort -V || true
}

resolve() {
	local pat
	case $1 in
	6.12)	pat='6\.12\.[0-9]+\+deb12-amd64' ;;
	6.1)	pat='6\.1\.0-[0-9]+-amd64' ;;
	6.12.*-amd64|6.1.0-*-amd64)
		pat=$(printf '%s' "$1" | sed 's/[.+]/\\&/g') ;;
	*)	die "unknown KERNEL '$1': use 6.12, 6.1, 7.2, unstable, an exact Debian release like 6.12.117+deb12-amd64, or KERNEL=/path/bzImage KDIR=/path/build" ;;
	esac
	image_names "$pat" | tail -n 1 | sed -e 's/^linux-image-//' -e 's/-unsigned$//'
}

kver=$(resolve "$want")
if [ -n "$kver" ] && [ -f "$cache/kernels/$kver/.complete" ]; then
	echo "$cache/kernels/$kver"
	exit 0
fi
lock
kver=$(resolve "$want")
if [ -z "$kver" ]; then
	say "no package for $want in apt's lists, running apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed: is Debian's archive reachable (see /etc/apt/sources.list.d)?"
	kver=$(resolve "$want")
fi
[ -n "$kver" ] || die "Debian's archive has no kernel package for '$want' (looked for linux-image-*-unsigned)"

kdir_top=$cache/kernels/$kver
if [ -f "$kdir_top/.complete" ]; then
	echo "$kdir_top"
	exit 0
fi

# Package names: 6.12.N+deb12-amd64 -> common/kbuild 6.12.N+deb12;
# 6.1.0-M-amd64 -> common 6.1.0-M, kbuild linux-kbuild-6.1.
base=${kver%-amd64}
case $kver in
6.1.0-*)	kbuild=linux-kbuild-6.1 ;;
*)		kbuild=linux-kbuild-$base ;;
esac
pkgs="linux-image-$kver-unsigned linux-headers-$kver linux-headers-$base-common $kbuild"

mkdir -p "$cache/debs" || die "cannot create $cache"
avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')
[ "${avail:-0}" -gt 1048576 ] ||
	die "less than 1 GiB free under $cache: free some space or set MMT_CACHE to a roomier folder"

say "downloading $kver from Debian's archive: $pkgs"
# apt-get download writes into the current directory; keep partial
# downloads out of the cache's name space until they are complete.
dl=$(mktemp -d "$cache/debs/.dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
# shellcheck disable=SC2086
if ! (cd "$dl" && apt-get download -q $pkgs >&2 2>"$dl/err"); then
	sed 's/^/  /' "$dl/err" >&2
	die "cannot download $pkgs: is Debian's archive reachable? (apt-get update, /etc/apt/sources.list.d)"
fi
mv "$dl"/*.deb "$cache/debs/"

stage=$(mktemp -d "$cache/kernels/.stage.XXXXXX" 2>/dev/null ||
	{ mkdir -p "$cache/kernels" && mktemp -d "$cache/kernels/.stage.XXXXXX"; })
trap 'rm -rf "$dl" "$stage"' EXIT
for p in $pkgs; do
	deb=$(ls "$cache/debs/${p}_"*.deb | sort -V | tail -n 1)
	say "unpacking $(basename "$deb")"
	dpkg -x "$deb" "$stage/root"
done

hdr=$stage/root/usr/src/linux-headers-$kver
[ -f "$hdr/Makefile" ] || die "headers package has no $hdr/Makefile"
# The headers' Makefile includes the common part by absolute path; point
# it into the cache (the final location, after the rename below).
sed -i "s|^include /usr/src/|include $kdir_top/root/usr/src/|" "$hdr/Makefile"

command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
depmod -b "$stage/root" "$kver" || die "depmod failed for $kver"

pkgver=$(dpkg-deb -f "$(ls "$cache/debs/linux-image-$kver-unsigned_"*.deb | sort -V | tail -n 1)" Version)
cat >"$stage/kernel.env" <<EOF
KVER=$kver
KPKG_NAME=linux-image-$kver-unsigned
KPKG_VERSION=$pkgver
VMLINUZ=$kdir_top/root/boot/vmlinuz-$kver
KDIR=$kdir_top/root/usr/src/linux-headers-$kver
MODROOT=$kdir_top/root
CONFIG=$kdir_top/root/boot/config-$kver
EOF
touch "$stage/.complete"
rm -rf "$kdir_top"
mv "$stage" "$kdir_top"
trap - EXIT
rm -rf "$dl"
say "ready: $kver ($pkgver)"
echo "$kdir_top"
