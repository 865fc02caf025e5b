/// The video track's sample table (`stsz`, `stco`/`co64`, `stsc`, `stts`, `ctts`) with its timescale and the
/// AVCC NAL length size: where each frame's bytes are and when it is shown.
///
/// A `Sequence` of `Sample`s in decode order, walked from the run-length tables lazily, so a table that claims
/// billions of samples costs no memory beyond the `moov` already read; iteration stops at the first table that
/// runs out or points past `UInt64.max`.
public struct SampleTable: Sequence, Sendable {
    /// Track time units per second (`mdhd`).
    public let timescale: UInt32
    /// Bytes of each NAL length prefix in a sample (`avcC` lengthSizeMinusOne + 1; 4 when there is no `avcC`).
    public let nalLengthSize: Int
    /// The sample entry type (`avc1`, `hvc1`, ...).
    public let codec: FourCC?
    /// Samples `stsz` declares (the iteration may yield fewer when the other tables end first).
    public let declaredSampleCount: Int

    let uniformSize: UInt32
    let sizes: Table
    let chunkOffsets: Table
    let chunkRuns: Table
    let timeRuns: Table
    let offsetRuns: Table?

    /// A table of fixed-size big-endian entries inside the `moov` bytes; `count` never exceeds what the box holds.
    struct Table: Sendable {
        let bytes: [UInt8]
        let start: Int
        let count: Int
        let entrySize: Int

        init(_ bytes: [UInt8], start: Int, declared: UInt64, entrySize: Int, end: Int) {
            self.bytes = bytes
            self.start = start
            self.entrySize = entrySize
            let room = Swift.max(0, end - start) / entrySize
            count = Int(Swift.min(declared, UInt64(room)))
        }

        static let empty = Table([], start: 0, declared: 0, entrySize: 4, end: 0)

        /// Field `field` (0-based, `width` bytes) of entry `index`.
        func value(_ index: Int, field: Int = 0, width: Int = 4) -> UInt64 {
            bytes.bigEndian(at: start + index * entrySize + field * 4, count: width) ?? 0
        }
    }

