#!/bin/sh
# Runs inside the systemd guest (board-test.service): install.sh twice, the daemon ready (Type=notify) and the
# gadget after it, the watchdog restarting a hung daemon, a crash loop systemd gives up on (the gadget detached),
# uninstall. One TAB-separated line per check.
repo=$(sed -n 's/.*tc.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
tc=$(sed -n 's/.*tc.binary=\([^ ]*\).*/\1/p' /proc/cmdline)
say() { printf '%s\n' "$*" > /dev/ttyS0; }
up() { cut -d' ' -f1 /proc/uptime; }
say "SYSTEMD-UP	$(up)"
modprobe dummy_hcd && modprobe usb_storage quirks=1d6b:0104:p && modprobe sd_mod
say "UDC	$(ls /sys/class/udc)"
"$repo/scripts/install.sh" --binary "$tc" > /tmp/install1.log 2>&1; say "INSTALL1	$?"
sed -n '1,40p' /tmp/install1.log | sed 's/^/install: /' > /dev/ttyS0
"$repo/scripts/install.sh" --binary "$tc" > /tmp/install2.log 2>&1; say "INSTALL2	$?"
i=0; while [ "$(systemctl is-active teslacam-gadget.service)" != active ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
say "ACTIVE	teslacam=$(systemctl is-active teslacam.service) gadget=$(systemctl is-active teslacam-gadget.service) $(up)"
say "STATUS	$(systemctl show -p StatusText --value teslacam.service)"
# The partition shows a moment after the disk (the partition table is read once the LUN answers): wait for it.
i=0; while [ ! -b /dev/sda1 ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
say "CAR-DISK	$(ls /dev/sda* 2>/dev/null | tr '\n' ' ')"
# Gadget started after READY: its start timestamp is after the daemon's.
say "ORDER	daemon-ready=$(systemctl show -p ExecMainStartTimestampMonotonic --value teslacam.service) gadget=$(systemctl show -p ExecMainStartTimestampMonotonic --value teslacam-gadget.service)"
# A hung daemon: SIGSTOP stops every thread, the heartbeat too; WatchdogSec=15 must restart it.
before=$(systemctl show -p NRestarts --value teslacam.service)
gadget_binds() { journalctl -u teslacam-gadget --no-pager | grep -c 'gadget: .* on '; }
binds=$(gadget_binds)
# The FUSE workers answer the car at the unit's Nice=-5 (column 19 of a task's stat is its nice).
pid=$(systemctl show -p MainPID --value teslacam.service)
say "FUSE-NICE	$(for t in /proc/$pid/task/*; do [ "$(cat $t/comm)" = teslacam-fuse ] && cut -d' ' -f19 $t/stat; done | sort -u | tr '\n' ' ')"
hung=$(up)
systemctl kill -s SIGSTOP teslacam.service
i=0; while [ "$(systemctl show -p NRestarts --value teslacam.service)" = "$before" ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
say "WATCHDOG	restarts=$before->$(systemctl show -p NRestarts --value teslacam.service)"
# The gadget stays bound through the restart (the connection waits in the fd store); the daemon comes back.
i=0; while [ "$(systemctl is-active teslacam.service)" != active ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
say "AFTER-RESTART	teslacam=$(systemctl is-active teslacam.service) gadget=$(systemctl is-active teslacam-gadget.service) hung-to-ready=$(echo "$(up) $hung" | awk '{printf "%.1f", $1 - $2}')s"
say "GADGET-REBINDS	$(( $(gadget_binds) - binds ))"
journalctl -u teslacam -u teslacam-gadget --no-pager | grep -E 'watchdog|Watchdog|gadget:|ready|took over|Stopping|Started|Failed|SIGABRT' | tail -12 | sed 's/^/journal: /' > /dev/ttyS0
# Failed for good: a crash loop (SIGKILL as soon as each start has a process) until systemd gives up
# (StartLimitBurst=10 in 300 s). Killing before READY keeps each round short: a start of the debug build under a
# loaded TCG guest takes 20-30 s, and waiting for each to be ready let 10 starts spread past the 300 s window.
# Between automatic restarts the gadget stays bound (systemd 252 may start OnFailure= units then too: the detach
# unit's condition makes it do nothing); once the unit has failed, teslacam-detach.service stops the gadget.
is_failed() { [ "$(systemctl is-failed teslacam.service)" = failed ]; }
main_pid() { systemctl show -p MainPID --value teslacam.service; }
k=0; while ! is_failed && [ $k -lt 20 ]; do
    i=0; while [ "$(main_pid)" = 0 ] && ! is_failed && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    is_failed && break
    [ $k = 1 ] && say "CRASH-LOOP	gadget=$(systemctl is-active teslacam-gadget.service)"
    systemctl kill -s SIGKILL teslacam.service; k=$((k + 1)); sleep 0.5
done
i=0; while [ "$(systemctl is-active teslacam-gadget.service)" = active ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
say "GAVE-UP	kills=$k teslacam=$(systemctl is-failed teslacam.service) result=$(systemctl show -p Result --value teslacam.service) gadget=$(systemctl is-active teslacam-gadget.service) gadget-dir=$(ls /sys/kernel/config/usb_gadget 2>/dev/null | tr '\n' ' ')"
systemctl reset-failed teslacam.service teslacam-detach.service 2>/dev/null
"$repo/scripts/install.sh" --uninstall > /tmp/uninstall.log 2>&1; say "UNINSTALL	$? teslacam=$(systemctl is-active teslacam.service) gadget-dir=$(ls /sys/kernel/config/usb_gadget 2>/dev/null | tr '\n' ' ')"
say "SYSTEMD-DONE	$(up)"
systemctl poweroff -ff
