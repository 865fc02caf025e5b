#!/usr/bin/env bash
# Installs TeslaCam on a Raspberry Pi (Zero 2 W, 4, 5; Raspberry Pi OS bookworm) or any Linux board with a USB
# device controller. Run as root; safe to run again (after an upgrade too); `--uninstall` undoes it.
#
#   scripts/install.sh [--binary PATH] [--root DIR] [--force]     install or upgrade
#   scripts/install.sh --uninstall [--purge] [--root DIR]          remove (--purge: also config, clips, user)
#
# --binary: a prebuilt teslacam (a release built with --static-swift-stdlib, see README "On the Pi"); without it a
#           Swift toolchain on PATH builds one from this checkout.
# --root:   install into DIR instead of / (tests, or preparing an SD card's root file system from another machine):
#           nothing is started, systemctl works offline on DIR. DESTDIR in the environment means the same.
# --force:  install although no USB device controller was found (a board this script does not know).
#
# Options that change the board beyond TeslaCam (scripts/install-options.sh; --uninstall takes them back):
#   --read-only-root --data-partition SPEC [--format-data]   root file system in RAM, clips on their own partition
#   --writable-root                                          root writable again from the next boot (to upgrade)
#   --no-wifi-power-save                                     Wi-Fi power saving off
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

root=${DESTDIR:-/} binary= uninstall=0 purge=0 force=0
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=$2; shift ;;
        --binary) binary=$2; shift ;;
        --uninstall) uninstall=1 ;;
        --purge) purge=1 ;;
        --force) force=1 ;;
        --read-only-root) read_only_root=1 ;;
        --data-partition) data_partition=$2; shift ;;
        --format-data) format_data=1 ;;
        --writable-root) writable=1 ;;
        --no-wifi-power-save) no_wifi_power_save=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
root=${root%/}
R=$root   # prefix of every path written; empty for the running system
live=0; [ -z "$R" ] && live=1
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (su -, or sudo if the board has it)" >&2; exit 1; }

say() { printf '%s\n' "$*"; }
step() { printf '  - %s\n' "$*"; }
systemd_running() { [ $live = 1 ] && [ -d /run/systemd/system ]; }
sysctl_() { if [ $live = 1 ]; then systemctl "$@"; else systemctl --root="$R" "$@"; fi; }

bin=$R/usr/local/bin/teslacam
libdir=$R/usr/local/lib/teslacam
units=$R/etc/systemd/system
etc=$R/etc/teslacam
data=$R/var/lib/teslacam
marker="# added by TeslaCam install.sh"

# The boot partition's config.txt: /boot/firmware on bookworm, /boot before it. Empty when not a Pi.
config_txt() {
    local f
    for f in "$R/boot/firmware/config.txt" "$R/boot/config.txt"; do [ -f "$f" ] && { echo "$f"; return; }; done
}
cmdline_txt() { local f; f=$(config_txt); [ -n "$f" ] && [ -f "$(dirname "$f")/cmdline.txt" ] && echo "$(dirname "$f")/cmdline.txt"; }
. "$here/install-options.sh"
if [ "${writable:-0}" = 1 ]; then writable_root; exit 0; fi
if root_is_overlay; then
    cat >&2 <<M
install.sh: the root file system is read-only (in RAM): what this would write is gone at the next boot. Run
install.sh --writable-root and reboot first; afterwards run this again (with --read-only-root to turn it back on).
M
    exit 1
fi
# The options' checks come before anything is changed.
if [ $uninstall = 0 ] && [ -n "${data_partition:-}" ]; then data_spec=$(data_partition_spec "$data_partition"); fi
if [ $uninstall = 0 ] && [ "${read_only_root:-0}" = 1 ] && [ -z "${data_partition:-}" ] && ! data_partition_in_fstab; then
    no_data_partition || exit 1
fi

