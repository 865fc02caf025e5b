/// A 32-byte VFAT long-name entry: 13 UTF-16 code units of a long name, stored before its short entry.
///
/// Layout: sequence byte, units 1–5, attributes 0x0F, type 0, checksum of the short name, units 6–11, first
/// cluster 0, units 12–13. Like `DirectoryEntry`, every field is kept as stored so any 32 bytes round-trip.
public struct LongNameEntry: Hashable, Sendable {
    public static let size = 32
    public static let unitsPerEntry = 13
    /// Set in the sequence byte of the entry holding the end of the name (the first one on disk).
    public static let lastFlag: UInt8 = 0x40
    /// Most entries one name can take (255 units ÷ 13, rounded up).
    public static let maximumOrdinal = 20

    /// Byte 0: `ordinal | lastFlag` for the final part, 0xE5 once deleted.
    public var sequence: UInt8
    /// Exactly 13 code units: the name's part, then 0x0000 and 0xFFFF padding in the last part if it is short.
    public var units: [UInt16]
    /// Byte 11: 0x0F.
    public var attributes: FileAttributes
    /// Byte 12: 0 for a name part.
    public var type: UInt8
    /// Byte 13: `ShortName.checksum` of the short entry this long name belongs to.
    public var checksum: UInt8
    /// Bytes 26–27: always 0 (old tools that follow it must find nothing).
    public var firstClusterLow: UInt16

    public init(
        sequence: UInt8, units: [UInt16], checksum: UInt8, attributes: FileAttributes = .longName, type: UInt8 = 0,
        firstClusterLow: UInt16 = 0
    ) {
        precondition(units.count == Self.unitsPerEntry, "a long-name entry holds 13 UTF-16 units")
        self.sequence = sequence
        self.units = units
        self.attributes = attributes
        self.type = type
        self.checksum = checksum
        self.firstClusterLow = firstClusterLow
    }

    /// Decodes the first 32 bytes; checks only that the attributes mark a long-name entry.
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "long-name entry")
        let attributes = FileAttributes(rawValue: b[11])
        guard attributes.isLongName else {
            throw .invalidField(
                structure: "long-name entry", field: "attributes", value: UInt64(b[11]),
                requirement: "a long-name entry has attributes 0x0F")
        }
        let offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
        self.init(
            sequence: b[0], units: offsets.map { b.le16(at: $0) }, checksum: b[13], attributes: attributes,
            type: b[12], firstClusterLow: b.le16(at: 26))
    }

    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        b[0] = sequence
        for (index, offset) in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30].enumerated() {
            b.putLE16(units[index], at: offset)
        }
        b[11] = attributes.rawValue
        b[12] = type
        b[13] = checksum
        b.putLE16(firstClusterLow, at: 26)
        return b
    }

    /// The part's position in the name, 1-based (bits 0–4 of the sequence byte).
    public var ordinal: Int { Int(sequence & 0x1F) }
    /// Whether this entry holds the end of the name.
    public var isLast: Bool { sequence & Self.lastFlag != 0 && !isDeleted }
    public var isDeleted: Bool { sequence == DirectoryEntry.deletedMarker }
}
