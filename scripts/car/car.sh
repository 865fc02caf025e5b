#!/bin/sh
# The car: records like a Tesla onto the vfat volume mounted at $1, using the TC_* settings /init exported.
# Every camera writes its clip in parallel (so their clusters interleave, as in a car), in chunks appended by
# patgen; a car's minute ends with a sync, the circular delete of old RecentClips and now and then an event that
# moves the last clips to SavedClips/SentryClips. After each sync it prints the full manifest (the truth the
# host's harvest is checked against), framed by MANIFEST-BEGIN/-END so the host can use the last complete one.
# tc.mux=1 writes each clip as the car's non-fragmented MP4 muxer does (see record_muxed).
vol=$1
: "${TC_minutes:=5}" "${TC_cameras:=4}" "${TC_clip:=3145728}" "${TC_chunk:=262144}" "${TC_seed:=1}"
: "${TC_start:=0}" "${TC_keep:=2}" "${TC_event_every:=3}" "${TC_fsync_every:=4}" "${TC_mux:=0}" "${TC_mux_late:=0}"
base=1795600800   # 2026-11-25 10:00:00 UTC
cams="front back left_repeater right_repeater"
[ "$TC_cameras" = 6 ] && cams="$cams left_pillar right_pillar"
db=/tmp/db        # state<TAB>path<TAB>size<TAB>sha256<TAB>synced, one line per file ever completed
: > $db
cd "$vol" || exit 1
mkdir -p TeslaCam/RecentClips || exit 1

stamp() { date -u -d @$((base + $1 * 60)) +%Y-%m-%d_%H-%M-%S; }

# db edits; an edit makes the line unsynced until the next sync.
db_add() { printf 'live\t%s\t%s\t%s\tno\n' "$1" "$2" "$3" >> $db; }
db_delete() { awk -F'\t' -v OFS='\t' -v p="$1" '$2 == p && $1 == "live" { $1 = "deleted"; $5 = "no" } 1' $db > $db.n && mv $db.n $db; }
db_move() { awk -F'\t' -v OFS='\t' -v p="$1" -v q="$2" '$2 == p && $1 == "live" { $2 = q; $5 = "no" } 1' $db > $db.n && mv $db.n $db; }
nblock=0
report() {
    nblock=$((nblock + 1))
    printf 'MANIFEST-BEGIN\t%s\n' $nblock
    sed 's/^/MANIFEST\t/' $db
    printf 'MANIFEST-END\t%s\n' $nblock
}
# Report before and after each sync: a power cut between the two leaves the pre-sync block last, in which the
# minute's clips, moves and deletes are marked synced=no (their state on the volume is unknown), while the
# files untouched since the previous sync stay yes.
sync_and_report() {
    report
    sync
    awk -F'\t' -v OFS='\t' '{ $5 = "yes" } 1' $db > $db.n && mv $db.n $db
    report
}

# Appends COUNT pattern bytes of SEED to FILE in chunks, as a camera's bursts.
append_pattern() {  # file seed count
    off=0; n=0
    while [ $off -lt $3 ]; do
        c=$TC_chunk; [ $((off + c)) -gt $3 ] && c=$(($3 - off))
        patgen $2 $off $c >> "$1" || { echo "write failed: $1" >&2; return 1; }
        off=$((off + c)); n=$((n + 1))
        # The car fsyncs the clip it records now and then; a power cut keeps at least that much.
        if [ "$TC_fsync_every" -gt 0 ] && [ $((n % TC_fsync_every)) -eq 0 ]; then sync "$1"; fi
    done
}

# A non-fragmented MP4 as the car's muxer writes it (Sources/CarSimulator/MuxedClip.swift, byte for byte): ftyp,
# an mdat header whose size is 0 while recording, the samples, the moov, and last the real mdat size, seeked back
# into the file's first cluster after its size stopped changing. With tc.mux_late=S the clips of odd minutes
# sync their moov first and rewrite the mdat size S seconds later: past the harvest's 2 s quiet period the clip
# was already judged complete, so the rewrite must reach the archive as one.
mp4_boxes=$(( $(patgen mp4-head | wc -c) + $(patgen mp4-moov 0 | wc -c) ))
record_muxed() {  # minute path seed size
    patgen mp4-head > "$2" || { echo "write failed: $2" >&2; return 1; }
    payload=$(($4 - mp4_boxes))
    append_pattern "$2" $3 $payload || return 1
    patgen mp4-moov $((base + $1 * 60)) >> "$2" || { echo "write failed: $2" >&2; return 1; }
    if [ "$TC_mux_late" -gt 0 ] && [ $(($1 % 2)) -eq 1 ]; then
        sync "$2"
        sleep "$TC_mux_late"
    fi
    patgen mp4-mdat-size "$2" $((payload + 8)) || { echo "write failed: $2" >&2; return 1; }
}

