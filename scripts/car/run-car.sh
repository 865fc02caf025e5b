#!/usr/bin/env bash
# Host side of the "car in a box": boots the guest built by build-guest.sh with IMAGE as the car's USB drive,
# lets /car.sh record, and turns the serial console into a manifest (fixtures/*.manifest format:
# state<TAB>path<TAB>size<TAB>sha256, state present|deleted).
# Exit status: 0 when the guest finished and its fsck.fat -n was clean (or a requested power cut happened and
# a synced manifest exists), 1 otherwise, 2 on usage errors.
set -uo pipefail
usage() {
    cat >&2 <<'U'
usage: run-car.sh --image PATH --guest OUTDIR [--bus virtio|usb] [--minutes N] [--cameras 4|6] [--clip BYTES]
                  [--chunk BYTES] [--seed S] [--keep K] [--event-every M] [--fsync-every CHUNKS] [--start-minute M] [--repair-first]
                  [--mux] [--mux-late SECONDS]
                  [--powercut-after SECONDS] [--manifest OUT] [--console OUT] [--accel auto|kvm|tcg]
                  [--timeout SECONDS] [--memory MiB] [--smp N]
U
    exit 2
}
image= guest= bus=virtio minutes=5 cameras=4 clip=3145728 chunk=262144 seed=1 keep=2 event_every=3 fsync_every=4
start_minute=0 repair=0 mux=0 mux_late=0 powercut= manifest= console= accel=auto timeout= memory=256 smp=$(( $(nproc) >= 2 ? 2 : 1 ))
while [ $# -gt 0 ]; do
    case $1 in
        --image) image=$2 ;; --guest) guest=$2 ;; --bus) bus=$2 ;; --minutes) minutes=$2 ;;
        --cameras) cameras=$2 ;; --clip) clip=$2 ;; --chunk) chunk=$2 ;; --seed) seed=$2 ;; --keep) keep=$2 ;;
        --event-every) event_every=$2 ;; --fsync-every) fsync_every=$2 ;; --powercut-after) powercut=$2 ;;
        --manifest) manifest=$2 ;; --console) console=$2 ;; --accel) accel=$2 ;; --timeout) timeout=$2 ;;
        --memory) memory=$2 ;; --smp) smp=$2 ;; --start-minute) start_minute=$2 ;;
        --repair-first) repair=1; shift; continue ;;
        --mux) mux=1; shift; continue ;;
        --mux-late) mux=1; mux_late=$2 ;;
        -h|--help) usage ;; *) echo "unknown option $1" >&2; usage ;;
    esac
    shift 2 || usage
done
[ -n "$image" ] && [ -n "$guest" ] || usage
[ -e "$image" ] || { echo "no image $image" >&2; exit 2; }
[ -s "$guest/vmlinux" ] && [ -s "$guest/initramfs.cpio.gz" ] || { echo "no guest in $guest: run build-guest.sh $guest" >&2; exit 2; }
case $bus in virtio|usb) ;; *) usage ;; esac
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ -n "$console" ] || console=$work/console
: > "$console"
# Generous: TCG records a few MiB/s per camera at worst; a hung guest still ends.
[ -n "$timeout" ] || timeout=$((120 + minutes * cameras * (clip / 1048576 + 1) * 3 + minutes * mux_late))

