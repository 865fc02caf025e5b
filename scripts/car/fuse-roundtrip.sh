#!/usr/bin/env bash
# fuse-roundtrip.sh WORKDIR [--size 2G] [--layout mbr|superfloppy] [run-car.sh options...]
# The whole loop on the real thing: format a TeslaCam state, serve it with `teslacam run`, let the QEMU car
# record onto MOUNTPOINT/volume.img, check the volume against the car's manifest, stop teslacam. Leaves
# WORKDIR/{state,archive,mnt,car.manifest,console,teslacam.log} for inspection. Needs .build/debug/teslacam
# (or TESLACAM=path) and a guest in WORKDIR/guest (built here when missing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
work=${1:?usage: fuse-roundtrip.sh WORKDIR [--size S] [--layout L] [run-car options]}; shift
size=2G layout=mbr powercut=0 pass=()
while [ $# -gt 0 ]; do
    case $1 in
        --size) size=$2; shift 2 ;; --layout) layout=$2; shift 2 ;;
        --powercut-after) powercut=1; pass+=("$1" "$2"); shift 2 ;;
        *) pass+=("$1"); shift ;;
    esac
done
tc=${TESLACAM:-$repo/.build/debug/teslacam}
[ -x "$tc" ] || { echo "no $tc: swift build --product teslacam" >&2; exit 2; }
mkdir -p "$work"; work=$(cd "$work" && pwd)
[ -s "$work/guest/initramfs.cpio.gz" ] || "$here/build-guest.sh" "$work/guest" || exit 1
rm -rf "$work/state" "$work/archive"; mkdir -p "$work/mnt"
"$tc" format --state "$work/state" --size "$size" --layout "$layout" || exit 1

# Job control on: a background job of a non-interactive shell inherits SIGINT ignored, and teslacam would then
# not stop on SIGINT (SIGTERM works either way).
set -m
"$tc" run --state "$work/state" --archive "$work/archive" --mountpoint "$work/mnt" > "$work/teslacam.log" 2>&1 &
tcpid=$!
set +m
stop() {
    kill -0 $tcpid 2>/dev/null || return 0
    kill -INT $tcpid
    for _ in $(seq 100); do kill -0 $tcpid 2>/dev/null || break; sleep 0.1; done
    kill -0 $tcpid 2>/dev/null && { echo "teslacam ignored SIGINT for 10 s, sending SIGTERM" >&2; kill -TERM $tcpid; sleep 2; }
    mountpoint -q "$work/mnt" && fusermount3 -u "$work/mnt" 2>/dev/null
    return 0
}
trap stop EXIT
for _ in $(seq 150); do grep -q ready "$work/teslacam.log" && break; kill -0 $tcpid 2>/dev/null || break; sleep 0.2; done
grep -q ready "$work/teslacam.log" || { echo "teslacam did not get ready:" >&2; cat "$work/teslacam.log" >&2; exit 1; }

rc=0
"$here/run-car.sh" --image "$work/mnt/volume.img" --guest "$work/guest" --manifest "$work/car.manifest" \
    --console "$work/console" "${pass[@]}" || rc=1
flags=(); [ $powercut -eq 1 ] && flags=(--after-powercut)
"$here/check-volume.sh" "${flags[@]}" "$work/mnt/volume.img" "$work/car.manifest" | grep -v '^fsck: ' || rc=1
stop
echo "roundtrip: archive holds $(find "$work/archive" -type f 2>/dev/null | wc -l) files; teslacam: $(tail -1 "$work/teslacam.log")"
exit $rc
