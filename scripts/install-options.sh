# Sourced by install.sh: the options that change the board beyond TeslaCam itself.
#
#   --read-only-root        the root file system in RAM (overlayroot, as raspi-config's "Overlay File System" does
#                           it, but with recurse=0 so the data partition stays a real disk); state and archive on
#                           --data-partition, mounted at /var/lib/teslacam
#   --data-partition SPEC   that partition: a device (/dev/sda1, /dev/mmcblk0p3) or UUID=, LABEL=, PARTUUID=
#   --format-data           make an ext4 file system on it when it has none (never on one that has one)
#   --writable-root         the root writable again at the next boot (for an upgrade); the data partition stays
#   --no-wifi-power-save    Wi-Fi power saving off (NetworkManager on Raspberry Pi OS bookworm, else iw at boot)
#
# Every file these write carries "$marker" (or is TeslaCam's own), so --uninstall takes back exactly what they
# added. Uses install.sh's R, live, marker, say, step, sysctl_, systemd_running.

data_mount=/var/lib/teslacam
fstab_marker="$marker --read-only-root"
overlay_token="overlayroot=tmpfs:recurse=0"
journald_conf=$R/etc/systemd/journald.conf.d/teslacam-read-only-root.conf
tmpfiles_conf=$R/etc/tmpfiles.d/teslacam.conf
nm_conf=$R/etc/NetworkManager/conf.d/teslacam-wifi-powersave.conf
wifi_unit=$R/etc/systemd/system/teslacam-wifi-powersave.service
swap_record=$R/usr/local/lib/teslacam/dphys-swapfile.masked

# Whether the running system's root is an overlay (overlayroot active): anything written to it is lost at reboot.
# A root in RAM as overlayroot or raspi-config's overlay makes it: an overlay on / *and* their boot token (a
# container's or a test guest's overlay root is writable for as long as it lives, and is not refused).
root_is_overlay() {
    [ $live = 1 ] && [ "$(findmnt -no FSTYPE / 2>/dev/null)" = overlay ] &&
        grep -qE '(^| )(overlayroot=[^ d][^ ]*|boot=overlay)( |$)' /proc/cmdline 2>/dev/null
}

# The kernel command line with `token` removed (and the spaces around it tidied).
cmdline_without() { sed -E "s/(^| )$1( |\$)/\\1/; s/  +/ /g; s/^ //; s/ \$//" "$2"; }

# The device behind a partition spec, when it can be found on this machine; empty otherwise.
device_of() {
    case $1 in
        UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*) [ $live = 1 ] && blkid -o device -t "$1" 2>/dev/null | head -n 1 ;;
        *) [ -e "$1" ] && echo "$1" ;;
    esac
    return 0
}

# Checks (and with --format-data prepares) the data partition; prints the spec for fstab (UUID= when known).
data_partition_spec() {
    local spec=$1 dev type uuid
    dev=$(device_of "$spec")
    if [ -z "$dev" ]; then
        if [ $live = 1 ]; then
            echo "install.sh: no partition $spec on this board (lsblk -f lists them)" >&2; return 1
        fi
        # Preparing a card from another machine: the partition is on the card, not here. Taken as given.
        echo "$spec"; return 0
    fi
    if [ $live = 1 ]; then
        if [ "$(findmnt -no SOURCE / 2>/dev/null)" = "$(readlink -f "$dev")" ]; then
            echo "install.sh: $spec is the root file system; the clips need a partition of their own" >&2; return 1
        fi
        local at; at=$(findmnt -no TARGET -S "$dev" 2>/dev/null | head -n 1 || true)
        if [ -n "$at" ] && [ "$at" != "$data_mount" ]; then
            echo "install.sh: $spec is mounted at $at; unmount it first (it becomes $data_mount)" >&2; return 1
        fi
    fi
    type=$(blkid -o value -s TYPE "$dev" 2>/dev/null || true)
    if [ -z "$type" ]; then
        if [ "${format_data:-0}" = 1 ]; then
            mkfs.ext4 -q -L teslacam-data "$dev" >&2 || return 1
            step "made an ext4 file system on $spec (label teslacam-data)" >&2
            type=ext4
        else
            cat >&2 <<M
install.sh: $spec has no file system. --format-data makes an ext4 one on it (everything on it is lost; it is
only done to a partition with no file system at all).
M
            return 1
        fi
    fi
    if [ "$type" != ext4 ]; then
        cat >&2 <<M
install.sh: $spec holds a $type file system; the clips need ext4 (owners and permissions, and a journal that
survives the car cutting the power). If what is on it may go: wipefs -a $dev, then run again with --format-data.
M
        return 1
    fi
    uuid=$(blkid -o value -s UUID "$dev" 2>/dev/null || true)
    if [ -n "$uuid" ]; then echo "UUID=$uuid"; else echo "$spec"; fi
}

