#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# selfcheck.sh BINDIR - quick host self-test of the workloads (make check).
#
# Short clean runs on tmpfs and, as root, on a loop-mounted ext4 image in
# /tmp must pass; every --selfcheck mode must be reported as a detected
# loss at the injected offset with the expected class; bad input must give
# the documented exit code with one line on stderr.  Prints "ok N what" /
# "not ok N what" (a skipped case is "ok N what # SKIP why") and ends with
# exactly "P passed, F failed"; exits 0 iff F is 0.

set -u

BIN=${1:?usage: selfcheck.sh BINDIR}
# The module's names (its debugfs folder): the contract's shell copy.
. "$(cd "$(dirname "$0")/.." && pwd)/selftests/mmt_uapi.sh"
RW=$BIN/racewrite
DS=$BIN/dontneed-storm
VP=$BIN/vma-prot
VF=$BIN/vma-fork
VM=$BIN/vma-move
SEED=${SELFCHECK_SEED:-1001}

n=0
passed=0
failed=0
mounts=""
shmdir=""
tmp=$(mktemp -d /tmp/mmt-selfcheck.XXXXXX) || exit 1

cleanup() {
	for m in $mounts; do
		umount "$m" 2>/dev/null
	done
	rm -rf "$tmp" ${shmdir:+"$shmdir"}
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n $1"
}

skip() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n $1 # SKIP $2"
}

# not_ok WHAT WHY [OUTPUT-FILE]
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	echo "# $2"
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		tail -n 15 "$3" | sed 's/^/#   /'
	fi
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# run NAME CMD...: run with stdout in $tmp/NAME.out, stderr in .err;
# sets $rc and $out.
run() {
	name=$1
	shift
	out=$tmp/$name.out
	"$@" >"$out" 2>"$tmp/$name.err"
	rc=$?
}

setup_tmpfs() {
	tmpfs=$tmp/tmpfs
	mkdir -p "$tmpfs"
	if is_root; then
		mount -t tmpfs -o size=64m mmt-selfcheck "$tmpfs" || return 1
		mounts="$tmpfs $mounts"
		return 0
	fi
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] || return 1
	shmdir=$(mktemp -d /dev/shm/mmt-selfcheck.XXXXXX) || return 1
	tmpfs=$shmdir
}

setup_ext4() {
	is_root || { ext4_why="not root"; return 1; }
	command -v mkfs.ext4 >/dev/null || { ext4_why="no mkfs.ext4"; return 1; }
	ext4=$tmp/ext4
	mkdir -p "$ext4"
	truncate -s 128M "$tmp/ext4.img" &&
		mkfs.ext4 -q -F "$tmp/ext4.img" &&
		mount -o loop "$tmp/ext4.img" "$ext4" ||
		{ ext4_why="mkfs.ext4/loop mount failed"; return 1; }
	mounts="$ext4 $mounts"
}

# expect_clean WHAT NAME CMD...: exit 0, no "not ok", at least one "ok".
expect_clean() {
	what=$1
	shift
	run "$@"
	if [ "$rc" -ne 0 ]; then
		not_ok "$what" "exit $rc, expected 0" "$out"
	elif grep -q '^not ok' "$out" || ! grep -q '^ok ' "$out"; then
		not_ok "$what" "KTAP results are not all ok" "$out"
	else
		ok "$what"
	fi
}

