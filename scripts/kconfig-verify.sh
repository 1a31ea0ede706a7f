#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kconfig-verify.sh CONFIG FRAGMENT... - every option a fragment sets
# ("CONFIG_X=v" or "# CONFIG_X is not set") must be in CONFIG as set.
# Prints the options that are not, as "CONFIG_X (wanted v, got w)", and
# exits 1 if any; 0 if all are kept; 2 on bad input.
set -uo pipefail

[ $# -ge 2 ] || { echo "usage: kconfig-verify.sh CONFIG FRAGMENT..." >&2; exit 2; }
config=$1
shift
[ -f "$config" ] || { echo "kconfig-verify: no such config: $config" >&2; exit 2; }
bad=0
for frag in "$@"; do
	[ -f "$frag" ] || { echo "kconfig-verify: no such fragment: $frag" >&2; exit 2; }
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			opt=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			opt=${BASH_REMATCH[1]} want=n
		else
			continue
		fi
		got=$(sed -n "s/^$opt=//p" "$config" | tail -n 1)
		[ -n "$got" ] || got=n
		if [ "$got" != "$want" ]; then
			printf '%s (wanted %s, got %s) ' "$opt" "$want" "$got"
			bad=1
		fi
	done <"$frag"
done
[ "$bad" = 0 ] || { echo; exit 1; }
exit 0
