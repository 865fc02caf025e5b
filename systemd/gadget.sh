#!/bin/sh
# Creates or removes the configfs USB mass-storage gadget whose one LUN is TeslaCam's volume.img.
#   gadget.sh up IMAGE    bind the gadget to the board's USB device controller (the car sees a drive)
#   gadget.sh down        eject the medium (forced_eject), unbind, remove the gadget
# Needs dtoverlay=dwc2 on a Pi (install.sh sets it), or any UDC (dummy_hcd in the board-in-a-box test).
# TESLACAM_UDC names the controller when there are several (ls /sys/class/udc); the first one otherwise.
set -eu
CONFIGFS=${TESLACAM_CONFIGFS:-/sys/kernel/config}
G=$CONFIGFS/usb_gadget/teslacam
F=$G/functions/mass_storage.0

die() { echo "gadget: $*" >&2; exit 1; }

up() {
    image=$1
    [ -e "$image" ] || die "no $image: is teslacam.service running (systemctl status teslacam)?"
    modprobe libcomposite 2>/dev/null || true
    modprobe usb_f_mass_storage 2>/dev/null || true
    [ -d "$CONFIGFS/usb_gadget" ] || mount -t configfs none "$CONFIGFS" 2>/dev/null || true
    [ -d "$CONFIGFS/usb_gadget" ] || die "configfs has no usb_gadget: the libcomposite module is missing"
    udc=${TESLACAM_UDC:-$(ls /sys/class/udc 2>/dev/null | head -n 1)}
    [ -n "$udc" ] || die "no USB device controller in /sys/class/udc: on a Pi, dtoverlay=dwc2 in config.txt and a reboot (install.sh does both)"
    # Idempotent: a gadget left by a previous run is detached first, then configured afresh.
    [ -d "$G" ] && down
    mkdir -p "$G"
    echo 0x1d6b > "$G/idVendor"     # Linux Foundation
    echo 0x0104 > "$G/idProduct"    # Multifunction Composite Gadget
    echo 0x0100 > "$G/bcdDevice"
    echo 0x0200 > "$G/bcdUSB"
    mkdir -p "$G/strings/0x409"
    echo "TeslaCam" > "$G/strings/0x409/manufacturer"
    echo "TeslaCam drive" > "$G/strings/0x409/product"
    serial=$(cut -c1-16 /etc/machine-id 2>/dev/null || true)
    echo "${serial:-0123456789abcdef}" > "$G/strings/0x409/serialnumber"
    mkdir -p "$G/configs/c.1/strings/0x409" "$F"
    echo "TeslaCam" > "$G/configs/c.1/strings/0x409/configuration"
    echo 500 > "$G/configs/c.1/MaxPower"
    echo 1 > "$F/stall"
    echo 0 > "$F/lun.0/cdrom"
    echo 0 > "$F/lun.0/ro"
    # nofua=0: the car's FUA writes reach the daemon as O_SYNC, so they are durable when acknowledged.
    echo 0 > "$F/lun.0/nofua"
    echo 1 > "$F/lun.0/removable"
    # 8 vendor, 16 product, 4 revision characters.
    printf '%-8s%-16s%-4s' TeslaCam "USB drive" 1.0 > "$F/lun.0/inquiry_string"
    echo "$image" > "$F/lun.0/file"
    ln -s "$F" "$G/configs/c.1/"
    echo "$udc" > "$G/UDC"
    echo "gadget: $image on $udc"
}

down() {
    [ -d "$G" ] || return 0
    # Eject first: the car sees the medium go, and the gadget closes volume.img before the daemon stops.
    [ -e "$F/lun.0/forced_eject" ] && { echo 1 > "$F/lun.0/forced_eject" 2>/dev/null || true; }
    [ -n "$(cat "$G/UDC" 2>/dev/null)" ] && { echo "" > "$G/UDC" || true; }
    rm -f "$G/configs/c.1/mass_storage.0"
    rmdir "$G/configs/c.1/strings/0x409" "$G/configs/c.1" "$F" "$G/strings/0x409" "$G" 2>/dev/null || true
    [ -d "$G" ] && die "could not remove $G (still in use?)"
    echo "gadget: removed"
}

case ${1:-} in
    up) [ $# -eq 2 ] || die "usage: gadget.sh up IMAGE"; up "$2" ;;
    down) down ;;
    *) die "usage: gadget.sh up IMAGE | down" ;;
esac
