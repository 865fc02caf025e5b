import MP4

/// Builds a playable copy of a clip the car could not finish (power cut: `mdat` size 0 or short, no `moov`)
/// from a reference clip of the same camera and a scan of the frames in its `mdat`.
///
/// The repaired file keeps the truncated clip's bytes at the same offsets (its `ftyp`, the `mdat` header with
/// the recovered length, the whole frames) and appends a `moov` built from the reference: a chunk per run of
/// adjacent frames, the reference's `avcC`, durations taken frame by frame from the reference's `stts`,
/// presentation order from the SEI frame counters (or the reference's `ctts`), and an edit list hiding the
/// B-frame delay.
public enum ClipRepair {
    /// Largest run of bytes before the `mdat` we copy through memory (ftyp, free; a few dozen bytes in practice).
    static let maximumPrefix: UInt64 = 1 << 20
    /// Frames counted per byte of file at most: a frame is a 4-byte length, a header and a few bytes of slice
    /// (a still picture's P-frames are ~12 bytes), so a hostile mdat of tiny units stops here and the repair's
    /// memory stays a small multiple of the file's size.
    static let bytesPerFrameLimit: UInt64 = 12
    /// Frames per repair at most: 18 minutes at 60 fps, where a Tesla clip is one minute (2160 frames at 36 fps).
    /// With ~160 bytes of bookkeeping per frame, a repair never needs more than ~10 MiB whatever a file claims.
    static let maximumFrames = 1 << 16

    /// `scan` walks the frames of `start..<end` (at most `limit`); by default `AccessUnitScan.scan`. A caller
    /// that re-plans a clip as it grows (the web UI's live view) passes one that resumes where its last walk ended.
    public static func plan(
        fileSize: UInt64, read: (UInt64, Int) -> [UInt8], reference: RepairReference, creationTime: UInt64? = nil,
        scan frames: ((_ start: UInt64, _ end: UInt64, _ limit: Int) -> AccessUnitScan)? = nil
    ) throws(RepairError) -> RepairPlan {
        let analysis = MP4.analyse(fileSize: fileSize, read: read)
        switch analysis.kind {
        case .empty: throw .noMediaData
        case .opaque: throw .notMP4(reason: "it does not start with an ftyp box (encrypted by firmware 2026.20+?)")
        case .mp4: break
        }
        if analysis.isComplete { throw .notTruncated }
        guard let mdat = analysis.scan.boxes.first(where: { $0.type == .mdat }) else { throw .noMediaData }
        guard mdat.offset <= maximumPrefix else {
            throw .noFrames(reason: "the mdat starts \(mdat.offset) bytes in, past anything a car writes")
        }
        let start = mdat.payloadOffset
        // A size that fits the file (moov cut off after it) bounds the frames; 0 or too large means "to the end".
        let end: UInt64 = if case .bytes = mdat.header.size, mdat.end <= fileSize, mdat.size > UInt64(mdat.header.length) {
            mdat.end
        } else {
            fileSize
        }
        let limit = min(Int(clamping: fileSize / bytesPerFrameLimit) + 1, maximumFrames)
        let scan = frames?(start, end, limit)
            ?? AccessUnitScan.scan(from: start, to: end, lengthSize: reference.nalLengthSize, limit: limit, read: read)
        guard scan.units.first != nil, let last = scan.units.last else {
            throw .noFrames(reason: "stopped at \(scan.stop); is the reference of the same camera and encoder?")
        }
        let payloadEnd = last.offset + last.size
        let header: [UInt8]
        let payload = payloadEnd - start
        if mdat.header.length == 16 {
            header = BoxBytes.be(1, 4) + FourCC.mdat.bytes + BoxBytes.be(payload + 16, 8)
        } else {
            guard payload + 8 <= UInt64(UInt32.max) else {
                throw .tooLarge(reason: "\(payload) bytes of frames do not fit the clip's 8-byte mdat header")
            }
            header = BoxBytes.be(payload + 8, 4) + FourCC.mdat.bytes
        }
        let units = scan.units
        let (ordering, durations, offsets) = timing(units, reference: reference)
        let (composition, mediaStart, presentationEnd) = normalised(offsets, durations: durations)
        let movie = RepairedMovie(
            reference: reference, frames: units, durations: durations, compositionOffsets: composition,
            mediaStart: mediaStart, presentationEnd: presentationEnd, creationTime: creationTime)
        let prefix = read(0, Int(mdat.offset))
        guard prefix.count == Int(mdat.offset) else { throw .noFrames(reason: "the bytes before the mdat could not be read") }
        return RepairPlan(
            pieces: [.bytes(prefix + header), .copy(offset: start, count: payload), .bytes(movie.bytes())],
            frames: units.count, keyframes: units.filter(\.isKeyframe).count, ordering: ordering,
            duration: Double(movie.shownDuration) / Double(reference.timescale),
            discardedBytes: fileSize - payloadEnd, stop: scan.stop, gaps: scan.gaps)
    }

