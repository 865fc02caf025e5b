import MP4

/// Builds small MP4 files in memory, box by box, for tests.
enum MP4Builder {
    /// A box of `type` around `payload`; `large` forces the 16-byte largesize header.
    static func box(_ type: String, _ payload: [UInt8] = [], large: Bool = false) -> [UInt8] {
        let size = UInt64(payload.count + (large ? 16 : 8))
        let header = BoxHeader(type: FourCC(stringLiteral: type), size: .bytes(size), length: large ? 16 : 8)
        return header.encoded + payload
    }

    static func be(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func ftyp() -> [UInt8] {
        box("ftyp", Array("mp42".utf8) + be(0, 4) + Array("isommp42".utf8))
    }

    /// Seconds from 1904 of a Unix time, as mvhd stores it.
    static func mp4Time(_ unix: Int64) -> UInt64 { UInt64(unix + MovieInfo.secondsFrom1904To1970) }

    static func mvhd(version: UInt8 = 0, creation: UInt64, timescale: UInt32, duration: UInt64) -> [UInt8] {
        var body: [UInt8] = [version, 0, 0, 0]
        if version == 1 {
            body += be(creation, 8) + be(creation, 8) + be(UInt64(timescale), 4) + be(duration, 8)
        } else {
            body += be(creation, 4) + be(creation, 4) + be(UInt64(timescale), 4) + be(duration, 4)
        }
        body += be(0x0001_0000, 4) + be(0x0100, 2) + [UInt8](repeating: 0, count: 10)  // rate, volume, reserved
        body += [UInt8](repeating: 0, count: 36 + 24) + be(2, 4)  // matrix, pre_defined, next_track_ID
        return box("mvhd", body)
    }

    /// A visual sample entry (`avc1`, `hvc1`...) with a dummy codec configuration child.
    static func visualEntry(_ codec: String, width: Int, height: Int) -> [UInt8] {
        var body = [UInt8](repeating: 0, count: 6) + be(1, 2)  // reserved, data_reference_index
        body += [UInt8](repeating: 0, count: 16) + be(UInt64(width), 2) + be(UInt64(height), 2)
        body += be(0x0048_0000, 4) + be(0x0048_0000, 4) + be(0, 4) + be(1, 2)  // resolutions, reserved, frame_count
        body += [UInt8](repeating: 0, count: 32) + be(0x18, 2) + be(0xFFFF, 2)  // compressorname, depth, pre_defined
        return box(codec, body + box("avcC", [1, 0x64, 0, 0x28, 0xFF, 0xE0]))
    }

    static func trak(handler: String, entry: [UInt8], ctts: Bool) -> [UInt8] {
        let hdlr = box("hdlr", be(0, 4) + be(0, 4) + Array(handler.utf8) + [UInt8](repeating: 0, count: 12) + [0])
        let stsd = box("stsd", be(0, 4) + be(1, 4) + entry)
        var tables = stsd + box("stts", be(0, 4) + be(0, 4)) + box("stsz", be(0, 12))
        if ctts { tables += box("ctts", be(0, 4) + be(0, 4)) }
        let minf = box("minf", box("vmhd", be(1, 4) + be(0, 8)) + box("stbl", tables))
        let mdhd = box("mdhd", be(0, 4) + be(0, 8) + be(15360, 4) + be(0, 4) + be(0, 4))
        return box("trak", box("tkhd", be(3, 4) + [UInt8](repeating: 0, count: 80)) + box("mdia", mdhd + hdlr + minf))
    }

    struct Options {
        var creation: Int64 = 1_714_566_896  // 2024-05-01 12:34:56 UTC
        var timescale: UInt32 = 1000
        var duration: UInt64 = 60_123
        var mvhdVersion: UInt8 = 0
        var codec = "avc1"
        var width = 1448
        var height = 938
        var ctts = true
        var mdatBytes = 1000
        var moovFirst = false
        var largeMdat = false
    }

    static func moov(_ options: Options = Options()) -> [UInt8] {
        box(
            "moov",
            mvhd(
                version: options.mvhdVersion, creation: mp4Time(options.creation), timescale: options.timescale,
                duration: options.duration)
                + trak(
                    handler: "vide", entry: visualEntry(options.codec, width: options.width, height: options.height),
                    ctts: options.ctts))
    }

    static func mdat(_ options: Options = Options()) -> [UInt8] {
        let payload = (0..<options.mdatBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        return box("mdat", payload, large: options.largeMdat)
    }

    /// ftyp + mdat + moov (or ftyp + moov + mdat with `moovFirst`).
    static func file(_ options: Options = Options()) -> [UInt8] {
        options.moovFirst ? ftyp() + moov(options) + mdat(options) : ftyp() + mdat(options) + moov(options)
    }

    /// Analyses an in-memory file, reading through a closure the way callers read a disk file.
    static func analyse(_ bytes: [UInt8]) -> ClipAnalysis {
        MP4.analyse(fileSize: UInt64(bytes.count)) { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + count, bytes.count)])
        }
    }
}
