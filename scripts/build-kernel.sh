#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh - build a guest kernel from source, once per (source,
# config, patches), and print the folder that holds its kernel.env (the
# same keys as fetch-kernel.sh's: KVER, KPKG_NAME, KPKG_VERSION, VMLINUZ,
# KDIR, MODROOT, CONFIG, plus SRC_ID, CONFIG_SHA256, PATCHES, BUILD_LOG).
#
#   scripts/build-kernel.sh [KSRC=6.12|7.2|/path] [KCONFIG=default|debug]
#                           [PATCH=a.patch[,b.patch...]] [JOBS=N]
#
#   KSRC     6.12 (default): Debian's linux-source-6.12 package; 7.2:
#            Debian unstable's linux-source-7.2; a path: your kernel tree
#            (clean: no in-tree build; built out of tree with O=)
#   KCONFIG  default: x86_64 defconfig + kvm_guest.config +
#            scripts/kconfig/guest.config; debug: also
#            scripts/kconfig/debug.config (KASAN, lockdep, DEBUG_VM, ...)
#   PATCH    patches applied with patch -p1, in order, to a private copy
#            of the source (a path is relative to the current folder, or
#            a name under scripts/catalog/)
#
# Builds live in $MMT_CACHE/kbuild/KEY (KEY: hash of the source's
# identity, the config fragments and the patches); a finished one is
# marked .complete and is taken as it is by the next run. With a tree of
# your own the build folder is kept per (tree, config, patches) and is
# rebuilt incrementally when the tree changed (git HEAD and diff, or the
# file listing), which is what a bisection needs. ccache (under
# $MMT_CACHE/ccache) makes rebuilds after a small patch take minutes.
# The build's log is BUILD_LOG; progress goes to stderr.
#
# Exit status: 0 built (or cached), 2 cannot build: bad input, a patch
# that does not apply (the hunk is named), a failed build (the log's end
# is shown), too little disk. A failed build is never marked complete.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MMT_CACHE:-$top/.cache}
die() { echo "build-kernel: $*" >&2; exit 2; }
say() { echo "build-kernel: $*" >&2; }

KSRC=6.12 KCONFIG=default PATCH= JOBS=$(nproc)
for kv in "$@"; do
	key=${kv%%=*}
	[ "$key" != "$kv" ] || die "arguments are KEY=VALUE, not '$kv'"
	case $key in
	KSRC|KCONFIG|PATCH|JOBS) printf -v "$key" '%s' "${kv#*=}" ;;
	*) die "unknown option '$key': known options are KSRC KCONFIG PATCH JOBS" ;;
	esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, not '$JOBS'"

frags=("$top/scripts/kconfig/guest.config")
case $KCONFIG in
default) ;;
debug) frags+=("$top/scripts/kconfig/debug.config") ;;
*) die "unknown KCONFIG '$KCONFIG': use default or debug" ;;
esac

# Patches: each must exist; its content is part of the cache key.
patches=()
if [ -n "$PATCH" ]; then
	IFS=, read -r -a plist <<<"$PATCH"
	for p in "${plist[@]}"; do
		[ -n "$p" ] || die "PATCH has an empty entry: '$PATCH'"
		if [ -f "$p" ]; then
			patches+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
		elif [ -f "$top/scripts/catalog/$p" ]; then
			patches+=("$top/scripts/catalog/$p")
		else
			die "PATCH $p: no such file (nor scripts/catalog/$p)"
		fi
	done
fi

for tool in flex bison bc make gcc perl; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'make deps' (as root) first"
done
[ -f /usr/include/openssl/ssl.h ] && [ -f /usr/include/libelf.h ] ||
	die "libssl-dev or libelf-dev is missing: run 'make deps' (as root) first"