# ---------------------------------------------------------------------------------------------------- uninstall
if [ $uninstall = 1 ]; then
    say "Removing TeslaCam from ${R:-/}"
    if systemd_running; then systemctl disable --now teslacam-gadget.service teslacam.service 2>/dev/null || true
    else sysctl_ disable teslacam-gadget.service teslacam.service >/dev/null 2>&1 || true; fi
    options_uninstall
    rm -f "$units/teslacam.service" "$units/teslacam-gadget.service" "$units/teslacam-detach.service" "$bin" "$libdir/gadget.sh"
    rmdir "$libdir" 2>/dev/null || true
    rm -f "$R/etc/modules-load.d/teslacam.conf"
    step "units, binary and module list removed"
    if f=$(config_txt) && [ -n "$f" ] && grep -q "^$marker" "$f"; then
        # Our block only (the blank line before the marker, the marker, [all], the overlay); the owner's stay.
        awk -v m="$marker" '{ line[NR] = $0 }
            END { for (i = 1; i <= NR; i++) {
                      if (line[i] == m) { if (n > 0 && out[n] == "") n--; i += 2; continue }
                      out[++n] = line[i] }
                  for (i = 1; i <= n; i++) print out[i] }' "$f" > "$f.teslacam" && cat "$f.teslacam" > "$f" && rm -f "$f.teslacam"
        step "dtoverlay=dwc2 removed from $f"
    fi
    if [ -f "$R/etc/fuse.conf" ] && grep -q "^user_allow_other $marker" "$R/etc/fuse.conf"; then
        sed -i "/^user_allow_other $marker\$/d" "$R/etc/fuse.conf"
        [ -s "$R/etc/fuse.conf" ] || rm -f "$R/etc/fuse.conf"  # it was ours alone
        step "user_allow_other removed from /etc/fuse.conf"
    fi
    if [ -L "$units/rpi-usb-gadget.service" ] && [ "$(readlink "$units/rpi-usb-gadget.service")" = /dev/null ]; then
        sysctl_ unmask rpi-usb-gadget.service >/dev/null 2>&1 || rm -f "$units/rpi-usb-gadget.service"
        step "rpi-usb-gadget.service unmasked"
    fi
    if [ $purge = 1 ]; then
        rm -rf "$etc" "$data"
        if [ $live = 1 ]; then userdel teslacam 2>/dev/null || true; groupdel teslacam 2>/dev/null || true
        else userdel --prefix "$R" teslacam 2>/dev/null || true; groupdel --prefix "$R" teslacam 2>/dev/null || true; fi
        step "config, state, archive (the clips) and the teslacam user removed"
    else
        step "kept: $etc (config) and $data (state and the harvested clips); --purge removes them"
    fi
    systemd_running && systemctl daemon-reload
    say "Done. Reboot to give the USB port back to the system."
    exit 0
fi

# ------------------------------------------------------------------------------------------------------ install
say "Installing TeslaCam into ${R:-/}"

# 1. A USB device controller: without one the board can only be a USB host, never the car's drive.
model=$(tr -d '\0' 2>/dev/null < "$R/proc/device-tree/model" || true)
udcs=$(ls "$R/sys/class/udc" 2>/dev/null || true)
case $model in
    *"Zero 2"*|*"Zero W"*|*"Pi Zero"*|*"Pi 4"*|*"Pi 5"*|*"Compute Module 4"*|*"Compute Module 5"*|*"Pi 400"*|*"Pi 500"*)
        step "board: $model (USB device mode through dwc2)" ;;
    *)
        if [ -n "$udcs" ]; then step "USB device controller: $(echo $udcs)"
        elif [ $force = 1 ]; then step "no USB device controller found; going on (--force)"
        else
            cat >&2 <<M
install.sh: this board has no USB device controller (/sys/class/udc is empty) and is not a Pi that has one.
The car needs the board to act as a USB drive: a Pi Zero 2 W (the USB port marked USB, not PWR), Pi 4 or Pi 5
(the USB-C port), or another board whose USB port can run in device (OTG) mode. --force installs anyway.
M
            exit 1
        fi ;;
esac

# 2. The binary: given, or built from this checkout.
if [ -z "$binary" ]; then
    if command -v swift >/dev/null 2>&1 && [ -f "$repo/Package.swift" ]; then
        step "building teslacam from $repo (release, Swift's libraries linked in; several minutes on a Pi)"
        (cd "$repo" && swift build -c release --product teslacam --static-swift-stdlib) >&2
        binary=$repo/.build/release/teslacam
    elif [ -x "$here/teslacam" ]; then binary=$here/teslacam
    else
        echo "install.sh: no teslacam binary: pass --binary PATH (a release build, see README \"On the Pi\") or install Swift" >&2
        exit 1
    fi
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