# What to say when --read-only-root comes without a partition.
no_data_partition() {
    cat >&2 <<M
install.sh: --read-only-root needs --data-partition (once: later runs find it in /etc/fstab): with the root file system in RAM, the state and the clips
must live on a partition of their own, or every clip is lost at the next power cut. Use either
  - a USB stick or SSD on the board's other USB port (Pi 4/5): --data-partition /dev/sda1 --format-data, or
  - a third partition on the SD card, made on another computer BEFORE the card's first boot (Raspberry Pi OS
    grows its root partition to fill the card at first boot, and a running root cannot be shrunk): in GParted
    (or fdisk), make the root partition 8 GiB and add an ext4 partition in the rest, then boot and run with
    --data-partition /dev/mmcblk0p3.
M
    return 1
}

# --data-partition (needed by --read-only-root): fstab mounts the data partition at /var/lib/teslacam (nofail: a missing stick must not stop the
# boot; teslacam.service's RequiresMountsFor keeps the daemon off a RAM-backed directory); tmpfiles recreates
# state/ and archive/ on it at boot; journald keeps its log in RAM (bounded); the kernel command line turns the
# overlay on at the next boot.
data_partition_install() {
    local spec=$data_spec line fstab=$R/etc/fstab
    line="$spec $data_mount ext4 defaults,noatime,nofail,x-systemd.device-timeout=20s 0 2 $fstab_marker"
    touch "$fstab"
    if grep -qE "^[^#[:space:]]+[[:space:]]+$data_mount[[:space:]]" "$fstab" && ! grep -qF "$fstab_marker" "$fstab"; then
        step "kept your own $data_mount line in /etc/fstab"
    elif ! grep -qxF "$line" "$fstab"; then
        { grep -vF "$fstab_marker" "$fstab" || true; echo "$line"; } > "$fstab.teslacam"
        cat "$fstab.teslacam" > "$fstab" && rm -f "$fstab.teslacam"
        step "/etc/fstab mounts $spec at $data_mount (state and archive)"
    else
        step "/etc/fstab already mounts $spec at $data_mount"
    fi
    mkdir -p "$(dirname "$tmpfiles_conf")"
    printf '%s\nd %s/state 0750 teslacam teslacam -\nd %s/archive 0750 teslacam teslacam -\n' \
        "$marker" "$data_mount" "$data_mount" > "$tmpfiles_conf"
    mkdir -p "$(dirname "$journald_conf")"
    printf '%s\n# The root is in RAM: the journal too, and bounded (a Pi Zero 2 W has 512 MB).\n[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' \
        "$marker" > "$journald_conf"
    step "state and archive recreated on the partition at each boot; the journal kept in RAM (16 MiB)"
    # A swap file on a root in RAM would take RAM to give RAM.
    if [ -e "$R/lib/systemd/system/dphys-swapfile.service" ] || [ -e "$R/usr/lib/systemd/system/dphys-swapfile.service" ]; then
        if [ ! -L "$R/etc/systemd/system/dphys-swapfile.service" ]; then
            sysctl_ mask dphys-swapfile.service >/dev/null 2>&1 || ln -sf /dev/null "$R/etc/systemd/system/dphys-swapfile.service"
            mkdir -p "$(dirname "$swap_record")" && echo "$marker" > "$swap_record"  # so --uninstall unmasks only ours
        fi
        step "dphys-swapfile.service masked (its swap file would live in RAM)"
    fi
    if [ $live = 1 ] && ! mountpoint -q "$data_mount"; then
        if [ -n "$(ls -A "$data_mount/state" "$data_mount/archive" 2>/dev/null)" ]; then
            cat >&2 <<M
install.sh: $data_mount already holds a state and clips, which the partition would hide once mounted over them.
Move them onto it first (mount it elsewhere, cp -a $data_mount/. there, unmount), then run again.
M
            return 1
        fi
        systemctl daemon-reload
        mount "$data_mount"
        install -d -m 0750 -o teslacam -g teslacam "$data_mount/state" "$data_mount/archive"
        step "mounted $spec at $data_mount"
    fi
}

