#!/usr/bin/env bash
# Installs what TeslaCam needs from Debian 12 beyond the Swift toolchain. Idempotent.
set -euo pipefail
# libcurl for the HTTP sinks; openssh (client and server) and rsync for the rsync sink and its tests; nginx with
# its dav modules and rclone (the independent client) for the webdav sink's tests; prometheus for promtool, which
# checks the metrics text; postgresql for the ingest server's tests (a throwaway cluster each; the service
# Debian starts is not used).
packages=(fuse3 libfuse3-dev libsqlite3-dev dosfstools mtools util-linux pkg-config libcurl4-openssl-dev zlib1g-dev
          openssh-client openssh-server rsync python3 curl
          nginx-light libnginx-mod-http-dav-ext rclone prometheus
          ffmpeg chromium postgresql)  # ffmpeg judges repaired clips; chromium plays clips in the browser tests
# systemd for `systemd-analyze verify` of the units, passwd for install.sh's useradd (InstallerTests).
packages+=(systemd passwd)
# e2fsprogs for install.sh --data-partition (mkfs.ext4, InstallerOptionsTests), iw for verifying the Wi-Fi unit.
packages+=(e2fsprogs iw)
if [ "${1:-}" = "--car" ]; then packages+=(qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils file gcc libc6-dev e2fsprogs); fi
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
# moto's S3 (its server mode needs flask) and boto3 from PyPI: the S3 peer the s3 sink and ingest tests upload to,
# with SigV4 checked, and the independent client that downloads and hashes what arrived; botocore also cross-checks
# SigV4. WsgiDAV (with cheroot): the second WebDAV server the webdav sink is tested against. tuspy: an independent
# tus client for the ingest server.
if ! python3 -c 'import moto.server, boto3, flask, flask_cors, wsgidav, cheroot, tusclient' >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    if ! python3 -m pip --version >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-pip
    fi
    $SUDO python3 -m pip install --quiet 'moto[server]' boto3 wsgidav cheroot tuspy 2>/dev/null \
        || $SUDO python3 -m pip install --quiet --break-system-packages 'moto[server]' boto3 wsgidav cheroot tuspy
fi
# Playwright for Python, from PyPI: drives Debian's chromium in the web UI's browser tests (its own browser
# download is never used: the tests pass executable_path=/usr/bin/chromium).
if ! python3 -c 'import playwright.sync_api' >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO python3 -m pip install --quiet playwright 2>/dev/null \
        || $SUDO python3 -m pip install --quiet --break-system-packages playwright
fi
export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "swift not found: install the Swift 6.3 toolchain at /opt/swift" >&2; exit 1; }
