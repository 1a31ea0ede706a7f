#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmt-writeback - ext4 writeback through shared mappings under real tools:
# fio (ioengine=mmap, crc32c verify headers) and stress-ng's mm stressors
# with --verify.  Orchestration only (POSIX sh: busybox ash, dash, bash);
# the checking is fio's and stress-ng's own.  Both come from Debian's
# packages; in the VM the suite carries them in (@carry fio stress-ng).
#
#   mmt-writeback --dir DIR [--duration S] [--seed N] [options]
#
#   --dir DIR            scratch directory on the filesystem under test
#   --duration S         fio: write+verify passes until S seconds have gone
#                        (at least one); stress-ng: the mixed run (default 10)
#   --seed N             fio's randseed is N + pass number (default: clock)
#   --only fio|stress-ng run one half only (default both)
#   --size SIZE          fio: file size per job (default 16m)
#   --jobs N             fio: jobs, one file each (default 2)
#   --sync N             fio: msync every N blocks (default 32)
#   --backlog N          fio: re-read every N written blocks (default 64)
#   --stressors LIST     comma-separated (default
#                        vma,madvise,mmap,mremap,msync,tlb-shootdown,userfaultfd)
#   --stress-time S      seconds per stressor run alone (default
#                        max(2, duration/3))
#   --as-root            run every stressor with CAP_SYS_ADMIN (default:
#                        madvise runs without it, see sng_nocap)
#   --no-drop            do not drop the page cache before fio's verify
#                        (default: sync + drop_caches when writable)
#   --selfcheck MODE     zero|misplaced|stale|torn: positive control of the
#                        fio path (below); runs nothing else
#   --engines LIST       the module's engines on fio's files: mkclean (or
#                        none); the fio half only (not with --only
#                        stress-ng or --selfcheck); needs mmt-arm and the
#                        module loaded
#   --engine-set E.KEY=VALUE  repeatable, as racewrite's (engines.h):
#                        mkclean.threads=N, .interval_us=N, .ops=A,B
#
# fio, one pass = two jobs, each: write phase (every 4 KiB block once, in
# a seeded random order, stored through a MAP_SHARED mapping, msync every
# --sync blocks, verify_backlog re-reads through the mapping), then sync
# and drop_caches, then verify_only: fio replays the sequence and checks
# every block from the disk.
#   mmap-verify.fio     verify=crc32c: header (magic, offset, length) and
#                       checksum; new files each pass, so a lost write
#                       reads back as a zero block
#   mmap-overwrite.fio  verify=pattern: pass tag ("MMT" + seed) and block
#                       offset in every 16 bytes; files kept from pass to
#                       pass, so a lost overwrite reads back as the older
#                       pass's block.  Needed because fio 3.33's
#                       verify_only accepts a valid crc32c block from an
#                       earlier write of the same offset (seen).
# The job files are embedded in the installed program.
#
# --engines mkclean: before each job's write phase the wrapper lays out
# the job's files itself (zeros, the size fio would; fio 3.33 then uses
# them in place: same inode, no "Laying out"), and mmt-arm (next to this
# program) opens them O_RDWR, registers them with the module and arms
# mkclean, whose threads clean the files' pages the way writeback does
# (folio_mkclean, folio_clear_dirty_for_io, filemap_write_and_wait_range)
# while fio stores through its mappings, drops the cache and verifies;
# then SIGTERM, mmt-arm disarms and reports.  One mmt-arm per job per
# pass (mmap-verify's files are new each pass).  tlbdelay, vma and
# lazytlb are refused: they would act on mmt-arm's mm, not fio's.
#
# stress-ng: each stressor alone (one instance per CPU) for --stress-time,
# then all that passed alone together (one instance each) for --duration,
# with --verify, files in DIR.  stress-ng's exit status: 0 pass, 4 (not
# implemented on this system) skip with its reason, anything else fail; a
# stressor this stress-ng does not have is a skip with that reason.
# madvise runs without CAP_SYS_ADMIN (mmt-dropcap): with it, stress-ng
# 0.15.06 injects MADV_HWPOISON memory failures (seen on 6.12: SIGBUS and
# an "unsuccessful run"), a destructive RAS test, not the race under test.
#
# Self-check (sensitivity of the fio path): a 1 MiB file is written with
# verify headers (stale: first with another seed, then over it), the page
# cache is dropped, one block (seed-chosen) is damaged behind fio's back
# with dd (zero: a zero block, as a lost write to a new file reads;
# misplaced: a valid block of another offset copied over it; stale: the
# same block of the earlier write, as a lost overwrite leaves; torn: one
# byte in the middle complemented), the cache is dropped again, and fio
# verify_only must fail at exactly that offset.  The subtest passes only
# when it does (exit 0); otherwise the detector is broken (exit 1).
# stress-ng's own verification has no way to inject a fault from outside;
# selfcheck.sh checks this program's reading of stress-ng with a
# stand-in.
#
# Output: KTAP (the kernel's ktap_helpers.sh), one subtest per check:
#   fio_mmap_write, fio_mmap_verify, fio_mmap_overwrite,
#   fio_mmap_overwrite_verify, stressng_<name>..., stressng_mix
#   (self-check: fio_selfcheck_write, fio_selfcheck_<mode>_detected)
#   engine_mkclean (with --engines mkclean, after fio's): passes when the
#   engine cleaned (passes > 0, summed over every mmt-arm run), saw no
#   violation and every mmt-arm run armed and disarmed cleanly
# Metrics (# metric: NAME=VALUE [UNIT]), bandwidth/IOPS of the last pass:
#   fio_write_bw_kib_s, fio_write_iops, fio_verify_bw_kib_s,
#   fio_verify_iops, fio_overwrite_{write,verify}_{bw_kib_s,iops},
#   fio_passes, fio_written_mib (all passes), fio_verify_errors,
#   stressng_<name>_bogo_ops_per_s, stressng_<name>_bogo_ops,
#   stressng_mix_<name>_bogo_ops_per_s,
#   engine_mkclean_<counter> (--engines: summed over the mmt-arm runs)
# Report lines (stable):
#   # NAME skipped: REASON   (just before NAME's "ok N NAME # SKIP")
#   # fio: verify failed: file=F offset=O length=L job=J pass=P seed=S phase=write|verify elapsed=T.TTs kernel=K
#   #   fio: <fio's own lines, e.g. "verify: bad magic header 0, wanted acca at file ...">
#   # stress-ng: NAME: exit=E status=pass|fail|skip [reason=TEXT]
#   #   stress-ng: <stress-ng's output on a failure>
#   # selfcheck: injected mode=M job=J file=F offset=O [copied_from=|old_seed=|byte=...]
#   # selfcheck: detected offset=O (injected O2) result=match|mismatch|missed
#   # engine mkclean: runs=R passes=P errors=E violations=V
#   # engine mkclean: mmt-arm run R: <what went wrong>
# Exit: 0 pass, 1 a check failed, 2 bad option, 4 every check skipped
# (e.g. no fio and no stress-ng, or DIR missing or read-only).

