/// A 32-byte short (8.3) directory entry.
///
/// Every field is kept as stored, so any 32 bytes decode and encode back unchanged; the computed properties
/// interpret them. Long-name entries share the slot format but are `LongNameEntry` (check
/// `attributes.isLongName`, or use `DirectorySlot`).
public struct DirectoryEntry: Hashable, Sendable {
    public static let size = 32
    /// First name byte of a deleted entry (the slot is free).
    public static let deletedMarker: UInt8 = 0xE5
    /// First name byte of the end-of-directory entry (this and all later slots are free).
    public static let endMarker: UInt8 = 0x00

    /// Bytes 0–10 as stored: a first byte 0x05 means the name starts with 0xE5 (see `name`).
    public var rawName: [UInt8]
    /// Byte 11.
    public var attributes: FileAttributes
    /// Byte 12.
    public var caseFlags: CaseFlags
    /// Byte 13: creation time refinement in 10 ms units, 0–199 (adds the odd second and hundredths).
    public var creationTimeFine: UInt8
    /// Bytes 14–17 (time, then date).
    public var created: DOSDateTime
    /// Bytes 18–19: last access date (no time).
    public var accessDate: UInt16
    /// Bytes 20–21 (high word) and 26–27 (low word). FAT32 uses the low 28 bits; 0 for an empty file and, in
    /// `..`, for the root directory.
    public var firstCluster: UInt32
    /// Bytes 22–25 (time, then date).
    public var modified: DOSDateTime
    /// Bytes 28–31: file size in bytes; 0 for directories.
    public var size: UInt32

    public init(
        rawName: [UInt8], attributes: FileAttributes, caseFlags: CaseFlags = [], creationTimeFine: UInt8 = 0,
        created: DOSDateTime, accessDate: UInt16, firstCluster: UInt32, modified: DOSDateTime, size: UInt32
    ) {
        precondition(rawName.count == 11, "a short name is 11 bytes")
        self.rawName = rawName
        self.attributes = attributes
        self.caseFlags = caseFlags
        self.creationTimeFine = creationTimeFine
        self.created = created
        self.accessDate = accessDate
        self.firstCluster = firstCluster
        self.modified = modified
        self.size = size
    }

    /// An entry for `name`, created, modified and accessed at `date`.
    public init(
        name: ShortName, attributes: FileAttributes, caseFlags: CaseFlags = [], firstCluster: UInt32,
        size: UInt32 = 0, date: DOSDateTime
    ) {
        self.init(
            rawName: name.onDiskBytes, attributes: attributes, caseFlags: caseFlags, created: date,
            accessDate: date.date, firstCluster: firstCluster, modified: date, size: size)
    }

    /// The root directory's volume label entry.
    public static func volumeLabel(_ label: VolumeLabel, date: DOSDateTime) -> DirectoryEntry {
        DirectoryEntry(
            rawName: label.bytes, attributes: .volumeLabel, created: date, accessDate: date.date, firstCluster: 0,
            modified: date, size: 0)
    }

    /// The `.` entry of a directory that starts at `cluster`.
    public static func dot(cluster: UInt32, date: DOSDateTime) -> DirectoryEntry {
        DirectoryEntry(name: .dot, attributes: .directory, firstCluster: cluster, date: date)
    }

    /// The `..` entry of a directory whose parent starts at `parentCluster` (0 when the parent is the root).
    public static func dotDot(parentCluster: UInt32, date: DOSDateTime) -> DirectoryEntry {
        DirectoryEntry(name: .dotDot, attributes: .directory, firstCluster: parentCluster, date: date)
    }

    /// Decodes the first 32 bytes. Never fails on content, only on length.
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "directory entry")
        self.init(
            rawName: b.bytes(at: 0, count: 11), attributes: FileAttributes(rawValue: b[11]),
            caseFlags: CaseFlags(rawValue: b[12]), creationTimeFine: b[13],
            created: DOSDateTime(date: b.le16(at: 16), time: b.le16(at: 14)), accessDate: b.le16(at: 18),
            firstCluster: UInt32(b.le16(at: 20)) << 16 | UInt32(b.le16(at: 26)),
            modified: DOSDateTime(date: b.le16(at: 24), time: b.le16(at: 22)), size: b.le32(at: 28))
    }

    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        b.put(rawName.prefix(11), at: 0)
        b[11] = attributes.rawValue
        b[12] = caseFlags.rawValue
        b[13] = creationTimeFine
        b.putLE16(created.time, at: 14)
        b.putLE16(created.date, at: 16)
        b.putLE16(accessDate, at: 18)
        b.putLE16(UInt16(truncatingIfNeeded: firstCluster >> 16), at: 20)
        b.putLE16(modified.time, at: 22)
        b.putLE16(modified.date, at: 24)
        b.putLE16(UInt16(truncatingIfNeeded: firstCluster), at: 26)
        b.putLE32(size, at: 28)
        return b
    }

    /// The name as meant (0x05 in the first byte restored to 0xE5). Meaningless for free slots.
    public var name: ShortName {
        get { try! ShortName(onDisk: rawName) }  // rawName is always 11 bytes
        set { rawName = newValue.onDiskBytes }
    }

    /// The name as shown to users, with the case flags applied.
    public var displayName: String { name.displayName(caseFlags: caseFlags) }

    /// This slot and every later one in the directory are unused.
    public var isEndOfDirectory: Bool { rawName[0] == Self.endMarker }
    /// The slot held an entry that was deleted.
    public var isDeleted: Bool { rawName[0] == Self.deletedMarker }
    /// The slot can be reused (deleted or past the end).
    public var isFree: Bool { isDeleted || isEndOfDirectory }
    /// The slot is part of a long name, not a short entry.
    public var isLongName: Bool { attributes.isLongName }
    public var isVolumeLabel: Bool { !isLongName && attributes.contains(.volumeLabel) }
    public var isDirectory: Bool { !isLongName && !attributes.contains(.volumeLabel) && attributes.contains(.directory) }
    /// `.` or `..`.
    public var isDotEntry: Bool { rawName == ShortName.dot.bytes || rawName == ShortName.dotDot.bytes }

    /// Marks the entry deleted, as FAT writers do (the rest of the entry stays, which is what undelete uses).
    public mutating func markDeleted() { rawName[0] = Self.deletedMarker }
}
