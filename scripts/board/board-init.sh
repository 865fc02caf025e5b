#!/bin/sh
# /init of the board in a box: a TeslaCam board and its car in one kernel. The board's ext4 disk (/dev/vda) holds
# teslacam and its libraries, state and archive; `teslacam run` serves volume.img; systemd/gadget.sh binds a
# mass-storage gadget with lun.0/file = volume.img to dummy_hcd's UDC; the same kernel's usb-storage sees that
# gadget as /dev/sda through dummy_hcd's host side, and the car (Linux vfat, /car.sh) records onto it.
# tc.scenario=record: the car records (the host may cut the power by killing QEMU). tc.scenario=check: a fresh
# boot of the same disks prints every file of the volume (VOLUME) and of the archive (ARCHIVE) with its sha256.
# Console lines the host parses: BOOT, DAEMON-READY, GADGET, MOUNTED, MANIFEST..., SCENARIO, FSCK, VOLUME,
# ARCHIVE, DAEMON-STOPPED, BOARD-DONE, BOARD-FAIL (TAB-separated).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run /board && mount -t tmpfs tmp /tmp && mount -t tmpfs run /run
up() { cut -d' ' -f1 /proc/uptime; }
printf 'BOOT\t%s\n' "$(up)"
die() { printf 'BOARD-FAIL\t%s\n' "$*"; [ -f /board/var/log/teslacam.log ] && tail -20 /board/var/log/teslacam.log; sync; poweroff -f; sleep 5; }

for w in $(cat /proc/cmdline); do
    case $w in tc.*=*) k=${w%%=*}; k=${k#tc.}; eval "TC_$k=\${w#*=}"; export "TC_$k" ;; esac
done
: "${TC_scenario:=record}"
if [ "$TC_scenario" = probe ]; then printf 'PROBE-OK\n'; poweroff -f; fi

for m in $(cat /lib/modules/base.list /lib/modules/board.list); do insmod "/lib/modules/$m" 2>/dev/null; done
# usb-storage assumes a write-through cache for every USB disk (it skips MODE SENSE page 8), so the car's fsync
# would never become a SYNCHRONIZE CACHE; quirk p (WRITE_CACHE) makes sd send it, as for a drive with a cache.
for m in $(cat /lib/modules/usb.list); do
    case $m in usb-storage.ko|usb_storage.ko) insmod "/lib/modules/$m" quirks=1d6b:0104:p 2>/dev/null ;;
               *) insmod "/lib/modules/$m" 2>/dev/null ;; esac
done
mount -t configfs none /sys/kernel/config || die "no configfs"

mount -t ext4 /dev/vda /board || die "cannot mount the board's disk /dev/vda"
mkdir -p /run/teslacam/drive
lib=/board/usr/local/lib/teslacam/libs
log=/board/var/log/teslacam.log
touch $log; seen=$(wc -l < $log)   # an earlier boot's lines are in the log too
# The board's daemon, started as systemd would (its log on the board's disk, like the journal).
# tc.daemon_console=1 also copies its log to the console (it survives a power cut there, not on the disk).
if [ "${TC_daemon_console:-0}" = 1 ]; then
    mkfifo /tmp/daemon.log; (tee -a $log < /tmp/daemon.log | sed 's/^/daemon-live: /' > /dev/console) &
    # This shell keeps the pipe open for writing: a daemon killed mid-run must not end tee (the next one's output
    # would then have no reader).
    exec 8> /tmp/daemon.log
    out=/tmp/daemon.log
else
    out=$log
