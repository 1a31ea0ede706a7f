#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install-deps.sh - install what mmtorture needs from Debian's archive, and
# only what is missing. Run as root (make run / make check call it).
set -euo pipefail

pkgs=(
	gcc make libc6-dev bc kmod libelf-dev pahole perl rsync	# kbuild, checkpatch, kselftest
	debootstrap						# build root for unstable kernels (7.x)
	qemu-system-x86 busybox-static cpio e2fsprogs		# the VM
	xz-utils zstd jq					# modules, results
	fio stress-ng						# workloads
	flex bison libssl-dev ccache patch			# kernels from source (make kernel, catalog checks)
	gnuplot-nox chromium python3-jsonschema			# campaign plots, HTML and KCIDB checks
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}; run as root or install them with apt-get" >&2
	exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
	apt-get update -q >&2 || true
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || {
		echo "install-deps: cannot install ${missing[*]} from Debian's archive: check the network and /etc/apt/sources.list.d" >&2
		exit 2
	}
fi
