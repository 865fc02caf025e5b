#!/usr/bin/env bash
# Load benchmark of the fleet ingest server on loopback: now `teslacam-ingest bench` (Sources/teslacam-ingest/
# BenchCommand.swift), which starts a throwaway PostgreSQL, moto's S3 and the instances itself, runs N simulated
# boards (tuspy threads, each its own certificate) through tus + mutual TLS, and boto3 straight to the same S3 in
# the same run. Bounded: --devices ≤ 64, --files ≤ 16, --mib ≤ 256; everything stops itself.
# Usage: scripts/bench-ingest.sh [DEVICES] [FILES PER DEVICE] [MiB PER FILE]   (root; after install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/teslacam-ingest; [ -x "$bin" ] || bin=.build/debug/teslacam-ingest
exec "$bin" bench --devices "${1:-8}" --files "${2:-2}" --mib "${3:-16}" --peers scripts/peers
