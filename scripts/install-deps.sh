#!/usr/bin/env bash
# Installs what TeslaCam needs from Debian 12 beyond the Swift toolchain. Idempotent.
set -euo pipefail
# libcurl for the HTTP sinks; openssh (client and server) and rsync for the rsync sink and its tests;
# postgresql for the ingest server's tests (a throwaway cluster each; the service Debian starts is not used).
packages=(fuse3 libfuse3-dev libsqlite3-dev dosfstools mtools util-linux pkg-config libcurl4-openssl-dev
          openssh-client openssh-server rsync python3 postgresql)
if [ "${1:-}" = "--car" ]; then packages+=(qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils file gcc libc6-dev); fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Google's protobuf for Python, from PyPI: the independent SEI decoder the telemetry tests check ours against.
if ! python3 -c 'import google.protobuf' >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    if ! python3 -m pip --version >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-pip
    fi
    # Debian 12 marks its Python externally managed; the package is pure Python and touches nothing of Debian's.
    $SUDO python3 -m pip install --quiet protobuf 2>/dev/null \
        || $SUDO python3 -m pip install --quiet --break-system-packages protobuf
fi
# The ingest tests' peers from PyPI: moto's S3 server (with boto3) and tuspy, an independent tus client.
if ! python3 -c 'import moto.server, tusclient, boto3' >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    if ! python3 -m pip --version >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-pip
    fi
    $SUDO python3 -m pip install --quiet 'moto[server]' tuspy 2>/dev/null \
        || $SUDO python3 -m pip install --quiet --break-system-packages 'moto[server]' tuspy
fi
export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "swift not found: install the Swift 6.3 toolchain at /opt/swift" >&2; exit 1; }