# 3. Boot configuration: the dwc2 overlay puts the USB port into device mode; modules load at boot.
if f=$(config_txt) && [ -n "$f" ]; then
    if grep -qE '^[[:space:]]*dtoverlay=dwc2' "$f"; then step "$f already has dtoverlay=dwc2"
    else
        # At the end, in an [all] section, so no board filter above it ([pi4], [cm4]) applies.
        printf '\n%s\n[all]\ndtoverlay=dwc2,dr_mode=peripheral\n' "$marker" >> "$f"
        step "dtoverlay=dwc2 added to $f (takes effect after a reboot)"
        reboot_needed=1
    fi
    # Another gadget driver loaded from the kernel command line (g_ether, g_mass_storage) would take the UDC.
    if c=$(cmdline_txt) && [ -n "$c" ] && grep -qE 'modules-load=[^ ]*g_(ether|mass_storage|serial|multi)' "$c"; then
        g='g_(ether|mass_storage|serial|multi)'
        sed -i -E "s/,$g//g; s/modules-load=$g,/modules-load=/; s/ ?modules-load=$g( |\$)/\2/" "$c"
        step "legacy gadget driver removed from $c"
        reboot_needed=1
    fi
else
    step "no config.txt (not a Raspberry Pi): the USB device controller must be enabled the board's own way"
fi
mkdir -p "$R/etc/modules-load.d"
printf '%s\ndwc2\nlibcomposite\nusb_f_mass_storage\n' "$marker" > "$R/etc/modules-load.d/teslacam.conf"
step "modules at boot: dwc2 libcomposite usb_f_mass_storage"

# 4. Another gadget service must not take the UDC (Raspberry Pi OS's rpi-usb-gadget makes the port an Ethernet
#    gadget). Masked, so an upgrade that re-enables it cannot start it.
if [ -e "$R/lib/systemd/system/rpi-usb-gadget.service" ] || [ -e "$R/usr/lib/systemd/system/rpi-usb-gadget.service" ] \
   || [ -e "$units/rpi-usb-gadget.service" ]; then
    if systemd_running; then systemctl disable --now rpi-usb-gadget.service >/dev/null 2>&1 || true; fi
    sysctl_ mask rpi-usb-gadget.service >/dev/null 2>&1 || ln -sf /dev/null "$units/rpi-usb-gadget.service"
    step "rpi-usb-gadget.service masked (it would take the USB port)"
fi

# 5. The daemon's user and directories. FUSE as that user: fusermount3 mounts, allow_other lets the gadget in.
if [ $live = 1 ]; then
    prefix=()
else
    prefix=(--prefix "$R")
fi
if ! grep -q '^teslacam:' "$R/etc/passwd" 2>/dev/null; then
    # A group left by an earlier uninstall is reused.
    group=(--user-group); grep -q '^teslacam:' "$R/etc/group" 2>/dev/null && group=(--gid teslacam)
    useradd "${prefix[@]}" --system "${group[@]}" --home-dir /var/lib/teslacam --no-create-home --shell /usr/sbin/nologin teslacam
fi
uid=$(awk -F: '$1 == "teslacam" { print $3 }' "$R/etc/passwd"); gid=$(awk -F: '$1 == "teslacam" { print $4 }' "$R/etc/passwd")
install -d -m 0755 "$data"
install -d -m 0750 -o "$uid" -g "$gid" "$data/state" "$data/archive"
step "user teslacam ($uid), state $data/state, archive $data/archive; the mountpoint /run/teslacam/drive is made at each start"
touch "$R/etc/fuse.conf"
grep -q '^[[:space:]]*user_allow_other' "$R/etc/fuse.conf" || echo "user_allow_other $marker" >> "$R/etc/fuse.conf"