set -u
# shellcheck disable=SC2015,SC2317 # "a && b || bad": bad exits; cleanup runs from trap
prog=mmt-writeback
here=$(cd "$(dirname "$0")" && pwd)

dir=
duration=10
seed=
only=all
size=16m
jobs=2
sync_every=32
backlog=64
stressors=vma,madvise,mmap,mremap,msync,tlb-shootdown,userfaultfd
stress_time=
drop=1
selfcheck=
engines=none
engine_sets=

usage() {
	sed -n '/^#   mmt-writeback --dir/,/^#   --selfcheck/p' "$0" | sed 's/^# \{0,1\}//'
}

bad() {
	echo "$prog: $*" >&2
	exit 2
}

is_uint() {
	case $1 in
	''|*[!0-9]*) return 1 ;;
	esac
	return 0
}

while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=${2-}; shift 2 || bad "--dir needs a value" ;;
	--duration) duration=${2-}; shift 2 || bad "--duration needs a value" ;;
	--seed) seed=${2-}; shift 2 || bad "--seed needs a value" ;;
	--only) only=${2-}; shift 2 || bad "--only needs a value" ;;
	--size) size=${2-}; shift 2 || bad "--size needs a value" ;;
	--jobs) jobs=${2-}; shift 2 || bad "--jobs needs a value" ;;
	--sync) sync_every=${2-}; shift 2 || bad "--sync needs a value" ;;
	--backlog) backlog=${2-}; shift 2 || bad "--backlog needs a value" ;;
	--stressors) stressors=${2-}; shift 2 || bad "--stressors needs a value" ;;
	--stress-time) stress_time=${2-}; shift 2 || bad "--stress-time needs a value" ;;
	--no-drop) drop=0; shift ;;
	--as-root) MMT_SNG_AS_ROOT=1; shift ;;
	--selfcheck) selfcheck=${2-}; shift 2 || bad "--selfcheck needs a value" ;;
	--engines) engines=${2-}; shift 2 || bad "--engines needs a value" ;;
	--engine-set)
		case ${2-} in
		*[[:space:]]*) bad "--engine-set '${2-}': no spaces in E.KEY=VALUE" ;;
		esac
		engine_sets="$engine_sets --engine-set ${2-}"
		shift 2 || bad "--engine-set needs a value" ;;
	-h|--help) usage; exit 0 ;;
	*) bad "unknown option '$1' (--help lists them)" ;;
	esac
done

[ -n "$dir" ] || bad "--dir is required"
is_uint "$duration" && [ "$duration" -gt 0 ] || bad "--duration must be a positive number of seconds, not '$duration'"
[ -n "$seed" ] || seed=$(( $(date +%s) % 1000000 ))
is_uint "$seed" || bad "--seed must be a non-negative integer, not '$seed'"
case $only in all|fio|stress-ng) ;; *) bad "--only must be fio or stress-ng, not '$only'" ;; esac
case $size in
*[!0-9kKmMgG]*|'') bad "--size must be a number with an optional k/m/g suffix, not '$size'" ;;
esac
is_uint "$jobs" && [ "$jobs" -ge 1 ] && [ "$jobs" -le 64 ] || bad "--jobs must be 1..64, not '$jobs'"
is_uint "$sync_every" && [ "$sync_every" -ge 1 ] || bad "--sync must be a positive number of blocks"
is_uint "$backlog" && [ "$backlog" -ge 1 ] || bad "--backlog must be a positive number of blocks"
[ -n "$stress_time" ] || stress_time=$(( duration / 3 > 2 ? duration / 3 : 2 ))
is_uint "$stress_time" && [ "$stress_time" -gt 0 ] || bad "--stress-time must be a positive number of seconds"
case $selfcheck in ''|zero|misplaced|stale|torn) ;; *) bad "--selfcheck must be zero, misplaced, stale or torn, not '$selfcheck'" ;; esac
case $stressors in *[!a-z0-9,-]*|'') bad "--stressors: a comma-separated list of stressor names" ;; esac

