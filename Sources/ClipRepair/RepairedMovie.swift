import MP4

/// The `moov` of a repaired clip: the reference's boxes with new sample tables, durations and edit list.
///
/// Only the reference's video `trak` is kept (other tracks point into the reference's own `mdat`), and of its
/// sample table only `stsd` (the codec configuration); per-sample boxes the scan cannot vouch for (`sdtp`,
/// sample groups) are dropped.
struct RepairedMovie {
    let reference: RepairReference
    let frames: [AccessUnit]
    /// Decode-order durations and non-negative composition offsets, in track units.
    let durations: [UInt32]
    let compositionOffsets: [UInt32]?
    /// The first shown frame's presentation time: where the edit list starts the track.
    let mediaStart: UInt64
    /// Where the last shown frame ends, in track units.
    let presentationEnd: UInt64
    /// Seconds since 1904 to write as the creation time; nil keeps the reference's.
    let creationTime: UInt64?

    /// The media's length (mdhd): the sum of the frames' durations.
    var trackDuration: UInt64 { durations.reduce(0) { $0 + UInt64($1) } }
    /// What the edit list shows, in track units: from the first shown frame to the end of the last.
    var shownDuration: UInt64 { presentationEnd - min(presentationEnd, mediaStart) }
    var movieDuration: UInt64 {
        shownDuration * UInt64(reference.movieTimescale) / UInt64(max(1, reference.timescale))
    }

    func bytes() -> [UInt8] {
        let moov = reference.moov
        guard let top = BoxBytes.boxes(in: moov, range: 0..<moov.count).first else { return [] }
        var body: [UInt8] = []
        for child in BoxBytes.children(of: top, in: moov) {
            switch child.type {
            case .mvhd: body += patchedHeader(child, durationField: (v0: 16, v1: 24), creationFields: true)
            case .trak where child == reference.videoTrak: body += trak(child)
            case .trak: continue
            default: body += BoxBytes.whole(child, in: moov)
            }
        }
        return BoxBytes.box(.moov, body)
    }

    func trak(_ trak: Box) -> [UInt8] {
        let moov = reference.moov
        var body: [UInt8] = []
        for child in BoxBytes.children(of: trak, in: moov) {
            switch child.type {
            case .tkhd:
                body += patchedHeader(child, durationField: (v0: 20, v1: 28), creationFields: false)
                body += editList()
            case .edts: continue
            case .mdia: body += container(child, rebuilding: .minf, with: minf)
            default: body += BoxBytes.whole(child, in: moov)
            }
        }
        return BoxBytes.box(.trak, body)
    }

    func minf(_ minf: Box) -> [UInt8] { container(minf, rebuilding: .stbl, with: stbl) }

    func stbl(_ stbl: Box) -> [UInt8] {
        let moov = reference.moov
        var body = BoxBytes.children(of: stbl, in: moov).first { $0.type == .stsd }.map { BoxBytes.whole($0, in: moov) } ?? []
        body += timeToSample()
        if let compositionOffsets { body += runs("ctts", compositionOffsets) }
        if frames.contains(where: { !$0.isKeyframe }) {
            let keys = frames.indices.filter { frames[$0].isKeyframe }.flatMap { BoxBytes.be(UInt64($0 + 1), 4) }
            body += BoxBytes.fullBox("stss", BoxBytes.be(UInt64(keys.count / 4), 4) + keys)
        }
        // A chunk per run of adjacent frames: one, unless a damaged stretch was skipped.
        var chunks: [(offset: UInt64, count: Int)] = []
        var chunkEnd: UInt64?
        for frame in frames {
            if let lastEnd = chunkEnd, lastEnd == frame.offset, !chunks.isEmpty {
                chunks[chunks.count - 1].count += 1
            } else {
                chunks.append((frame.offset, 1))
            }
            chunkEnd = frame.offset + frame.size
        }
        var runs: [(first: Int, count: Int)] = []
        for (index, chunk) in chunks.enumerated() where runs.last?.count != chunk.count { runs.append((index + 1, chunk.count)) }
        body += BoxBytes.fullBox("stsc", BoxBytes.be(UInt64(runs.count), 4)
            + runs.flatMap { BoxBytes.be(UInt64($0.first), 4) + BoxBytes.be(UInt64($0.count), 4) + BoxBytes.be(1, 4) })
        body += BoxBytes.fullBox("stsz", BoxBytes.be(0, 4) + BoxBytes.be(UInt64(frames.count), 4)
            + frames.flatMap { BoxBytes.be($0.size, 4) })
        let wide = (frames.last.map { $0.offset + $0.size } ?? 0) > UInt64(UInt32.max)
        body += BoxBytes.fullBox(wide ? "co64" : "stco", BoxBytes.be(UInt64(chunks.count), 4)
            + chunks.flatMap { BoxBytes.be($0.offset, wide ? 8 : 4) })
        return BoxBytes.box(.stbl, body)
    }