    /// Parses the first video track of a whole `moov` box (header included).
    ///
    /// - Throws: `.missingBox` for a movie without a video track or sample tables, `.malformed` for bad layouts.
    public init(moov bytes: [UInt8]) throws(MP4Error) {
        let outer = MP4.scanBoxes(in: bytes, range: 0..<bytes.count)
        guard let moov = outer.boxes.first, moov.type == .moov, moov.end <= UInt64(bytes.count) else {
            throw .malformed(path: "moov", reason: "bytes do not start with a whole moov box")
        }
        var found: (stbl: [Box], timescale: UInt32, entry: Box?)?
        for trak in try MovieInfo.children(of: moov, in: bytes, path: "moov") where trak.type == .trak {
            guard let mdia = try MovieInfo.children(of: trak, in: bytes, path: "moov/trak").first(where: { $0.type == .mdia })
            else { continue }
            let mdiaChildren = try MovieInfo.children(of: mdia, in: bytes, path: "moov/trak/mdia")
            guard let minf = mdiaChildren.first(where: { $0.type == .minf }),
                let stbl = try MovieInfo.children(of: minf, in: bytes, path: "moov/trak/mdia/minf")
                    .first(where: { $0.type == .stbl })
            else { continue }
            let tables = try MovieInfo.children(of: stbl, in: bytes, path: "moov/trak/mdia/minf/stbl")
            var info = TrackInfo()
            if let hdlr = mdiaChildren.first(where: { $0.type == .hdlr }) {
                info.handler = FourCC(bytes: MovieInfo.payload(hdlr, in: bytes).dropFirst(8))
            }
            let entry = tables.first(where: { $0.type == .stsd }).flatMap { Self.firstEntry(of: $0, in: bytes) }
            info.sampleEntry = entry?.type
            guard info.isVideo else { continue }
            guard let mdhd = mdiaChildren.first(where: { $0.type == .mdhd }) else { throw .missingBox(path: "moov/trak/mdia/mdhd") }
            found = (tables, try Self.timescale(mdhd, in: bytes), entry)
            break
        }
        guard let found else { throw .missingBox(path: "moov/trak (video)") }
        func table(_ type: FourCC) -> Box? { found.stbl.first { $0.type == type } }
        let path = "moov/trak/mdia/minf/stbl/"

        // Every table is a FullBox: version and flags (4 bytes) first.
        guard let stsz = table("stsz") else { throw .missingBox(path: path + "stsz") }
        let stszStart = Int(stsz.payloadOffset)
        guard let uniform = bytes.uint32(at: stszStart + 4), let sampleCount = bytes.uint32(at: stszStart + 8) else {
            throw .malformed(path: path + "stsz", reason: "shorter than its 12 bytes of fields")
        }
        uniformSize = uniform
        sizes = uniform == 0
            ? Table(bytes, start: stszStart + 12, declared: UInt64(sampleCount), entrySize: 4, end: Int(stsz.end))
            : .empty
        declaredSampleCount = Int(sampleCount)

        func counted(_ type: FourCC, entrySize: Int) throws(MP4Error) -> Table {
            guard let box = table(type) else { throw .missingBox(path: path + type.description) }
            let start = Int(box.payloadOffset)
            guard let count = bytes.uint32(at: start + 4) else {
                throw .malformed(path: path + type.description, reason: "shorter than its 8 bytes of fields")
            }
            return Table(bytes, start: start + 8, declared: UInt64(count), entrySize: entrySize, end: Int(box.end))
        }
        if table("co64") != nil {
            chunkOffsets = try counted("co64", entrySize: 8)
        } else {
            chunkOffsets = try counted("stco", entrySize: 4)
        }
        chunkRuns = try counted("stsc", entrySize: 12)
        timeRuns = try counted("stts", entrySize: 8)
        offsetRuns = table(.ctts) == nil ? nil : try counted(.ctts, entrySize: 8)
        timescale = found.timescale
        codec = found.entry?.type
        nalLengthSize = found.entry.flatMap { Self.nalLengthSize(entry: $0, in: bytes) } ?? 4
    }

    /// Whether chunk offsets are 64-bit (`co64`).
    var wideChunkOffsets: Bool { chunkOffsets.entrySize == 8 }

    static func firstEntry(of stsd: Box, in bytes: [UInt8]) -> Box? {
        let start = Int(stsd.payloadOffset) + 8
        guard start <= Int(stsd.end) else { return nil }
        return MP4.scanBoxes(in: bytes, range: start..<Int(stsd.end)).completeBoxes.first
    }

    static func timescale(_ mdhd: Box, in bytes: [UInt8]) throws(MP4Error) -> UInt32 {
        let body = MovieInfo.payload(mdhd, in: bytes)
        let value: UInt32? = switch body.first {
        case 0: body.uint32(at: 12)
        case 1: body.uint32(at: 20)
        default: nil
        }
        guard let value, value > 0 else {
            throw .malformed(path: "moov/trak/mdia/mdhd", reason: "no usable timescale (version \(body.first.map(String.init) ?? "none"))")
        }
        return value
    }

    /// `avcC`'s lengthSizeMinusOne: the last two bits of its fifth byte. The child boxes of a VisualSampleEntry
    /// start after its 78 bytes of fields.
    static func nalLengthSize(entry: Box, in bytes: [UInt8]) -> Int? {
        let start = Int(entry.payloadOffset) + 78
        guard start <= Int(entry.end) else { return nil }
        let children = MP4.scanBoxes(in: bytes, range: start..<Int(entry.end)).completeBoxes
        guard let avcC = children.first(where: { $0.type == "avcC" }), avcC.payloadSize >= 5 else { return nil }
        let lengthSize = Int(bytes[Int(avcC.payloadOffset) + 4] & 0x03) + 1
        return lengthSize == 3 ? nil : lengthSize  // 3 is not allowed by ISO/IEC 14496-15
    }

    public func makeIterator() -> Iterator { Iterator(table: self) }

