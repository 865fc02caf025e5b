#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (Swift toolchain present) and runs every test, FUSE integration included.
# Needs root (FUSE mounts, loop devices, tmpfs).
set -euo pipefail
cd "$(dirname "$0")/.."
# --car: QEMU, a Debian kernel and busybox for the car-in-a-box tests (the Linux vfat driver as the writer).
scripts/install-deps.sh --car
export PATH="/opt/swift/usr/bin:$PATH"
# Build our products by name: a plain `swift build` (or `swift test` building for itself) also builds every
# dependency's executables, and swift-protobuf's include protoc from C++ sources (~10 minutes) that we never run
# (SeiMetadata.pb.swift is generated once and committed).
swift build --product teslacam
# The fleet ingest server, its own binary (its end-to-end tests run it).
swift build --product teslacam-ingest
swift build --product TeslaCamPackageTests
swift test --skip-build "$@"