# --engines: mmt-arm validates the list, the settings and the module
# (loaded, engine and ops present) before anything runs.
mmt_arm=
case $engines in
''|*[[:space:]]*) bad "--engines: a comma-separated list (mkclean or none)" ;;
esac
if [ "$engines" != none ] || [ -n "$engine_sets" ]; then
	[ "$only" = stress-ng ] && bad "--engines applies to the fio half only, not with --only stress-ng"
	[ -n "$selfcheck" ] && bad "--engines does not apply to --selfcheck (the detector's own control)"
	for _d in "$here/mmt-arm" "$here/../build/mmt-arm"; do
		[ -x "$_d" ] && { mmt_arm=$_d; break; }
	done
	[ -n "$mmt_arm" ] || mmt_arm=$(command -v mmt-arm 2>/dev/null)
	[ -n "$mmt_arm" ] || bad "--engines needs mmt-arm (make -C workloads) next to $0 or on PATH"
	# shellcheck disable=SC2086 # the settings are split on purpose
	_err=$("$mmt_arm" --engines "$engines" $engine_sets --check 2>&1 >/dev/null)
	_rc=$?
	[ $_rc = 0 ] || bad "$(echo "$_err" | head -n 1 | sed 's/^mmt-arm: //; s/ (see mmt-arm --help)$//')"
	[ "$engines" = none ] && mmt_arm=
fi

# The fio job file: next to this script in the source tree; the installed
# program has it embedded below (the Makefile replaces the marker line).
jobfile() {
	cat "$here/$1"
}
#@MMT_EMBEDDED_JOBS@

kernel=$(uname -r)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmt-writeback.XXXXXX") || {
	echo "$prog: cannot make a temporary folder" >&2
	exit 1
}
workdir=
arm_pid=
cleanup() {
	[ -n "$arm_pid" ] && kill -TERM "$arm_pid" 2>/dev/null && wait "$arm_pid"
	rm -rf "$tmp"
	[ -n "$workdir" ] && rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Centiseconds since boot, and seconds since $t0 as T.TT.
now_cs() {
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//;s/^$/0/'
}
t0=$(now_cs)
elapsed() {
	_cs=$(( $(now_cs) - t0 ))
	printf '%d.%02d' $((_cs / 100)) $((_cs % 100))
}

# ---- KTAP ----
# The lines come from the kernel's shell KTAP writer, ktap_helpers.sh
# (tools/testing/selftests/kselftest/), installed next to this program;
# its skip takes no reason, so the reason goes on the line before it
# ("# NAME skipped: REASON", which mmt-report reads as the skip's
# reason), and a failure's reason follows its name after " # ", as in the
# shell kselftests.  It echoes its words unquoted: no globbing here.
set -f
for _k in "$here/ktap_helpers.sh" "$here/../kselftest/ktap_helpers.sh" \
	"${MMT_KTAP_HELPERS:-}"; do
	[ -n "$_k" ] && [ -r "$_k" ] && break
done
if [ -z "$_k" ] || [ ! -r "$_k" ]; then
	echo "$prog: no ktap_helpers.sh next to $0 (make installs it there; or set MMT_KTAP_HELPERS)" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$_k"
ok() {
	ktap_test_pass "$1"
}
not_ok() {
	ktap_test_fail "$1${2:+ # $2}"
}
skip() {
	ktap_print_msg "$1 skipped: $2"
	ktap_test_skip "$1"
}
metric() {
	ktap_print_msg "metric: $1=$2${3:+ $3}"
}
finish() {
	ktap_print_totals
	ktap_print_msg "$prog: pass=$KTAP_CNT_PASS fail=$KTAP_CNT_FAIL skip=$KTAP_CNT_SKIP elapsed=$(elapsed)s"
	[ "$KTAP_CNT_FAIL" -gt 0 ] && exit 1
	[ "$KTAP_CNT_PASS" -eq 0 ] && exit 4
	exit 0
}

# Every planned subtest skipped with the same reason (bad environment).
skip_all() {
	_why=$1
	shift
	ktap_set_plan "$#"
	for _t in "$@"; do
		skip "$_t" "$_why"
	done
	finish
}

# ---- the plan ----
if [ -n "$selfcheck" ]; then
	plan="fio_selfcheck_write fio_selfcheck_${selfcheck}_detected"
else
	plan=
	[ "$only" != stress-ng ] && plan="fio_mmap_write fio_mmap_verify fio_mmap_overwrite fio_mmap_overwrite_verify"
	[ -n "$mmt_arm" ] && plan="$plan engine_mkclean"
	if [ "$only" != fio ]; then
		for s in $(echo "$stressors" | tr ',' ' '); do
			plan="$plan stressng_$(echo "$s" | tr '-' '_')"
		done
		plan="$plan stressng_mix"
	fi
fi

ktap_print_header
echo "# $prog: seed=$seed duration=$duration dir=$dir kernel=$kernel selfcheck=${selfcheck:-none} engines=$engines$engine_sets"

# shellcheck disable=SC2086 # the plan is a word list
if [ ! -d "$dir" ]; then
	skip_all "scratch directory $dir is missing" $plan
fi
workdir=$dir/mmt-writeback.$$
if ! mkdir "$workdir" 2>/dev/null; then
	workdir=
	skip_all "scratch directory $dir is not writable (read-only?)" $plan
fi

# shellcheck disable=SC2086
set -- $plan
ktap_set_plan "$#"

# sync, then drop the page cache so that the next reads come from disk.
drop_cache() {
	sync
	if [ "$drop" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
		echo 3 >/proc/sys/vm/drop_caches && return 0
	fi
	return 1
}

# ---- fio ----
have_fio=0
fio_why="fio is not installed (Debian package fio)"
command -v fio >/dev/null 2>&1 && have_fio=1
fio_version=$( [ $have_fio = 1 ] && fio --version 2>/dev/null)
for _j in mmap-verify mmap-overwrite; do
	if ! jobfile $_j.fio >"$tmp/$_j.fio" 2>/dev/null; then
		fio_why="no fio job file $_j.fio (next to $0 or embedded)"
		have_fio=0
	fi
done

# The pattern of a pass for mmap-overwrite.fio: "MMT" and the seed (8
# bytes), fio appends the block's offset (%o).
pattern_of() {
	printf '0x4d4d54%010x' "$1"
}

# run_fio JOB PHASE SEED JOBS SIZE OUT: one fio run of JOB (mmap-verify or
# mmap-overwrite); terse output in OUT.terse, stderr in OUT.err; sets
# fio_rc.
run_fio() {
	_job=$1 _phase=$2 _seed=$3 _jobs=$4 _size=$5 _out=$6
	# verify_backlog must be 0 with verify_only: fio 3.33 then verifies
	# nothing (seen: a zeroed block passed).
	if [ "$_phase" = write ]; then _vo=0 _bl=$backlog; else _vo=1 _bl=0; fi
	MMT_DIR=$workdir MMT_SIZE=$_size MMT_SEED=$_seed MMT_SYNC=$sync_every \
	MMT_BACKLOG=$_bl MMT_VERIFY_ONLY=$_vo MMT_JOBS=$_jobs \
	MMT_PATTERN=$(pattern_of "$_seed") \
		fio --output-format=terse --terse-version=3 "$tmp/$_job.fio" \
		>"$_out.terse" 2>"$_out.err"
	fio_rc=$?
}

# Terse v3 (fio 3.33), group_reporting: one line per group; field 5 error,
# 6-8 read KiB, KiB/s, IOPS, 47-49 write KiB, KiB/s, IOPS.
terse_field() {
	awk -F';' -v f="$2" '$1 == 3 { print $f; exit }' "$1.terse"
}

# fio's verify failure lines, e.g.
#  verify: bad magic header 0, wanted acca at file F offset 319488, length 4096 (...)
#  pattern: verify failed at file F offset O, length L (requested block: ...)
fio_bad_lines() {
	grep -E ' at file .* offset [0-9]+' "$1.err" 2>/dev/null
}

# report_fio_failure OUT JOB PHASE PASS SEED: evidence of a failed run;
# sets fio_bad_off to the offset fio names (empty: none named).
report_fio_failure() {
	_line=$(fio_bad_lines "$1" | head -n 1)
	if [ -n "$_line" ]; then
		_file=$(echo "$_line" | sed -n 's/.* at file \(.*\) offset [0-9]*.*/\1/p')
		_off=$(echo "$_line" | sed -n 's/.* at file .* offset \([0-9]*\).*/\1/p')
		# fio 3.33 prints a wrong "length" for pattern failures; the
		# requested block's is right.
		_len=$(echo "$_line" | sed -n 's/.*requested block: offset=[0-9]*, length=\([0-9]*\).*/\1/p')
		echo "# fio: verify failed: file=$_file offset=$_off length=${_len:-?} job=$2 pass=$4 seed=$5 phase=$3 elapsed=$(elapsed)s kernel=$kernel"
		fio_bad_off=$_off
	else
		echo "# fio: $2 $3 phase failed: exit=$fio_rc pass=$4 seed=$5 elapsed=$(elapsed)s kernel=$kernel"
		fio_bad_off=
	fi
	grep -vE '^[[:space:]]*$' "$1.err" | head -n 20 | sed 's/^/#   fio: /'
}

# ---- --engines: mmt-arm on fio's files ----
# fio's size (k/m/g: KiB/MiB/GiB) in bytes.
size_bytes() {
	_n=${1%[kKmMgG]}
	case $1 in
	*[kK]) echo $((_n * 1024)) ;;
	*[mM]) echo $((_n * 1048576)) ;;
	*[gG]) echo $((_n * 1073741824)) ;;
	*) echo "$_n" ;;
	esac
}