# expect_detected WHAT CLASS NAME CMD...: exit 1, and the first report
# names the injected offset with CLASS.
expect_detected() {
	what=$1
	class=$2
	shift 2
	run "$@"
	inj=$(sed -n 's/^# selfcheck: injected offset=\([0-9]*\) .*/\1/p' "$out" | head -n 1)
	rep=$(grep -m 1 -E '^# (lost write|bad block): offset=' "$out")
	rep_off=$(echo "$rep" | sed -n 's/^# [a-z ]*: offset=\([0-9]*\) .*/\1/p')
	rep_class=$(echo "$rep" | sed -n 's/.* class=\([a-z]*\) .*/\1/p')
	if [ "$rc" -ne 1 ]; then
		not_ok "$what" "exit $rc, expected 1" "$out"
	elif [ -z "$inj" ]; then
		not_ok "$what" "nothing injected" "$out"
	elif [ -z "$rep_off" ]; then
		not_ok "$what" "injected offset=$inj but no loss reported" "$out"
	elif [ "$inj" != "$rep_off" ] || [ "$rep_class" != "$class" ]; then
		not_ok "$what" "injected offset=$inj class=$class, reported offset=$rep_off class=$rep_class" "$out"
	else
		ok "$what (offset=$inj class=$class)"
	fi
}

# expect_violation WHAT KIND NAME CMD...: exit 0 (a positive control that
# passed) and a "# protection violation: kind=KIND" report.
expect_violation() {
	what=$1
	kind=$2
	shift 2
	run "$@"
	if [ "$rc" -ne 0 ]; then
		not_ok "$what" "exit $rc, expected 0" "$out"
	elif ! grep -qE "^# (protection|move) violation: kind=$kind " "$out"; then
		not_ok "$what" "no kind=$kind violation reported" "$out"
	else
		ok "$what (kind=$kind)"
	fi
}

# vma-prot: mprotect vs stores, each mapping, whole and split; both
# positive controls; bad input.
vma_prot_runs() {
	dir=$1
	for m in anon shmem file; do
		d=""
		[ $m = file ] && d="--dir $dir"
		# shellcheck disable=SC2086
		expect_clean "vma-prot --mapping $m" vp-$m \
			"$VP" --mapping $m $d --duration 1 --seed "$SEED"
		# shellcheck disable=SC2086
		expect_clean "vma-prot --mapping $m --split" vp-$m-split \
			"$VP" --mapping $m $d --split --duration 1 --seed "$SEED"
	done
	expect_violation "vma-prot --selfcheck skip-mprotect is caught" \
		store-after-readonly vp-skip "$VP" --duration 5 --seed "$SEED" \
		--selfcheck skip-mprotect --expect violation
	expect_violation "vma-prot --selfcheck wide-mprotect is caught" \
		fault-outside-range vp-wide "$VP" --duration 5 --seed "$SEED" \
		--split --selfcheck wide-mprotect --expect violation
	expect_exit "vma-prot --expect violation without a selfcheck mode" 2 \
		vp-bad-expect "$VP" --expect violation
	expect_exit "vma-prot --mapping file without --dir" 2 vp-bad-dir \
		"$VP" --mapping file
	expect_exit "vma-prot --engines vma" 2 vp-bad-engine \
		"$VP" --engines vma
	expect_exit "vma-prot --selfcheck module without --engines vma" 2 \
		vp-bad-module "$VP" --mapping shmem --selfcheck module --expect violation
}

# vma-move: mremap moves vs stores, each mapping; both positive controls;
# bad input.
vma_move_runs() {
	dir=$1
	for m in anon shmem file; do
		d=""
		[ $m = file ] && d="--dir $dir"
		# shellcheck disable=SC2086
		expect_clean "vma-move --mapping $m" vm-$m \
			"$VM" --mapping $m $d --duration 1 --seed "$SEED"
	done
	expect_violation "vma-move --selfcheck copy-move is caught" \
		lost-store vm-copy "$VM" --duration 5 --seed "$SEED" \
		--selfcheck copy-move --expect violation
	expect_violation "vma-move --selfcheck keep-old is caught" \
		old-range-readable vm-keep "$VM" --duration 5 --seed "$SEED" \
		--selfcheck keep-old --expect violation
	expect_violation "vma-move --selfcheck keep-cut is caught" \
		shrunk-range-readable vm-cut "$VM" --duration 5 --seed "$SEED" \
		--ops resize --selfcheck keep-cut --expect violation
	expect_clean "vma-move --ops resize (anon: regrown pages are fresh)" vm-resize \
		"$VM" --ops resize --duration 1 --seed "$SEED"
	expect_exit "vma-move --selfcheck keep-cut with --ops move" 2 vm-bad-cut \
		"$VM" --selfcheck keep-cut --expect violation
	expect_exit "vma-move --ops bogus" 2 vm-bad-ops "$VM" --ops bogus
	expect_exit "vma-move --selfcheck copy-move without --expect violation" 2 \
		vm-bad-expect "$VM" --selfcheck copy-move
	expect_exit "vma-move --engines vma" 2 vm-bad-engine "$VM" --engines vma
	expect_exit "vma-move --pages 0" 2 vm-bad-pages "$VM" --pages 0
}

