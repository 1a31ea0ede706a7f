#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# catalog-check.sh - what make check asks of the catalog and the config
# fragments, without building a kernel:
#   - every scripts/catalog/*.entry has the keys scripts/catalog/README
#     names, well formed (a suite that exists, a regular expression that
#     compiles, a fix id of 12 hex digits, expect lines that parse);
#   - every scripts/catalog/*.patch applies to Debian's linux-source-6.12;
#   - the config fragments survive make olddefconfig: defconfig +
#     kvm_guest.config + guest.config (+ debug.config) is made in a tree
#     holding only what Kconfig reads, and every option the fragments set
#     must be in the result as set (scripts/kconfig-verify.sh).
# Prints "ok"/"not ok" per item and exits 1 if any failed, 2 on bad input.
#
#   scripts/catalog-check.sh [TARBALL]   (default /usr/src/linux-source-6.12.tar.xz)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cat_dir=$top/scripts/catalog
tarball=${1:-/usr/src/linux-source-6.12.tar.xz}
[ -f "$tarball" ] || { echo "catalog-check: no $tarball (install linux-source-6.12: make deps)" >&2; exit 2; }
for t in flex bison gcc make patch; do
	command -v "$t" >/dev/null || { echo "catalog-check: $t is missing: run 'make deps'" >&2; exit 2; }
done
fails=0 n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1 # $2"; }

