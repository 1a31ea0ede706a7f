#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - the kernel-specific base of the guest's initramfs:
# static busybox and the modules an ext4 scratch disk on virtio-blk needs,
# decompressed, with /lib/modules/load-order giving the insmod order.
#
#   scripts/mkinitramfs.sh MODROOT KVER OUT.cpio
#
# MODROOT holds lib/modules/KVER (a Debian image unpacked by fetch-kernel.sh,
# or INSTALL_MOD_PATH of your own build). Modules built into the kernel are
# simply not needed. The per-run part (init, runner, tests) is a second
# archive the VM runner appends.
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 2; }
[ $# -eq 3 ] || die "usage: mkinitramfs.sh MODROOT KVER OUT.cpio"
modroot=$1 kver=$2 out=$3

busybox=$(command -v busybox || true)
[ -n "$busybox" ] && "$busybox" --list >/dev/null 2>&1 || die "no busybox (apt-get install busybox-static)"
file_out=$(LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -c 'INTERP' || true)
[ "$file_out" = 0 ] || die "$busybox is not static: install busybox-static"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/dev"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

want="virtio_pci virtio_blk crc32c_generic crc32c-intel ext4"
: >"$stage/lib/modules/load-order"
if [ -d "$modroot/lib/modules/$kver" ]; then
	PATH=$PATH:/sbin:/usr/sbin
	for m in $want; do
		modprobe -d "$modroot" -S "$kver" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$stage/order"
	while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$ko" >"$stage/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" >"$stage/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*.gz) gzip -dc "$ko" >"$stage/lib/modules/${name%.gz}"; name=${name%.gz} ;;
		*) cp "$ko" "$stage/lib/modules/$name" ;;
		esac
		echo "$name" >>"$stage/lib/modules/load-order"
	done <"$stage/order"
	rm -f "$stage/order"
fi
grep -q '^ext4' "$stage/lib/modules/load-order" ||
	echo "mkinitramfs: no ext4 module for $kver under $modroot: fine if ext4 is built in" >&2

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
