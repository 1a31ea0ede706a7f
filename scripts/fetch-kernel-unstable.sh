#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel-unstable.sh - fetch a kernel of Debian unstable into the
# cache, never into /boot and without changing the host's apt sources.
# Called by fetch-kernel.sh, whose output it shares (see there).
#
#   scripts/fetch-kernel-unstable.sh 7.2|7.N|unstable|7.2.13+deb14-amd64
#
# Unstable splits the image into linux-binary-R (vmlinuz), linux-modules-R
# and linux-base-R (config, System.map), all under usr/lib/modules/R. The
# headers need unstable's compiler and C library, so they are installed in
# a minimal unstable tree (make-buildroot.sh) that vm-run builds the module
# in.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MMT_CACHE:-$top/.cache}

die() { echo "fetch-kernel: $*" >&2; exit 2; }
say() { echo "fetch-kernel: $*" >&2; }

source_ver=
if [ $# -eq 2 ] && [ "$1" = --source ]; then
	# --source 7.2: unstable's linux-source-7.2 package, unpacked once;
	# the last line on stdout is its tarball (for build-kernel.sh).
	[[ $2 =~ ^7\.[0-9]+$ ]] || die "unknown source '$2': use 7.2 (Debian unstable's linux-source-7.2)"
	source_ver=$2
	want=$2
else
	[ $# -eq 1 ] || die "usage: fetch-kernel-unstable.sh 7.2|unstable|RELEASE, or --source 7.2"
	want=$1
fi

# A private apt configuration: unstable's index in the cache only.
aptdir=$cache/apt-sid
mirror=${MMT_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
fi
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" ||
	die "cannot create $aptdir"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" \
	>"$aptdir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$aptdir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache"
	-o Dir::State::status=/dev/null -o APT::Architecture=amd64
	-o APT::Sandbox::User=root -q)

sid_update() {
	say "reading Debian unstable's package index ($mirror, private apt lists in $aptdir)"
	apt-get "${apt_opts[@]}" update >"$aptdir/update.log" 2>&1 || {
		tail -n 3 "$aptdir/update.log" | sed 's/^/  /' >&2
		die "cannot read unstable's index from $mirror: is Debian's archive reachable? (MMT_DEBIAN_MIRROR=URL picks another)"
	}
	# apt-get update succeeds with only a warning when nothing came.
	grep -q '^[WE]: ' "$aptdir/update.log" && [ -z "$(sid_releases)" ] && {
		grep '^[WE]: ' "$aptdir/update.log" | head -n 2 | sed 's/^/  /' >&2
		die "cannot read unstable's index from $mirror: is Debian's archive reachable? (MMT_DEBIAN_MIRROR=URL picks another)"
	}
	return 0
}

# Releases with a generic amd64 image in unstable's index, oldest first.
sid_releases() {
	apt-cache "${apt_opts[@]}" pkgnames linux-binary- 2>/dev/null |
		sed -n 's/^linux-binary-\([0-9][0-9.]*+deb[0-9]*-amd64\)$/\1/p' | sort -V
}

resolve() {
	case $1 in
	unstable)	sid_releases | tail -n 1 ;;
	7.*-amd64)	sid_releases | grep -Fx -- "$1" || true ;;
	7.*)		[[ $1 =~ ^7\.[0-9]+$ ]] || die "unknown KERNEL '$1': use 7.2, unstable or an exact release like 7.2.13+deb14-amd64"
			{ sid_releases | grep -E "^${1//./\\.}\.[0-9]+\+deb[0-9]+-amd64$" || true; } | tail -n 1 ;;
	*)		die "unknown KERNEL '$1': use 7.2, unstable or an exact release like 7.2.13+deb14-amd64" ;;
	esac
}