# vma-fork: a clean run, its positive control, bad input.
vma_fork_runs() {
	expect_clean "vma-fork" vf "$VF" --duration 2 --seed "$SEED"
	run vf-shared "$VF" --duration 5 --seed "$SEED" --selfcheck shared-arena \
		--expect violation
	if [ "$rc" -ne 0 ] || ! grep -q '^# fork violation: kind=' "$out"; then
		not_ok "vma-fork --selfcheck shared-arena is caught" "exit $rc, no violation line" "$out"
	else
		ok "vma-fork --selfcheck shared-arena is caught ($(grep -m1 -o 'kind=[a-z-]*' "$out"))"
	fi
	expect_exit "vma-fork --expect violation without --selfcheck" 2 vf-bad-expect \
		"$VF" --expect violation
	expect_exit "vma-fork --engines vma" 2 vf-bad-engine "$VF" --engines vma
}

# expect_timeout WHAT NAME CMD...: the watchdog ends the run within 5s.
expect_timeout() {
	what=$1
	shift
	t0=$(date +%s)
	run "$@"
	t=$(($(date +%s) - t0))
	if [ "$rc" -ne 1 ] || ! grep -q '^not ok .* # TIMEOUT' "$out"; then
		not_ok "$what" "exit $rc, expected 1 with a TIMEOUT result" "$out"
	elif [ "$t" -gt 5 ]; then
		not_ok "$what" "watchdog took ${t}s" "$out"
	else
		ok "$what"
	fi
}

# expect_exit WHAT CODE NAME CMD...: exit CODE with one line on stderr.
expect_exit() {
	what=$1
	code=$2
	shift 2
	run "$@"
	lines=$(wc -l <"$tmp/$name.err")
	if [ "$rc" -ne "$code" ]; then
		not_ok "$what" "exit $rc, expected $code" "$tmp/$name.err"
	elif [ "$lines" -ne 1 ]; then
		not_ok "$what" "$lines lines on stderr, expected 1" "$tmp/$name.err"
	elif [ "$code" -eq 4 ] && ! grep -q '# SKIP' "$out"; then
		not_ok "$what" "no '# SKIP reason' on stdout" "$out"
	else
		ok "$what ($(cat "$tmp/$name.err"))"
	fi
}

# expect_exit_msg WHAT CODE PATTERN NAME CMD...: expect_exit, and the
# line on stderr matches PATTERN (grep -E).
expect_exit_msg() {
	what=$1
	code=$2
	pat=$3
	shift 3
	run "$@"
	lines=$(wc -l <"$tmp/$name.err")
	if [ "$rc" -ne "$code" ]; then
		not_ok "$what" "exit $rc, expected $code" "$tmp/$name.err"
	elif [ "$lines" -ne 1 ]; then
		not_ok "$what" "$lines lines on stderr, expected 1" "$tmp/$name.err"
	elif ! grep -Eq "$pat" "$tmp/$name.err"; then
		not_ok "$what" "stderr does not match '$pat'" "$tmp/$name.err"
	else
		ok "$what ($(cat "$tmp/$name.err"))"
	fi
}

