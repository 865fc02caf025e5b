#!/usr/bin/env bash
# The board in a box: TeslaCam as it runs on a Pi, in one QEMU guest. `teslacam run` serves volume.img from the
# guest's own ext4 disk, systemd/gadget.sh binds a mass-storage gadget (f_mass_storage) to dummy_hcd, the same
# kernel's usb-storage sees that gadget as a USB disk and the car (Linux vfat, scripts/car/car.sh) records onto
# it: SCSI commands, 16 KiB gadget I/O, SYNCHRONIZE CACHE as the daemon's fsync.
#
#   scripts/board-in-a-box.sh WORKDIR [--minutes N] [--cameras 4|6] [--clip BYTES] [--seed S]
#                             [--powercut-after SECONDS [--cut-minute K]] [--restart-after K] [--memory MiB]
#                             [--restart-mode kill|reload|remount] [--teslacam PATH]
#
# 1. record: a fresh board disk, the car records N minutes. --powercut-after S kills QEMU S seconds after the car
#    synced its K-th minute (--cut-minute, default 1), so the cut lands in the recording whatever the speed of the
#    emulation: the whole board loses power, the daemon's page cache and memory with it.
#    --sync-grace G (default 1.5): the car's `sync` (sync(2)) on vfat sends no SYNCHRONIZE CACHE, so its writes
#    are durable only once the engine's own writeback ran (VolumeEngine.writebackDelay, 250 ms, plus its pass and
#    fsyncs): a sync reported less than G s before the cut counts as not yet done (its pre-sync block is checked).
#    --restart-after K: SIGKILL the daemon after the car's K-th synced minute, start a new one on the same state and
#    point the gadget's LUN at it (RESTART: how long the car had no drive; CAR-SAW: the car kernel's I/O errors).
#    --restart-mode: kill (default; SIGKILL, the board holds the /dev/fuse connection as systemd's fd store does and
#    the next daemon takes it over), reload (SIGHUP: the daemon execs itself, connection kept), remount (SIGKILL, a
#    fresh mount and the LUN re-pointed: what a restart did before the handover).
# 2. check: a fresh boot of the same disk; the daemon recovers, the gadget comes back, and every file the car had
#    synced before the cut must be on the volume (read through the gadget) and in the archive, byte for byte.
# Exit 0 when both hold (and, without a cut, fsck.fat found the volume clean); WORKDIR keeps the consoles, the
# manifest and the board disk (WORKDIR/board.ext4; the daemon's log is /var/log/teslacam.log on it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
work=${1:?usage: board-in-a-box.sh WORKDIR [options]}; shift
minutes=2 cameras=4 clip=2097152 seed=1 powercut= cut_minute=1 restart_after=0 restart_mode=kill memory=512 grace=1.5 tc=${TESLACAM:-$repo/.build/debug/teslacam} timeout=900
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) minutes=$2 ;; --cameras) cameras=$2 ;; --clip) clip=$2 ;; --seed) seed=$2 ;;
        --powercut-after) powercut=$2 ;; --cut-minute) cut_minute=$2 ;; --restart-after) restart_after=$2 ;; --restart-mode) restart_mode=$2 ;; --memory) memory=$2 ;; --sync-grace) grace=$2 ;; --teslacam) tc=$2 ;; --timeout) timeout=$2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift 2 || exit 2
done
[ -x "$tc" ] || { echo "no teslacam binary $tc: swift build --product teslacam" >&2; exit 2; }
mkdir -p "$work"; work=$(cd "$work" && pwd)
"$repo/scripts/board/build-board.sh" "$work/guest" || exit 1
"$repo/scripts/board/make-board-disk.sh" "$work/board.ext4" "$tc" || exit 1
accel=$(cat "$work/guest/accel" 2>/dev/null || echo tcg)   # the car guest's KVM probe, when it ran

boot() {  # console scenario [extra kernel args]
    local console=$1 scenario=$2; shift 2
    : > "$console"
    qemu-system-x86_64 -M q35 -m "$memory" -smp 2 -nodefaults -no-reboot -display none -monitor none -accel "$accel" \
        -kernel "$work/guest/vmlinux" -initrd "$work/guest/board-initramfs.cpio.gz" -serial "file:$console" \
        -drive "file=$work/board.ext4,format=raw,if=virtio,cache=writeback,aio=threads" \
        -append "console=ttyS0 quiet panic=-1 no_timer_check tc.scenario=$scenario $*" > "$work/qemu.out" 2>&1 &
    qpid=$!
}
clean() { tr -d '\r' < "$1"; }
field() { clean "$1" | awk -F'\t' -v k="$2" -v n="$3" '$1 == k { v = $n } END { print v }'; }

# 1. record
start=$(date +%s)
boot "$work/record.console" record tc.minutes=$minutes tc.cameras=$cameras tc.clip=$clip tc.chunk=262144 \
    tc.seed=$seed tc.keep=2 tc.event_every=3 tc.fsync_every=4 tc.daemon_console=1 tc.restart_after=$restart_after tc.restart_mode=$restart_mode
