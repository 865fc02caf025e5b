import MP4

/// What a complete clip of the same camera lends a truncated one: its `moov` (the `avcC` with SPS and PPS, the
/// boxes around the sample tables), the track timescale, and the per-frame durations and composition offsets
/// the car's encoder produced.
public struct RepairReference: Sendable {
    let moov: [UInt8]
    let videoTrak: Box
    public let timescale: UInt32
    public let movieTimescale: UInt32
    public let nalLengthSize: Int
    /// The reference's `mvhd` creation time, seconds since 1904 (0 when unset).
    public let creationTime: UInt64
    /// `stts` deltas in decode order.
    let durations: SampleRuns<UInt32>
    /// `ctts` offsets in decode order; nil when the reference has none (no B-frames).
    let compositionOffsets: SampleRuns<Int32>?
    /// A typical frame's duration: the median of the reference's non-zero deltas (jitter averages out, a
    /// stray long last frame does not skew it).
    let typicalDuration: UInt32

    /// Most samples read from a reference's tables: a minute at 60 fps is 3600; a hostile table claiming
    /// billions stops here (and costs only its runs: `SampleRuns`).
    static let maximumSamples = 1 << 20

    /// Parses a whole `moov` box (header included).
    public init(moov: [UInt8]) throws(RepairError) {
        let table: SampleTable
        do throws(MP4Error) {
            table = try SampleTable(moov: moov)
        } catch {
            throw .badReference(reason: "\(error)")
        }
        guard table.codec == "avc1" || table.codec == "avc3" else {
            throw .badReference(reason: "its video is \(table.codec?.description ?? "of no known codec"), not H.264")
        }
        guard let top = BoxBytes.boxes(in: moov, range: 0..<moov.count).first, top.type == .moov,
            let mvhd = BoxBytes.child(.mvhd, of: top, in: moov),
            let trak = BoxBytes.children(of: top, in: moov).first(where: { Self.isVideo($0, in: moov) })
        else { throw .badReference(reason: "its moov has no mvhd or no video trak") }
        let mvhdPayload = BoxBytes.payload(mvhd, in: moov)
        let movieScale = BoxBytes.value(mvhdPayload, at: mvhdPayload.first == 1 ? 20 : 12, count: 4) ?? 0
        guard movieScale > 0 else { throw .badReference(reason: "its mvhd has no timescale") }

        var durations = SampleRuns<UInt32>()
        var offsets = SampleRuns<Int32>()
        for sample in table.prefix(Self.maximumSamples) {
            durations.append(sample.duration)
            offsets.append(Int32(clamping: sample.compositionOffset))
        }
        guard !durations.isEmpty, durations.contains(where: { $0 > 0 }) else {
            throw .badReference(reason: "its sample tables list no timed frames")
        }
        self.moov = moov
        videoTrak = trak
        timescale = table.timescale
        movieTimescale = UInt32(movieScale)
        creationTime = BoxBytes.value(mvhdPayload, at: 4, count: mvhdPayload.first == 1 ? 8 : 4) ?? 0
        nalLengthSize = table.nalLengthSize
        self.durations = durations
        typicalDuration = Self.median(durations)
        compositionOffsets = offsets.contains(where: { $0 != 0 }) ? offsets : nil
    }

    /// Reads the reference clip behind `read`: it must be a complete MP4.
    public static func read(fileSize: UInt64, read: (UInt64, Int) -> [UInt8]) throws(RepairError) -> RepairReference {
        let analysis = MP4.analyse(fileSize: fileSize, read: read)
        guard analysis.isComplete, let moov = analysis.scan.first("moov") else {
            throw .badReference(reason: "it is not a complete MP4 (\(analysis.completeness))")
        }
        guard moov.size <= MP4.maximumMoovSize else {
            throw .badReference(reason: "its moov is \(moov.size) bytes, more than \(MP4.maximumMoovSize)")
        }
        let bytes = read(moov.offset, Int(moov.size))
        guard bytes.count == Int(moov.size) else { throw .badReference(reason: "its moov could not be read whole") }
        return try RepairReference(moov: bytes)
    }


    /// The median of the non-zero durations, walking the runs in order of value.
    static func median(_ durations: SampleRuns<UInt32>) -> UInt32 {
        let runs = durations.runs.filter { $0.value > 0 }.sorted { $0.value < $1.value }
        var middle = runs.reduce(0) { $0 + $1.count } / 2
        for run in runs {
            if middle < run.count { return run.value }
            middle -= run.count
        }
        return runs.last?.value ?? 1
    }

    func duration(ofFrame index: Int) -> UInt32 {
        index < durations.count - 1 && durations[index] > 0 ? durations[index] : typicalDuration
    }

    static func isVideo(_ trak: Box, in moov: [UInt8]) -> Bool {
        guard trak.type == .trak, let mdia = BoxBytes.child(.mdia, of: trak, in: moov),
            let hdlr = BoxBytes.child(.hdlr, of: mdia, in: moov)
        else { return false }
        return BoxBytes.value(BoxBytes.payload(hdlr, in: moov), at: 8, count: 4) == 0x7669_6465  // 'vide'
    }
}