fi
# tc.restart_mode=kill: this shell holds the /dev/fuse connection as systemd's fd store does (FileDescriptorStoreMax=1
# in teslacam.service): it mounts with its own descriptor 7 and every daemon gets it as LISTEN_FDS, so a daemon
# killed during recording leaves the mount, and the gadget's open volume.img, in place for the next one.
: "${TC_restart_mode:=kill}"
daemon_start() {  # [handover]: fd 7 passed as fd 3 with LISTEN_FDS=1, LISTEN_PID the daemon's own (exec keeps it)
    if [ "${1:-}" = handover ]; then
        LISTEN_FDS=1 LISTEN_FDNAMES=fuse sh -c 'LISTEN_PID=$$ exec "$0" "$@"' $lib/ld-linux-x86-64.so.2 --library-path $lib \
            /board/usr/local/bin/teslacam run --config /board/etc/teslacam/config.json 3<&7 7<&- 8>&- >> $out 2>&1 &
    else
        $lib/ld-linux-x86-64.so.2 --library-path $lib /board/usr/local/bin/teslacam run --config /board/etc/teslacam/config.json \
            7<&- 8>&- >> $out 2>&1 &
    fi
    daemon=$!
}
if [ "$TC_restart_mode" = kill ]; then
    exec 7<>/dev/fuse
    mount -t fuse.teslacam -o fd=7,rootmode=40000,user_id=0,group_id=0,allow_other teslacam /run/teslacam/drive \
        || die "cannot mount FUSE with the board's own descriptor"
    daemon_start handover
else
    daemon_start
fi
i=0; while ! tail -n +$((seen + 1)) $log | grep -q ' ready' && [ $i -lt 1200 ]; do
    kill -0 $daemon 2>/dev/null || die "teslacam exited"
    sleep 0.1; i=$((i + 1))
done
[ -e /run/teslacam/drive/volume.img ] || die "teslacam did not get ready"
printf 'DAEMON-READY\t%s\n' "$(up)"
tail -n +$((seen + 1)) $log | grep -E 'recovered|warning|error' | sed 's/^/daemon: /' 

sh /usr/local/lib/teslacam/gadget.sh up /run/teslacam/drive/volume.img || die "gadget.sh up failed"
printf 'GADGET\t%s\t%s\n' "$(cat /sys/kernel/config/usb_gadget/teslacam/UDC)" "$(up)"
i=0; while [ ! -b /dev/sda1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/sda1 ] || { dmesg | tail -20; die "the gadget's disk did not appear as /dev/sda1"; }
printf 'CACHE\t%s\n' "$(cat /sys/class/scsi_disk/*/cache_type 2>/dev/null | head -1)"
mkdir -p /mnt/car