# --engines/--engine-set: refused before anything is registered.
engine_option_runs() {
	dir=$1
	expect_exit_msg "racewrite --engines bogus" 2 \
		"allowed: tlbdelay,mkclean,vma,lazytlb" rw-eng-bogus \
		"$RW" --dir "$dir" --engines bogus
	expect_exit_msg "dontneed-storm --engines bogus" 2 \
		"allowed: tlbdelay,mkclean,vma,lazytlb" ds-eng-bogus \
		"$DS" --dir "$dir" --engines bogus
	expect_exit_msg "racewrite --engine-set mkclean.threads=99" 2 \
		"threads must be 1..8" rw-eng-threads \
		"$RW" --dir "$dir" --engines mkclean --engine-set mkclean.threads=99
	expect_exit_msg "racewrite --engine-set unknown key" 2 "unknown key" \
		rw-eng-key "$RW" --dir "$dir" --engines mkclean \
		--engine-set mkclean.nosuch=1
	expect_exit_msg "racewrite --engine-set vma.ops without vma" 2 \
		"vma is not in --engines" rw-eng-notin \
		"$RW" --dir "$dir" --engine-set vma.ops=x
	expect_exit_msg "racewrite --clean module without mkclean" 2 \
		"add mkclean to --engines" rw-eng-cleanmod \
		"$RW" --dir "$dir" --clean module
	expect_exit_msg "racewrite vma.ops=mmap_fixed refused" 2 \
		"refuses op mmap_fixed" rw-eng-mmapfixed \
		"$RW" --dir "$dir" --engines vma --engine-set vma.ops=mmap_fixed
	expect_exit_msg "dontneed-storm vma.ops=munmap refused" 2 \
		"refuses op munmap" ds-eng-munmap \
		"$DS" --dir "$dir" --engines vma --engine-set vma.ops=munmap
	expect_exit_msg "racewrite tlbdelay.sites out of range" 2 \
		"sites must be" rw-eng-sites "$RW" --dir "$dir" \
		--engines tlbdelay --engine-set tlbdelay.sites=folio_mkclean:5000
	# --expect lost-write is a positive control: an injected loss passes
	# it, a run without one fails it with the reason.
	run rw-expect-sc "$RW" --dir "$dir" --duration 2 --seed "$SEED" \
		--selfcheck skip-store --expect lost-write
	if [ "$rc" -eq 0 ] && grep -q '^ok 1 racewrite_lost_write_detected' "$out" &&
	   grep -q '^# metric: time_to_detection_ms=' "$out"; then
		ok "racewrite --expect lost-write passes on an injected loss"
	else
		not_ok "racewrite --expect lost-write passes on an injected loss" \
			"exit $rc" "$out"
	fi
	run rw-expect-none "$RW" --dir "$dir" --duration 1 --seed "$SEED" \
		--expect lost-write
	if [ "$rc" -eq 1 ] && grep -q '^not ok 1 racewrite_lost_write_detected' "$out" &&
	   grep -q 'no lost write within --duration' "$out"; then
		ok "racewrite --expect lost-write fails without a loss"
	else
		not_ok "racewrite --expect lost-write fails without a loss" \
			"exit $rc" "$out"
	fi
	expect_detected "racewrite --burst 4 --selfcheck stale" stale rw-burst-sc \
		"$RW" --dir "$dir" --duration 1 --seed "$SEED" --burst 4 \
		--selfcheck stale
	if [ -e "$MMT_DEBUGFS_DIR" ]; then
		skip "racewrite --engines mkclean without the module" \
			"the module is loaded here"
	else
		expect_exit_msg "racewrite --engines mkclean without the module" 2 \
			"insmod mmtorture.ko" rw-eng-nomod \
			"$RW" --dir "$dir" --engines mkclean
	fi
}

