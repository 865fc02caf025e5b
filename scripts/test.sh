#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (Swift toolchain present) and runs every test, FUSE integration included.
# Needs root (FUSE mounts, loop devices, tmpfs).
set -euo pipefail
cd "$(dirname "$0")/.."
# --car: QEMU, a Debian kernel and busybox for the car-in-a-box tests (the Linux vfat driver as the writer).
scripts/install-deps.sh --car
export PATH="/opt/swift/usr/bin:$PATH"
swift build
swift test "$@"
