#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# callgraph.sh - the file-level call graph of mmtorture.ko's sources, and
# whether it has a cycle.
#
#   scripts/callgraph.sh OBJDIR [SRCDIR]
#
# OBJDIR holds the built objects of the module (a kbuild M= folder); each
# SRCDIR/*.c (default module/) is a node, FILE.o its object. An edge A -> B
# means A.o refers to (nm: U) a symbol that B.o defines (nm: T, D, B, R
# and their kin, global only): a call, or data such as an engine's struct
# mmt_engine. Calls through function pointers (the engines' hooks) are no
# edge, which is the point of them. Prints the edges, then "acyclic" and
# the files in call order (callers first), or the cycle; exit 0 if
# acyclic, 1 if not, 2 on bad input.
set -euo pipefail

die() { echo "callgraph: $*" >&2; exit 2; }
objdir=${1:?usage: callgraph.sh OBJDIR [SRCDIR]}
srcdir=${2:-$(cd "$(dirname "$0")/.." && pwd)/module}
command -v nm >/dev/null || die "needs nm (binutils)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/callgraph.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

nodes=()
for c in "$srcdir"/*.c; do
	case $c in *.mod.c) continue ;; esac	# modpost's, not ours
	f=$(basename "$c" .c)
	[ -f "$objdir/$f.o" ] || die "no $objdir/$f.o for $c: build the module first"
	nodes+=("$f")
	nm "$objdir/$f.o" | awk -v f="$f" '$2 ~ /^[TDBRGSVW]$/ { print $3, f }' >>"$tmp/defs"
	nm "$objdir/$f.o" | awk -v f="$f" '$1 == "U" { print $2, f }' >>"$tmp/uses"
done
[ ${#nodes[@]} -gt 1 ] || die "fewer than two sources in $srcdir"
# Edges: user -> definer, for symbols defined in one of our objects.
sort -k1,1 "$tmp/defs" >"$tmp/defs.s"
sort -k1,1 "$tmp/uses" >"$tmp/uses.s"
join "$tmp/uses.s" "$tmp/defs.s" | awk '$2 != $3 { print $2, $3 }' | sort -u >"$tmp/edges"
awk '{ e[$1 " -> " $2]++ } END { for (k in e) print k }' "$tmp/edges" | sort |
	sed 's/^/edge: /'
# Depth-first search; the first back edge found closes a cycle.
awk -v nodes="${nodes[*]}" '
	{ out[$1] = out[$1] " " $2 }
	function visit(n,    i, j, k, m, succ) {
		state[n] = 1
		path[++depth] = n
		k = split(out[n], succ, " ")
		for (i = 1; i <= k; i++) {
			m = succ[i]
			if (state[m] == 1) {
				cyc = m
				for (j = depth; path[j] != m; j--)
					cyc = path[j] " -> " cyc
				cyc = m " -> " cyc
				return 1
			}
			if (!state[m] && visit(m))
				return 1
		}
		state[n] = 2
		order = n " " order
		depth--
		return 0
	}
	END {
		k = split(nodes, all, " ")
		for (i = 1; i <= k; i++)
			if (!state[all[i]] && visit(all[i])) {
				print "cycle: " cyc
				exit 1
			}
		sub(/ $/, "", order)
		print "acyclic: " order
	}' "$tmp/edges"