    func timeToSample() -> [UInt8] { runs("stts", durations) }

    /// A run-length table (`stts`, `ctts`): (count, value) pairs.
    func runs(_ type: FourCC, _ values: [UInt32]) -> [UInt8] {
        var pairs: [(count: UInt32, value: UInt32)] = []
        for value in values {
            if let last = pairs.last, last.value == value { pairs[pairs.count - 1].count += 1 } else { pairs.append((1, value)) }
        }
        return BoxBytes.fullBox(type, BoxBytes.be(UInt64(pairs.count), 4)
            + pairs.flatMap { BoxBytes.be(UInt64($0.count), 4) + BoxBytes.be(UInt64($0.value), 4) })
    }

    /// One edit: the whole track from its first shown frame, so B-frame reordering delay is not shown.
    func editList() -> [UInt8] {
        let entry = BoxBytes.be(movieDuration, 8) + BoxBytes.be(mediaStart, 8) + BoxBytes.be(0x0001_0000, 4)
        return BoxBytes.box(.edts, BoxBytes.fullBox(.elst, version: 1, BoxBytes.be(1, 4) + entry))
    }

    /// A copy of `box` whose child of type `type` is replaced by `rebuild(child)`.
    func container(_ box: Box, rebuilding type: FourCC, with rebuild: (Box) -> [UInt8]) -> [UInt8] {
        let moov = reference.moov
        var body: [UInt8] = []
        for child in BoxBytes.children(of: box, in: moov) {
            if child.type == .mdhd {
                body += patchedHeader(child, durationField: (v0: 16, v1: 24), creationFields: false, trackUnits: true)
            } else {
                body += child.type == type ? rebuild(child) : BoxBytes.whole(child, in: moov)
            }
        }
        return BoxBytes.box(box.type, body)
    }

    /// mvhd, tkhd or mdhd with the new duration (movie units, or track units for mdhd) and, for mvhd, the
    /// clip's own creation time.
    func patchedHeader(
        _ box: Box, durationField: (v0: Int, v1: Int), creationFields: Bool, trackUnits: Bool = false
    ) -> [UInt8] {
        var bytes = BoxBytes.whole(box, in: reference.moov)
        let start = box.header.length
        let wide = bytes.count > start && bytes[start] == 1
        let duration = trackUnits ? trackDuration : movieDuration
        BoxBytes.put(wide ? duration : min(duration, UInt64(UInt32.max - 1)), into: &bytes,
                     at: start + (wide ? durationField.v1 : durationField.v0), count: wide ? 8 : 4)
        if creationFields, let creationTime {
            for field in 0..<2 {
                BoxBytes.put(wide ? creationTime : min(creationTime, UInt64(UInt32.max)), into: &bytes,
                             at: start + 4 + field * (wide ? 8 : 4), count: wide ? 8 : 4)
            }
        }
        return bytes
    }
}
