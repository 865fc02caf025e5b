/// The header of an ISO BMFF box: a 32-bit size and a four-character type,
/// followed by a 64-bit "largesize" when the 32-bit size is 1.
public struct BoxHeader: Hashable, Sendable {
    /// How many bytes a box occupies, header included.
    public enum Size: Hashable, Sendable {
        /// An explicit total size (from the 32-bit field or the 64-bit largesize).
        case bytes(UInt64)
        /// Size field 0: the box extends to the end of its container (for top-level boxes, the file).
        case toEnd
    }

    /// The box type, e.g. `ftyp`, `mdat`, `moov`.
    public let type: FourCC
    /// The declared size.
    public let size: Size
    /// Header length in bytes: 8, or 16 with a largesize.
    public let length: Int

    /// The most bytes a header can occupy; read this many (or up to the end) before parsing.
    public static let maximumLength = 16
    /// The fewest bytes a header can occupy.
    public static let minimumLength = 8

    /// Creates a header; `length` follows from whether `size` needs the 64-bit field.
    public init(type: FourCC, size: Size, length: Int) {
        self.type = type
        self.size = size
        self.length = length
    }

    /// Parses the header at the start of `bytes`.
    ///
    /// - Parameter offset: where `bytes` start in the file, only for error messages.
    /// - Throws: `.headerTooShort` when `bytes` end mid-header, `.sizeSmallerThanHeader` for impossible sizes.
    public init(parsing bytes: [UInt8], offset: UInt64 = 0) throws(MP4Error) {
        guard bytes.count >= Self.minimumLength, let size32 = bytes.uint32(at: 0), let type = FourCC(bytes: bytes[4..<8])
        else {
            throw .headerTooShort(offset: offset, needed: Self.minimumLength, available: UInt64(bytes.count))
        }
        self.type = type
        switch size32 {
        case 0:
            size = .toEnd
            length = Self.minimumLength
        case 1:
            guard let large = bytes.uint64(at: 8) else {
                throw .headerTooShort(offset: offset, needed: Self.maximumLength, available: UInt64(bytes.count))
            }
            size = .bytes(large)
            length = Self.maximumLength
        default:
            size = .bytes(UInt64(size32))
            length = Self.minimumLength
        }
        if case let .bytes(declared) = size, declared < UInt64(length) {
            throw .sizeSmallerThanHeader(type: type, offset: offset, size: declared, headerLength: length)
        }
    }

    /// The header as bytes: the 32-bit form when the size fits, else size 1 plus largesize.
    public var encoded: [UInt8] {
        switch size {
        case .toEnd:
            return [0, 0, 0, 0] + type.bytes
        case let .bytes(total) where length == Self.minimumLength && total <= UInt64(UInt32.max):
            return bigEndianBytes(total, count: 4) + type.bytes
        case let .bytes(total):
            return [0, 0, 0, 1] + type.bytes + bigEndianBytes(total, count: 8)
        }
    }
}

func bigEndianBytes(_ value: UInt64, count: Int) -> [UInt8] {
    (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}
