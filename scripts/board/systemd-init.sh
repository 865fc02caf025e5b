#!/bin/sh
# rdinit of the systemd guest: the host's own Debian root (virtio-9p, read-only) under a tmpfs overlay becomes
# the guest's root, and systemd boots it as PID 1 with Debian's kernel and its modules, so install.sh and the
# units run for real. The overlay gets one extra unit, board-test.service, that runs systemd-scenario.sh.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/base.list /lib/modules/board.list); do insmod "/lib/modules/$m" 2>/dev/null; done
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower || { echo "BOARD-FAIL no 9p root"; poweroff -f; }
mount -t tmpfs -o size=70% tmpfs /upper && mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || { echo "BOARD-FAIL no overlay"; poweroff -f; }
scenario=$(sed -n 's/.*tc.scenario_script=\([^ ]*\).*/\1/p' /proc/cmdline)
: > /newroot/etc/fstab
# Units that walk or wait for the whole host tree (tmpfiles over 9p takes minutes under TCG) or are of no use here
# (the servers CI installs for the sink and ingest tests among them).
for u in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer ssh.service \
         apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer logrotate.timer cron.service \
         nginx.service postgresql.service postgresql@15-main.service e2scrub_reap.service; do
    ln -sf /dev/null /newroot/etc/systemd/system/$u
done
cat > /newroot/etc/systemd/system/board-test.service <<U
[Unit]
Description=board in a box: install.sh and the units under systemd
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh $scenario
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
U
mkdir -p /newroot/etc/systemd/system/default.target.wants
ln -sf /etc/systemd/system/board-test.service /newroot/etc/systemd/system/default.target.wants/board-test.service
echo "BOOT-SYSTEMD $(cut -d' ' -f1 /proc/uptime)"
mount --move /dev /newroot/dev; mount --move /proc /newroot/proc; mount --move /sys /newroot/sys
# The API file systems systemd would mount itself (its own attempt fails here with ENOSYS).
mkdir -p /newroot/dev/shm /newroot/run
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm; mount -t tmpfs -o mode=755 run /newroot/run
mkdir -p /newroot/run/lock; mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
exec switch_root /newroot /lib/systemd/systemd
