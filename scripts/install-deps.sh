#!/usr/bin/env bash
# Installs what TeslaCam needs from Debian 12 beyond the Swift toolchain. Idempotent.
set -euo pipefail
# libcurl for the HTTP sinks; openssh (client and server) and rsync for the rsync sink and its tests.
packages=(fuse3 libfuse3-dev libsqlite3-dev dosfstools mtools util-linux pkg-config libcurl4-openssl-dev
          openssh-client openssh-server rsync python3)
if [ "${1:-}" = "--car" ]; then packages+=(qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils file gcc libc6-dev); fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "swift not found: install the Swift 6.3 toolchain at /opt/swift" >&2; exit 1; }
