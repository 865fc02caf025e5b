import BlockTrace

/// A clip laid out as the car's non-fragmented MP4 muxer writes it: `ftyp`, then `mdat` whose size field is 0
/// while recording, the samples, the `moov` at the end, and only then the real mdat size, written by seeking back
/// into the file's first cluster. The payload is pattern bytes (`seed`), so a clip of any size costs no fixture.
///
/// The moov is small but well-formed (mvhd, one video trak with an avc1 sample entry), enough for a box parser to
/// judge the file complete once the mdat size is final, and incomplete before.
public struct MuxedClip: Sendable {
    /// The bytes in the order the muxer appends them, with the mdat size still 0.
    public let recording: [UInt8]
    /// Where the mdat size field sits, and its final value (big-endian), written last.
    public let mdatSizeOffset: UInt64
    public let finalMdatSize: [UInt8]

    /// The file as it is once the muxer closed it.
    public var final: [UInt8] {
        var bytes = recording
        bytes.replaceSubrange(Int(mdatSizeOffset)..<Int(mdatSizeOffset) + 4, with: finalMdatSize)
        return bytes
    }

    /// About `size` bytes in all (never less than the boxes need), recorded at Unix time `creation`.
    public init(size: Int, seed: UInt64, creation: Int64) {
        let ftyp = Self.box("ftyp", Array("mp42".utf8) + Self.be(0, 4) + Array("isommp42avc1".utf8))
        let moov = Self.moov(creation: creation)
        let payload = max(0, size - ftyp.count - 8 - moov.count)
        // mdat's header with size 0: "to the end of the file" while recording, as a muxer leaves it.
        let mdatHeader = Self.be(0, 4) + Array("mdat".utf8)
        recording = ftyp + mdatHeader + PatternBlock.fileBytes(seed: seed, offset: 0, count: payload) + moov
        mdatSizeOffset = UInt64(ftyp.count)
        finalMdatSize = Self.be(UInt64(8 + payload), 4)
    }

    static func be(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        be(UInt64(payload.count + 8), 4) + Array(type.utf8) + payload
    }

    /// mvhd + one video trak; timescale 1000, 60 s.
    static func moov(creation: Int64) -> [UInt8] {
        let time = UInt64(creation + 2_082_844_800)  // seconds from 1904
        var mvhd: [UInt8] = [0, 0, 0, 0] + be(time, 4) + be(time, 4) + be(1000, 4) + be(60_000, 4)
        mvhd += be(0x0001_0000, 4) + be(0x0100, 2) + [UInt8](repeating: 0, count: 10)
        mvhd += [UInt8](repeating: 0, count: 60) + be(2, 4)
        var entry = [UInt8](repeating: 0, count: 6) + be(1, 2) + [UInt8](repeating: 0, count: 16)
        entry += be(1280, 2) + be(960, 2) + be(0x0048_0000, 4) + be(0x0048_0000, 4) + be(0, 4) + be(1, 2)
        entry += [UInt8](repeating: 0, count: 32) + be(0x18, 2) + be(0xFFFF, 2)
        let avc1 = box("avc1", entry + box("avcC", [1, 0x64, 0, 0x28, 0xFF, 0xE0]))
        let stbl = box("stbl", box("stsd", be(0, 4) + be(1, 4) + avc1) + box("stts", be(0, 8)) + box("stsz", be(0, 12)))
        let hdlr = box("hdlr", be(0, 8) + Array("vide".utf8) + [UInt8](repeating: 0, count: 13))
        let mdhd = box("mdhd", be(0, 12) + be(36_000, 4) + be(0, 8))
        let mdia = box("mdia", mdhd + hdlr + box("minf", box("vmhd", be(1, 4) + be(0, 8)) + stbl))
        return box("moov", box("mvhd", mvhd) + box("trak", box("tkhd", be(3, 4) + [UInt8](repeating: 0, count: 80)) + mdia))
    }
}
