extension MovieInfo {
    /// Parses the bytes of a whole `moov` box (header included).
    ///
    /// Only the paths this module reports are descended (`trak/mdia/minf/stbl`), so nesting depth is bounded.
    /// - Throws: `.missingBox("moov/mvhd")` without a movie header, `.malformed` or box errors for bad layouts.
    public init(moov bytes: [UInt8]) throws(MP4Error) {
        let outer = MP4.scanBoxes(in: bytes, range: 0..<bytes.count)
        guard let moov = outer.boxes.first, moov.type == .moov else {
            throw .malformed(path: "moov", reason: "bytes do not start with a moov box")
        }
        let children = try Self.children(of: moov, in: bytes, path: "moov")
        guard let mvhd = children.first(where: { $0.type == .mvhd }) else { throw .missingBox(path: "moov/mvhd") }
        let header = try Self.movieHeader(mvhd, in: bytes)
        var tracks: [TrackInfo] = []
        for trak in children where trak.type == .trak {
            tracks.append(try Self.track(trak, in: bytes))
        }
        self.init(
            creationTime: header.creation, timescale: header.timescale, durationUnits: header.duration,
            tracks: tracks)
    }

    /// The boxes tiling a container's payload; any inner layout error is fatal for the movie.
    /// Offsets in the error are relative to the start of `moov`.
    static func children(of box: Box, in bytes: [UInt8], path: String) throws(MP4Error) -> [Box] {
        let range = Int(box.payloadOffset)..<Int(box.end)
        let scan = MP4.scanBoxes(in: bytes, range: range)
        if let problem = scan.problem {
            throw .malformed(path: path, reason: "\(problem) (offset relative to moov)")
        }
        return scan.boxes
    }

    /// The payload of a box as its own array, for offset-based field reads.
    static func payload(_ box: Box, in bytes: [UInt8]) -> [UInt8] {
        Array(bytes[Int(box.payloadOffset)..<Int(box.end)])
    }

    static func movieHeader(_ box: Box, in bytes: [UInt8]) throws(MP4Error) -> (
        creation: Int64, timescale: UInt32, duration: UInt64?
    ) {
        let body = payload(box, in: bytes)
        let creation: UInt64?, timescale: UInt32?, duration: UInt64?
        switch body.first {
        case 0:
            creation = body.bigEndian(at: 4, count: 4)
            timescale = body.uint32(at: 12)
            duration = body.bigEndian(at: 16, count: 4).map { $0 == UInt64(UInt32.max) ? .max : $0 }
        case 1:
            creation = body.uint64(at: 4)
            timescale = body.uint32(at: 20)
            duration = body.uint64(at: 24)
        default:
            throw .malformed(path: "moov/mvhd", reason: "unknown version \(body.first.map(String.init) ?? "(empty)")")
        }
        guard let creation, let timescale, let duration else {
            throw .malformed(path: "moov/mvhd", reason: "\(body.count) payload bytes is too short for its version")
        }
        // Clamp so absurd 64-bit times cannot overflow; real clips are far from the edges.
        let since1970 = Int64(clamping: creation) &- MovieInfo.secondsFrom1904To1970
        return (since1970, timescale, duration == .max ? nil : duration)
    }

    static func track(_ trak: Box, in bytes: [UInt8]) throws(MP4Error) -> TrackInfo {
        var info = TrackInfo()
        guard let mdia = try children(of: trak, in: bytes, path: "moov/trak").first(where: { $0.type == .mdia })
        else { return info }
        let mdiaChildren = try children(of: mdia, in: bytes, path: "moov/trak/mdia")
        if let hdlr = mdiaChildren.first(where: { $0.type == .hdlr }) {
            // FullBox version/flags (4), pre_defined (4), then handler_type.
            info.handler = FourCC(bytes: payload(hdlr, in: bytes).dropFirst(8))
        }
        guard let minf = mdiaChildren.first(where: { $0.type == .minf }),
            let stbl = try children(of: minf, in: bytes, path: "moov/trak/mdia/minf").first(where: { $0.type == .stbl })
        else { return info }
        let tables = try children(of: stbl, in: bytes, path: "moov/trak/mdia/minf/stbl")
        info.hasCompositionOffsets = tables.contains { $0.type == .ctts }
        if let stsd = tables.first(where: { $0.type == .stsd }) {
            try readSampleDescription(stsd, in: bytes, into: &info)
        }
        return info
    }

    static func readSampleDescription(_ stsd: Box, in bytes: [UInt8], into info: inout TrackInfo) throws(MP4Error) {
        let path = "moov/trak/mdia/minf/stbl/stsd"
        // FullBox version/flags (4) and entry_count (4) precede the sample entries.
        let entriesStart = Int(stsd.payloadOffset) + 8
        guard entriesStart <= Int(stsd.end) else { throw .malformed(path: path, reason: "shorter than its 8-byte header fields") }
        let scan = MP4.scanBoxes(in: bytes, range: entriesStart..<Int(stsd.end))
        guard let entry = scan.completeBoxes.first else {
            if let problem = scan.problem { throw problem }
            return
        }
        info.sampleEntry = entry.type
        guard info.isVideo else { return }
        // SampleEntry: reserved (6), data_reference_index (2); VisualSampleEntry: pre_defined/reserved (16),
        // then width and height as 16-bit values.
        let body = payload(entry, in: bytes)
        info.width = body.uint16(at: 24).map(Int.init)
        info.height = body.uint16(at: 26).map(Int.init)
    }
}