if [ -n "$source_ver" ]; then
	pkg=linux-source-$source_ver
	done_dir=$(ls -d "$cache/src-debs/$pkg"_*/ 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$done_dir" ] && [ -f "$done_dir/.complete" ]; then
		ls "$done_dir"usr/src/$pkg.tar.* | head -n 1
		exit 0
	fi
	[ -n "$(find "$aptdir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ] || sid_update
	ver=$(apt-cache "${apt_opts[@]}" show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "Debian unstable has no $pkg now"
	mkdir -p "$cache/src-debs" || die "cannot create $cache/src-debs"
	dl=$(mktemp -d "$cache/src-debs/.dl.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	say "downloading $pkg $ver from Debian unstable (about 150 MB)"
	(cd "$dl" && apt-get "${apt_opts[@]}" download "$pkg=$ver" >"$dl/log" 2>&1) || {
		sed 's/^/  /' "$dl/log" >&2
		die "cannot download $pkg from $mirror"
	}
	dpkg -x "$dl"/*.deb "$dl/root" || die "cannot unpack $pkg"
	tb=$(ls "$dl/root/usr/src/$pkg".tar.* 2>/dev/null | head -n 1)
	[ -n "$tb" ] || die "$pkg $ver holds no usr/src/$pkg.tar.*"
	dest=$cache/src-debs/${pkg}_$ver
	rm -rf "$dest"
	mv "$dl/root" "$dest" && touch "$dest/.complete"
	ls "$dest/usr/src/$pkg".tar.* | head -n 1
	exit 0
fi

# A cached release needs no index: exact names are looked up first.
case $want in
*-amd64)
	if [ -f "$cache/kernels/$want/.complete" ]; then
		echo "$cache/kernels/$want"
		exit 0
	fi ;;
esac
# Unstable moves daily: an index older than a day is read again.
[ -n "$(find "$aptdir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ] || sid_update
kver=$(resolve "$want")
if [ -z "$kver" ]; then
	sid_update
	kver=$(resolve "$want")
fi
[ -n "$kver" ] || die "Debian unstable has no kernel '$want' now; it has: $(sid_releases | tr '\n' ' ')"

kdir_top=$cache/kernels/$kver
if [ -f "$kdir_top/.complete" ]; then
	echo "$kdir_top"
	exit 0
fi

pkgs="linux-binary-$kver linux-modules-$kver linux-base-$kver"
mkdir -p "$cache/debs" "$cache/kernels" || die "cannot create $cache"
avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')
[ "${avail:-0}" -gt 2097152 ] ||
	die "less than 2 GiB free under $cache (an unstable kernel and its build tree take about 1 GiB): free some space or set MMT_CACHE"

dl=$(mktemp -d "$cache/debs/.dl.XXXXXX")
stage=$(mktemp -d "$cache/kernels/.stage.XXXXXX")
trap 'rm -rf "$dl" "$stage"' EXIT
say "downloading $kver from Debian unstable: $pkgs (about 125 MB)"
# shellcheck disable=SC2086
if ! (cd "$dl" && apt-get "${apt_opts[@]}" download $pkgs >"$dl/log" 2>&1); then
	sed 's/^/  /' "$dl/log" >&2
	die "cannot download $pkgs from $mirror"
fi
mv "$dl"/*.deb "$cache/debs/"
for p in $pkgs; do
	deb=$(ls "$cache/debs/${p}_"*.deb | sort -V | tail -n 1)
	say "unpacking $(basename "$deb")"
	dpkg -x "$deb" "$stage/root"
done
mods=$stage/root/usr/lib/modules/$kver
[ -f "$mods/vmlinuz" ] && [ -f "$mods/config" ] ||
	die "linux-binary/linux-base of $kver have no usr/lib/modules/$kver/vmlinuz or config"
# modprobe -d and depmod -b look in ROOT/lib/modules.
[ -e "$stage/root/lib" ] || ln -s usr/lib "$stage/root/lib"
command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
depmod -b "$stage/root" "$kver" || die "depmod failed for $kver"

"$top/scripts/make-buildroot.sh" "$stage/buildroot" "$kver" "$mirror" || exit 2

pkgver=$(dpkg-deb -f "$(ls "$cache/debs/linux-binary-${kver}_"*.deb | sort -V | tail -n 1)" Version)
cat >"$stage/kernel.env" <<EOT
KVER=$kver
KPKG_NAME=linux-binary-$kver
KPKG_VERSION=$pkgver
VMLINUZ=$kdir_top/root/usr/lib/modules/$kver/vmlinuz
KDIR=/usr/src/linux-headers-$kver
MODROOT=$kdir_top/root
CONFIG=$kdir_top/root/usr/lib/modules/$kver/config
BUILDROOT=$kdir_top/buildroot
EOT
touch "$stage/.complete"
rm -rf "$kdir_top"
mv "$stage" "$kdir_top"
trap - EXIT
rm -rf "$dl"
say "ready: $kver ($pkgver, from Debian unstable)"
echo "$kdir_top"
