#!/usr/bin/env bash
# Load benchmark of the fleet ingest server on loopback: a throwaway PostgreSQL, moto's S3, one teslacam-ingest
# instance; N simulated boards (each its own certificate) upload through tus + mutual TLS, then boto3 puts the same
# files straight into the same S3. Bounded: --devices ≤ 64, --files ≤ 16, --size ≤ 256M; everything stops itself.
# Usage: scripts/bench-ingest.sh [DEVICES] [FILES PER DEVICE] [MiB PER FILE]   (root; after install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-8}; files=${2:-2}; mib=${3:-16}
bin=.build/release/teslacam-ingest; [ -x "$bin" ] || bin=.build/debug/teslacam-ingest
work=$(mktemp -d /tmp/teslacam-ingest-bench.XXXXXX); user=teslacam-ingesttest
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
mkdir -p "$work/pg/socket"; chown -R "$user" "$work/pg"; chmod 755 "$work"
as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups -- "$@"; }
as_user "$pgbin/initdb" -D "$work/pg/data" -U ingest --auth=trust -E UTF8 --no-sync >/dev/null
pgport=$(free_port); s3port=$(free_port); port=$(free_port)
as_user "$pgbin/postgres" -D "$work/pg/data" -p "$pgport" -k "$work/pg/socket" -c listen_addresses= >"$work/pg.log" 2>&1 & pids+=($!)
python3 -m moto.server -H 127.0.0.1 -p "$s3port" >"$work/moto.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do "$pgbin/pg_isready" -q -h "$work/pg/socket" -p "$pgport" && break; sleep 0.1; done
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $s3port))" 2>/dev/null && break; sleep 0.1; done
python3 scripts/peers/ingest-client.py s3-bucket --endpoint "http://127.0.0.1:$s3port" --bucket fleet-clips >/dev/null
"$bin" ca init --dir "$work/ca" >/dev/null; "$bin" ca server --dir "$work/ca" localhost 127.0.0.1 >/dev/null
for n in $(seq 0 $((devices - 1))); do "$bin" ca issue --dir "$work/ca" "$(printf bench-%02d "$n")" >/dev/null; done
echo testing > "$work/s3.key"
cat > "$work/ingest.json" <<JSON
{ "listen": "127.0.0.1:$port",
  "tls": { "certFile": "$work/ca/server.pem", "keyFile": "$work/ca/server.key", "caFile": "$work/ca/ca.pem" },
  "storage": { "type": "s3", "endpoint": "http://127.0.0.1:$s3port", "bucket": "fleet-clips", "region": "us-east-1",
               "accessKeyId": "testing", "secretAccessKeyFile": "$work/s3.key", "partSize": "8M" },
  "catalog": { "postgres": "postgres://ingest@localhost:$pgport/postgres?host=$work/pg/socket" } }
JSON
"$bin" serve --config "$work/ingest.json" >"$work/ingest.log" 2>&1 & ingest=$!; pids+=($ingest)
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.1; done
cpu_before=$(awk '{print $14 + $15}' /proc/$ingest/stat)
result=$(python3 scripts/peers/ingest-bench.py --url "https://localhost:$port/files/" --ca "$work/ca/ca.pem" --certs "$work/ca/devices" \
    --devices "$devices" --files "$files" --size $((mib << 20)) --work "$work" --endpoint "http://127.0.0.1:$s3port" --bucket fleet-clips)
cpu_after=$(awk '{print $14 + $15}' /proc/$ingest/stat)
rss=$(awk '/VmHWM/ {print $2}' /proc/$ingest/status)
gib=$(python3 -c "print($devices * $files * $mib / 1024)")
echo "$result" | python3 -c "
import json, sys; r = json.load(sys.stdin)
r['ingest_cpu_s_per_GiB'] = round(($cpu_after - $cpu_before) / $(getconf CLK_TCK) / $gib, 2); r['ingest_peak_rss_MiB'] = round($rss / 1024)
r['binary'] = '$bin'; print(json.dumps(r))"