case $TC_scenario in
record)
    mount -t vfat /dev/sda1 /mnt/car || die "cannot mount /dev/sda1"
    printf 'MOUNTED\t/dev/sda1\t%s\n' "$(up)"
    # sync(2) writes vfat's dirty buffers but sends the drive no SYNCHRONIZE CACHE (vfat has no sync_fs); only an
    # fsync does. car.sh counts a file as synced after `sync`, so here `sync` also fsyncs the volume's root, the
    # flush a car must send for its data to survive a power cut on any drive with a write cache.
    mkdir -p /tmp/carbin
    printf '#!/bin/sh\n/bin/busybox sync "$@" || exit $?\n[ $# -eq 0 ] && exec /bin/busybox sync /mnt/car\nexit 0\n' > /tmp/carbin/sync
    chmod +x /tmp/carbin/sync
    if [ "${TC_restart_after:-0}" -gt 0 ]; then
        # A daemon crash during recording (tc.restart_after=K: after the car's K-th synced minute): SIGKILL, a new
        # `teslacam run` on the same state, the gadget's LUN pointed at the new volume.img. What the car sees is
        # counted from the kernel log: I/O errors of sda, and whether vfat went read-only.
        PATH=/tmp/carbin:$PATH sh /car.sh /mnt/car > /tmp/car.out 2>&1 &
        car=$!
        tail -f /tmp/car.out & tailer=$!
        while [ "$(grep -c '^MANIFEST-END' /tmp/car.out)" -lt $((2 * TC_restart_after)) ] && kill -0 $car 2>/dev/null; do sleep 0.1; done
        dmesg -c > /dev/null
        seen=$(wc -l < $log)
        t0=$(up)
        case $TC_restart_mode in
        kill)    # a crash: the next daemon takes the connection over and answers what the dead one held
            kill -KILL $daemon; wait $daemon 2>/dev/null
            daemon_start handover ;;
        reload)  # an upgrade: SIGHUP, the daemon execs itself with the connection kept (same pid)
            kill -HUP $daemon ;;
        remount) # what happened before the handover: a new mount, the gadget's LUN pointed at it again
            kill -KILL $daemon; wait $daemon 2>/dev/null
            umount -l /run/teslacam/drive 2>/dev/null
            daemon_start ;;
        esac
        while ! tail -n +$((seen + 1)) $log | grep -q ' ready'; do kill -0 $daemon 2>/dev/null || die "teslacam did not restart"; sleep 0.05; done
        t1=$(up)
        if [ "$TC_restart_mode" = remount ]; then
            lun=/sys/kernel/config/usb_gadget/teslacam/functions/mass_storage.0/lun.0
            echo 1 > $lun/forced_eject; echo /run/teslacam/drive/volume.img > $lun/file
        fi
        printf 'RESTART\tmode=%s\tdown-to-ready=%s\treattached=%s\t%s\n' "$TC_restart_mode" \
            "$(awk -v a=$t0 -v b=$t1 'BEGIN { print b - a }')" "$(up)" \
            "$(tail -n +$((seen + 1)) $log | grep -o 'took over the FUSE connection.*\|answered=[0-9]* descriptor=[0-9]* replayed=[0-9]*' | head -1)"
        wait $car; rc=$?
        sleep 2   # tail -f looks once a second: the car's last manifest must reach the console first
        kill $tailer
        printf 'CAR-SAW\tio-errors=%s\tread-only=%s\tmedium-changes=%s\n' "$(dmesg | grep -c 'I/O error\|critical medium error')" \
            "$(dmesg | grep -c 'read-only\|Filesystem has been set read-only')" "$(dmesg | grep -ci 'medium\|media change')"
        dmesg | grep -i 'sda\|fat\|usb' | tail -8 | sed 's/^/kernel: /'
    else
        PATH=/tmp/carbin:$PATH sh /car.sh /mnt/car; rc=$?
    fi
    printf 'SCENARIO\t%s\t%s\n' "$rc" "$(up)"
    sync
    umount /mnt/car || die "umount failed"
    ;;
check)
    rc=0
    # The car's own repair after a power cut would write; the verdict is read-only.
    mount -t vfat -o ro /dev/sda1 /mnt/car || die "cannot mount /dev/sda1"
    (cd /mnt/car && find . -type f | sort | while read -r f; do
        printf 'VOLUME\t%s\t%s\t%s\n' "${f#./}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"; done)
    umount /mnt/car
    ;;
*) die "unknown scenario $TC_scenario" ;;
esac
out=$(fsck.fat -n /dev/sda1 2>&1); frc=$?
if [ $frc -eq 0 ]; then printf 'FSCK\tclean\n'
else printf 'FSCK\tdirty\t%s\n' "$(echo "$out" | grep -v '^[[:space:]]\|^$\|^fsck.fat \|conversion\|^Leaving\|^/dev/' | head -4 | tr '\t' ' ' | paste -s -d ';')"; fi

# Shutdown in the units' order: the gadget is ejected and removed, then the daemon stops.
sh /usr/local/lib/teslacam/gadget.sh down || die "gadget.sh down failed"
kill -TERM $daemon; wait $daemon; drc=$?
exec 7<&-   # the board's copy of the connection (kill mode): the daemon has unmounted
exec 8>&-   # tee ends with the last writer, and lets go of the log on /board
sleep 0.2
printf 'DAEMON-STOPPED\t%s\t%s\n' "$drc" "$(up)"
if [ "$TC_scenario" = check ]; then
    (cd /board/var/lib/teslacam/archive && find . -type f | sort | while read -r f; do
        printf 'ARCHIVE\t%s\t%s\t%s\n' "${f#./}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"; done)
fi
tail -n +$((seen + 1)) $log | grep -E 'warning|error|critical' | tail -5 | sed 's/^/daemon: /'
tail -1 $log | sed 's/^/daemon: /'
umount /board
printf 'BOARD-DONE\t%s\t%s\n' "$rc" "$(up)"
poweroff -f