# Whether /etc/fstab mounts something at /var/lib/teslacam (ours or the owner's own line).
data_partition_in_fstab() { grep -qE "^[^#[:space:]]+[[:space:]]+$data_mount[[:space:]]" "$R/etc/fstab" 2>/dev/null; }

overlay_install() {
    data_partition_in_fstab || no_data_partition
    local c; c=$(cmdline_txt || true)
    if [ -z "$c" ]; then
        step "no cmdline.txt (not a Raspberry Pi): turn the root overlay on the board's own way (overlayroot)"
    elif grep -qE "(^| )$overlay_token( |\$)" "$c"; then
        step "$c already turns the root overlay on"
    else
        # raspi-config's own token overlays every mount, the data partition too: replaced by ours (recurse=0).
        { printf '%s ' "$overlay_token"; cmdline_without 'overlayroot=[^ ]*' "$c"; } > "$c.teslacam"
        cat "$c.teslacam" > "$c" && rm -f "$c.teslacam"
        step "the root file system becomes read-only (in RAM) from the next boot: $overlay_token in $c"
        reboot_needed=1
    fi
    # The kernel only acts on overlayroot= through the overlayroot package's initramfs hook.
    if [ ! -e "$R/usr/share/initramfs-tools/hooks/overlayroot" ]; then
        if [ $live = 1 ]; then
            step "installing overlayroot (its initramfs hook makes the overlay)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y overlayroot >&2
        else
            overlayroot_missing=1
        fi
    fi
    if f=$(config_txt) && [ -n "$f" ] && ! grep -qE '^[[:space:]]*(auto_initramfs=1|initramfs )' "$f"; then
        printf '\n%s\n[all]\nauto_initramfs=1\n' "$fstab_marker" >> "$f"
        step "auto_initramfs=1 added to $f (the overlay is made by the initramfs)"
    fi
}

# --writable-root: the overlay off from the next boot (cmdline.txt lives on the boot partition, which the overlay
# does not cover, so this works while the root is read-only). Everything else stays.
writable_root() {
    local c; c=$(cmdline_txt || true)
    if [ -n "$c" ] && grep -qE '(^| )overlayroot=' "$c"; then
        cmdline_without 'overlayroot=[^ ]*' "$c" > "$c.teslacam" && cat "$c.teslacam" > "$c" && rm -f "$c.teslacam"
        say "The root file system is writable again after the next reboot (reboot). Upgrade then, and run"
        say "install.sh --read-only-root --data-partition ... to make it read-only again."
    else
        say "The root file system is not set to be read-only; nothing to do."
    fi
}