clean_runs() {
	fs=$1
	dir=$2
	expect_clean "racewrite clean run on $fs" rw-$fs \
		"$RW" --dir "$dir" --duration 2 --seed "$SEED"
	expect_clean "racewrite odd geometry on $fs" rw-odd-$fs \
		"$RW" --dir "$dir" --duration 1 --seed "$SEED" --writers 5 \
		--zappers 2 --pages-per-writer 3 --file-size 1540K
	expect_clean "dontneed-storm clean run on $fs" ds-$fs \
		"$DS" --dir "$dir" --duration 2 --seed "$SEED"
	expect_clean "dontneed-storm every advice, MADV_FREE too, on $fs" ds-all-$fs \
		"$DS" --dir "$dir" --duration 1 --seed "$SEED" --storm dontneed,remove,pageout,free
}

method_runs() {
	dir=$1
	for zap in munmap fixed mprotect mremap; do
		expect_clean "racewrite --zap $zap" rw-zap-$zap \
			"$RW" --dir "$dir" --duration 1 --zap $zap --seed "$SEED"
	done
	for clean in fsync fdatasync msync sync_file_range thread; do
		expect_clean "racewrite --clean $clean" rw-clean-$clean \
			"$RW" --dir "$dir" --duration 1 --clean $clean \
			--seed "$SEED"
	done
}

selfcheck_runs() {
	dir=$1
	expect_detected "racewrite --selfcheck skip-store" stale rw-sc-skip \
		"$RW" --dir "$dir" --duration 2 --seed "$SEED" --selfcheck skip-store
	for mode in stale:stale torn:torn zero:zeroed; do
		expect_detected "racewrite --selfcheck ${mode%%:*}" "${mode#*:}" \
			rw-sc-${mode%%:*} "$RW" --dir "$dir" --duration 1 \
			--seed "$SEED" --selfcheck "${mode%%:*}"
	done
	expect_timeout "racewrite --selfcheck hang (watchdog)" rw-sc-hang \
		"$RW" --dir "$dir" --duration 10 --seed "$SEED" \
		--selfcheck hang --watchdog 1
	# The stuck writer holds the stdout lock: the watchdog's lines must
	# not wait for it (timeout(1) turns a hang into a failure here).
	expect_timeout "racewrite --selfcheck hang-locked (watchdog, stdout lock held)" \
		rw-sc-hang-locked timeout 20 "$RW" --dir "$dir" --duration 10 \
		--seed "$SEED" --selfcheck hang-locked --watchdog 1
	for mode in stale:stale torn:torn skip-discard:stale stale-after-free:stale; do
		expect_detected "dontneed-storm --selfcheck ${mode%%:*}" \
			"${mode#*:}" ds-sc-${mode%%:*} "$DS" --dir "$dir" \
			--duration 2 --seed "$SEED" --selfcheck "${mode%%:*}"
	done
	expect_timeout "dontneed-storm --selfcheck hang (watchdog)" ds-sc-hang \
		"$DS" --dir "$dir" --duration 10 --seed "$SEED" \
		--selfcheck hang --watchdog 1
}