# -- entries --
check_entry() {
	local e=$1 name f v why=
	name=$(basename "$e" .entry)
	f() { sed -n "s/^$1:[[:space:]]*//p" "$e"; }
	for k in name title class fix fixed-in affects suite duration smp expect measured; do
		[ -n "$(f "$k")" ] || why="$why missing '$k';"
	done
	for k in name title class fix fixed-in affects suite duration smp match-ktap match-splat needs revert measured; do
		[ "$(f "$k" | wc -l)" -le 1 ] || why="$why '$k' given twice;"
	done
	v=$(grep -vE '^(#|$|(name|title|class|fix|fixed-in|affects|suite|duration|smp|needs|match-ktap|match-splat|revert|expect|measured):)' "$e" | head -n 1)
	[ -z "$v" ] || why="$why unknown line '$v';"
	[ "$(f name)" = "$name" ] || why="$why name '$(f name)' is not the file's ($name);"
	v=$(f fix)
	[[ $v =~ ^[0-9a-f]{12}\ .+ ]] || [[ $v =~ ^none\ \(positive\ control\) ]] ||
		why="$why fix is not '<12 hex digits> <subject>' nor 'none (positive control): ...';"
	v=$(f suite)
	[ -z "$v" ] || [ -f "$top/scripts/suites/$v" ] || why="$why suite '$v' is not in scripts/suites;"
	[[ $(f duration) =~ ^[1-9][0-9]*$ ]] || why="$why duration is not a positive integer;"
	[[ $(f smp) =~ ^[1-9][0-9]*$ ]] || why="$why smp is not a positive integer;"
	[ -n "$(f match-ktap)$(f match-splat)" ] || why="$why neither match-ktap nor match-splat;"
	for k in match-ktap match-splat; do
		v=$(f "$k")
		[ -z "$v" ] && continue
		echo | grep -E -- "$v" >/dev/null 2>&1
		[ $? -le 1 ] || why="$why $k is not a valid regular expression;"
	done
	for v in $(f needs); do
		[[ $v =~ ^CONFIG_[A-Z0-9_]+=(y|m)$ ]] || why="$why needs '$v' is not CONFIG_X=y;"
	done
	v=$(f revert)
	[ -z "$v" ] || [ -f "$cat_dir/$v" ] || why="$why revert '$v' is not in scripts/catalog;"
	while IFS= read -r v; do
		[[ $v =~ ^([A-Z_]+=[^\ ]+\ )+(reproduces|fixed|cannot-test)$ ]] ||
			why="$why expect '$v' is not 'KEY=VALUE... reproduces|fixed|cannot-test';"
		for p in $(printf '%s\n' "$v" | grep -oE 'PATCH=[^ ]+' | cut -d= -f2 | tr , ' '); do
			[ -f "$cat_dir/$p" ] || why="$why expect names a patch '$p' that is not in scripts/catalog;"
		done
	done < <(f expect)
	if [ -z "$why" ]; then ok "catalog_entry_$name"; else nok "catalog_entry_$name" "${why# }"; fi
}
shopt -s nullglob
entries=("$cat_dir"/*.entry)
[ ${#entries[@]} -gt 0 ] || { echo "catalog-check: no entries in $cat_dir" >&2; exit 2; }
for e in "${entries[@]}"; do
	check_entry "$e"
done

# -- one extraction: what Kconfig reads, and the files the patches touch --
# It is kept under $MMT_CACHE/kconfig-trees/KEY (KEY: the tarball's name,
# size and time and the member list), made once and renamed into place
# whole; runs side by side wait for each other. Patches are only tried
# (--dry-run) and the configs are made in folders of this run's own, so
# the tree is never changed.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmt-catalog.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
patches=("$cat_dir"/*.patch)
s=$(tar -tJf "$tarball" 2>/dev/null | head -n 1 | cut -d/ -f1)
[ -n "$s" ] || { echo "catalog-check: cannot read $tarball" >&2; exit 2; }
members=()
for p in "${patches[@]}"; do
	while read -r f; do members+=("$s/$f"); done < <(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p")
done
trees=${MMT_CACHE:-$top/.cache}/kconfig-trees
key=$( { stat -Lc '%n %s %Y' "$tarball"; printf '%s\n' "${members[@]}"; } | sha256sum | cut -c1-16)
mkdir -p "$trees" || { echo "catalog-check: cannot create $trees" >&2; exit 2; }
exec 9>"$trees/.lock"
flock 9 || { echo "catalog-check: cannot lock $trees/.lock" >&2; exit 2; }
if [ ! -f "$trees/$key/.complete" ]; then
	stage=$(mktemp -d "$trees/.stage.XXXXXX") || exit 2
	tar -xJf "$tarball" -C "$stage" --wildcards --no-wildcards-match-slash \
		"$s/Makefile" "$s/scripts" "$s/arch/x86/Makefile*" "$s/arch/x86/configs" \
		"$s/kernel/configs" "$s/include/config" --wildcards-match-slash '*Kconfig*' \
		"${members[@]}" 2>"$tmp/tar.err"
	[ -f "$stage/$s/Makefile" ] || { rm -rf "$stage"; cat "$tmp/tar.err" >&2; echo "catalog-check: cannot extract from $tarball" >&2; exit 2; }
	touch "$stage/.complete"
	rm -rf "${trees:?}/$key"
	mv -T "$stage" "$trees/$key" || exit 2
fi
exec 9>&-
tree=$trees/$key/$s

for p in "${patches[@]}"; do
	if out=$(cd "$tree" && patch -p1 --dry-run --batch --forward <"$p" 2>&1); then
		ok "patch_applies_$(basename "$p" .patch)"
	else
		nok "patch_applies_$(basename "$p" .patch)" "$(printf '%s' "$out" | grep -E 'FAILED|can.t find|Reversed|garbage' | head -n 2 | tr '\n' ' ')"
	fi
done

# defconfig + kvm_guest.config (and the Kconfig tools it builds) is made
# once; each fragment is merged into a copy of it.
frag=$top/scripts/kconfig
base_ok=0
make -s -C "$tree" O="$tmp/obj-base" defconfig kvm_guest.config >"$tmp/base.log" 2>&1 && base_ok=1
for kc in default debug; do
	fr=("$frag/guest.config")
	[ "$kc" = debug ] && fr+=("$frag/debug.config")
	obj=$tmp/obj-$kc
	if ! { [ $base_ok = 1 ] && cp -a "$tmp/obj-base" "$obj" &&
	       "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fr[@]}" &&
	       make -s -C "$tree" O="$obj" olddefconfig; } >"$tmp/$kc.log" 2>&1; then
		nok "kconfig_merges_$kc" "configuring failed: $(grep -hiE 'error|not found' "$tmp/base.log" "$tmp/$kc.log" | head -n 2 | tr '\n' ' ')"
		continue
	fi
	if lost=$("$top/scripts/kconfig-verify.sh" "$obj/.config" "${fr[@]}"); then
		ok "kconfig_merges_$kc ($(grep -c '=y' "$obj/.config") options =y)"
	else
		nok "kconfig_merges_$kc" "olddefconfig dropped: $lost"
	fi
done
echo "# catalog-check: $((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
