#!/usr/bin/env bash
# check-volume.sh [--after-powercut] IMAGE MANIFEST: checks a car's volume against the manifest run-car.sh wrote. Every present
# entry must read back (mtools, no kernel mount needed) with its size and sha256; a deleted entry must be gone
# unless a present entry reuses its path; and fsck.fat -n must find nothing. Works on the MBR layout (partition
# 1) and on a superfloppy. Exit 0 when all holds, 1 otherwise. --after-powercut: the car never unmounted, so
# fsck.fat's findings (dirty bit, half-written clips' lost clusters) are printed but not counted as failures.
set -uo pipefail
powercut=0; [ "${1:-}" = --after-powercut ] && { powercut=1; shift; }
img=${1:?usage: check-volume.sh IMAGE MANIFEST}; man=${2:?usage: check-volume.sh IMAGE MANIFEST}
export MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0 LC_ALL=C
# Read twice below: copy it so a pipe (<(...)) works as MANIFEST too.
copy=$(mktemp); trap 'rm -f "$copy" "$copy.data"' EXIT; cat "$man" > "$copy"; man=$copy
[ -s "$man" ] || { echo "check: empty manifest" >&2; exit 1; }

# A FAT boot sector names its FS type at 82 (FAT32) or 54 (FAT12/16); otherwise sector 0 is an MBR.
if head -c 90 "$img" | tail -c 8 | grep -q '^FAT' || head -c 62 "$img" | tail -c 8 | grep -q '^FAT'; then
    off=0
else
    lba=$(od -An -tu4 -j 454 -N 4 "$img" | tr -d ' ')
    [ -n "$lba" ] && [ "$lba" -gt 0 ] || { echo "check: no FAT volume and no MBR partition in $img" >&2; exit 1; }
    off=$((lba * 512))
fi
vol="$img@@$off"

bad=0 ok=0 gone=0
declare -A live=()
while IFS=$'\t' read -r state path size sha; do [ "$state" = present ] && live[$path]=1; done < "$man"
while IFS=$'\t' read -r state path size sha; do
    [ -n "$state" ] || continue
    case $state in
        present)
            if mcopy -n -i "$vol" "::$path" - > "$copy.data" 2>/dev/null; then
                n=$(stat -c %s "$copy.data"); got=$(sha256sum < "$copy.data" | cut -d' ' -f1)
            else n=missing got=missing; fi
            if [ "$got" = "$sha" ] && [ "$n" = "$size" ]; then ok=$((ok + 1))
            else echo "MISMATCH $path: size $n/$size (volume/manifest) sha ${got:0:12}/${sha:0:12}"; bad=$((bad + 1)); fi ;;
        deleted)
            [ -n "${live[$path]:-}" ] && continue
            if mdir -b -i "$vol" "::$path" >/dev/null 2>&1; then echo "STILL THERE $path (deleted by the car)"; bad=$((bad + 1))
            else gone=$((gone + 1)); fi ;;
        *) echo "unknown state $state for $path"; bad=$((bad + 1)) ;;
    esac
done < "$man"

# fsck.fat reads block devices or files, not offsets: a read-only loop device maps the partition.
fsck_status=skipped
if [ "$off" -eq 0 ]; then
    fsck.fat -n "$img" > /tmp/check.$$.fsck 2>&1 && fsck_status=clean || fsck_status=dirty
elif loop=$(losetup -f --show -r -o "$off" "$img" 2>/dev/null); then
    fsck.fat -n "$loop" > /tmp/check.$$.fsck 2>&1 && fsck_status=clean || fsck_status=dirty
    losetup -d "$loop"
fi
if [ "$fsck_status" = dirty ]; then
    sed 's/^/fsck: /' /tmp/check.$$.fsck
    [ $powercut -eq 1 ] && fsck_status="dirty (expected after a power cut)" || bad=$((bad + 1))
fi
rm -f /tmp/check.$$.fsck
echo "check: $ok present ok, $gone deleted gone, $bad problems, fsck $fsck_status (volume at offset $off)"
[ $bad -eq 0 ]
