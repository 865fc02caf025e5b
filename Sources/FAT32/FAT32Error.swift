/// Everything that can be wrong with FAT32 bytes or with a request to produce them.
///
/// Descriptions name the structure and field involved and, where there is one, what to do about it.
public enum FAT32Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the structure occupies.
    case truncated(structure: String, needed: Int, got: Int)
    /// A magic number or signature is not where the structure requires it.
    case missingSignature(structure: String, offset: Int, found: UInt32, expected: UInt32)
    /// A field holds a value the structure does not allow.
    case invalidField(structure: String, field: String, value: UInt64, requirement: String)
    /// A well-formed boot sector of some other file system (FAT12/16, exFAT, NTFS...).
    case notFAT32(reason: String)
    /// A cluster number outside the data region (2 ..< 2 + clusterCount).
    case clusterOutOfRange(cluster: UInt32, clusterCount: UInt32)
    /// A chain reached an entry that is not a next-cluster link nor end-of-chain.
    case brokenChain(start: UInt32, at: UInt32, entry: FATEntry)
    /// A chain leads back to a cluster it already visited.
    case chainLoop(start: UInt32, repeated: UInt32)
    /// A long name that cannot be stored as VFAT long-name entries.
    case invalidLongName(name: String, reason: String)
    /// A run of long-name entries that does not form one name.
    case longNameSequence(reason: String)
    /// Long-name entries that belong to a different short entry than the one that follows them.
    case longNameChecksumMismatch(expected: UInt8, found: UInt8)
    /// An 8.3 name that is not valid.
    case invalidShortName(name: String, reason: String)
    /// A volume label that is not valid.
    case invalidLabel(label: String, reason: String)
    /// The byte reader returned fewer bytes than asked for.
    case shortRead(offset: UInt64, requested: Int, got: Int)
    /// The volume geometry cannot be laid out.
    case geometry(GeometryError)

    public var description: String {
        switch self {
        case let .truncated(structure, needed, got):
            return "\(structure) needs \(needed) bytes, only \(got) given"
        case let .missingSignature(structure, offset, found, expected):
            return "\(structure) has no valid signature at offset \(offset): found \(hex(found)), expected "
                + "\(hex(expected)); these bytes are not a \(structure) (wrong offset or not a FAT32 volume?)"
        case let .invalidField(structure, field, value, requirement):
            return "\(structure): \(field) is \(value), but \(requirement)"
        case let .notFAT32(reason):
            return "not a FAT32 file system: \(reason)"
        case let .clusterOutOfRange(cluster, clusterCount):
            return "cluster \(cluster) is outside the data region (valid: 2...\(UInt64(clusterCount) + 1))"
        case let .brokenChain(start, at, entry):
            return "the cluster chain starting at \(start) is broken at cluster \(at): its FAT entry is \(entry)"
        case let .chainLoop(start, repeated):
            return "the cluster chain starting at \(start) loops back to cluster \(repeated)"
        case let .invalidLongName(name, reason):
            return "cannot store the name \"\(name)\": \(reason)"
        case let .longNameSequence(reason):
            return "long-name entries are out of sequence: \(reason)"
        case let .longNameChecksumMismatch(expected, found):
            return "long-name entries carry checksum \(hex(found)) but the short entry's is \(hex(expected)) "
                + "(orphaned long name, left behind by a writer that did not update it)"
        case let .invalidShortName(name, reason):
            return "\"\(name)\" is not a valid 8.3 name: \(reason)"
        case let .invalidLabel(label, reason):
            return "\"\(label)\" is not a valid volume label: \(reason)"
        case let .shortRead(offset, requested, got):
            return "reading \(requested) bytes at offset \(offset) returned only \(got) (is the image shorter than "
                + "the volume?)"
        case let .geometry(error):
            return error.description
        }
    }
}

func hex(_ value: some BinaryInteger) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
