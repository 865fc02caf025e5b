/// A four-character code: the type of an ISO BMFF box, a brand, a codec or a handler.
///
/// Stored as the raw big-endian 32-bit value so any bytes (even garbage) round-trip.
public struct FourCC: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The four bytes as a big-endian integer (`'ftyp'` is `0x6674_7970`).
    public let rawValue: UInt32

    /// Wraps a raw big-endian value.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Makes a code from four ASCII characters; other strings are a programming error.
    public init(stringLiteral value: String) {
        let bytes = Array(value.utf8)
        precondition(bytes.count == 4, "a FourCC needs exactly four ASCII bytes, got \"\(value)\"")
        self.init(bytes: bytes[...])!
    }

    /// Reads four bytes; nil when fewer are given.
    public init?(bytes: ArraySlice<UInt8>) {
        guard bytes.count >= 4 else { return nil }
        let start = bytes.startIndex
        rawValue = (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[start + $1]) }
    }

    /// The four bytes, most significant first.
    public var bytes: [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: rawValue >> $0) }
    }

    /// True when all four bytes are printable ASCII, as every registered box type is.
    public var isPrintable: Bool { bytes.allSatisfy { (0x20...0x7E).contains($0) } }

    /// The code as text; bytes outside printable ASCII show as `\xNN` so garbage stays readable in logs.
    public var description: String {
        bytes.map { byte in
            (0x20...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + hex2(byte)
        }.joined()
    }
}

private func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

extension FourCC {
    static let ftyp: FourCC = "ftyp"
    static let moov: FourCC = "moov"
    static let mdat: FourCC = "mdat"
    static let mvhd: FourCC = "mvhd"
    static let trak: FourCC = "trak"
    static let mdia: FourCC = "mdia"
    static let mdhd: FourCC = "mdhd"
    static let hdlr: FourCC = "hdlr"
    static let minf: FourCC = "minf"
    static let stbl: FourCC = "stbl"
    static let stsd: FourCC = "stsd"
    static let ctts: FourCC = "ctts"
    static let vide: FourCC = "vide"
}
