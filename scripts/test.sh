#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (Swift toolchain present) and runs every test, FUSE integration included.
# Needs root (FUSE mounts, loop devices, tmpfs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build
swift test "$@"