# lay_out PREFIX: JOB's files as fio names them (PREFIX.JOBNUM.0), zeros
# of the job's size, as fio lays them out; kept when already that size.
lay_out() {
	_b=$(size_bytes "$size") _i=0
	if [ $((_b % 4096)) = 0 ]; then _bs=4096; else _bs=1; fi
	while [ $_i -lt "$jobs" ]; do
		_f=$workdir/$1.$_i.0
		if [ ! -f "$_f" ] || [ "$(wc -c <"$_f")" != "$_b" ]; then
			rm -f "$_f"
			dd if=/dev/zero of="$_f" bs=$_bs count=$((_b / _bs)) 2>"$tmp/dd.err" ||
				sed 's/^/# dd: /' "$tmp/dd.err"
		fi
		_i=$((_i + 1))
	done
}

arm_runs=0
arm_bad=0
arm_note() {
	echo "# engine mkclean: mmt-arm run $arm_runs: $*"
	arm_bad=$((arm_bad + 1))
}

# arm_start PREFIX SEED: mmt-arm on PREFIX's files; waits until armed.
arm_start() {
	[ -n "$mmt_arm" ] || return 0
	_ap=$1
	lay_out "$_ap"
	arm_runs=$((arm_runs + 1))
	_ao=$tmp/arm-$arm_runs
	set -- --seed "$2"
	_i=0
	while [ $_i -lt "$jobs" ]; do
		set -- "$@" --file "$workdir/$_ap.$_i.0"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086 # the settings are split on purpose
	"$mmt_arm" --engines "$engines" $engine_sets "$@" >"$_ao.out" 2>"$_ao.err" &
	arm_pid=$!
	_w=0
	while ! grep -q '^# mmt-arm: armed' "$_ao.out"; do
		if ! kill -0 "$arm_pid" 2>/dev/null || [ $_w -ge 300 ]; then
			kill -TERM "$arm_pid" 2>/dev/null
			wait "$arm_pid"
			arm_note "did not arm (exit $?): $(head -n 1 "$_ao.err")"
			arm_pid=
			return 0
		fi
		sleep 0.1 2>/dev/null || sleep 1
		_w=$((_w + 1))
	done
}