# --no-wifi-power-save: Raspberry Pi OS bookworm manages Wi-Fi with NetworkManager, which sets power saving per
# connection (2 = off); elsewhere a unit runs `iw` whenever wlan0 appears. The brcmfmac chip of the Pi dozes
# between beacons otherwise: uploads crawl and the board drops off the network in a car park.
wifi_install() {
    if [ -d "$R/etc/NetworkManager" ] || [ -x "$R/usr/sbin/NetworkManager" ]; then
        mkdir -p "$(dirname "$nm_conf")"
        printf '%s\n[connection]\nwifi.powersave = 2\n' "$marker" > "$nm_conf"
        step "Wi-Fi power saving off (NetworkManager: $nm_conf)"
    else
        cat > "$wifi_unit" <<U
$marker
[Unit]
Description=TeslaCam: Wi-Fi power saving off on wlan0
BindsTo=sys-subsystem-net-devices-wlan0.device
After=sys-subsystem-net-devices-wlan0.device

[Service]
Type=oneshot
ExecStart=/usr/sbin/iw dev wlan0 set power_save off

[Install]
WantedBy=sys-subsystem-net-devices-wlan0.device
U
        sysctl_ enable teslacam-wifi-powersave.service >/dev/null 2>&1
        step "Wi-Fi power saving off whenever wlan0 appears (teslacam-wifi-powersave.service, iw)"
        [ -x "$R/usr/sbin/iw" ] || wifi_needs_iw=1
    fi
}

# What --uninstall takes back of the options.
options_uninstall() {
    local fstab=$R/etc/fstab c f
    if [ -f "$fstab" ] && grep -qF "$fstab_marker" "$fstab"; then
        grep -vF "$fstab_marker" "$fstab" > "$fstab.teslacam" || true
        cat "$fstab.teslacam" > "$fstab" && rm -f "$fstab.teslacam"
        [ -s "$fstab" ] || rm -f "$fstab"
        step "the data partition's line removed from /etc/fstab (the partition and its clips are untouched)"
    fi
    c=$(cmdline_txt || true)
    if [ -n "$c" ] && grep -qE "(^| )$overlay_token( |\$)" "$c"; then
        cmdline_without "$overlay_token" "$c" > "$c.teslacam" && cat "$c.teslacam" > "$c" && rm -f "$c.teslacam"
        step "the root file system is writable again from the next boot"
    fi
    if f=$(config_txt) && [ -n "$f" ] && grep -qxF "$fstab_marker" "$f"; then
        awk -v m="$fstab_marker" '{ line[NR] = $0 }
            END { for (i = 1; i <= NR; i++) {
                      if (line[i] == m) { if (n > 0 && out[n] == "") n--; i += 2; continue }
                      out[++n] = line[i] }
                  for (i = 1; i <= n; i++) print out[i] }' "$f" > "$f.teslacam" && cat "$f.teslacam" > "$f" && rm -f "$f.teslacam"
    fi
    for f in "$tmpfiles_conf" "$journald_conf" "$nm_conf"; do
        [ -f "$f" ] && grep -qxF "$marker" "$f" && rm -f "$f" && rmdir "$(dirname "$f")" 2>/dev/null
    done
    if [ -f "$swap_record" ]; then
        sysctl_ unmask dphys-swapfile.service >/dev/null 2>&1 || rm -f "$R/etc/systemd/system/dphys-swapfile.service"
        rm -f "$swap_record"
        step "dphys-swapfile.service unmasked"
    fi
    if [ -f "$wifi_unit" ]; then
        sysctl_ disable teslacam-wifi-powersave.service >/dev/null 2>&1 || true
        rm -f "$wifi_unit"
        rmdir "$R/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants" 2>/dev/null || true
        step "teslacam-wifi-powersave.service removed"
    fi
    return 0
}

# What remains to be done by hand after the options, for install.sh's last words.
options_remaining() {
    if [ -n "${overlayroot_missing:-}" ]; then
        say "  - Install the overlay before the reboot that should make the root read-only: on the board, apt-get"
        say "    install overlayroot (without it the kernel ignores overlayroot= and the root simply stays writable)."
    fi
    if [ "${read_only_root:-0}" = 1 ]; then
        say "  - Upgrades with the root read-only: install.sh --writable-root, reboot, upgrade (install.sh again with"
        say "    the same options), reboot. Anything written to the root while it is read-only is gone at the next boot."
    fi
    if [ -n "${wifi_needs_iw:-}" ]; then say "  - Install iw (apt-get install iw): teslacam-wifi-powersave.service runs it."; fi
    return 0
}
