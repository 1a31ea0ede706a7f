#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh - boot a real kernel under QEMU with mmtorture, run a suite in
# the guest with scripts/guest/mmtorture-run, and write the results folder.
#
#   scripts/vm-run.sh [KEY=VALUE...]      (make run passes its variables)
#
# Keys (also read from the environment):
#   KERNEL      6.12 (default), 6.1, 7.2 or unstable (Debian unstable), an
#               exact Debian release, a bzImage path, or src: a kernel
#               built from source by scripts/build-kernel.sh with
#   KSRC        6.12 (default, Debian's linux-source-6.12), 7.2 or a path
#   KCONFIG     default or debug (KASAN, lockdep, DEBUG_VM, ...)
#   PATCH       patches for the source, comma-separated
#   KDIR        kernel build folder; needed with a bzImage path
#   MODROOT     INSTALL_MOD_PATH of your own build (its storage modules)
#   SUITE       suite name in scripts/suites (default attack)
#   DURATION    seconds per timed workload (default 10)
#   SEED        seed for every test (default: from the clock, recorded)
#   SMP         vCPUs (default 2)         MEM     guest MiB (default 2048)
#   ACCEL       auto (default), kvm or tcg
#   ON_WARN     panic (default: panic_on_warn=1) or continue
#   MODULE_PARAMS  insmod parameters for mmtorture (default: the suite's)
#   TIMEOUT     overall limit in seconds (default: from the suite)
#   HANG_SECS   heartbeat silence that counts as a hang (default 120)
#   SCRATCH_MB  size of the ext4 scratch disk (default 2048)
#   RESULTS     folder for results (default results/)
#   QUIET       1: print only the verdict line
#
# Exit status is the verdict's (mmt-report): 0 pass, 1 fail, 2 error,
# 4 skip, 5 timeout, 6 hang, 7 panic.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MMT_BUILD:-$top/build}

die() { echo "vm-run: $*" >&2; exit 2; }
say() { [ "${QUIET:-0}" = 1 ] || echo "vm-run: $*" >&2; }

known="KERNEL KSRC KCONFIG PATCH KDIR MODROOT SUITE DURATION SEED SMP MEM ACCEL ON_WARN MODULE_PARAMS TIMEOUT HANG_SECS SCRATCH_MB RESULTS QUIET"
for kv in "$@"; do
	key=${kv%%=*}
	[ "$key" != "$kv" ] || die "arguments are KEY=VALUE, not '$kv'"
	case " $known " in
	*" $key "*) printf -v "$key" '%s' "${kv#*=}" ;;
	*) die "unknown option '$key': known options are $known" ;;
	esac
done

KERNEL=${KERNEL:-6.12}
SUITE=${SUITE:-attack}
DURATION=${DURATION:-10}
SMP=${SMP:-2}
MEM=${MEM:-2048}
ACCEL=${ACCEL:-auto}
HANG_SECS=${HANG_SECS:-120}
SCRATCH_MB=${SCRATCH_MB:-2048}
RESULTS=${RESULTS:-$top/results}
SEED=${SEED:-$(( 10#$(date +%s%N | cut -c10-16) % 1000000 ))}

uint() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 must be a non-negative integer, not '$2'"; }
uint DURATION "$DURATION"; uint SEED "$SEED"; uint SMP "$SMP"; uint MEM "$MEM"
uint HANG_SECS "$HANG_SECS"; uint SCRATCH_MB "$SCRATCH_MB"
[ -n "${TIMEOUT:-}" ] && uint TIMEOUT "$TIMEOUT"
[ "$DURATION" -gt 0 ] || die "DURATION must be at least 1 second"
[ "$SMP" -ge 1 ] && [ "$SMP" -le 64 ] || die "SMP must be 1..64, not $SMP"
[ "$MEM" -ge 512 ] || die "MEM must be at least 512 (MiB), not $MEM"
case $ACCEL in auto|kvm|tcg) ;; *) die "ACCEL must be auto, kvm or tcg, not '$ACCEL'" ;; esac

suite_file=$top/scripts/suites/$SUITE
[ -f "$suite_file" ] ||
	die "unknown SUITE '$SUITE': choose one of: $(ls "$top/scripts/suites" | tr '\n' ' ')"

# Suite directives ("@key value" lines) give defaults for this run.
directive() { sed -n "s/^@$1[[:space:]]\{1,\}//p" "$suite_file" | tail -n 1; }
ON_WARN=${ON_WARN:-$(directive on_warn)}
ON_WARN=${ON_WARN:-panic}
case $ON_WARN in panic|continue) ;; *) die "ON_WARN must be panic or continue, not '$ON_WARN'" ;; esac