# arm_stop: SIGTERM; mmt-arm disarms and prints its report into its .out.
arm_stop() {
	[ -n "$arm_pid" ] || return 0
	kill -TERM "$arm_pid"
	wait "$arm_pid"
	_rc=$?
	arm_pid=
	[ $_rc = 0 ] || arm_note "exit $_rc: $(head -n 1 "$tmp/arm-$arm_runs.err")"
	grep -q '^# metric: engine_mkclean_passes=' "$tmp/arm-$arm_runs.out" ||
		arm_note "no final counters: $(grep -E '^(not )?ok ' "$tmp/arm-$arm_runs.out" | head -n 1)"
}

# engine_verdict: the runs' counters summed, then subtest engine_mkclean.
engine_verdict() {
	[ -n "$mmt_arm" ] || return 0
	if [ $have_fio = 0 ]; then
		skip engine_mkclean "$fio_why"
		return
	fi
	cat "$tmp"/arm-*.out 2>/dev/null | awk '
		/^# metric: engine_mkclean_[a-z0-9_]*=-?[0-9]+$/ {
			sub(/^# metric: /, ""); k = $0; sub(/=.*/, "", k)
			v = $0; sub(/.*=/, "", v)
			if (!(k in sum)) order[n++] = k
			sum[k] += v
		}
		END { for (i = 0; i < n; i++) print order[i], sum[order[i]] }' >"$tmp/arm.sums"
	_get() { awk -v k="engine_mkclean_$1" '$1 == k { print $2 }' "$tmp/arm.sums"; }
	_passes=$(_get passes) _errs=$(_get errors) _viol=$(_get violations)
	echo "# engine mkclean: runs=$arm_runs passes=${_passes:-0} errors=${_errs:-0} violations=${_viol:-0}"
	while read -r _k _v; do
		metric "$_k" "$_v"
	done <"$tmp/arm.sums"
	if [ "${_viol:-0}" -gt 0 ]; then
		not_ok engine_mkclean "$_viol invariant violations (see the module's messages)"
	elif [ "$arm_bad" -gt 0 ]; then
		not_ok engine_mkclean "$arm_bad of $arm_runs mmt-arm runs did not arm or disarm cleanly"
	elif [ "${_passes:-0}" -le 0 ]; then
		not_ok engine_mkclean "did no work on fio's files (passes=${_passes:-0}, errors=${_errs:-0})"
	else
		ok engine_mkclean
	fi
}

# fio_pass JOB PASS SEED: write JOB's files, drop the cache, verify them
# (with --engines, mmt-arm armed on the files meanwhile).
fio_pass() {
	[ "$1" = mmap-verify ] && rm -f "$workdir"/mmt-wb.*
	case $1 in mmap-verify) _pre=mmt-wb ;; *) _pre=mmt-ow ;; esac
	arm_start "$_pre" "$3"
	fio_pass_run "$@"
	arm_stop
}

# fio_pass_run JOB PASS SEED: sets pass_fail to "", write or verify;
# adds to written_kib.
fio_pass_run() {
	_j=$1 _p=$2 _s=$3 _o=$tmp/$1-$2
	pass_fail=
	run_fio "$_j" write "$_s" "$jobs" "$size" "$_o-w"
	if [ "$fio_rc" != 0 ]; then
		pass_fail='write'
		report_fio_failure "$_o-w" "$_j" write "$_p" "$_s"
		[ -n "$fio_bad_off" ] && verify_errors=$((verify_errors + 1))
		return
	fi
	_wkib=$(terse_field "$_o-w" 47)
	written_kib=$((written_kib + _wkib))
	eval "last_wbw_$(echo "$_j" | tr '-' '_')=\$(terse_field \"\$_o-w\" 48)"
	eval "last_wiops_$(echo "$_j" | tr '-' '_')=\$(terse_field \"\$_o-w\" 49)"
	drop_cache || dropped=no
	run_fio "$_j" verify "$_s" "$jobs" "$size" "$_o-v"
	if [ "$fio_rc" != 0 ]; then
		pass_fail='verify'
		report_fio_failure "$_o-v" "$_j" verify "$_p" "$_s"
		[ -n "$fio_bad_off" ] && verify_errors=$((verify_errors + 1))
		return
	fi
	_vkib=$(terse_field "$_o-v" 6)
	eval "last_vbw_$(echo "$_j" | tr '-' '_')=\$(terse_field \"\$_o-v\" 7)"
	eval "last_viops_$(echo "$_j" | tr '-' '_')=\$(terse_field \"\$_o-v\" 8)"
	if [ "$_vkib" != "$_wkib" ]; then
		pass_fail='verify'
		echo "# fio: $_j pass $_p: verify read $_vkib KiB but the write phase wrote $_wkib KiB: not every block was checked"
		return
	fi
	echo "# fio: $_j pass $_p seed=$_s wrote $_wkib KiB, verified $_vkib KiB from $( [ "$dropped" = yes ] && echo disk || echo cache)"
}

