# SPDX-License-Identifier: GPL-2.0
#
# checks.sh - sourced by check.sh (make check) and check-kernels.sh: one
# line per check, "ok N name  # Ts" or "not ok N name  # exit R after Ts"
# followed by the end of its log, and the counts for the closing
# "N passed, M failed" line.
# The caller sets $work (each check's output goes to $work/log.N) and may
# set CHECK_ONLY (regex: checks whose names do not match are not run) and
# check_tail (lines of a failed check's log shown, default 40).

n=0
passed=0
failed=0

# report ID NAME RC SECONDS NOTE: one check's line; a failure shows the end
# of its log ($work/log.ID).
report() {
	if [ "$3" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $1 $2  # $4s$5"
	else
		failed=$((failed + 1))
		echo "not ok $1 $2  # exit $3 after $4s$5"
		tail -n "${check_tail:-40}" "$work/log.$1" | sed 's/^/#   /'
	fi
}

# check NAME COMMAND...: one check, its output kept and shown on failure.
check() {
	local name=$1 t0 rc
	shift
	if [ -n "${CHECK_ONLY:-}" ] && ! [[ $name =~ $CHECK_ONLY ]]; then
		return 0
	fi
	n=$((n + 1))
	t0=$(date +%s)
	"$@" >"$work/log.$n" 2>&1
	rc=$?
	report "$n" "$name" "$rc" "$(( $(date +%s) - t0 ))" ""
}

# check_bg NAME COMMAND...: as check, run in the background beside the
# checks that follow until check_join; for checks that use one host core
# (single-threaded TCG guests), so that two of them share the machine's two.
# Each has its own results folder. check_join reports them in start order.
bg=()
check_bg() {
	local name=$1 id
	shift
	if [ -n "${CHECK_ONLY:-}" ] && ! [[ $name =~ $CHECK_ONLY ]]; then
		return 0
	fi
	n=$((n + 1))
	id=$n
	(
		results=$work/results.$id
		"$@"
		rc=$?
		date +%s >"$work/end.$id"
		exit $rc
	) >"$work/log.$id" 2>&1 &
	bg+=("$!:$id:$(date +%s):$name")
}
check_join() {
	local job pid id t0 name rc
	for job in "${bg[@]}"; do
		IFS=: read -r pid id t0 name <<<"$job"
		wait "$pid"
		rc=$?
		report "$id" "$name" "$rc" \
			"$(( $(cat "$work/end.$id" 2>/dev/null || date +%s) - t0 ))" " (in parallel)"
	done
	bg=()
}

# result RC NAME [WHY]: the line of a test whose outcome is already known
# (the unit tests under scripts/tests/ that source this file).
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2${3:+ # $3}"
	fi
}

# checks_summary: the closing line; status 0 iff no check failed.
checks_summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}
