import MP4

/// Reads the SEI telemetry of one clip: walks the video samples the `moov` lists and decodes, per sample, the
/// first SEI NAL whose `user_data_unregistered` payload carries Tesla's marker.
///
/// Reads only the `moov`, the first bytes of each sample (its NAL headers, where the SEI sits before the slice)
/// and the SEI NALs themselves: about 1 % of a clip. Never traps; memory stays below the file's size (frames are
/// capped at one per `MemoryLayout<TelemetryFrame>.stride` bytes of file, far above any real clip's density of
/// one per ~14 KB).
public enum TelemetryReader {
    /// SEI NAL units larger than this are skipped unread; Tesla's are about 100 bytes.
    public static let maximumSEISize = 64 << 10
    /// Bytes read at the start of each sample in one go: enough for the SEI and the slice's NAL header.
    static let sampleWindow = 512

    /// The most frames a clip of `fileSize` bytes yields: one per `MemoryLayout<TelemetryFrame>.stride` bytes, so
    /// the frames never take more memory than the file has bytes. A real clip has one frame per ~14 KB (the
    /// fixtures one per ~140 bytes); only a hostile file (a sample table pointing every sample at the same SEI, or
    /// millions of tiny frames) reaches it, and `ClipTelemetry.limitNote` says so.
    public static func frameLimit(fileSize: UInt64) -> Int {
        Int(clamping: fileSize / UInt64(MemoryLayout<TelemetryFrame>.stride))
    }

    /// Decodes the telemetry of the clip of `fileSize` bytes behind `read` (bytes at offset, count; fewer only
    /// past the end).
    ///
    /// - Throws: `TelemetryError` when the file is not an MP4 with an H.264 video track that can be walked; a clip
    ///   that simply has no SEI returns an empty `frames` (see `ClipTelemetry.absence`).
    public static func read(fileSize: UInt64, read: (UInt64, Int) -> [UInt8]) throws(TelemetryError) -> ClipTelemetry {
        let analysis = MP4.analyse(fileSize: fileSize, read: read)
        switch analysis.kind {
        case .empty: throw .notMP4(reason: "the file is empty")
        case .opaque:
            throw .notMP4(reason: "the file is not an MP4 (an encrypted clip from firmware 2026.20+, or not a clip)")
        case .mp4: break
        }
        guard let moov = analysis.scan.first("moov") else {
            throw .noMovieIndex(.missingBox(path: "moov"))
        }
        guard moov.size <= MP4.maximumMoovSize else {
            throw .noMovieIndex(.boxTooLarge(type: "moov", size: moov.size, limit: MP4.maximumMoovSize))
        }
        let moovBytes = read(moov.offset, Int(moov.size))
        guard moovBytes.count == Int(moov.size) else {
            throw .noMovieIndex(.shortRead(offset: moov.offset, requested: Int(moov.size), got: moovBytes.count))
        }
        let table: SampleTable
        do throws(MP4Error) {
            table = try SampleTable(moov: moovBytes)
        } catch {
            throw .badSampleTable(error)
        }
        if let codec = table.codec, codec != "avc1", codec != "avc3" { throw .notH264(codec: codec.description) }

        let creation = analysis.movie?.creationTime
        var telemetry = ClipTelemetry(frames: [], videoFrames: 0, timescale: table.timescale,
                                      recordedAt: creation.flatMap { $0 > 0 ? $0 : nil })
        let frameLimit = Self.frameLimit(fileSize: fileSize)
        var firstShown = Int64.max
        // Room for every frame at once, so the array never doubles past the limit.
        telemetry.frames.reserveCapacity(min(frameLimit, table.declaredSampleCount))
        // Frames are kept as they are found, with their presentation time as the table gives it, and moved to
        // the first shown frame's time once that is known: one array, never more than `frameLimit` long.
        for sample in table {
            let (end, overflow) = sample.offset.addingReportingOverflow(UInt64(sample.size))
            guard !overflow, end <= fileSize else { break }  // the table points past the file: stop there
            telemetry.videoFrames += 1
            firstShown = min(firstShown, sample.presentationTime)
            guard !telemetry.frameLimitReached else { continue }
            guard let state = firstState(in: sample, lengthSize: table.nalLengthSize, read: read, telemetry: &telemetry)
            else { continue }
            if telemetry.frames.count >= frameLimit {
                telemetry.frameLimitReached = true
                continue
            }
            telemetry.frames.append(TelemetryFrame(sample: sample.index, presentationTicks: sample.presentationTime,
                                                   durationTicks: sample.duration, timescale: table.timescale,
                                                   state: state))
        }
        for index in telemetry.frames.indices { telemetry.frames[index].presentationTicks &-= firstShown }
        // Display order; B-frames are stored before the frames they follow on screen.
        telemetry.frames.sort { ($0.presentationTicks, $0.sample) < ($1.presentationTicks, $1.sample) }
        return telemetry
    }

    /// The first Tesla `SeiMetadata` among the NAL units before the sample's first slice.
    static func firstState(
        in sample: Sample, lengthSize: Int, read: (UInt64, Int) -> [UInt8], telemetry: inout ClipTelemetry
    ) -> VehicleState? {
        let end = sample.offset + UInt64(sample.size)
        let window = read(sample.offset, min(Int(sample.size), sampleWindow))
        func bytes(at offset: UInt64, count: Int) -> [UInt8] {
            let start = Int(offset - sample.offset)
            if start + count <= window.count { return Array(window[start..<(start + count)]) }
            return read(offset, count)
        }
        var position = sample.offset
        while position + UInt64(lengthSize) < end {
            let header = bytes(at: position, count: lengthSize + 1)
            guard header.count == lengthSize + 1 else { return nil }
            let length = header.prefix(lengthSize).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let body = position + UInt64(lengthSize)
            guard length > 0, length <= end - body else { return nil }  // a length past the sample: stop
            let type = header[lengthSize] & 0x1F
            if (1...5).contains(type) { return nil }  // a slice: an access unit's SEI comes before it
            if type == 6 {
                if length > UInt64(maximumSEISize) {
                    telemetry.oversized += 1
                } else if let state = teslaState(inNAL: bytes(at: body, count: Int(length)), telemetry: &telemetry) {
                    return state
                }
            }
            position = body + length
        }
        return nil
    }

    /// The Tesla `SeiMetadata` of one SEI NAL unit (header byte included, no length prefix), if it carries one:
    /// what a repair of a clip without `moov` orders frames by (`frameSequence`).
    public static func vehicleState(inSEINAL nal: [UInt8]) -> VehicleState? {
        var scratch = ClipTelemetry(frames: [], videoFrames: 0, timescale: 1, recordedAt: nil)
        return teslaState(inNAL: nal, telemetry: &scratch)
    }

    /// Decodes the Tesla message of one SEI NAL unit (header byte included), if it has one.
    static func teslaState(inNAL nal: [UInt8], telemetry: inout ClipTelemetry) -> VehicleState? {
        let rbsp = RBSP.removingEmulationPrevention(nal.dropFirst())
        for message in SEIMessage.messages(inRBSP: rbsp) where message.payloadType == SEIMessage.userDataUnregistered {
            guard let protobuf = TeslaSEI.metadataBytes(inPayload: message.payload) else { continue }
            do {
                return try VehicleState(protobuf: protobuf)
            } catch {
                telemetry.undecodable += 1
            }
        }
        return nil
    }
}
