#!/usr/bin/env bash
# The main job, demonstrated without a car: sets up a fresh Debian 12 machine (Swift toolchain present), formats and
# mounts a TeslaCam volume, drives it with a simulated car and shows the clips arriving in the archive as they are
# recorded. Needs root (FUSE with allow_other, QEMU). Usage: sudo scripts/demo.sh [--minutes N] [--car qemu|swift]
#   --car qemu   (default) the Linux kernel's vfat driver in a QEMU guest (scripts/car/): the car's own driver
#   --car swift  the built-in Tesla-pattern writer (no QEMU needed)
# It ends with the daemon and the web UI serving the demo's clips at http://localhost:3000 (a generated password is
# printed) until Ctrl-C. TESLACAM_WEB_PORT=N picks another port; TESLACAM_DEMO_NO_WAIT=1 stops at once (CI, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=8 CAR=qemu
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) MINUTES=$2; shift 2 ;;
        --car) CAR=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--car qemu|swift]" >&2; exit 2 ;;
    esac
done
if [ "$CAR" = qemu ]; then
    if ! scripts/install-deps.sh --car; then
        echo "could not install QEMU and a Debian kernel (apt-get install qemu-system-x86 linux-image-amd64" \
             "busybox-static); falling back to --car swift" >&2
        CAR=swift; scripts/install-deps.sh
    fi
else
    scripts/install-deps.sh
fi
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product teslacam
BIN=$(swift build --show-bin-path)/teslacam

DEMO=${TESLACAM_DEMO_DIR:-/tmp/teslacam-demo}
fusermount3 -u "$DEMO/mnt" 2>/dev/null || true
rm -rf "$DEMO"; mkdir -p "$DEMO/mnt" "$DEMO/state"
WEB_PORT=${TESLACAM_WEB_PORT:-3000}
PASSWORD=$("$BIN" passwd --state "$DEMO/state" --generate)
printf '{ "web": { "listen": "0.0.0.0:%s" } }\n' "$WEB_PORT" > "$DEMO/config.json"
"$BIN" run --state "$DEMO/state" --archive "$DEMO/archive" --mountpoint "$DEMO/mnt" --size 4G \
    --config "$DEMO/config.json" 2> "$DEMO/daemon.log" &
DAEMON=$!
trap 'kill -INT $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true; kill $WATCH 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q ready "$DEMO/daemon.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$DEMO/daemon.log" || { cat "$DEMO/daemon.log" >&2; echo "the daemon did not come up" >&2; exit 1; }
echo "== volume mounted: $DEMO/mnt/volume.img (on a Pi: the USB gadget's backing file); car: $CAR"
echo "== web UI while the car records: http://localhost:$WEB_PORT/  password: $PASSWORD"

# The harvest as it happens: each clip's lifecycle from the daemon's log.
tail -n +1 --pid=$DAEMON -f "$DEMO/daemon.log" | grep --line-buffered -E "clip (created|complete|moved|deleted)" \
    | sed -u -E 's/^.*from=([^ ]*) path=([^ ]*) size=([0-9]+).*clip ([a-z]+)$/  \4\t\2\t\3 bytes/' &
WATCH=$!

case $CAR in
    qemu)  scripts/car/build-guest.sh "$DEMO/guest" >/dev/null
           scripts/car/run-car.sh --image "$DEMO/mnt/volume.img" --guest "$DEMO/guest" --minutes "$MINUTES" \
               --clip 4194304 --keep 3 --event-every 3 --manifest "$DEMO/car.manifest" > "$DEMO/car.log" ;;
    swift) "$BIN" simulate --device "$DEMO/mnt/volume.img" --minutes "$MINUTES" --speed 30 --clip 2M-4M \
               > "$DEMO/car.log" ;;
    *) echo "unknown car '$CAR'" >&2; exit 2 ;;
esac
sleep 1; kill $WATCH 2>/dev/null || true

echo "== what the car sees on its drive now (mtools):"
MTOOLS_SKIP_CHECK=1 mdir -/ -b -i "$DEMO/mnt/volume.img@@1M" ::TeslaCam | awk 'NR <= 40 { print "  " $0 }'
echo "== the live view: $DEMO/mnt/live/ ($(find "$DEMO/mnt/live" -type f | wc -l) files)"
kill -INT $DAEMON; wait $DAEMON || true; trap - EXIT
echo "== harvested onto ext4 under $DEMO/archive (the car's deleted RecentClips included):"
(cd "$DEMO/archive" && find . -path ./.teslacam-pending -prune -o -type f -print | sort | awk 'NR <= 60 { print "  " $0 }')
if [ -f "$DEMO/car.manifest" ]; then
    echo "== every file the car wrote, byte for byte in the archive?"
    bad=0
    while IFS=$'\t' read -r state path size sum; do
        got=$(sha256sum < "$DEMO/archive/$path" 2>/dev/null | cut -d' ' -f1 || true)
        [ "$got" = "$sum" ] || { echo "  MISSING or different: $state $path"; bad=1; }
    done < "$DEMO/car.manifest"
    [ $bad = 0 ] && echo "  yes: $(wc -l < "$DEMO/car.manifest") files, sha256 identical"
fi
echo "== the catalog (teslacam clips):"
# (awk NR<=N rather than head: head closing the pipe early is a SIGPIPE, exit status 141 under pipefail.)
"$BIN" clips --state "$DEMO/state" | awk 'NR <= 20 { print "  " $0 }'
grep -E "stopped" "$DEMO/daemon.log" | sed -E 's/^.*teslacam: /  daemon: /'

# The web UI over the demo's clips: the daemon again, and a Saved event (four cameras with driving telemetry), a
# Sentry event and two RecentClips minutes from fixtures/clips written onto the volume with mtools, as a car would.
"$BIN" run --state "$DEMO/state" --archive "$DEMO/archive" --mountpoint "$DEMO/mnt" --config "$DEMO/config.json" \
    2>> "$DEMO/daemon.log" &
DAEMON=$!
trap 'kill -INT $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ "$(grep -c ' ready' "$DEMO/daemon.log")" -ge 2 ] && break; sleep 0.1; done
MTOOLS_SKIP_CHECK=1 mcopy -s -o -i "$DEMO/mnt/volume.img@@1M" fixtures/clips/TeslaCam/RecentClips \
    fixtures/clips/TeslaCam/SavedClips fixtures/clips/TeslaCam/SentryClips ::TeslaCam/
python3 -c 'import os,sys; fd = os.open(sys.argv[1], os.O_RDWR); os.fsync(fd)' "$DEMO/mnt/volume.img"
echo "== the web UI serves the demo's clips:"
echo "   http://localhost:$WEB_PORT/   password: $PASSWORD"
echo "   (set another with: $BIN passwd --state $DEMO/state)"
if [ -n "${TESLACAM_DEMO_NO_WAIT:-}" ]; then
    sleep 3
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' \
        "http://127.0.0.1:$WEB_PORT/" && echo "   (the page answered; TESLACAM_DEMO_NO_WAIT is set: stopping)"
else
    echo "== Ctrl-C stops the daemon and the web UI."
    trap 'echo; echo "== stopping"; kill -INT $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true; trap - EXIT; exit 0' INT TERM
    wait $DAEMON || true
fi
kill -INT $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true; trap - EXIT
grep -E " stopped" "$DEMO/daemon.log" | tail -1 | sed -E 's/^.*teslacam: /  daemon: /'
echo "== run it again with: $BIN run --state $DEMO/state --archive $DEMO/archive --mountpoint $DEMO/mnt --config $DEMO/config.json"
