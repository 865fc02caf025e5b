#!/usr/bin/env bash
# Builds the "board in a box" guest in OUTDIR: the car guest of scripts/car (Debian's kernel as vmlinux, busybox,
# vfat/usb-storage modules, patgen, /car.sh) plus a second initramfs archive, concatenated (the kernel unpacks
# them in order, the later /init wins), that adds what a TeslaCam board runs: ext4 and fuse, configfs,
# dummy_hcd (a USB device controller wired to a virtual host controller in the same kernel), libcomposite,
# usb_f_mass_storage, systemd/gadget.sh and the board's /init. The teslacam binary and its shared libraries go on
# the board's ext4 disk (make-board-disk.sh), as they would on an SD card.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
out=${1:?usage: build-board.sh OUTDIR}
mkdir -p "$out"; out=$(cd "$out" && pwd)
"$repo/scripts/car/build-guest.sh" "$out" >&2
kver=$(cat "$out/vmlinux.version")
mdir=/lib/modules/$kver

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root/lib/modules" "$root/usr/local/lib/teslacam"
declare -A seen=(); order=()
add_mod() {
    local rel=$1 d
    [ -n "${seen[$rel]:-}" ] && return; seen[$rel]=1
    for d in $(grep -E "^$rel:" "$mdir/modules.dep" | cut -d: -f2-); do add_mod "$d"; done
    order+=("$rel")
}
# 9p and overlay: the systemd guest (systemd-guest.sh) boots the host's own Debian userland over virtio-9p.
for name in crc32c_generic ext4 fuse configfs dummy_hcd libcomposite usb_f_mass_storage 9p 9pnet_virtio overlay; do
    n=$(echo "$name" | sed 's/[-_]/[-_]/g')
    rel=$(grep -oE "^[^:]*/$n\.ko(\.[a-z]+)?:" "$mdir/modules.dep" | head -1 | tr -d :)
    if [ -n "$rel" ]; then add_mod "$rel"
    else grep -qE "/$name\.ko" "$mdir/modules.builtin" || { echo "module $name not found in $mdir" >&2; exit 1; }; fi
done
: > "$root/lib/modules/board.list"
for rel in "${order[@]}"; do
    base=$(basename "$rel"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
    case $rel in
        *.xz) xz -dc "$mdir/$rel" > "$root/lib/modules/$base" ;;
        *.zst) zstd -qdc "$mdir/$rel" > "$root/lib/modules/$base" ;;
        *.gz) gzip -dc "$mdir/$rel" > "$root/lib/modules/$base" ;;
        *) cp "$mdir/$rel" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >> "$root/lib/modules/board.list"
done
install -m 755 "$repo/systemd/gadget.sh" "$root/usr/local/lib/teslacam/gadget.sh"
install -m 755 "$here/board-init.sh" "$root/init"
install -m 755 "$here/systemd-init.sh" "$root/systemd-init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out/board-extra.cpio.gz"
cat "$out/initramfs.cpio.gz" "$out/board-extra.cpio.gz" > "$out/board-initramfs.cpio.gz.tmp"
mv "$out/board-initramfs.cpio.gz.tmp" "$out/board-initramfs.cpio.gz"
echo "built $out/board-initramfs.cpio.gz ($(wc -l < "$root/lib/modules/board.list") board modules)" >&2