bad_input_runs() {
	dir=$1
	expect_exit "racewrite --writers 0" 2 rw-bad-writers \
		"$RW" --dir "$dir" --writers 0
	expect_exit "racewrite --zap unknown" 2 rw-bad-zap \
		"$RW" --dir "$dir" --zap nosuch
	expect_exit "racewrite --zap mremap with two zappers" 2 rw-bad-mremap-zappers \
		"$RW" --dir "$dir" --zap mremap --zappers 2
	expect_exit "racewrite --clean unknown" 2 rw-bad-clean \
		"$RW" --dir "$dir" --clean nosuch
	expect_exit "racewrite --file-size beyond the filesystem" 2 rw-bad-size \
		"$RW" --dir "$dir" --file-size 64G
	expect_exit "racewrite missing --dir" 4 rw-missing-dir \
		"$RW" --dir "$tmp/nonexistent"
	expect_exit "dontneed-storm --threads 0" 2 ds-bad-threads \
		"$DS" --dir "$dir" --threads 0
	expect_exit "dontneed-storm --storm unknown" 2 ds-bad-storm \
		"$DS" --storm dontneed,nosuch
	expect_exit "dontneed-storm missing --dir" 4 ds-missing-dir \
		"$DS" --dir "$tmp/nonexistent"
	if ! is_root; then
		skip "racewrite read-only --dir" "not root"
		return
	fi
	mkdir -p "$tmp/ro"
	if mount -t tmpfs -o ro,size=1m mmt-selfcheck-ro "$tmp/ro"; then
		mounts="$tmp/ro $mounts"
		expect_exit "racewrite read-only --dir" 4 rw-ro-dir \
			"$RW" --dir "$tmp/ro"
		expect_exit "dontneed-storm read-only --dir" 4 ds-ro-dir \
			"$DS" --dir "$tmp/ro"
	else
		skip "racewrite read-only --dir" "tmpfs mount failed"
	fi
}

# KTAP lines come from one writer (ktap-single-writer.sh), and the check
# still catches a bare result line put back into a C and a shell source.
single_writer_runs() {
	_top=$(cd "$(dirname "$0")/.." && pwd)
	_sw=$(dirname "$0")/ktap-single-writer.sh
	run single-writer sh "$_sw" "$_top"
	if [ $rc = 0 ]; then
		ok "KTAP lines only from workloads/ktap.c, kselftest.h, ktap_helpers.sh"
	else
		not_ok "KTAP lines only from workloads/ktap.c, kselftest.h, ktap_helpers.sh" \
			"ktap-single-writer.sh exit $rc" "$out"
	fi
	_copy=$tmp/single-writer
	mkdir -p "$_copy/workloads" "$_copy/selftests"
	cp "$_top"/workloads/*.[ch] "$_copy/workloads/" &&
		cp "$_top"/selftests/*.[ch] "$_top"/selftests/*.sh "$_copy/selftests/" || return
	printf '%s\n' 'static void bare(void) { printf("not ok 1 racewrite_no_lost_write # TIMEOUT x\n"); }' \
		>>"$_copy/workloads/racewrite.c"
	printf '%s\n' 'echo "ok 1 bare"' >>"$_copy/selftests/mmt_lib.sh"
	run single-writer-broken sh "$_sw" "$_copy"
	if [ $rc = 1 ] && grep -q '^workloads/racewrite\.c:[0-9]*:.*printf("not ok 1' "$out" &&
	   grep -q '^selftests/mmt_lib\.sh:[0-9]*:echo "ok 1 bare"' "$out" &&
	   [ "$(wc -l <"$out")" = 2 ]; then
		ok "a bare KTAP printf/echo outside the writer is caught"
	else
		not_ok "a bare KTAP printf/echo outside the writer is caught" \
			"ktap-single-writer.sh exit $rc on a copy with two bare lines" "$out"
	fi
}

for b in "$RW" "$DS" "$VP" "$VF" "$VM"; do
	[ -x "$b" ] || { echo "selfcheck.sh: $b not built" >&2; exit 1; }
done

# The method, self-check and bad-input runs use ext4 if we have it.
ext4_why=""
work=$tmp/plain
mkdir -p "$work"
if setup_tmpfs; then
	clean_runs tmpfs "$tmpfs"
	work=$tmpfs
else
	skip "clean runs on tmpfs" "no tmpfs available"
fi
if setup_ext4; then
	clean_runs ext4 "$ext4"
	work=$ext4
else
	skip "clean runs on ext4" "$ext4_why"
fi
method_runs "$work"
selfcheck_runs "$work"
bad_input_runs "$work"
engine_option_runs "$work"
vma_prot_runs "$work"
vma_fork_runs
vma_move_runs "$work"
single_writer_runs

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
