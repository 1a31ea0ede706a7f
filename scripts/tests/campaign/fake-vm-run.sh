#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A stand-in for vm-run.sh in the campaign's tests (MMT_VM_RUN=this):
# no guest; it writes a results folder whose stream and console say what
# KERNEL names (pass, lost, panic, hang, slow, nores), then runs the real
# mmt-report and mmt-campaign --run-html on it, as vm-run does.
set -u
for kv in "$@"; do printf -v "${kv%%=*}" '%s' "${kv#*=}"; done
build=${MMT_BUILD:?}
case $KERNEL in nores) echo "vm-run: cannot make the ext4 scratch disk (test)" >&2; exit 2 ;; esac
[ "$KERNEL" = slow ] && { trap 'exit 130' TERM INT; sleep 60 & wait $!; exit 130; }
kver=9.9.0-$KERNEL
out=$RESULTS/20260101T000000Z-$kver
mkdir -p "$out"
cat >"$out/meta.env" <<EOT
kernel=$kver
kernel_package=linux-image-$kver-unsigned 9.9.0-1
kernel_config_sha256=$(printf %064d 0)
accel=tcg
vcpus=$SMP
memory_mb=2048
suite=$SUITE
seed=$SEED
duration=$DURATION
started_utc=2026-01-01T00:00:00Z
finished_utc=2026-01-01T00:00:30Z
boot_to_verdict_s=30.0
replay=make run KERNEL=$kver SUITE=$SUITE SEED=$SEED DURATION=$DURATION SMP=$SMP
EOT
echo "[    0.000000] Linux version $kver (test)" >"$out/console.log"
s="KTAP version 1
# mmt: runner=0.1.0 suite=$SUITE seed=$SEED duration=$DURATION
# mmt: kernel=$kver
# mmt: taint_before=0
1..1
# mmt-begin: 1 racewrite_default
    # metric: writer_iter_per_s=$((1000 + SEED % 100)) 1/s
    # metric: engine_tlbdelay_run_ms=2000
    # metric: engine_tlbdelay_delays=$((400 + SEED % 10))
    # metric: engine_mkclean_run_ms=2000
    # metric: engine_mkclean_op_mkclean=1000"
reason=poweroff
case $KERNEL in
pass)	s="$s
# mmt-end: 1 racewrite_default status=pass duration_ms=2000 seed=$SEED exit=0
ok 1 racewrite_default
# mmt: taint_after=0 taint_new=0
# mmt: end tests=1 pass=1 fail=0 skip=0 timeout=0" ;;
lost)	s="$s
    # lost write: offset=4096 expected seq=9 found seq=8 class=stale writer=1 elapsed=0.$((SEED % 9 + 1))00s seed=$SEED phase=loop
    not ok 1 racewrite_no_lost_write
# mmt-end: 1 racewrite_default status=fail duration_ms=900 seed=$SEED exit=1
not ok 1 racewrite_default
# mmt: taint_after=0 taint_new=0
# mmt: end tests=1 pass=0 fail=1 skip=0 timeout=0" ;;
panic)	cat >>"$out/console.log" <<'EOT'
[    5.000000] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI
[    5.000001] CPU: 1 PID: 77 Comm: racewrite Not tainted 9.9.0 #1
[    5.000002] RIP: 0010:folio_mkclean+0x1a/0x90
[    5.000003] Call Trace:
[    5.000004]  <TASK>
[    5.000005]  folio_clear_dirty_for_io+0x10/0x30
[    5.000006]  </TASK>
[    5.000007] Kernel panic - not syncing: Fatal exception
EOT
	;;
hang)	reason=hang ;;
esac
printf '%s\n' "$s" >"$out/results.ktap"
"$build/mmt-report" --dir "$out" --exit-reason "$reason" --quiet
rc=$?
"$build/mmt-campaign" --run-html "$out"
exit $rc
