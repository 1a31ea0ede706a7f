#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_workload_killed.sh - a workload killed mid-run leaves nothing behind.
# racewrite registers its file and mapping and arms every engine; it is
# SIGKILLed while the engines race it. Within 2 s the module must have
# dropped its targets (the owner's address space is gone) and stopped
# every engine that racewrite armed, tlbdelay's probes included.
# Needs the module loaded (the VM runner loads it; on a test box, insmod
# it first or let mmt_lib.sh's MMT_MODULE be loaded by hand).
. "$(dirname "$0")/mmt_lib.sh"

require_root
[ -d "$MMT_DEBUGFS" ] || skip_all "the mmtorture module is not loaded ($MMT_DEBUGFS missing)"
[ -x "$here/racewrite" ] || skip_all "no $here/racewrite"
dir=$(scratch_dir)

echo "TAP version 13"
echo "1..2"
out=$(mktemp)
"$here/racewrite" --dir "$dir" --duration 120 --seed "$MMT_SEED" \
	--engines tlbdelay,mkclean,vma,lazytlb >"$out" 2>&1 &
pid=$!

# armed: racewrite has targets and every engine is on.
armed() {
	grep -q '^engines: mkclean=on vma=on tlbdelay=on lazytlb=on' "$MMT_DEBUGFS/status" &&
		! grep -q '^targets: 0$' "$MMT_DEBUGFS/status"
}
i=0
while ! armed && [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if ! armed; then
	echo "# racewrite did not arm the engines within 10 s:"
	sed 's/^/# /' "$out" "$MMT_DEBUGFS/status"
	kill -9 $pid 2>/dev/null
	echo "not ok 1 workload_armed"
	echo "not ok 2 nothing_left_after_kill # SKIP not armed"
	exit $KSFT_FAIL
fi
echo "ok 1 workload_armed"
sleep 2
delays=$(sed -n 's/^delays: //p' "$MMT_DEBUGFS/tlbdelay/stats")
kill -9 $pid
wait $pid 2>/dev/null
t0=$(date +%s)

# clean: no target left and every engine off.
clean() {
	grep -q '^targets: 0$' "$MMT_DEBUGFS/status" &&
		grep -q '^engines: mkclean=off vma=off tlbdelay=off lazytlb=off' "$MMT_DEBUGFS/status"
}
i=0
while ! clean && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "# after SIGKILL ($((i * 100)) ms; tlbdelay delays before the kill: ${delays:-?}):"
sed 's/^/# /' "$MMT_DEBUGFS/status"
grep '^site:' "$MMT_DEBUGFS/tlbdelay/stats" | sed 's/^/# /'
rm -f "$out"
if clean && ! grep -q 'state=armed' "$MMT_DEBUGFS/tlbdelay/stats"; then
	echo "ok 2 nothing_left_after_kill"
	exit $KSFT_PASS
fi
echo "not ok 2 nothing_left_after_kill # targets or armed engines left $(( $(date +%s) - t0 ))s after the kill"
exit $KSFT_FAIL