for tool in qemu-system-x86_64 cpio mkfs.ext4 timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'make deps' (as root) first"
done
for tool in mmt-report; do
	[ -x "$build/$tool" ] || die "$build/$tool is missing: run 'make' first"
done
[ -x "$build/guest/bin/mmt_debugfs_test" ] || die "guest programs are missing in $build/guest/bin: run 'make' first"

# The kernel: a Debian one fetched into the cache, or the user's own.
kernel_package=
BUILDROOT=
src_meta=
if [ "$KERNEL" = src ]; then
	[ -z "${KDIR:-}" ] || die "KERNEL=src builds its own kernel: drop KDIR (KSRC=/path names your tree)"
	kenv=$("$top/scripts/build-kernel.sh" KSRC="${KSRC:-6.12}" KCONFIG="${KCONFIG:-default}" \
		PATCH="${PATCH:-}" | tail -n 1) || exit 2
	# shellcheck source=/dev/null
	. "$kenv/kernel.env"
	kver=$KVER
	vmlinuz=$VMLINUZ
	modroot=
	config=$CONFIG
	kernel_package="built from $KPKG_VERSION"
	src_meta="kernel_source=$SRC_ID
kernel_kconfig=$KCONFIG
kernel_patches=$PATCHES
kernel_build_log=$BUILD_LOG"
elif [ -n "${KSRC:-}${KCONFIG:-}${PATCH:-}" ]; then
	die "KSRC, KCONFIG and PATCH are for KERNEL=src (a kernel built from source), not KERNEL=$KERNEL"
elif [ -f "$KERNEL" ]; then
	[ -n "${KDIR:-}" ] || die "KERNEL=$KERNEL is a file: also give KDIR=/path/to/its/build"
	[ -f "$KDIR/include/config/kernel.release" ] ||
		die "KDIR=$KDIR is not a prepared kernel build (no include/config/kernel.release)"
	kver=$(cat "$KDIR/include/config/kernel.release")
	vmlinuz=$(cd "$(dirname "$KERNEL")" && pwd)/$(basename "$KERNEL")
	# The bzImage's version string starts at 0x200 + the word at 0x20e.
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$vmlinuz" | tr -d ' ')
	bzver=$(dd if="$vmlinuz" bs=1 skip=$((off + 0x200)) count=128 2>/dev/null | tr '\0' '\n' | head -n 1 | cut -d' ' -f1)
	[ "$bzver" = "$kver" ] ||
		die "KDIR=$KDIR is for $kver but $KERNEL is $bzver: give the build folder of that kernel"
	modroot=${MODROOT:-}
	config=$KDIR/.config
	kernel_package="own build $KERNEL"
else
	user_kdir=${KDIR:-}
	kenv=$("$top/scripts/fetch-kernel.sh" "$KERNEL" | tail -n 1) || exit 2
	# shellcheck source=/dev/null
	. "$kenv/kernel.env"
	if [ -n "$user_kdir" ]; then
		r=$(cat "$user_kdir/include/config/kernel.release" 2>/dev/null || echo unknown)
		[ "$r" = "$KVER" ] || die "KDIR=$user_kdir is for '$r' but KERNEL=$KERNEL is $KVER: drop KDIR or make them match"
		KDIR=$user_kdir
		BUILDROOT=
	fi
	kver=$KVER
	vmlinuz=$VMLINUZ
	modroot=$MODROOT
	config=$CONFIG
	kernel_package="${KPKG_NAME:-linux-image-$KVER-unsigned} $KPKG_VERSION"
fi

kbuild=$build/kernels/$kver
mkdir -p "$kbuild" || die "cannot create $kbuild"
avail=$(df -Pk "$kbuild" | awk 'NR==2 {print $4}')
[ "${avail:-0}" -gt 524288 ] || die "less than 512 MiB free under $kbuild: free some space"

