#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# selfcheck.sh PROG [DIR] - host self-test of mmt-writeback (PROG: the
# installed build/guest/bin/mmt-writeback or writeback/mmt-writeback.sh).
#
#  - every --selfcheck mode (zero, misplaced, stale, torn) must be reported
#    by fio as a verify failure at exactly the damaged offset, and PROG
#    must pass the control only then;
#  - the stress-ng path, with a stand-in stress-ng on PATH that answers
#    like stress-ng 0.15.06 does: a stressor failing its verification
#    (exit 2, "fail:" line) must be a "not ok" with the evidence and exit
#    1; exit 4 (not implemented) a skip with the reason; a stressor this
#    stress-ng lacks a skip; all skipped exits 4.  (stress-ng itself has no
#    way to inject a fault into its own verification from outside, so this
#    checks PROG's reading of stress-ng, not stress-ng's detection.)
#  - bad input gives exit 2 with one line on stderr; a missing directory
#    exit 4 with every check skipped;
#  - --engines: an unknown engine, a refused one (tlbdelay, vma: they would
#    act on mmt-arm's mm, not fio's), --only stress-ng, and mkclean
#    without the module loaded are exit 2 with one line saying why,
#    before anything runs.
# DIR (default: a new folder in /tmp) must be writable; the fio checks
# need fio and are skipped without it.  Ends with "P passed, F failed".
set -u

PROG=${1:?usage: selfcheck.sh PROG [DIR]}
# The module's names (its debugfs folder): the contract's shell copy.
. "$(cd "$(dirname "$0")/../.." && pwd)/selftests/mmt_uapi.sh"
SEED=${SELFCHECK_SEED:-4243}
tmp=$(mktemp -d /tmp/mmt-wb-selfcheck.XXXXXX) || exit 1
dir=${2:-$tmp/scratch}
mkdir -p "$dir"
trap 'rm -rf "$tmp"' EXIT
n=0 passed=0 failed=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1${2:+ # SKIP $2}"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n $1"
	echo "# $2"
	[ -f "${3:-}" ] && tail -n 15 "$3" | sed 's/^/#   /'
}

if command -v fio >/dev/null 2>&1; then
	for mode in zero misplaced stale torn; do
		out=$tmp/sc-$mode.out
		"$PROG" --dir "$dir" --seed "$SEED" --selfcheck "$mode" --no-drop >"$out" 2>&1
		rc=$?
		inj=$(sed -n 's/^# selfcheck: injected .* offset=\([0-9]*\).*/\1/p' "$out")
		det=$(sed -n 's/^# fio: verify failed: .* offset=\([0-9]*\) .*/\1/p' "$out")
		if [ $rc = 0 ] && [ -n "$inj" ] && [ "$inj" = "$det" ] &&
		   grep -q "^ok 2 fio_selfcheck_${mode}_detected" "$out" &&
		   grep -q "result=match" "$out"; then
			ok "fio detects a $mode block at offset $inj"
		else
			not_ok "fio detects a $mode block" "exit $rc, injected '${inj}', fio reported '${det}'" "$out"
		fi
	done
else
	for mode in zero misplaced stale torn; do
		ok "fio detects a $mode block" "fio is not installed"
	done
fi

# A stand-in stress-ng (0.15.06's texts and exit codes).
fake=$tmp/fake-bin
mkdir -p "$fake"
cat >"$fake/stress-ng" <<'EOF'
#!/bin/sh
case "$*" in
*--version*) echo "stress-ng, version 0.15.06 (gcc 12.2.0, x86_64 Linux 6.1.0)"; exit 0 ;;
*--stressors*) echo "madvise mmap msync userfaultfd"; exit 0 ;;
esac
yaml=
prev=
for a in "$@"; do
	[ "$prev" = --yaml ] && yaml=$a
	prev=$a
done
case " $* " in
*" --mmap "*)
	echo "stress-ng: info:  [100] dispatching hogs: 1 mmap"
	echo "stress-ng: fail:  [101] mmap: detected memory error, offset : 8192, got: 0x00"
	echo "stress-ng: error: [100] mmap: [101] terminated with an error, exit status=2 (stressor failed)"
	printf 'metrics:\n    - stressor: mmap\n      bogo-ops: 3\n      bogo-ops-per-second-real-time: 1.500000\n' >"$yaml"
	exit 2 ;;
*" --userfaultfd "*)
	echo "stress-ng: info:  [100] userfaultfd stressor will be skipped, userfaultfd not supported"
	exit 4 ;;