# One clip: sizes differ per camera and minute and are not chunk multiples, like real H.264 clips.
record_clip() {  # minute camera-index path
    seed=$((TC_seed * 100000 + $1 * 10 + $2))
    size=$((TC_clip - (($1 * 7919 + $2 * 104729) % 65521) * 7))
    [ $size -lt 1 ] && size=$TC_clip
    if [ "$TC_mux" = 1 ] && [ $size -gt $((mp4_boxes + 1)) ]; then
        record_muxed "$1" "$3" $seed $size || return 1
    else
        : > "$3"
        append_pattern "$3" $seed $size || return 1
    fi
    sync "$3"
    printf '%s\t%s\t%s\n' "${3#./}" $size "$(sha256sum "$3" | cut -d' ' -f1)" > /tmp/done.$2
}

# tc.start continues a timeline (the car again after a power cut): clips of earlier runs are not in this run's
# manifest, but the circular delete still removes them.
event=0
m=$TC_start
while [ $m -lt $((TC_start + TC_minutes)) ]; do
    ts=$(stamp $m)
    i=0
    for cam in $cams; do
        rm -f /tmp/done.$i
        record_clip $m $i "TeslaCam/RecentClips/$ts-$cam.mp4" &
        i=$((i + 1))
    done
    wait
    i=0
    for cam in $cams; do
        if [ -s /tmp/done.$i ]; then
            IFS='	' read -r p s h < /tmp/done.$i
            db_add "$p" "$s" "$h"
        else
            printf 'CAR-ERROR\tclip %s %s not recorded\n' "$ts" "$cam"
        fi
        i=$((i + 1))
    done
    printf 'MINUTE\t%s\t%s\t%s\n' $m "$ts" "$(cut -d' ' -f1 /proc/uptime)"

    # Event: move (not copy) the last two minutes into a new SavedClips/SentryClips folder.
    if [ "$TC_event_every" -gt 0 ] && [ $(((m + 1) % TC_event_every)) -eq 0 ]; then
        if [ $((event % 2)) -eq 0 ]; then kind=SavedClips; reason=user_interaction_dashcam_icon_tapped
        else kind=SentryClips; reason=sentry_aware_object_detection; fi
        dir=TeslaCam/$kind/$ts
        mkdir -p "$dir"
        for mm in $((m - 1)) $m; do
            [ $mm -lt 0 ] && continue
            t=$(stamp $mm)
            for cam in $cams; do
                f="TeslaCam/RecentClips/$t-$cam.mp4"
                [ -f "$f" ] || continue
                mv "$f" "$dir/" && db_move "$f" "$dir/$t-$cam.mp4"
            done
        done
        iso=$(date -u -d @$((base + m * 60)) +%Y-%m-%dT%H:%M:%S)
        printf '{"timestamp":"%s","city":"Oslo","street":"","est_lat":"59.91","est_lon":"10.75","reason":"%s","camera":"0"}\n' \
            "$iso" "$reason" > "$dir/event.json"
        patgen $((TC_seed * 100000 + m * 10 + 9)) 0 $((20000 + m)) > "$dir/thumb.png"
        for f in event.json thumb.png; do
            db_add "$dir/$f" "$(stat -c %s "$dir/$f")" "$(sha256sum "$dir/$f" | cut -d' ' -f1)"
        done
        event=$((event + 1))
    fi

    # Circular buffer: RecentClips keeps only the last TC_keep minutes.
    old=$((m + 1 - TC_keep))
    if [ "$TC_keep" -gt 0 ] && [ $old -gt 0 ]; then
        mm=0
        while [ $mm -lt $old ]; do
            t=$(stamp $mm)
            for cam in $cams; do
                f="TeslaCam/RecentClips/$t-$cam.mp4"
                [ -f "$f" ] && rm -f "$f" && db_delete "$f"
            done
            mm=$((mm + 1))
        done
    fi
    sync_and_report
    m=$((m + 1))
done
sync_and_report
exit 0