    /// Each frame's duration (`stts`) and composition offset (presentation minus decode time), and how the
    /// display order was found.
    ///
    /// With the car's frame counters, frame `n` of the clip (counter minus the first) is shown at the sum of the
    /// reference's first `n` durations, so frames lost to a damaged stretch leave their time on the timeline (the
    /// frame before the gap stays on screen) instead of shortening the clip; decode times are the presentation
    /// times in ascending order, which keeps them monotonic and the offsets small.
    static func timing(_ units: [AccessUnit], reference: RepairReference) -> (RepairPlan.Ordering, [UInt32], [Int64]?) {
        let byIndex = units.indices.map(reference.duration(ofFrame:))
        let sequences = units.compactMap(\.frameSequence)
        if sequences.count == units.count, Set(sequences).count == units.count, units.count > 1,
            let first = sequences.min(), let last = sequences.max(),
            last - first < UInt64(units.count) * 4 + 1024  // a counter that jumps wildly is not trusted for time
        {
            var slotTimes: [Int64] = [0]
            for slot in 0..<Int(last - first) { slotTimes.append(slotTimes[slot] + Int64(reference.duration(ofFrame: slot))) }
            let shown = sequences.map { slotTimes[Int($0 - first)] }
            let decode = shown.sorted()
            var durations: [UInt32] = []
            for index in decode.indices {
                durations.append(index + 1 < decode.count ? UInt32(clamping: decode[index + 1] - decode[index])
                    : reference.duration(ofFrame: Int(last - first)))
            }
            let offsets = units.indices.map { shown[$0] - decode[$0] }
            return (.telemetry, durations, offsets.contains { $0 != 0 } ? offsets : nil)
        }
        if let pattern = reference.compositionOffsets {
            return (.reference, byIndex, units.indices.map { Int64(pattern[$0 % pattern.count]) })
        }
        return (.decode, byIndex, nil)
    }

    /// Offsets shifted to be non-negative (ctts version 0, which every player reads alike), the first shown
    /// frame's presentation time and the last shown frame's end: the edit list spans them, so no frame is cut
    /// off (a P-frame whose B-frames were lost shows past the sum of the durations).
    static func normalised(_ offsets: [Int64]?, durations: [UInt32]) -> ([UInt32]?, UInt64, UInt64) {
        let total = durations.reduce(UInt64(0)) { $0 + UInt64($1) }
        guard let offsets else { return (nil, 0, total) }
        let shift = max(0, -(offsets.min() ?? 0))
        var decode: Int64 = 0
        var firstShown = Int64.max
        var lastEnd = Int64(0)
        var shifted: [UInt32] = []
        for (offset, duration) in zip(offsets, durations) {
            let value = Int64(UInt32(clamping: offset + shift))
            shifted.append(UInt32(value))
            firstShown = min(firstShown, decode + value)
            lastEnd = max(lastEnd, decode + value + Int64(duration))
            decode += Int64(duration)
        }
        return (shifted, UInt64(max(0, firstShown)), UInt64(max(0, lastEnd)))
    }
}
