#!/usr/bin/env bash
# make-board-disk.sh DISK TESLACAM [SIZE]: the board's own ext4 disk (its SD card), built without mounting
# (mke2fs -d): the teslacam binary with every shared library ldd names and the dynamic loader, fusermount3, a
# config, and empty state and archive directories. SIZE defaults to 4G (sparse).
set -euo pipefail
disk=${1:?usage: make-board-disk.sh DISK TESLACAM [SIZE]} tc=${2:?usage: make-board-disk.sh DISK TESLACAM [SIZE]} size=${3:-4G}
tree=$(mktemp -d); trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/usr/local/bin" "$tree/usr/local/lib/teslacam/libs" "$tree/etc/teslacam" "$tree/var/lib/teslacam/state" \
         "$tree/var/lib/teslacam/archive" "$tree/var/log"
cp "$tc" "$tree/usr/local/bin/teslacam"
copy_libs() {
    local lib
    for lib in $(ldd "$1" | grep -oE '/[^ ]+\.so[^ ]*'); do cp -L "$lib" "$tree/usr/local/lib/teslacam/libs/"; done
}
copy_libs "$tc"
fm=$(command -v fusermount3); cp "$fm" "$tree/usr/local/bin/fusermount3"; copy_libs "$fm"
# The loader is run explicitly with --library-path, so the guest needs no ld.so.cache.
cat > "$tree/etc/teslacam/config.json" <<'J'
{ "state": "/board/var/lib/teslacam/state", "archive": "/board/var/lib/teslacam/archive",
  "mountpoint": "/run/teslacam/drive", "size": "1G", "layout": "mbr", "logLevel": "info",
  "retention": { "minFree": "256M" } }
J
rm -f "$disk"
mke2fs -q -F -t ext4 -L teslacam-board -d "$tree" "$disk" "$size"
echo "board disk $disk: $(du -sh "$tree" | cut -f1) of system files" >&2
