/// The FAT32 FSInfo sector: a hint of the free cluster count and where to look for a free cluster next.
///
/// Only a hint: drivers recompute or ignore it (`fsck.fat` checks the free count against the FAT).
public struct FSInfo: Hashable, Sendable {
    public static let size = 512
    public static let leadSignature: UInt32 = 0x4161_5252  // "RRaA"
    public static let structSignature: UInt32 = 0x6141_7272  // "rrAa"
    public static let trailSignature: UInt32 = 0xAA55_0000
    /// The value of either field when it is not known.
    public static let unknown: UInt32 = 0xFFFF_FFFF

    /// Free clusters, or `unknown`.
    public var freeCount: UInt32
    /// The cluster to start searching for free ones from, or `unknown`.
    public var nextFree: UInt32

    public init(freeCount: UInt32, nextFree: UInt32) {
        self.freeCount = freeCount
        self.nextFree = nextFree
    }

    /// Decodes and checks the three signatures (offsets 0, 484 and 508). The reserved areas are not kept.
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "FSInfo sector")
        for (offset, expected) in [(0, Self.leadSignature), (484, Self.structSignature), (508, Self.trailSignature)] {
            let found = b.le32(at: offset)
            guard found == expected else {
                throw .missingSignature(structure: "FSInfo sector", offset: offset, found: found, expected: expected)
            }
        }
        self.init(freeCount: b.le32(at: 488), nextFree: b.le32(at: 492))
    }

    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        b.putLE32(Self.leadSignature, at: 0)
        b.putLE32(Self.structSignature, at: 484)
        b.putLE32(freeCount, at: 488)
        b.putLE32(nextFree, at: 492)
        b.putLE32(Self.trailSignature, at: 508)
        return b
    }

    /// Whether `freeCount` is a usable value for a volume of `clusterCount` clusters.
    public func freeCountIsPlausible(clusterCount: UInt32) -> Bool {
        freeCount != Self.unknown && freeCount <= clusterCount
    }
}