# -smp 2 (MTTCG): the cameras record in parallel; measured 1.4x faster than one vCPU even beside teslacam.
qemu=(qemu-system-x86_64 -M q35 -m "$memory" -smp "$smp" -nodefaults -no-reboot -display none -monitor none
      -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio.gz")

# /dev/kvm may open yet hang the guest (nested virtualisation), so only a guest that boots proves it works.
# The probe costs up to 10 s once; its verdict is cached next to the guest.
if [ "$accel" = auto ]; then
    if [ -s "$guest/accel" ]; then accel=$(cat "$guest/accel")
    else
        accel=tcg
        if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
            { timeout -s KILL 10 "${qemu[@]}" -accel kvm -serial "file:$work/probe" \
                -append "console=ttyS0 quiet panic=-1 no_timer_check tc.scenario=probe" >/dev/null 2>&1; } 2>/dev/null
            grep -q PROBE-OK "$work/probe" 2>/dev/null && accel=kvm
        fi
        echo "$accel" > "$guest/accel"
    fi
fi

# cache=writeback (no O_DIRECT): measured to work on teslacam's FUSE volume.img, and so do none, directsync and
# writethrough (that FUSE file accepts O_DIRECT), but O_DIRECT on FUSE depends on the server and kernel, so the
# mode that never needs it is the default. QEMU's writes go straight on to the file (the FUSE file is direct_io),
# and the guest's flushes reach it as fdatasync, so a SIGKILL loses only what the guest had not written out.
drive="file=$image,format=raw,if=none,id=car,cache=writeback,aio=threads"
if [ "$bus" = usb ]; then dev=(-device qemu-xhci -device usb-storage,drive=car,removable=on)
else dev=(-device virtio-blk-pci,drive=car); fi
append="console=ttyS0 quiet panic=-1 no_timer_check tc.scenario=record tc.bus=$bus tc.minutes=$minutes tc.cameras=$cameras"
append+=" tc.clip=$clip tc.chunk=$chunk tc.seed=$seed tc.keep=$keep tc.event_every=$event_every tc.fsync_every=$fsync_every tc.start=$start_minute tc.repair=$repair"
append+=" tc.mux=$mux tc.mux_late=$mux_late"

start=$(date +%s.%N)
"${qemu[@]}" -accel "$accel" -serial "file:$console" -drive "$drive" "${dev[@]}" -append "$append" \
    > "$work/qemu.out" 2>&1 &
qpid=$!
# Power cut: SIGKILL QEMU. What the guest had submitted has been written to the image already (a real power
# cut loses the car's RAM, the guest page cache, not what the drive acknowledged).
cut=0
(
    limit=${powercut:-$timeout}
    end=$(awk -v s="$start" -v l="$limit" 'BEGIN { printf "%.3f", s + l }')
    while kill -0 $qpid 2>/dev/null; do
        awk -v e="$end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n >= e) }' && { kill -KILL $qpid 2>/dev/null; exit 0; }
        sleep 0.2
    done
) &
watcher=$!
{ wait $qpid; } 2>/dev/null; qrc=$?  # no "Killed" job notice after a power cut
kill $watcher 2>/dev/null; wait $watcher 2>/dev/null
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
[ $qrc -eq 137 ] && [ -n "$powercut" ] && cut=1

# The serial line discipline turns \n into \r\n; parse a cleaned copy.
tr -d '\r' < "$console" > "$work/console.clean"
grep -q . "$work/qemu.out" && sed 's/^/qemu: /' "$work/qemu.out" >&2
field() { awk -F'\t' -v k="$1" -v n="$2" '$1 == k { v = $n } END { print v }' "$work/console.clean"; }
boot=$(field BOOT 2) mounted=$(field MOUNTED 3) scen=$(field SCENARIO 3) done_=$(field CAR-DONE 3)
fsck=$(awk -F'\t' '$1 == "FSCK" { v = $2 (NF > 2 ? ": " $3 : "") } END { print v }' "$work/console.clean")
echo "car: accel=$accel bus=$bus wall=${elapsed}s guest-uptime boot=${boot:-?} mounted=${mounted:-?} scenario-end=${scen:-?} done=${done_:-?} fsck=${fsck:-none}$([ -n "$powercut" ] && echo " powercut=$cut")" >&2
grep -E '^(CAR-FAIL|CAR-ERROR)' "$work/console.clean" >&2

# The manifest: the synced lines of the last complete MANIFEST-BEGIN..END block. The guest prints one before
# and one after each sync; unsynced lines (state unknown after a power cut) are left out.
if [ -n "$manifest" ]; then
    awk -F'\t' -v OFS='\t' '
        $1 == "MANIFEST-BEGIN" { n = 0; open = 1; next }
        $1 == "MANIFEST" && open { line[++n] = $0; next }
        $1 == "MANIFEST-END" && open { m = n; for (i = 1; i <= n; i++) last[i] = line[i]; open = 0; got = 1; next }
        END {
            if (!got) exit 1
            for (i = 1; i <= m; i++) {
                split(last[i], f, "\t")
                if (f[6] != "yes") continue
                print (f[2] == "live" ? "present" : f[2]), f[3], f[4], f[5]
            }
        }' "$work/console.clean" | LC_ALL=C sort -t$'\t' -k2,2 -k1,1 > "$manifest.tmp"
    if [ ${PIPESTATUS[0]} -ne 0 ]; then echo "car: no complete manifest block" >&2; rm -f "$manifest.tmp"; : > "$manifest"
    else mv "$manifest.tmp" "$manifest"; echo "car: manifest $(wc -l < "$manifest") entries -> $manifest" >&2; fi
fi

if [ $cut -eq 1 ] && [ -z "$done_" ]; then exit 0; fi
if [ -z "$done_" ]; then
    echo "car: guest did not finish (qemu rc $qrc); last console lines:" >&2
    grep -v '^MANIFEST' "$work/console.clean" | tail -15 >&2
    exit 1
fi
[ "$(field CAR-DONE 2)" = 0 ] || { echo "car: scenario failed" >&2; exit 1; }
case $fsck in clean) exit 0 ;; *) echo "car: guest fsck.fat: $fsck" >&2; exit 1 ;; esac
