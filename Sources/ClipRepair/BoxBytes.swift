import MP4

/// Reading and writing boxes of an in-memory `moov`: what the repair needs to copy a reference's boxes and
/// write new sample tables. Every read is bounds-checked; garbage yields nil or an empty list, never a trap.
enum BoxBytes {
    /// The boxes tiling `bytes[range]` (complete ones only).
    static func boxes(in bytes: [UInt8], range: Range<Int>) -> [Box] {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty else { return [] }
        return Array(MP4.scanBoxes(in: UInt64(range.lowerBound)..<UInt64(range.upperBound)) { offset, count in
            let start = min(Int(offset), bytes.count)
            return Array(bytes[start..<min(start + count, bytes.count)])
        }.completeBoxes)
    }

    /// The children of a container box, its payload after `skip` bytes of fields.
    static func children(of box: Box, in bytes: [UInt8], skip: Int = 0) -> [Box] {
        boxes(in: bytes, range: (Int(box.payloadOffset) + skip)..<Int(box.end))
    }

    static func child(_ type: FourCC, of box: Box, in bytes: [UInt8]) -> Box? {
        children(of: box, in: bytes).first { $0.type == type }
    }

    static func whole(_ box: Box, in bytes: [UInt8]) -> [UInt8] { Array(bytes[Int(box.offset)..<Int(box.end)]) }
    static func payload(_ box: Box, in bytes: [UInt8]) -> [UInt8] {
        Array(bytes[Int(box.payloadOffset)..<Int(box.end)])
    }

    /// A box around `payload` with an 8-byte header (a moov's boxes are far below 4 GiB).
    static func box(_ type: FourCC, _ payload: [UInt8]) -> [UInt8] {
        be(UInt64(payload.count + 8), 4) + type.bytes + payload
    }

    /// A FullBox: version, 24 bits of flags, then `fields`.
    static func fullBox(_ type: FourCC, version: UInt8 = 0, flags: UInt32 = 0, _ fields: [UInt8]) -> [UInt8] {
        box(type, [version] + be(UInt64(flags), 3) + fields)
    }

    static func be(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func value(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        return bytes[offset..<(offset + count)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Overwrites `count` big-endian bytes at `offset` when they lie inside `bytes`.
    static func put(_ value: UInt64, into bytes: inout [UInt8], at offset: Int, count: Int) {
        guard offset >= 0, offset + count <= bytes.count else { return }
        for (index, byte) in be(value, count).enumerated() { bytes[offset + index] = byte }
    }
}

extension FourCC {
    static let moov: FourCC = "moov"
    static let mvhd: FourCC = "mvhd"
    static let trak: FourCC = "trak"
    static let tkhd: FourCC = "tkhd"
    static let edts: FourCC = "edts"
    static let elst: FourCC = "elst"
    static let mdia: FourCC = "mdia"
    static let mdhd: FourCC = "mdhd"
    static let hdlr: FourCC = "hdlr"
    static let minf: FourCC = "minf"
    static let stbl: FourCC = "stbl"
    static let stsd: FourCC = "stsd"
    static let mdat: FourCC = "mdat"
}