verify_errors=0
written_kib=0
dropped=yes
fio_workload() {
	_tests="fio_mmap_write fio_mmap_verify fio_mmap_overwrite fio_mmap_overwrite_verify"
	if [ $have_fio = 0 ]; then
		for _t in $_tests; do
			skip "$_t" "$fio_why"
		done
		engine_verdict
		return
	fi
	echo "# fio: $fio_version jobs=$jobs size=$size sync=$sync_every backlog=$backlog dir=$workdir"
	_deadline=$(( $(now_cs) + duration * 100 ))
	_pass=0 _hdr='' _ow=''
	while :; do
		_pass=$((_pass + 1))
		_s=$((seed + _pass))
		fio_pass mmap-verify "$_pass" "$_s"
		[ -n "$pass_fail" ] && { _hdr=$pass_fail; break; }
		fio_pass mmap-overwrite "$_pass" "$_s"
		[ -n "$pass_fail" ] && { _ow=$pass_fail; break; }
		[ "$(now_cs)" -lt "$_deadline" ] || break
	done
	[ "$dropped" = yes ] || echo "# fio: note: page cache not dropped before verify (--no-drop or not root): verify read cached pages"
	# One pair of subtests per job: write phase, verify phase.
	for _j in hdr ow; do
		if [ $_j = hdr ]; then _w=fio_mmap_write _v=fio_mmap_verify _f=$_hdr
		else _w=fio_mmap_overwrite _v=fio_mmap_overwrite_verify _f=$_ow
		fi
		if [ $_j = ow ] && [ -n "$_hdr" ]; then
			skip $_w "not run: the mmap-verify job failed first"
			skip $_v "not run: the mmap-verify job failed first"
			continue
		fi
		case $_f in
		write)
			not_ok $_w "fio write phase failed in pass $_pass"
			skip $_v "the write phase failed" ;;
		verify)
			ok $_w
			not_ok $_v "fio verify failed in pass $_pass" ;;
		*)
			ok $_w
			ok $_v ;;
		esac
	done
	metric fio_passes "$_pass"
	metric fio_written_mib "$((written_kib / 1024))" MiB
	metric fio_verify_errors "$verify_errors"
	for _j in mmap_verify mmap_overwrite; do
		_m=$( [ $_j = mmap_verify ] && echo fio || echo fio_overwrite)
		eval "_a=\${last_wbw_$_j:-} _b=\${last_wiops_$_j:-} _c=\${last_vbw_$_j:-} _d=\${last_viops_$_j:-}"
		[ -n "$_a" ] && metric "${_m}_write_bw_kib_s" "$_a" KiB/s
		[ -n "$_b" ] && metric "${_m}_write_iops" "$_b" 1/s
		[ -n "$_c" ] && metric "${_m}_verify_bw_kib_s" "$_c" KiB/s
		[ -n "$_d" ] && metric "${_m}_verify_iops" "$_d" 1/s
	done
	engine_verdict
}

# ---- fio self-check ----
fio_selfcheck() {
	_mode=$1
	if [ $have_fio = 0 ]; then
		skip fio_selfcheck_write "$fio_why"
		skip "fio_selfcheck_${_mode}_detected" "$fio_why"
		return
	fi
	_size_kib=1024
	_blocks=$((_size_kib / 4))
	_blk=$(( seed % _blocks ))
	if [ "$_mode" = stale ]; then
		_job=mmap-overwrite _file=$workdir/mmt-ow.0.0
		# An older generation of the file (another seed): keep one of
		# its blocks, as a lost overwrite leaves it on disk.
		run_fio $_job write "$((seed + 1))" 1 "${_size_kib}k" "$tmp/sw0"
		dd if="$_file" of="$tmp/old.blk" bs=4096 skip=$_blk count=1 2>"$tmp/dd.err" ||
			sed 's/^/# dd: /' "$tmp/dd.err"
	else
		_job=mmap-verify _file=$workdir/mmt-wb.0.0
	fi
	run_fio $_job write "$seed" 1 "${_size_kib}k" "$tmp/sw"
	if [ "$fio_rc" != 0 ]; then
		report_fio_failure "$tmp/sw" $_job write 1 "$seed"
		not_ok fio_selfcheck_write "fio could not write the file"
		skip "fio_selfcheck_${_mode}_detected" "nothing written"
		return
	fi
	ok fio_selfcheck_write
	drop_cache || echo "# selfcheck: page cache not dropped (not root or --no-drop)"
	_src=$(( (_blk + 1 + seed % (_blocks - 1)) % _blocks ))
	case $_mode in
	zero) dd if=/dev/zero of="$_file" bs=4096 seek=$_blk count=1 conv=notrunc 2>"$tmp/dd.err" ;;
	misplaced) dd if="$_file" of="$_file" bs=4096 skip=$_src seek=$_blk count=1 conv=notrunc 2>"$tmp/dd.err" ;;
	stale) dd if="$tmp/old.blk" of="$_file" bs=4096 seek=$_blk count=1 conv=notrunc 2>"$tmp/dd.err" ;;
	torn)
		# One byte in the middle of the block, complemented.
		_b=$(od -An -tu1 -j $((_blk * 4096 + 2048)) -N1 "$_file" | tr -d ' ')
		printf "\\$(printf %o $((255 - ${_b:-0})))" |
			dd of="$_file" bs=1 seek=$((_blk * 4096 + 2048)) count=1 conv=notrunc 2>"$tmp/dd.err" ;;
	esac || {
		sed 's/^/# dd: /' "$tmp/dd.err"
		not_ok "fio_selfcheck_${_mode}_detected" "dd could not damage the file"
		return
	}
	_inj=$((_blk * 4096))
	_from=
	[ "$_mode" = misplaced ] && _from=" copied_from=$((_src * 4096))"
	[ "$_mode" = stale ] && _from=" old_seed=$((seed + 1))"
	[ "$_mode" = torn ] && _from=" byte=$((_blk * 4096 + 2048)) was=${_b:-?} now=$((255 - ${_b:-0}))"
	echo "# selfcheck: injected mode=$_mode job=$_job file=$_file offset=$_inj$_from"
	drop_cache || :
	run_fio $_job verify "$seed" 1 "${_size_kib}k" "$tmp/sv"
	if [ "$fio_rc" = 0 ]; then
		echo "# selfcheck: detected offset=none (injected $_inj) result=missed"
		not_ok "fio_selfcheck_${_mode}_detected" "fio verify passed over a damaged block: the detector is broken"
		return
	fi
	report_fio_failure "$tmp/sv" $_job verify 1 "$seed"
	if [ "${fio_bad_off:-}" = "$_inj" ]; then
		echo "# selfcheck: detected offset=$fio_bad_off (injected $_inj) result=match"
		ok "fio_selfcheck_${_mode}_detected"
	else
		echo "# selfcheck: detected offset=${fio_bad_off:-none} (injected $_inj) result=mismatch"
		not_ok "fio_selfcheck_${_mode}_detected" "fio failed, but not at the damaged offset"
	fi
}

