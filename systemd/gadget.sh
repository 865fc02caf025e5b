#!/bin/sh
# Creates or removes the configfs USB mass-storage gadget backed by TeslaCam's volume.img.
# Needs dtoverlay=dwc2 (Pi Zero 2 W / Pi 4 / Pi 5) and the libcomposite module.
set -eu
G=/sys/kernel/config/usb_gadget/teslacam
case "$1" in
up)
    modprobe libcomposite
    mkdir -p "$G"
    echo 0x1d6b > "$G/idVendor"    # Linux Foundation
    echo 0x0104 > "$G/idProduct"   # Multifunction Composite Gadget
    mkdir -p "$G/strings/0x409"
    echo "TeslaCam" > "$G/strings/0x409/manufacturer"
    echo "TeslaCam drive" > "$G/strings/0x409/product"
    echo "$(cat /etc/machine-id | cut -c1-16)" > "$G/strings/0x409/serialnumber"
    mkdir -p "$G/configs/c.1" "$G/functions/mass_storage.0"
    echo 500 > "$G/configs/c.1/MaxPower"
    echo 1 > "$G/functions/mass_storage.0/stall"
    echo 0 > "$G/functions/mass_storage.0/lun.0/cdrom"
    echo 0 > "$G/functions/mass_storage.0/lun.0/ro"
    echo 1 > "$G/functions/mass_storage.0/lun.0/removable"
    echo "$2" > "$G/functions/mass_storage.0/lun.0/file"
    ln -sf "$G/functions/mass_storage.0" "$G/configs/c.1/"
    ls /sys/class/udc | head -n1 > "$G/UDC"
    ;;
down)
    [ -d "$G" ] || exit 0
    echo "" > "$G/UDC" || true
    rm -f "$G/configs/c.1/mass_storage.0"
    rmdir "$G/functions/mass_storage.0" "$G/configs/c.1" "$G/strings/0x409" "$G" 2>/dev/null || true
    ;;
esac
