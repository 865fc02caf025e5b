#!/usr/bin/env bash
# The main job, demonstrated without a car: sets up a fresh Debian 12 machine (Swift toolchain present), formats and
# mounts a TeslaCam volume, drives it with a simulated car and shows what arrives.
# Needs root (FUSE with allow_other). Usage: sudo scripts/demo.sh [--minutes N] [--car swift|qemu]
#   --car swift  (default) the built-in Tesla-pattern writer: 4 cameras, circular deletes, saved/sentry events
#   --car qemu   the Linux kernel's vfat driver in a QEMU guest (scripts/car/), closest to the real car
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=10 CAR=swift
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) MINUTES=$2; shift 2 ;;
        --car) CAR=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--car swift|qemu]" >&2; exit 2 ;;
    esac
done
if [ "$CAR" = qemu ]; then scripts/install-deps.sh --car; else scripts/install-deps.sh; fi
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product teslacam
BIN=$(swift build --show-bin-path)/teslacam

DEMO=${TESLACAM_DEMO_DIR:-/tmp/teslacam-demo}
fusermount3 -u "$DEMO/mnt" 2>/dev/null || true
rm -rf "$DEMO"; mkdir -p "$DEMO/mnt"
"$BIN" run --state "$DEMO/state" --archive "$DEMO/archive" --mountpoint "$DEMO/mnt" 2> "$DEMO/daemon.log" &
DAEMON=$!
trap 'kill -INT $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q ready "$DEMO/daemon.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$DEMO/daemon.log" || { cat "$DEMO/daemon.log" >&2; echo "the daemon did not come up" >&2; exit 1; }
echo "== volume mounted: $DEMO/mnt/volume.img (the USB gadget's backing file on a Pi)"

case $CAR in
    swift) "$BIN" simulate --device "$DEMO/mnt/volume.img" --minutes "$MINUTES" --speed 60 --clip 2M-4M ;;
    qemu)  scripts/car/build-guest.sh "$DEMO/guest"
           scripts/car/run-car.sh --image "$DEMO/mnt/volume.img" --guest "$DEMO/guest" --minutes "$MINUTES" \
               --manifest "$DEMO/manifest.tsv" ;;
    *) echo "unknown car '$CAR'" >&2; exit 2 ;;
esac

echo "== what the car sees on its drive (mtools):"
MTOOLS_SKIP_CHECK=1 mdir -/ -b -i "$DEMO/mnt/volume.img@@1M" ::TeslaCam | head -40
echo "== harvested onto ext4 under $DEMO/archive:"
(cd "$DEMO/archive" && find . -type f | sort | head -60)
kill -INT $DAEMON; wait $DAEMON || true; trap - EXIT
echo "== the volume after the daemon stopped (teslacam inspect):"
"$BIN" inspect --state "$DEMO/state"
echo "== daemon log: $DEMO/daemon.log; run it again with: $BIN run --state $DEMO/state --archive $DEMO/archive --mountpoint $DEMO/mnt"