# ---- stress-ng ----
have_sng=0
command -v stress-ng >/dev/null 2>&1 && have_sng=1
if [ $have_sng = 1 ]; then
	sng_version=$(stress-ng --version 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p')
	stress-ng --stressors 2>/dev/null | tr ' ' '\n' >"$tmp/stressors"
fi

# Options that bound each stressor's memory in a small guest and put its
# files on the filesystem under test.
sng_opts() {
	case $1 in
	mmap) echo "--mmap-bytes 64m --mmap-file" ;;
	mremap) echo "--mremap-bytes 16m" ;;
	msync) echo "--msync-bytes 16m" ;;
	userfaultfd) echo "--userfaultfd-bytes 16m" ;;
	vma) echo "" ;;
	*) echo "" ;;
	esac
}

# yaml_metric YAML STRESSOR KEY: a value from stress-ng's --yaml metrics.
yaml_metric() {
	awk -v s="$2" -v k="$3" '
		/^ *- stressor:/ { cur = $3 }
		cur == s && $1 == k ":" { print $2; exit }' "$1"
}

# Stressors run without CAP_SYS_ADMIN (still as root, through mmt-dropcap):
# with it, stress-ng 0.15.06's madvise stressor also injects memory
# failures (MADV_HWPOISON: "Injecting memory failure" on the console, the
# stressor takes SIGBUS and the run ends "unsuccessful"; seen on 6.12), a
# destructive RAS test that is not the race under test here.  --as-root
# keeps CAP_SYS_ADMIN.
nocap_stressors=" madvise "
as_root=${MMT_SNG_AS_ROOT:-0}
dropcap=
for _d in "$here/mmt-dropcap" "$here/../build/mmt-dropcap"; do
	[ -x "$_d" ] && { dropcap=$_d; break; }
done
[ -n "$dropcap" ] || dropcap=$(command -v mmt-dropcap 2>/dev/null)
sng_nocap() {
	[ "$as_root" = 0 ] && [ "$(id -u)" = 0 ] || return 1
	case $nocap_stressors in *" $1 "*) return 0 ;; esac
	return 1
}

# run_sng NAME TIME OUT CAPS ARGS...: one stress-ng run (CAPS: root, or
# nocap without CAP_SYS_ADMIN); log in OUT.log, metrics in OUT.yaml; sets
# sng_rc.
run_sng() {
	_name=$1 _time=$2 _out=$3 _user=$4
	shift 4
	_tp=$workdir/stress-ng-$_name-$_user
	mkdir -p "$_tp"
	_lim=$((_time + 120))
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$_lim" stress-ng "$@"
	else
		set -- stress-ng "$@"
	fi
	[ "$_user" = nocap ] && set -- "$dropcap" "$@"
	"$@" --verify --timeout "${_time}s" --metrics-brief --yaml "$_tp/metrics.yaml" \
		--temp-path "$_tp" >"$_out.log" 2>&1
	sng_rc=$?
	cp "$_tp/metrics.yaml" "$_out.yaml" 2>/dev/null
	rm -rf "$_tp"
}

sng_problem_lines() {
	grep -E 'fail|error|FAIL|skip|not implemented|not supported|Killed|signal' "$1.log" |
		grep -v 'metrc:' | head -n 15
}

# sng_verdict TEST NAME OUT: subtest from stress-ng's exit status.
sng_verdict() {
	_t=$1 _nm=$2 _out=$3
	case $sng_rc in
	0)
		if grep -qiE "$_nm.*(skipp|not implemented|not supported)" "$_out.log"; then
			_why=$(grep -iE "$_nm.*(skipp|not implemented|not supported)" "$_out.log" | head -n 1 | sed 's/^stress-ng: [a-z]*: *\[[0-9]*\] *//')
			echo "# stress-ng: $_nm: exit=0 status=skip reason=$_why"
			skip "$_t" "stress-ng $_nm: $_why"
		else
			echo "# stress-ng: $_nm: exit=0 status=pass"
			ok "$_t"
		fi ;;
	4)
		_why=$(sng_problem_lines "$_out" | head -n 1 | sed 's/^stress-ng: [a-z]*: *\[[0-9]*\] *//')
		[ -n "$_why" ] || _why="stress-ng: not implemented on this system (exit 4)"
		echo "# stress-ng: $_nm: exit=4 status=skip reason=$_why"
		sng_problem_lines "$_out" | sed 's/^/#   stress-ng: /'
		skip "$_t" "stress-ng $_nm: $_why" ;;
	*)
		case $sng_rc in
		1) _why="stress-ng error" ;;
		2) _why="a stressor failed (verification or system call)" ;;
		3) _why="a stressor had insufficient resources" ;;
		5) _why="killed by a signal" ;;
		124) _why="did not end within its time limit" ;;
		*) _why="stress-ng exit status $sng_rc" ;;
		esac
		echo "# stress-ng: $_nm: exit=$sng_rc status=fail reason=$_why elapsed=$(elapsed)s seed=$seed kernel=$kernel"
		grep -v '^ *$' "$_out.log" | head -n 40 | sed 's/^/#   stress-ng: /'
		not_ok "$_t" "$_why" ;;
	esac
}

