#!/usr/bin/env bash
# bench-car.sh [WORKDIR] [--minutes N] [--cameras 4|6] [--clip BYTES] [--smp N] [--bus virtio|usb] [--cache SIZE]
# The kernel-driven benchmark: the QEMU car (Linux vfat) records the same scenario twice in one run, once onto a
# plain FAT32 image file and once onto `teslacam run`'s MOUNTPOINT/volume.img, both in WORKDIR (same disk).
# Prints the guest's recording time for each and their ratio, then the daemon's harvest figures: write
# amplification, staging bytes, bytes promoted out of staging, completion latency. Needs root, QEMU and a
# teslacam binary (TESLACAM=path, default .build-release/release/teslacam, else .build/debug/teslacam).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
work=/var/tmp/teslacam-bench-car
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { work=$1; shift; }
minutes=5 cameras=4 clip=4194304 pass=() run=()
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) minutes=$2 ;; --cameras) cameras=$2 ;; --clip) clip=$2 ;;
        --smp|--bus|--chunk|--fsync-every) pass+=("$1" "$2") ;;
        --cache) run+=(--cache "$2") ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
tc=${TESLACAM:-}
[ -n "$tc" ] || for candidate in "$repo/.build-release/release/teslacam" "$repo/.build/debug/teslacam"; do
    [ -x "$candidate" ] && { tc=$candidate; break; }
done
[ -x "$tc" ] || { echo "no teslacam binary: swift build -c release --scratch-path .build-release --product teslacam" >&2; exit 2; }
mkdir -p "$work"; work=$(cd "$work" && pwd)
[ -s "$work/guest/initramfs.cpio.gz" ] || "$here/build-guest.sh" "$work/guest" >/dev/null || exit 1
car=(--guest "$work/guest" --minutes "$minutes" --cameras "$cameras" --clip "$clip" --keep 3 --event-every 3 "${pass[@]}")
# Guest seconds from mount to the end of the scenario (boot and fsck excluded), from run-car.sh's summary line.
recording() { sed -n 's/.*mounted=\([0-9.]*\) scenario-end=\([0-9.]*\).*/\1 \2/p' "$1" | awk '{ printf "%.2f", $2 - $1 }'; }

# (a) a plain image file, formatted by mkfs.fat like the volume (4 GiB).
rm -f "$work/plain.img"
mkfs.fat -F 32 -C "$work/plain.img" 4194304 >/dev/null || exit 1
"$here/run-car.sh" --image "$work/plain.img" "${car[@]}" --manifest "$work/plain.manifest" 2> "$work/plain.car" \
    || { cat "$work/plain.car" >&2; exit 1; }
rm -f "$work/plain.img"

# (b) teslacam's volume through FUSE, harvesting into the archive.
rm -rf "$work/state" "$work/archive"; mkdir -p "$work/mnt"
fusermount3 -u "$work/mnt" 2>/dev/null
set -m
"$tc" run --state "$work/state" --archive "$work/archive" --mountpoint "$work/mnt" --size 4G "${run[@]}" > "$work/teslacam.log" 2>&1 &
tcpid=$!
set +m
for _ in $(seq 150); do grep -q ready "$work/teslacam.log" && break; sleep 0.2; done
grep -q ready "$work/teslacam.log" || { cat "$work/teslacam.log" >&2; kill $tcpid; exit 1; }
"$here/run-car.sh" --image "$work/mnt/volume.img" "${car[@]}" --manifest "$work/volume.manifest" 2> "$work/volume.car" \
    || { cat "$work/volume.car" >&2; kill -INT $tcpid; exit 1; }
sleep 3  # the quiet period: the last clips complete on their own, as in a parked car
cp /proc/$tcpid/status "$work/status"
kill -INT $tcpid; wait $tcpid
stopped=$(grep stopped "$work/teslacam.log" | tail -1)
rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "$work/status" 2>/dev/null)
stat() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" <<< "$stopped"; }

bad=0
while IFS=$'\t' read -r state path size sum; do
    got=$(sha256sum < "$work/archive/$path" 2>/dev/null | cut -d' ' -f1)
    [ "$got" = "$sum" ] || { echo "archive: $state $path differs from the car's file" >&2; bad=1; }
done < "$work/volume.manifest"

plain=$(recording "$work/plain.car") volume=$(recording "$work/volume.car")
data=$(awk -F'\t' '{ s += $3 } END { print s }' "$work/volume.manifest")
car_bytes=$(stat carBytesWritten) archive=$(stat archiveBytesWritten) staging=$(stat stagingBytesWritten)
echo "bench car: $minutes min x $cameras cameras, clips $((clip >> 20)) MiB, Linux vfat in QEMU ($(sed -n 's/.*accel=\([a-z]*\).*/\1/p' "$work/plain.car"), $(sed -n 's/.*bus=\([a-z]*\).*/\1/p' "$work/plain.car")); $(wc -l < "$work/volume.manifest") files, $data bytes of clips; dir $work"
awk -v p="$plain" -v v="$volume" -v d="$data" 'BEGIN {
    printf "guest recording time: plain image %.2f s (%.1f MiB/s), teslacam volume %.2f s (%.1f MiB/s), ratio %.2f\n",
        p, d / p / 1048576, v, d / v / 1048576, p / v }'
awk -v c="$car_bytes" -v cd="$(stat carDataBytesWritten)" -v a="$archive" -v s="$staging" -v pr="$(stat promotedBytes)" 'BEGIN {
    printf "car bytes written %d (data clusters %d, boot sectors and FATs %d); archive %d, staging %d, promoted out of staging %d\n", c, cd, c - cd, a, s, pr
    printf "write amplification: (FAT region + archive + staging) / car bytes = %.3f\n", (c - cd + a + s) / c }'
echo "files complete: $(stat filesCompleted); completion latency (pass that saw the final size -> complete): median $(stat completionLatencyMedianMs) ms, max $(stat completionLatencyMaxMs) ms"
echo "daemon peak RSS: ${rss:-?} MiB (write cache peak $(stat cachePeakBytes) bytes)"
[ $bad = 0 ] && echo "archive: every file of the car's manifest is byte-identical (sha256)"
exit $bad