# mmtorture.ko for this kernel, built from a copy of module/ in a folder
# of this run's own, so that runs (and kernels) never share a build; kept
# by the hash of what went into it (module/, build-module.sh, KDIR and
# its .config, BUILDROOT), so that the next run with the same inputs
# takes it. A finished build is renamed into place whole, so runs side by
# side never see half of one.
mod_key=$(cat "$top"/module/*.c "$top"/module/*.h "$top/module/Kbuild" \
	"$top/scripts/build-module.sh" "${BUILDROOT:-}$KDIR/.config" 2>/dev/null |
	{ sha256sum; printf '%s\n' "$KDIR" "${BUILDROOT:-}"; } | sha256sum | cut -c1-16)
modcache=$kbuild/module-$mod_key
modbuild=$(mktemp -d "$kbuild/module.XXXXXX") || die "cannot create a build folder in $kbuild"
# Runs side by side for one kernel wait for each other here: one builds,
# the others take its build from the cache (and the initramfs base below).
exec 8>"$kbuild/.build.lock"
flock 8 || die "cannot lock $kbuild/.build.lock"
if [ -f "$modcache/mmtorture.ko" ] && [ -s "$modcache/compiler" ]; then
	say "mmtorture.ko for $kver from the build cache ($modcache)"
	cp "$modcache/mmtorture.ko" "$modbuild/" || die "cannot copy $modcache/mmtorture.ko"
	module_compiler=$(cat "$modcache/compiler")
else
	say "building mmtorture.ko for $kver"
	module_compiler=$("$top/scripts/build-module.sh" "$KDIR" "$modbuild" "${BUILDROOT:-}" | tail -n 1) || exit 2
	keep=$(mktemp -d "$kbuild/.module-keep.XXXXXX") &&
		cp "$modbuild/mmtorture.ko" "$keep/" && printf '%s\n' "$module_compiler" >"$keep/compiler" &&
		{ mv -T "$keep" "$modcache" 2>/dev/null || rm -rf "$keep"; }
fi

base=$kbuild/initramfs-base.cpio
if [ ! -f "$base" ] || [ "$top/scripts/mkinitramfs.sh" -nt "$base" ]; then
	say "making the initramfs base for $kver"
	"$top/scripts/mkinitramfs.sh" "${modroot:-/nonexistent}" "$kver" "$base" || exit 2
fi
exec 8>&-

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name=$stamp-$kver
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
out=$RESULTS/.incomplete-$name
rm -rf "$out"
mkdir -p "$out" || die "cannot create $out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmt-vm.XXXXXX") || die "cannot make a temporary folder"
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "vm-run: interrupted; partial results left in $out" >&2; exit 130' INT TERM

# The per-run part of the initramfs.
ov=$tmp/overlay
mkdir -p "$ov/opt/mmtorture/bin"
cp "$top/scripts/guest/guest-init" "$ov/init"
cp "$top/scripts/guest/mmtorture-run" "$top/selftests/mmt_uapi.sh" "$ov/opt/mmtorture/"
cp -r "$top/scripts/suites" "$ov/opt/mmtorture/"
mkdir -p "$ov/opt/mmtorture/scripts"
cp "$top/scripts/guest/run-kselftest-collection" "$ov/opt/mmtorture/scripts/"
# The kselftest install layout (make -C selftests install), when built.
[ -x "$build/kselftest/run_kselftest.sh" ] && cp -r "$build/kselftest" "$ov/opt/mmtorture/"
find "$build/guest/bin" -maxdepth 1 -type f -perm -u+x -exec cp {} "$ov/opt/mmtorture/bin/" \;
cp "$modbuild/mmtorture.ko" "$ov/opt/mmtorture/" && rm -rf "$modbuild"
# "@carry PROG..." in a suite: host programs (e.g. fio, stress-ng from
# Debian's packages) copied into the guest at the same path, with the
# shared libraries ldd names, so they run unchanged.
for prog in $(sed -n 's/^@carry[[:space:]]\{1,\}//p' "$suite_file"); do
	path=$(command -v "$prog") || die "suite $SUITE needs $prog on the host: run 'make deps' (as root)"
	for f in "$path" $(ldd "$path" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$ov$(dirname "$f")"
		cp -L "$f" "$ov$f"
	done
done
modparams=${MODULE_PARAMS-$(directive module_params)}
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
echo "--suite $(q "$SUITE") --seed $SEED --duration $DURATION --module /opt/mmtorture/mmtorture.ko --bindir /opt/mmtorture/bin --module-params $(q "$modparams")" \
	>"$ov/opt/mmtorture/run.args"
(cd "$ov" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp/overlay.cpio" ||
	die "cannot make the initramfs"
cat "$base" "$tmp/overlay.cpio" >"$tmp/initrd.cpio"

truncate -s "${SCRATCH_MB}M" "$tmp/scratch.img" &&
	mkfs.ext4 -q -F -L mmt-scratch "$tmp/scratch.img" ||
	die "cannot make the ext4 scratch disk in $tmp (SCRATCH_MB=$SCRATCH_MB): free some space or lower SCRATCH_MB"

# Accelerator: KVM only where it really runs Debian kernels.
if [ "$ACCEL" = auto ]; then
	if [ -w /dev/kvm ] && grep -qsE "^kvm_(intel|amd) " /proc/modules; then
		ACCEL=kvm
	else
		ACCEL=tcg
	fi
fi
# "@tcg single" in a suite: one host thread runs every vCPU. Suites that
# arm kprobes need it: under multi-threaded TCG a vCPU can execute an INT3
# that text_poke_bp() already removed (scripts/suites/repro-kprobe-arm),
# an emulator fault that would read as a kernel panic.
tcg_threads=$(directive tcg)
tcg_threads=${tcg_threads:-multi}
case $tcg_threads in multi|single) ;; *) die "suite $SUITE: @tcg must be multi or single, not '$tcg_threads'" ;; esac
case $ACCEL in
kvm) accel_args=(-accel kvm -cpu host) ;;
tcg) accel_args=(-accel "tcg,thread=$tcg_threads" -cpu max)
     [ "$tcg_threads" = single ] && ACCEL=tcg-single ;;
esac

cmdline="console=ttyS0,115200n8 panic=-1 oops=panic loglevel=7 printk.time=1"
[ "$ON_WARN" = panic ] && cmdline="$cmdline panic_on_warn=1"
# Multi-threaded TCG: tsc=unstable. A kernel that finds the emulated TSC
# stable (6.12, 7.2) enables the __sched_clock_stable static key in a late
# initcall ("sched_clock: Marking stable"), and may disable it again when
# the clocksource watchdog distrusts the TSC; each flip patches
# sched_clock_cpu() while other vCPUs run it, and the emulator can then
# execute the INT3 that text_poke_bp() already removed (the fault above):
# seen as "int3 in sched_clock_cpu" in 2 of about 150 such boots, without
# the module being involved. With tsc=unstable the key is never enabled
# and the clocksource is the HPET, as on 6.1, which marks its TSC
# unstable by itself. Not under KVM or single-threaded TCG.
[ "$ACCEL" = tcg ] && [ "$tcg_threads" = multi ] && cmdline="$cmdline tsc=unstable"
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none -vga none
	"${accel_args[@]}" -smp "$SMP" -m "$MEM"
	-kernel "$vmlinuz" -initrd "$tmp/initrd.cpio" -append "$cmdline"
	-serial "file:$out/console.log" -serial "file:$tmp/stream.raw"
	-serial "file:$tmp/heartbeat"
	-drive "file=$tmp/scratch.img,if=virtio,format=raw,cache=unsafe")

# Overall limit: boot allowance plus every test's own timeout.
if [ -z "${TIMEOUT:-}" ]; then
	per=$(sed -e 's/#.*//' -e '/^@/d' "$suite_file" | awk 'NF >= 3 { s += $2 } END { print s + 0 }')
	TIMEOUT=$(( 180 + per + 120 ))
fi

git_commit=$(git -C "$top" rev-parse HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$top" status --porcelain 2>/dev/null)" ] && git_commit="$git_commit-dirty"
# Pin the exact release: "6.12" moves when Debian ships a newer one.
replay_kernel=$KERNEL
[ -f "$KERNEL" ] || [ "$KERNEL" = src ] || replay_kernel=$kver
replay="make run KERNEL=$replay_kernel SUITE=$SUITE SEED=$SEED DURATION=$DURATION SMP=$SMP MEM=$MEM ON_WARN=$ON_WARN"
[ -n "${MODULE_PARAMS+x}" ] && replay="$replay MODULE_PARAMS='$MODULE_PARAMS'"
[ -f "$KERNEL" ] && replay="$replay KDIR=$KDIR"
[ "$KERNEL" = src ] && replay="$replay KSRC=${KSRC:-6.12} KCONFIG=${KCONFIG:-default}${PATCH:+ PATCH=$PATCH}"
# Which lock a page fault takes (docs/races.md section 2): per-VMA locks
# since 6.4 where the config has them, else mmap_lock only.
if [ ! -f "$config" ]; then
	vma_locking=unknown
elif grep -qx 'CONFIG_PER_VMA_LOCK=y' "$config"; then
	vma_locking=per_vma_lock
else
	vma_locking=mmap_lock
fi
cat >"$out/meta.env" <<EOF
kernel=$kver
vma_locking=$vma_locking
kernel_package=$kernel_package
module_compiler=$module_compiler
kernel_config_sha256=$(sha256sum "$config" 2>/dev/null | cut -d' ' -f1)
qemu_cmdline=${qemu[*]}
kernel_cmdline=$cmdline
accel=$ACCEL
vcpus=$SMP
memory_mb=$MEM
git_commit=$git_commit
suite=$SUITE
seed=$SEED
duration=$DURATION
oops_mode=oops=panic on_warn=$ON_WARN
timeout_s=$TIMEOUT
started_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
replay=$replay
results_dir=$RESULTS/$name
EOF
[ -z "$src_meta" ] || printf '%s\n' "$src_meta" >>"$out/meta.env"
echo "$replay" >"$out/replay"

say "booting $kver ($ACCEL, $SMP vCPUs, seed $SEED, suite $SUITE, limit ${TIMEOUT}s)"
start=$(date +%s)
start_ns=$(date +%s%N)
"${qemu[@]}" >"$tmp/qemu.out" 2>&1 &
qpid=$!
reason=poweroff
shown=0
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	# Progress: the suite's top-level results as they arrive.
	if [ "${QUIET:-0}" != 1 ] && [ -f "$tmp/stream.raw" ]; then
		n=$(tr -d '\r' <"$tmp/stream.raw" | grep -cE '^(not )?ok ')
		if [ "$n" -gt "$shown" ]; then
			tr -d '\r' <"$tmp/stream.raw" | grep -E '^(not )?ok ' |
				sed -n "$((shown + 1)),${n}p" | sed 's/^/  /' >&2
			shown=$n
		fi
	fi
	if [ $((now - start)) -ge "$TIMEOUT" ]; then
		reason=timeout
		break
	fi
	beat=$start
	[ -s "$tmp/heartbeat" ] && beat=$(stat -c %Y "$tmp/heartbeat")
	if [ $((now - beat)) -ge "$HANG_SECS" ]; then
		reason=hang
		break
	fi
done
if [ "$reason" != poweroff ]; then
	say "guest $reason after $(( $(date +%s) - start ))s: stopping QEMU"
	kill "$qpid" 2>/dev/null
	sleep 1
	kill -KILL "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
else
	wait "$qpid"
	qrc=$?
	if [ "$qrc" != 0 ]; then
		reason=qemu-error
		sed 's/^/  qemu: /' "$tmp/qemu.out" >&2
	fi
fi
qpid=
cp "$tmp/qemu.out" "$out/qemu.log"
tr -d '\r' <"$tmp/stream.raw" >"$out/results.ktap" 2>/dev/null || : >"$out/results.ktap"
echo "finished_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$out/meta.env"
echo "boot_to_verdict_s=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" >>"$out/meta.env"

report_args=(--dir "$out" --exit-reason "$reason")
[ "${QUIET:-0}" = 1 ] && report_args+=(--quiet)
"$build/mmt-report" "${report_args[@]}"
verdict=$?
final=$RESULTS/$name
if [ -f "$out/summary.json" ]; then
	mv "$out" "$final" || die "cannot rename $out to $final"
	# report.html beside summary.json (static, links to the logs)
	[ -x "$build/mmt-campaign" ] &&
		{ "$build/mmt-campaign" --run-html "$final" || echo "vm-run: no report.html written" >&2; }
	[ "${QUIET:-0}" = 1 ] || echo "results: $final" >&2
	ln -sfn "$name" "$RESULTS/latest"
else
	echo "vm-run: no summary.json written; partial results left in $out" >&2
fi
exit "$verdict"