    /// Walks the tables in step: one chunk run, time run and offset run at a time.
    public struct Iterator: IteratorProtocol {
        let table: SampleTable
        var index = 0
        var chunk = -1
        var samplesLeftInChunk = 0
        var nextOffset: UInt64 = 0
        var chunkRun = 0
        var decodeTime: Int64 = 0
        var timeRun = 0
        var timeRunLeft = 0
        var offsetRun = 0
        var offsetRunLeft = 0

        init(table: SampleTable) {
            self.table = table
            timeRunLeft = table.timeRuns.count > 0 ? Int(table.timeRuns.value(0)) : 0
            offsetRunLeft = (table.offsetRuns?.count ?? 0) > 0 ? Int(table.offsetRuns!.value(0)) : 0
        }

        public mutating func next() -> Sample? {
            guard index < table.declaredSampleCount, let size = sampleSize(), advanceChunkIfNeeded() else { return nil }
            let offset = nextOffset
            let (end, overflow) = offset.addingReportingOverflow(UInt64(size))
            guard !overflow else { return nil }
            nextOffset = end
            samplesLeftInChunk -= 1
            let duration = nextDuration()
            let composition = nextCompositionOffset()
            let sample = Sample(index: index, offset: offset, size: size, decodeTime: decodeTime, duration: duration,
                                compositionOffset: composition)
            decodeTime = decodeTime &+ Int64(duration)
            index += 1
            return sample
        }

        func sampleSize() -> UInt32? {
            if table.uniformSize != 0 { return table.uniformSize }
            return index < table.sizes.count ? UInt32(table.sizes.value(index)) : nil
        }

        /// Moves to the next non-empty chunk when this one is used up; false when the chunks end.
        mutating func advanceChunkIfNeeded() -> Bool {
            let runs = table.chunkRuns
            while samplesLeftInChunk <= 0 {
                chunk += 1
                guard chunk < table.chunkOffsets.count else { return false }
                // stsc's first_chunk is 1-based; a run lasts until the next run's first chunk.
                while chunkRun + 1 < runs.count, Int(runs.value(chunkRun + 1)) - 1 <= chunk { chunkRun += 1 }
                guard runs.count > 0 else { return false }
                samplesLeftInChunk = Int(runs.value(chunkRun, field: 1))
                nextOffset = table.chunkOffsets.value(chunk, width: table.wideChunkOffsets ? 8 : 4)
            }
            return true
        }

        /// The stts delta of the current sample; 0 once stts ends (a table shorter than stsz).
        mutating func nextDuration() -> UInt32 {
            let runs = table.timeRuns
            while timeRunLeft <= 0 {
                timeRun += 1
                guard timeRun < runs.count else { return 0 }
                timeRunLeft = Int(runs.value(timeRun))
            }
            timeRunLeft -= 1
            return UInt32(runs.value(timeRun, field: 1))
        }

        /// The ctts offset of the current sample: signed for version 1, and read as signed for version 0 too,
        /// since writers put negative offsets there as well; 0 without ctts or once it ends.
        mutating func nextCompositionOffset() -> Int64 {
            guard let runs = table.offsetRuns else { return 0 }
            while offsetRunLeft <= 0 {
                offsetRun += 1
                guard offsetRun < runs.count else { return 0 }
                offsetRunLeft = Int(runs.value(offsetRun))
            }
            offsetRunLeft -= 1
            return Int64(Int32(truncatingIfNeeded: runs.value(offsetRun, field: 1)))
        }
    }
}

/// One sample (a video frame) of a track: where its bytes are and its times in the track's timescale.
public struct Sample: Hashable, Sendable {
    /// 0-based position in decode order.
    public let index: Int
    /// File offset of its first byte.
    public let offset: UInt64
    /// Its length in bytes.
    public let size: UInt32
    /// Decode time (sum of the preceding `stts` deltas).
    public let decodeTime: Int64
    /// Its `stts` delta: how long it lasts on the track's timeline.
    public let duration: UInt32
    /// Its `ctts` offset: presentation minus decode time (B-frames are shown after frames decoded later).
    public let compositionOffset: Int64

    /// When it is shown, in track units (before any edit list).
    public var presentationTime: Int64 { decodeTime &+ compositionOffset }
}
