#!/usr/bin/env bash
# Builds the "car in a box" guest: OUTDIR/vmlinux (Debian's kernel, uncompressed so QEMU can boot it via PVH
# without firmware, ~4 s under TCG) and OUTDIR/initramfs.cpio.gz (busybox, the vfat/virtio/USB modules,
# fsck.fat, patgen, /init and /car.sh). Idempotent: rebuilds everything each run, it takes a few seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-guest.sh OUTDIR}
mkdir -p "$out"; out=$(cd "$out" && pwd)

# Packages: install-deps.sh --car covers most; dosfstools gives the guest its own fsck.fat.
need=()
for p in qemu-system-x86 linux-image-amd64 busybox-static cpio dosfstools file gcc libc6-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Newest installed Debian kernel that also has its modules.
kver=$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | while read -r v; do [ -d "/lib/modules/$v" ] && echo "$v"; done | sort -V | tail -1)
[ -n "$kver" ] || { echo "no /boot/vmlinuz-* with /lib/modules" >&2; exit 1; }
echo "kernel $kver" >&2

# Like the kernel's scripts/extract-vmlinux: try every compressed-payload magic at every offset where it occurs
# until one decompresses to an ELF. bzImage's setup code precedes the payload, hence the search.
extract_vmlinux() {
    local img=$1 dst=$2 tmp; tmp=$(mktemp)
    local -a tries=(
        '\xfd\x37\x7a\x58\x5a\x00|xz -dc'
        '\x28\xb5\x2f\xfd|zstd -dc'
        '\x1f\x8b\x08|gzip -dc'
        '\x02\x21\x4c\x18|lz4 -dc'
        '\x5d\x00\x00|xz -dc --format=lzma'
        'BZh|bzip2 -dc'
        '\x89\x4c\x5a|lzop -dc'
    )
    for t in "${tries[@]}"; do
        local magic=${t%%|*} cmd=${t#*|}
        command -v "${cmd%% *}" >/dev/null || continue
        for pos in $(LC_ALL=C grep -aboP "$(printf '%s' "$magic" | sed 's/\\x/\\x/g')" "$img" 2>/dev/null | cut -d: -f1 | head -20); do
            tail -c +$((pos + 1)) "$img" | $cmd > "$tmp" 2>/dev/null || true
            if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then mv "$tmp" "$dst"; return 0; fi
        done
    done
    rm -f "$tmp"; return 1
}
if [ ! -s "$out/vmlinux" ] || [ "$out/vmlinux" -ot "/boot/vmlinuz-$kver" ] || [ "$(cat "$out/vmlinux.version" 2>/dev/null)" != "$kver" ]; then
    extract_vmlinux "/boot/vmlinuz-$kver" "$out/vmlinux.tmp" || { echo "cannot extract vmlinux from /boot/vmlinuz-$kver" >&2; exit 1; }
    mv "$out/vmlinux.tmp" "$out/vmlinux"; echo "$kver" > "$out/vmlinux.version"
    rm -f "$out/accel"   # run-car.sh re-probes KVM for a new kernel
fi
file "$out/vmlinux" | grep -q 'ELF 64-bit' || { echo "vmlinux is not an ELF" >&2; exit 1; }

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,mnt/car,tmp,lib/modules,etc}

cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done

# Modules in dependency order (modules.dep lists every transitive dep; recursion gives a valid insmod order).
# Names accept - or _ as the kernel does. The USB set is included always, the guest loads it only for tc.bus=usb.
mdir=/lib/modules/$kver
declare -A seen=(); order=()
add_mod() {
    local rel=$1 d
    [ -n "${seen[$rel]:-}" ] && return; seen[$rel]=1
    for d in $(grep -E "^$rel:" "$mdir/modules.dep" | cut -d: -f2-); do add_mod "$d"; done
    order+=("$rel")
}
resolve() {  # module name -> path in modules.dep, or empty when built in
    local n; n=$(echo "$1" | sed 's/[-_]/[-_]/g')
    grep -oE "^[^:]*/$n\.ko(\.[a-z]+)?:" "$mdir/modules.dep" | head -1 | tr -d :
}
load_list() {
    local name rel; order=()
    for name in "$@"; do
        rel=$(resolve "$name")
        if [ -n "$rel" ]; then add_mod "$rel"; else grep -qE "/$name\.ko" "$mdir/modules.builtin" 2>/dev/null || echo "warning: module $name not found" >&2; fi
    done
}
copy_mods() {  # $1 = list file; modules decompressed so busybox insmod needs no decompressor
    local rel base
    : > "$root/lib/modules/$1"
    for rel in "${order[@]}"; do
        base=$(basename "$rel"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
        case $rel in
            *.xz) xz -dc "$mdir/$rel" > "$root/lib/modules/$base" ;;
            *.zst) zstd -qdc "$mdir/$rel" > "$root/lib/modules/$base" ;;
            *.gz) gzip -dc "$mdir/$rel" > "$root/lib/modules/$base" ;;
            *) cp "$mdir/$rel" "$root/lib/modules/$base" ;;
        esac
        echo "$base" >> "$root/lib/modules/$1"
    done
}
load_list fat vfat nls_cp437 nls_ascii virtio_pci virtio_blk; copy_mods base.list
seen=(); load_list xhci_pci xhci_hcd usb_storage sd_mod scsi_mod; copy_mods usb.list

# fsck.fat with its shared libraries: the verdict must come from inside the car, on the device it wrote.
copy_with_libs() {
    local bin=$1 dst=$2 lib
    cp "$bin" "$root$dst"
    for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+'); do
        mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
}
copy_with_libs "$(command -v fsck.fat || echo /usr/sbin/fsck.fat)" /sbin/fsck.fat
# The dynamic loader may also be needed under /lib64 (ldd prints it there on amd64).
[ -e /lib64/ld-linux-x86-64.so.2 ] && { mkdir -p "$root/lib64"; cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"; }

# patgen: static, so it needs nothing in the guest.
cc=$(command -v gcc || echo /opt/swift/usr/bin/clang)
if ! "$cc" -static -O2 -o "$root/bin/patgen" "$here/patgen.c" 2>/dev/null; then
    "$cc" -O2 -o "$root/bin/patgen" "$here/patgen.c"
    copy_with_libs "$root/bin/patgen" /bin/patgen.tmp && mv "$root/bin/patgen.tmp" "$root/bin/patgen"
fi
cp "$root/bin/patgen" "$out/patgen"   # the host can reproduce any clip with it too

install -m 755 "$here/guest-init.sh" "$root/init"
install -m 755 "$here/car.sh" "$root/car.sh"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
echo "built $out/vmlinux $out/initramfs.cpio.gz" >&2