# 6. Binary, gadget script, units.
install -D -m 0755 "$binary" "$bin"
install -D -m 0755 "$repo/systemd/gadget.sh" "$libdir/gadget.sh"
install -D -m 0644 "$repo/systemd/teslacam.service" "$units/teslacam.service"
install -D -m 0644 "$repo/systemd/teslacam-gadget.service" "$units/teslacam-gadget.service"
# Not enabled: teslacam.service's OnFailure= starts it.
install -D -m 0644 "$repo/systemd/teslacam-detach.service" "$units/teslacam-detach.service"
step "installed $bin, $libdir/gadget.sh, teslacam.service, teslacam-gadget.service, teslacam-detach.service"

# 7. The config: written once, an owner's edits survive re-runs. JSON has no comments: they live in README.
# The folder is the daemon's group's to write: the web UI's Settings page replaces config.json atomically (a
# temporary file beside it, then a rename), so a power cut never leaves a torn config.
install -d -m 0775 -o 0 -g "$gid" "$etc"
if [ ! -f "$etc/config.json" ]; then
    cat > "$etc/config.json" <<'J'
{
  "state": "/var/lib/teslacam/state",
  "archive": "/var/lib/teslacam/archive",
  "mountpoint": "/run/teslacam/drive",
  "size": "30G",
  "layout": "mbr",
  "logLevel": "info",
  "retention": { "recentDays": 2, "eventDays": 30, "reserve": "auto", "minFree": "2G" }
}
J
    step "wrote $etc/config.json (30 GiB drive, 2 days of recent clips, 30 days of saved and Sentry events, no uploads)"
else
    step "kept your $etc/config.json"
fi
cat > "$etc/README" <<'T'
/etc/teslacam/config.json, key by key (JSON allows no comments, so they are here; this file is rewritten by
install.sh, config.json never is). After an edit: systemctl reload teslacam (the car keeps its drive).
The web UI's Settings page changes retention, the upload limits, /metrics access and logLevel in config.json
itself (checked as at start, written atomically, keys sorted; every other key is kept as it is).

  state        the drive's own bookkeeping (a few MiB); never edit or delete while the car is plugged in
  archive      where every clip the car writes is kept, as ordinary .mp4 files
  mountpoint   where volume.img is served for the USB gadget; teslacam-gadget.service expects /run/teslacam/drive
  size         what the car sees, only for a fresh state: 30G (some cars refuse FAT32 drives above 32 GiB)
  layout       mbr (what the car expects) or superfloppy
  logLevel     trace, debug, info, notice, warning, error, critical (journalctl -u teslacam)
  retention    recentDays: how long clips the car recorded in a loop stay; eventDays: saved and Sentry events;
               reserve "auto" keeps room for everything the car can still write; minFree: always free on the card
  sinks/routes uploads (none by default): see the project README, "Uploads: sinks and routes"
T
if [ $live = 1 ]; then "$bin" run --help >/dev/null 2>&1 || { echo "install.sh: $bin does not run on this board (wrong architecture?)" >&2; exit 1; }; fi

# Options: read-only root with the clips on their own partition, Wi-Fi power saving off.
if [ -n "${data_partition:-}" ]; then data_partition_install; fi
if [ "${read_only_root:-0}" = 1 ]; then overlay_install; fi
if [ "${no_wifi_power_save:-0}" = 1 ]; then wifi_install; fi

# 8. Enabled at boot (the gadget comes with the daemon); started now only if the port is already in device mode.
sysctl_ enable teslacam.service teslacam-gadget.service >/dev/null 2>&1
step "teslacam.service and teslacam-gadget.service enabled at boot"
if systemd_running; then
    systemctl daemon-reload
    if [ -z "${reboot_needed:-}" ] && [ -n "$udcs" ]; then systemctl restart teslacam.service && step "started"; fi
fi

say ""
say "What remains:"
[ -n "${reboot_needed:-}" ] && say "  - Reboot (reboot), so the USB port switches to device mode."
say "  - Wi-Fi, if the board should upload clips: set it up in raspi-config (or Raspberry Pi Imager), then add a"
say "    sink to /etc/teslacam/config.json (see /etc/teslacam/README)."
say "  - Plug the board into the car's USB data port (front console or glovebox) with a data cable: Pi Zero 2 W on"
say "    the port marked USB, Pi 4/5 on the USB-C port. The car shows the dashcam icon once it sees the drive."
options_remaining
say "  - Check: systemctl status teslacam (a line says what was written and harvested), journalctl -u teslacam."