mkdir -p "$cache/src" "$cache/kbuild" "$cache/ccache" || die "cannot create folders under $cache"
need_kb=$((12 * 1024 * 1024))
[ ${#patches[@]} -eq 0 ] || need_kb=$((need_kb + 2 * 1024 * 1024))
avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')

# The source: a Debian package's tarball, extracted once, or the user's.
# src_id names it for the cache key and for the results.
if [[ $KSRC = */* ]]; then
	[ -d "$KSRC" ] || die "KSRC=$KSRC: no such folder"
	src=$(cd "$KSRC" && pwd)
	[ -f "$src/Makefile" ] && [ -d "$src/mm" ] && [ -f "$src/arch/x86/configs/x86_64_defconfig" ] &&
		grep -q '^VERSION = ' "$src/Makefile" ||
		die "KSRC=$KSRC is not a kernel source tree (no Makefile with VERSION, mm/, arch/x86/configs/x86_64_defconfig)"
	[ ! -f "$src/.config" ] && [ ! -f "$src/include/config/auto.conf" ] ||
		die "KSRC=$KSRC has an in-tree build (.config): run 'make mrproper' there; builds go out of tree"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		src_id="$(git -C "$src" describe --always --tags 2>/dev/null || git -C "$src" rev-parse HEAD)"
		dirty=$( { git -C "$src" diff HEAD; git -C "$src" status --porcelain --untracked-files=no; } | sha256sum | cut -c1-12)
		git -C "$src" diff --quiet HEAD 2>/dev/null || src_id="$src_id-dirty-$dirty"
		src_print=$(git -C "$src" rev-parse HEAD)-$dirty
	else
		src_id="tree $src"
		src_print=$( (cd "$src" && find . -path ./.git -prune -o -type f -printf '%P %s %T@\n' | LC_ALL=C sort) | sha256sum | cut -c1-16)
	fi
	pristine=$src
	user_tree=1
else
	case $KSRC in
	6.12) tarball=/usr/src/linux-source-6.12.tar.xz pkg=linux-source-6.12 ;;
	7.2) tarball=$("$top/scripts/fetch-kernel-unstable.sh" --source 7.2 | tail -n 1) || exit 2
	     pkg=linux-source-7.2 ;;
	*) die "unknown KSRC '$KSRC': use 6.12 or 7.2 (Debian's linux-source packages) or a path to a kernel tree" ;;
	esac
	if [ ! -f "$tarball" ]; then
		say "installing Debian's $pkg"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2 ||
			die "cannot install $pkg from Debian's archive; set KSRC=/path/to/linux instead"
	fi
	pkgver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	# Unstable's source is unpacked under src-debs/PKG_VERSION/, not installed.
	[[ $tarball != */src-debs/* ]] || pkgver=$(basename "$(dirname "$(dirname "$(dirname "$tarball")")")" | sed "s/^${pkg}_//")
	[ -n "$pkgver" ] || pkgver=$(sha256sum "$tarball" | cut -c1-16)
	src_id="$pkg $pkgver"
	src_print=$src_id
	pristine=$cache/src/$pkg-$pkgver
	if [ ! -f "$pristine/.complete" ]; then
		[ "${avail:-0}" -gt $((need_kb + 2 * 1024 * 1024)) ] ||
			die "less than $(( (need_kb + 2097152) / 1048576 )) GiB free under $cache: a kernel source and its build need about that; free some space or set MMT_CACHE"
		say "extracting $tarball into $pristine (about a minute)"
		stage=$(mktemp -d "$cache/src/.stage.XXXXXX")
		tar -xf "$tarball" -C "$stage" || { rm -rf "$stage"; die "cannot extract $tarball"; }
		inner=$(find "$stage" -mindepth 1 -maxdepth 1 -type d | head -n 1)
		[ -f "$inner/Makefile" ] || { rm -rf "$stage"; die "$tarball holds no kernel tree"; }
		rm -rf "$pristine"
		mv "$inner" "$pristine" && rm -rf "$stage"
		touch "$pristine/.complete"
	fi
	user_tree=0
fi

conf_sha=$(cat "${frags[@]}" | sha256sum | cut -c1-16)
patch_ids=()
for p in "${patches[@]}"; do
	patch_ids+=("$(basename "$p"):$(sha256sum "$p" | cut -c1-64)")
done
if [ "$user_tree" = 1 ]; then
	key=$(printf '%s\n' "tree $src" "$conf_sha" "${patch_ids[@]}" | sha256sum | cut -c1-16)
else
	key=$(printf '%s\n' "$src_id" "$conf_sha" "${patch_ids[@]}" | sha256sum | cut -c1-16)
fi
kb=$cache/kbuild/$KCONFIG-$key
mkdir -p "$kb"
exec 8>"$kb.lock"
flock 8 || die "cannot lock $kb.lock"

if [ -f "$kb/.complete" ] && [ "$(cat "$kb/.source" 2>/dev/null)" = "$src_print" ]; then
	say "kernel from the build cache ($kb)"
	echo "$kb"
	exit 0
fi
rm -f "$kb/.complete"
[ "${avail:-0}" -gt "$need_kb" ] ||
	die "less than $((need_kb / 1048576)) GiB free under $cache: a kernel build needs about that; free some space or set MMT_CACHE"

# A patched build gets a private copy of the source; an unpatched one
# builds out of tree from the pristine source. The copy is built where
# the pristine source is, bind-mounted over it in a private mount
# namespace (nobody else sees it), so that every command line and path
# is the unpatched build's: ccache then compiles only what the patches
# changed. $obj/.mmt-src-bind tells build-module.sh to do the same.
srcdir=$pristine
if [ ${#patches[@]} -gt 0 ]; then
	srcdir=$kb/src
	say "copying the source to $srcdir for the patches"
	rm -rf "$srcdir"
	mkdir -p "$srcdir"
	(cd "$pristine" && tar --exclude=./.git --exclude=./.complete -cf - .) | (cd "$srcdir" && tar -xf -) ||
		die "cannot copy $pristine to $srcdir"
	for p in "${patches[@]}"; do
		if ! out=$(cd "$srcdir" && patch -p1 --dry-run --batch --forward <"$p" 2>&1); then
			rm -rf "$srcdir"
			hunk=$(printf '%s\n' "$out" | grep -E 'FAILED|can.t find file|Reversed|malformed|Only garbage' | head -n 3 | tr '\n' ';')
			die "$(basename "$p") does not apply to $src_id: ${hunk:-$(printf '%s' "$out" | tail -n 1)}"
		fi
		(cd "$srcdir" && patch -p1 --batch --forward --quiet <"$p") ||
			die "$(basename "$p") failed to apply to $srcdir"
		say "applied $(basename "$p")"
	done
fi

obj=$kb/build
log=$kb/build.log
mkdir -p "$obj"
: >"$log"
rm -f "$obj/.mmt-src-bind"
[ "$srcdir" = "$pristine" ] || printf '%s\n%s\n' "$srcdir" "$pristine" >"$obj/.mmt-src-bind"
export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$pristine CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
kmake() {
	if [ "$srcdir" = "$pristine" ]; then
		make -C "$pristine" O="$obj" CC="$cc" HOSTCC=gcc "$@"
	else
		# shellcheck disable=SC2016
		unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec make "$@"' \
			sh "$srcdir" "$pristine" -C "$pristine" O="$obj" CC="$cc" HOSTCC=gcc "$@"
	fi
}

say "configuring ($KCONFIG: defconfig kvm_guest.config $(for f in "${frags[@]}"; do printf '%s ' "$(basename "$f")"; done))"
{
	kmake defconfig kvm_guest.config &&
		"$pristine/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" &&
	kmake olddefconfig
} >>"$log" 2>&1 || { tail -n 20 "$log" | sed 's/^/  /' >&2; die "configuring failed (log: $log)"; }

# Every option a fragment sets must be in the final .config as set.
missing=$("$top/scripts/kconfig-verify.sh" "$obj/.config" "${frags[@]}") ||
	die "make olddefconfig dropped options the fragments set: $missing"

kver=$(kmake -s kernelrelease 2>/dev/null | tail -n 1)
[ -n "$kver" ] || die "cannot read the kernel release of $srcdir"
say "building $kver with $JOBS jobs ($cc; log: $log)"
start=$(date +%s)
# Progress: a line every 30 s with the objects compiled so far.
kmake -j"$JOBS" all >>"$log" 2>&1 &
mpid=$!
while kill -0 "$mpid" 2>/dev/null; do
	sleep 30
	kill -0 "$mpid" 2>/dev/null || break
	say "  $(( $(date +%s) - start )) s: $(grep -c '^  CC ' "$log" || true) objects compiled, last: $(grep -E '^  (CC|LD|AR)' "$log" | tail -n 1 | sed 's/^ *//')"
done
if ! wait "$mpid"; then
	grep -E 'error|Error' "$log" | head -n 5 | sed 's/^/  /' >&2
	tail -n 5 "$log" | sed 's/^/  /' >&2
	die "the build of $kver failed after $(( $(date +%s) - start )) s (log: $log)"
fi
secs=$(( $(date +%s) - start ))
[ -f "$obj/arch/x86/boot/bzImage" ] && [ -f "$obj/Module.symvers" ] ||
	die "the build of $kver left no bzImage or Module.symvers (log: $log)"
say "built $kver in $secs s"

cat >"$kb/kernel.env" <<EOF
KVER=$kver
KPKG_NAME=source
KPKG_VERSION='$src_id KCONFIG=$KCONFIG$([ -z "$PATCH" ] || printf ' PATCH=%s' "$PATCH")'
VMLINUZ=$obj/arch/x86/boot/bzImage
KDIR=$obj
MODROOT=
CONFIG=$obj/.config
SRC_ID='$src_id'
KCONFIG=$KCONFIG
CONFIG_SHA256=$(sha256sum "$obj/.config" | cut -c1-64)
PATCHES='${patch_ids[*]}'
BUILD_LOG=$log
BUILD_SECONDS=$secs
EOF
printf '%s\n' "$src_print" >"$kb/.source"
touch "$kb/.complete"
echo "$kb"
