#!/bin/sh
# /init of the car guest: find the car's disk, mount it as Linux vfat (as a Tesla's kernel would), run /car.sh,
# unmount, judge the volume with the guest's own fsck.fat, power off. Everything goes to the serial console,
# lines the host parses start with a TAB-separated keyword (BOOT, MANIFEST..., FSCK, CAR-DONE).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp && mount -t tmpfs tmp /tmp
printf 'BOOT\t%s\n' "$(cut -d' ' -f1 /proc/uptime)"

die() { printf 'CAR-FAIL\t%s\n' "$*"; sync; poweroff -f; sleep 5; }

# tc.* parameters: the kernel leaves dotted words to modules, so read them from /proc/cmdline.
for w in $(cat /proc/cmdline); do
    case $w in tc.*=*) k=${w%%=*}; k=${k#tc.}; eval "TC_$k=\${w#*=}"; export "TC_$k" ;; esac
done
: "${TC_bus:=virtio}" "${TC_scenario:=record}"
# The host's accelerator probe: a guest that reaches this line can run under that accelerator.
if [ "$TC_scenario" = probe ]; then printf 'PROBE-OK\n'; poweroff -f; fi

for m in $(cat /lib/modules/base.list); do insmod "/lib/modules/$m" 2>/dev/null; done
if [ "$TC_bus" = usb ]; then
    for m in $(cat /lib/modules/usb.list); do insmod "/lib/modules/$m" 2>/dev/null; done
    disk=sda
else
    disk=vda
fi

# USB enumeration is asynchronous: wait for the disk (and its partitions) to show up.
i=0; while [ ! -b /dev/$disk ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/$disk ] || die "no /dev/$disk"
sleep 0.2
# TeslaCam's default layout is an MBR with one partition at 1 MiB; the superfloppy layout has none.
dev=/dev/$disk
[ -b /dev/${disk}1 ] && dev=/dev/${disk}1
# tc.repair=1: a car that repairs its drive before use (after a power cut the dirty bit and lost clusters
# would otherwise make the final verdict dirty whatever this run does).
if [ "${TC_repair:-0}" = 1 ]; then
    fsck.fat -a "$dev" 2>&1 | grep -v conversion | sed 's/^/repair: /'
fi
mount -t vfat "$dev" /mnt/car 2>/dev/null || { dev=/dev/$disk; mount -t vfat "$dev" /mnt/car; } || die "cannot mount $dev"
printf 'MOUNTED\t%s\t%s\n' "$dev" "$(cut -d' ' -f1 /proc/uptime)"

case $TC_scenario in
    record) sh /car.sh /mnt/car; rc=$? ;;
    *) die "unknown scenario $TC_scenario" ;;
esac
printf 'SCENARIO\t%s\t%s\n' "$rc" "$(cut -d' ' -f1 /proc/uptime)"

sync
umount /mnt/car || die "umount failed"
out=$(fsck.fat -n "$dev" 2>&1); frc=$?
echo "$out" | sed 's/^/fsck: /'
if [ $frc -eq 0 ]; then
    printf 'FSCK\tclean\n'
else
    # The headline lines (fsck.fat indents details), without its banner, iconv noise and verdict.
    printf 'FSCK\tdirty\t%s\n' "$(echo "$out" | grep -v '^[[:space:]]\|^$\|^fsck.fat \|conversion\|^Leaving\|^/dev/' | head -4 | tr '\t' ' ' | paste -s -d ';')"
fi
printf 'CAR-DONE\t%s\t%s\n' "$rc" "$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
