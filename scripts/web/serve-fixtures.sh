#!/usr/bin/env bash
# Starts `teslacam run` with the web UI on DIR and copies fixtures/clips onto its volume with mtools, as a car
# would write them (through FUSE, harvested, catalogued). Prints "URL PASSWORD PID" once every file is complete.
# Usage: scripts/web/serve-fixtures.sh BIN DIR PORT
set -euo pipefail
BIN=$1 DIR=$2 PORT=$3
cd "$(dirname "$0")/../.."
fusermount3 -u "$DIR/mnt" 2>/dev/null || true
rm -rf "$DIR"; mkdir -p "$DIR/mnt" "$DIR/state" "$DIR/nas"
PASSWORD=$("$BIN" passwd --state "$DIR/state" --generate)
# TESLACAM_DROPBOX_URL (a Dropbox stand-in) adds a dropbox sink not linked yet, its token to go to
# TESLACAM_DROPBOX_TOKEN.
dropbox=""
if [ -n "${TESLACAM_DROPBOX_URL:-}" ]; then
    u=$TESLACAM_DROPBOX_URL
    dropbox=", \"box\": { \"type\": \"dropbox\", \"appKey\": \"app-key\", \"refreshTokenFile\": \"$TESLACAM_DROPBOX_TOKEN\", \"apiURL\": \"$u\", \"contentURL\": \"$u\", \"authorizeURL\": \"$u/oauth2/authorize\" }"
fi
# TESLACAM_MAP_TILES (a tile server's {z}/{x}/{y} address) turns the pages' map tiles on.
tiles=""
if [ -n "${TESLACAM_MAP_TILES:-}" ]; then tiles=", \"mapTiles\": { \"url\": \"$TESLACAM_MAP_TILES\" }"; fi
cat > "$DIR/config.json" <<JSON
{ "web": { "listen": "127.0.0.1:$PORT"$tiles },
  "sinks": { "nas": { "type": "folder", "path": "$DIR/nas" }$dropbox }, "routes": { "saved": ["nas"] } }
JSON
"$BIN" run --state "$DIR/state" --archive "$DIR/archive" --mountpoint "$DIR/mnt" --size 2G --config "$DIR/config.json" \
    > "$DIR/daemon.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do grep -q " ready" "$DIR/daemon.log" 2>/dev/null && break; sleep 0.1; done
grep -q " ready" "$DIR/daemon.log" || { cat "$DIR/daemon.log" >&2; echo "the daemon did not come up" >&2; exit 1; }
# The car's writes: mtools into the FAT volume (partition at 1 MiB), then a flush as the car's fsync.
MTOOLS_SKIP_CHECK=1 mcopy -s -o -i "$DIR/mnt/volume.img@@1M" fixtures/clips/TeslaCam/RecentClips fixtures/clips/TeslaCam/SavedClips \
    fixtures/clips/TeslaCam/SentryClips ::TeslaCam/
python3 -c 'import os,sys; fd = os.open(sys.argv[1], os.O_RDWR); os.fsync(fd)' "$DIR/mnt/volume.img"
want=$(find fixtures/clips/TeslaCam -type f | wc -l)
for _ in $(seq 1 200); do
    got=$("$BIN" clips --state "$DIR/state" --only complete 2>/dev/null | grep -c TeslaCam/ || true)
    [ "$got" -ge "$want" ] && break
    sleep 0.1
done
[ "$got" -ge "$want" ] || { echo "only $got of $want fixture files completed" >&2; tail -20 "$DIR/daemon.log" >&2; exit 1; }
echo "http://127.0.0.1:$PORT/ $PASSWORD $PID"