sng_workload() {
	_mix_root='' _mix_nocap='' _mix_names=''
	for _s in $(echo "$stressors" | tr ',' ' '); do
		_t=stressng_$(echo "$_s" | tr '-' '_')
		if [ $have_sng = 0 ]; then
			skip "$_t" "stress-ng is not installed (Debian package stress-ng)"
			continue
		fi
		if ! grep -qx "$_s" "$tmp/stressors"; then
			echo "# stress-ng: $_s: status=skip reason=stress-ng $sng_version has no $_s stressor"
			skip "$_t" "stress-ng $sng_version has no $_s stressor"
			continue
		fi
		_u=root
		if sng_nocap "$_s"; then
			if [ -z "$dropcap" ]; then
				echo "# stress-ng: $_s: status=skip reason=no mmt-dropcap to run it without CAP_SYS_ADMIN"
				skip "$_t" "no mmt-dropcap next to $0: as root with CAP_SYS_ADMIN stress-ng $_s injects MADV_HWPOISON memory failures (--as-root to run it so)"
				continue
			fi
			_u=nocap
			echo "# stress-ng: $_s runs without CAP_SYS_ADMIN: with it, it would inject MADV_HWPOISON memory failures (--as-root keeps it)"
		fi
		# shellcheck disable=SC2046 # the options are split on purpose
		run_sng "$_s" "$stress_time" "$tmp/sng-$_s" $_u --"$_s" 0 $(sng_opts "$_s")
		sng_verdict "$_t" "$_s" "$tmp/sng-$_s"
		_m=$(echo "$_s" | tr '-' '_')
		_v=$(yaml_metric "$tmp/sng-$_s.yaml" "$_s" bogo-ops-per-second-real-time 2>/dev/null)
		[ -n "$_v" ] && metric "stressng_${_m}_bogo_ops_per_s" "$_v" 1/s
		_v=$(yaml_metric "$tmp/sng-$_s.yaml" "$_s" bogo-ops 2>/dev/null)
		[ -n "$_v" ] && metric "stressng_${_m}_bogo_ops" "$_v"
		if [ "$sng_rc" = 0 ]; then
			if [ $_u = nocap ]; then
				_mix_nocap="$_mix_nocap --$_s 1 $(sng_opts "$_s")"
			else
				_mix_root="$_mix_root --$_s 1 $(sng_opts "$_s")"
			fi
			_mix_names="$_mix_names $_s"
		fi
	done
	if [ $have_sng = 0 ]; then
		skip stressng_mix "stress-ng is not installed (Debian package stress-ng)"
		return
	fi
	if [ -z "$_mix_names" ]; then
		skip stressng_mix "no stressor ran cleanly alone"
		return
	fi
	echo "# stress-ng: mix of$_mix_names for ${duration}s"
	# The root and the CAP_SYS_ADMIN-less stressors at the same time, in two
	# stress-ng processes; the mix fails if either does.
	_rc_root=0 _rc_nocap=0
	: >"$tmp/sng-mix-root.log"
	: >"$tmp/sng-mix-nocap.log"
	if [ -n "$_mix_nocap" ]; then
		# shellcheck disable=SC2086
		( run_sng mix "$duration" "$tmp/sng-mix-nocap" nocap $_mix_nocap
		  echo "$sng_rc" >"$tmp/sng-mix-nocap.rc" ) &
		_bg=$!
	fi
	if [ -n "$_mix_root" ]; then
		# shellcheck disable=SC2086
		run_sng mix "$duration" "$tmp/sng-mix-root" root $_mix_root
		_rc_root=$sng_rc
	fi
	if [ -n "$_mix_nocap" ]; then
		wait "$_bg"
		_rc_nocap=$(cat "$tmp/sng-mix-nocap.rc" 2>/dev/null || echo 1)
	fi
	cat "$tmp/sng-mix-root.log" "$tmp/sng-mix-nocap.log" >"$tmp/sng-mix.log"
	sng_rc=0
	for _r in $_rc_root $_rc_nocap; do
		[ "$_r" != 0 ] && { [ "$sng_rc" = 0 ] || [ "$sng_rc" = 4 ]; } && sng_rc=$_r
	done
	sng_verdict stressng_mix mix "$tmp/sng-mix"
	for _s in $_mix_names; do
		_v=$(yaml_metric "$tmp/sng-mix-root.yaml" "$_s" bogo-ops-per-second-real-time 2>/dev/null)
		[ -n "$_v" ] || _v=$(yaml_metric "$tmp/sng-mix-nocap.yaml" "$_s" bogo-ops-per-second-real-time 2>/dev/null)
		[ -n "$_v" ] && metric "stressng_mix_$(echo "$_s" | tr '-' '_')_bogo_ops_per_s" "$_v" 1/s
	done
}

if [ -n "$selfcheck" ]; then
	fio_selfcheck "$selfcheck"
else
	[ "$only" != stress-ng ] && fio_workload
	[ "$only" != fio ] && sng_workload
fi
[ "$KTAP_CNT_FAIL" -gt 0 ] && workdir=		# keep the files as evidence
[ -z "$workdir" ] && [ "$KTAP_CNT_FAIL" -gt 0 ] && echo "# files kept in $dir/mmt-writeback.$$"
finish
