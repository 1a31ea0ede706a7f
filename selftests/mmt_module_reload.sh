#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt_module_reload.sh - load/unload, and rmmod while the engines run
# against a live target (after readers hammered debugfs): rmmod must
# succeed, the folder must go away, and the kernel must not gain a taint.
# An open debugfs file pins the module and rmmod then answers EAGAIN by
# design (seen on 6.1): the readers are stopped before rmmod, and while
# the churn's children keep opening "targets" for a moment at a time,
# rmmod is tried again for at most 5 s. What must never block unload is
# the module's own state (threads, targets, probes, references): a leak
# there fails the bound.
. "$(dirname "$0")/mmt_lib.sh"

require_root
require_module_file
CYCLES=${MMT_RELOAD_CYCLES:-3}

was_loaded=0
if module_loaded; then
	was_loaded=1
	unload || { ktap_set_plan 1; ktap_test_fail "unload the loaded module"; ktap_finished; }
fi
taint0=$(cat /proc/sys/kernel/tainted)
bg=

cleanup() {
	[ -n "$bg" ] && kill $bg 2>/dev/null
	wait 2>/dev/null
	module_loaded && unload 2>/dev/null
	[ $was_loaded = 1 ] && insmod "$mmt_module"
}
trap cleanup EXIT

ktap_print_header
ktap_set_plan $((CYCLES * 2 + 1))

i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	if insmod "$mmt_module" && [ -r "$MMT_DEBUGFS/$MMT_FILE_STATUS" ]; then
		ktap_test_pass "load $i"
	else
		notktap_test_pass "load $i"
		continue
	fi
	bg=
	MMT_NO_AUTOLOAD=1 "$here/mmt_target_churn" --duration 30 --engines "$MMT_ENGINE_LAZYTLB,$MMT_ENGINE_VMA" \
		--seed "$MMT_SEED" >/dev/null 2>&1 &
	bg="$bg $!"
	( while :; do cat "$MMT_DEBUGFS/$MMT_FILE_STATUS" "$MMT_DEBUGFS"/*/"$MMT_FILE_STATS"; done ) \
		>/dev/null 2>&1 &
	readers=$!
	sleep 2
	kill $readers
	wait $readers 2>/dev/null
	tries=0
	while [ $tries -lt 50 ]; do
		tries=$((tries + 1))
		unload 2>/dev/null && break
		sleep 0.1
	done
	if ! module_loaded && [ ! -e "$MMT_DEBUGFS" ]; then
		ktap_test_pass "rmmod under load $i # $tries attempt(s)"
	else
		ktap_test_fail "rmmod under load $i # still loaded after $tries attempts"
	fi
	kill $bg 2>/dev/null
	wait 2>/dev/null
	bg=
done

taint1=$(cat /proc/sys/kernel/tainted)
# O (4096) and E (8192) are our module's own.
new=$(( (taint1 & ~taint0) & ~12288 ))
if [ "$new" = 0 ]; then
	ktap_test_pass "no new taint"
else
	ktap_test_fail "no new taint # new bits $new"
fi
# Passes iff every planned test passed (a cycle whose load failed has one
# result, not two, and fails the count too).
ktap_finished