*" --madvise "*|*" --msync "*)
	printf 'metrics:\n    - stressor: madvise\n      bogo-ops: 10\n      bogo-ops-per-second-real-time: 5.000000\n    - stressor: msync\n      bogo-ops: 20\n      bogo-ops-per-second-real-time: 10.000000\n' >"$yaml"
	exit 0 ;;
esac
exit 1
EOF
chmod +x "$fake/stress-ng"

out=$tmp/sng.out
PATH=$fake:$PATH "$PROG" --dir "$dir" --seed "$SEED" --only stress-ng --duration 1 \
	--stress-time 1 --stressors vma,madvise,mmap,userfaultfd >"$out" 2>&1
rc=$?
if [ $rc = 1 ] &&
   grep -q '^not ok 3 stressng_mmap' "$out" &&
   grep -q '^#   stress-ng: stress-ng: fail:  \[101\] mmap: detected memory error, offset : 8192' "$out" &&
   grep -q '^# stress-ng: mmap: exit=2 status=fail' "$out" &&
   grep -q '^ok 2 stressng_madvise$' "$out" &&
   grep -q '^# metric: stressng_madvise_bogo_ops_per_s=5.000000 1/s' "$out" &&
   grep -q '^# stressng_vma skipped: stress-ng 0.15.06 has no vma stressor' "$out" &&
   grep -q '^ok 1 stressng_vma # SKIP$' "$out" &&
   grep -q '^# stressng_userfaultfd skipped: .*userfaultfd not supported' "$out" &&
   grep -q '^ok 4 stressng_userfaultfd # SKIP$' "$out" &&
   grep -q '^ok 5 stressng_mix$' "$out"; then
	ok "a stress-ng verification failure is a fail with its evidence; exit 4 and a missing stressor are skips"
else
	not_ok "stress-ng results are read right" "exit $rc (want 1)" "$out"
fi

out=$tmp/sng-skip.out
PATH=$fake:$PATH "$PROG" --dir "$dir" --only stress-ng --duration 1 --stress-time 1 \
	--stressors vma,userfaultfd >"$out" 2>&1
rc=$?
if [ $rc = 4 ] && grep -q '^ok 3 stressng_mix # SKIP' "$out"; then
	ok "every stressor skipped exits 4, not 0"
else
	not_ok "every stressor skipped exits 4" "exit $rc" "$out"
fi

out=$tmp/bad.out
"$PROG" --dir "$dir" --jobs 0 >"$out" 2>"$tmp/bad.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ]; then
	ok "bad input: exit 2 and one line ($(cat "$tmp/bad.err"))"
else
	not_ok "bad input gives exit 2 and one line" "exit $rc" "$tmp/bad.err"
fi

# --engines: mmt-arm (next to PROG) validates before anything runs.
# engines_bad NAME WANT-REGEX ARGS...: exit 2, one line on stderr
# matching WANT-REGEX, nothing on stdout.
engines_bad() {
	_name=$1 _want=$2
	shift 2
	"$PROG" --dir "$dir" --only fio --duration 1 "$@" >"$tmp/eng.out" 2>"$tmp/eng.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$tmp/eng.err")" = 1 ] &&
	   grep -qE "$_want" "$tmp/eng.err" && [ ! -s "$tmp/eng.out" ]; then
		ok "$_name: exit 2 ($(cat "$tmp/eng.err"))"
	else
		not_ok "$_name: exit 2 with one line" "exit $rc, stderr: $(head -n 3 "$tmp/eng.err")" "$tmp/eng.out"
	fi
}
engines_bad "--engines bogus" "unknown engine 'bogus'" --engines bogus
engines_bad "--engines tlbdelay" "tlbdelay is refused: .*registering process's mm" --engines tlbdelay
engines_bad "--engines vma" "vma is refused: .*no checker reads" --engines vma
engines_bad "--engines mkclean --only stress-ng" "fio half only" --engines mkclean --only stress-ng
if [ -e "$MMT_DEBUGFS_DIR" ]; then
	ok "--engines mkclean without the module" "the mmtorture module is loaded here"
else
	engines_bad "--engines mkclean without the module" "insmod mmtorture.ko" --engines mkclean
fi

out=$tmp/nodir.out
"$PROG" --dir "$tmp/no/such/dir" --only fio >"$out" 2>&1
rc=$?
if [ $rc = 4 ] && grep -q '^# fio_mmap_write skipped: scratch directory .* is missing' "$out" && grep -q '^ok 1 fio_mmap_write # SKIP$' "$out" && ! grep -q '^not ok' "$out"; then
	ok "missing scratch directory: every check skipped, exit 4"
else
	not_ok "missing scratch directory is a skip" "exit $rc" "$out"
fi

echo "$passed passed, $failed failed"
[ $failed = 0 ]