cut=0 seen_ends=0 cut_at=
: > "$work/manifest.seen"   # block number, host time the host first saw its MANIFEST-END
now() { date +%s.%N; }
while kill -0 $qpid 2>/dev/null; do
    if [ $(( $(date +%s) - start )) -gt "$timeout" ]; then echo "board: record timed out" >&2; kill -KILL $qpid; break; fi
    # Each synced minute prints two MANIFEST-END lines (before and after its sync).
    ends=$(grep -c '^MANIFEST-END' "$work/record.console")
    t=$(now)
    while [ "$seen_ends" -lt "$ends" ]; do seen_ends=$((seen_ends + 1)); printf '%s\t%s\n' $seen_ends "$t" >> "$work/manifest.seen"; done
    if [ -n "$powercut" ] && [ "$ends" -ge $((2 * cut_minute)) ]; then
        cut_from=${cut_from:-$t}
        if awk -v a="$cut_from" -v b="$t" -v s="$powercut" 'BEGIN { exit !(b - a >= s) }'; then
            kill -KILL $qpid; cut=1; cut_at=$(now); break
        fi
    fi
    sleep 0.2
done
wait $qpid 2>/dev/null
clean "$work/record.console" | grep -vE '^(MANIFEST|MINUTE)' | sed 's/^/record: /' >&2
if [ $cut = 1 ] && grep -q '^BOARD-DONE' "$work/record.console"; then cut=0; fi   # the car finished first
grep -q '^BOARD-FAIL' "$work/record.console" && { echo "board: the record boot failed" >&2; exit 1; }
if [ $cut = 0 ] && ! grep -q '^BOARD-DONE' "$work/record.console"; then echo "board: the record boot did not finish" >&2; exit 1; fi

# The manifest: the synced files of the last complete MANIFEST block (as run-car.sh reads it). After a cut, a
# post-sync block seen less than the grace before it gives way to its pre-sync twin (the same files, the
# minute's changes marked unsynced): that sync's writes may still have been waiting for the engine's writeback.
use_block=0
if [ $cut = 1 ]; then
    last=$(clean "$work/record.console" | awk -F'\t' '$1 == "MANIFEST-END" { n = $2 } END { print n + 0 }')
    use_block=$(awk -F'\t' -v last="$last" -v cut="$cut_at" -v g="$grace" '
        $1 == last { seen = $2 }
        END { if (last % 2 == 0 && (seen == "" || cut - seen < g)) print last - 1; else print last }' "$work/manifest.seen")
    gap=$(awk -F'\t' -v b="$use_block" -v cut="$cut_at" '$1 == b - (b % 2) { printf "%.1f", cut - $2 }' "$work/manifest.seen")
    echo "board: checking manifest block $use_block of $last (its sync reported ${gap:-?} s before the cut; grace $grace s)" >&2
fi
clean "$work/record.console" | awk -F'\t' -v OFS='\t' -v upto="$use_block" '
    $1 == "MANIFEST-BEGIN" { if (upto > 0 && $2 > upto) exit; n = 0; open = 1; next }
    $1 == "MANIFEST" && open { line[++n] = $0; next }
    $1 == "MANIFEST-END" && open { m = n; for (i = 1; i <= n; i++) last[i] = line[i]; open = 0; next }
    END { for (i = 1; i <= m; i++) { split(last[i], f, "\t"); if (f[6] == "yes") print f[2], f[3], f[4], f[5] } }' \
    | LC_ALL=C sort -t$'\t' -k2,2 > "$work/car.manifest"
echo "board: $(grep -c '^live' "$work/car.manifest") files the car had synced$([ $cut = 1 ] && echo " before the power cut ($powercut s after minute $cut_minute was synced)")" >&2

# 2. check: a fresh boot of the same disk
boot "$work/check.console" check
wait $qpid 2>/dev/null
clean "$work/check.console" | grep -vE '^(VOLUME|ARCHIVE)' | sed 's/^/check: /' >&2
grep -q '^BOARD-DONE' "$work/check.console" || { echo "board: the check boot did not finish" >&2; exit 1; }
clean "$work/check.console" | awk -F'\t' -v OFS='\t' '$1 == "VOLUME" { print $2, $3, $4 }' > "$work/volume.list"
clean "$work/check.console" | awk -F'\t' -v OFS='\t' '$1 == "ARCHIVE" { print $2, $3, $4 }' > "$work/archive.list"

rc=0
missing_volume=0 missing_archive=0 checked=0
while IFS=$'\t' read -r state path size sha; do
    [ "$state" = live ] || continue
    checked=$((checked + 1))
    grep -qxF "$(printf '%s\t%s\t%s' "$path" "$size" "$sha")" "$work/volume.list" \
        || { echo "board: not on the volume as synced: $path ($size bytes)" >&2; missing_volume=$((missing_volume + 1)); }
    grep -qxF "$(printf '%s\t%s\t%s' "$path" "$size" "$sha")" "$work/archive.list" \
        || { echo "board: not in the archive as synced: $path ($size bytes)" >&2; missing_archive=$((missing_archive + 1)); }
done < "$work/car.manifest"
[ $missing_volume = 0 ] && [ $missing_archive = 0 ] || rc=1
fsck_record=$(field "$work/record.console" FSCK 2) fsck_check=$(field "$work/check.console" FSCK 2)
[ $cut = 0 ] && [ "$fsck_record" != clean ] && { echo "board: fsck.fat after recording: $fsck_record" >&2; rc=1; }
ready=$(field "$work/record.console" DAEMON-READY 2) mounted=$(field "$work/record.console" MOUNTED 3)
done_=$(field "$work/record.console" SCENARIO 3)
echo "board: accel=$accel powercut=$cut checked=$checked missing-volume=$missing_volume missing-archive=$missing_archive" \
     "fsck-record=${fsck_record:-none} fsck-check=${fsck_check:-none} guest-uptime ready=$ready mounted=$mounted" \
     "car-done=${done_:-cut} wall=$(( $(date +%s) - start ))s" >&2
exit $rc
