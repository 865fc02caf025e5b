/// Reading and writing FAT32 entries in a byte buffer holding (a prefix of) one FAT copy, following chains, and
/// counting usage. The buffer may be any contiguous byte collection (an array, a slice of a metadata image).
public enum FileAllocationTable {
    /// FAT[0] for media 0xF8: the media byte in the low 8 bits, the rest set.
    public static func mediaEntry(media: UInt8 = 0xF8) -> FATEntry { FATEntry(rawValue: 0x0FFF_FF00 | UInt32(media)) }
    /// FAT[1] of a cleanly unmounted volume without I/O errors (bit 27 "clean", bit 26 "no hard error" set).
    public static let cleanShutdownEntry = FATEntry(rawValue: 0x0FFF_FFFF)
    /// Bit 27 of FAT[1]: clear while a driver has the volume mounted (the car keeps it clear).
    public static let cleanShutdownBit: UInt32 = 0x0800_0000
    /// Bit 26 of FAT[1]: clear after a driver hit an I/O error.
    public static let noHardErrorBit: UInt32 = 0x0400_0000

    /// Entry `cluster` of `fat`, or nil if the buffer is too short to hold it.
    public static func entry(_ cluster: UInt32, in fat: some RandomAccessCollection<UInt8>) -> FATEntry? {
        let offset = Int(cluster) * 4
        guard offset + 4 <= fat.count else { return nil }
        let start = fat.index(fat.startIndex, offsetBy: offset)
        var value: UInt32 = 0
        var index = start
        for shift in stride(from: 0, to: 32, by: 8) {
            value |= UInt32(fat[index]) << UInt32(shift)
            index = fat.index(after: index)
        }
        return FATEntry(rawValue: value)
    }

    /// Sets the 28-bit value of entry `cluster` in `fat`, keeping the entry's reserved top 4 bits. Returns false
    /// (and changes nothing) if the buffer is too short.
    @discardableResult
    public static func setValue(_ value: UInt32, of cluster: UInt32, in fat: inout [UInt8]) -> Bool {
        guard let old = entry(cluster, in: fat) else { return false }
        setRaw(old.replacingValue(with: value).rawValue, of: cluster, in: &fat)
        return true
    }

    /// Writes all 32 bits of entry `cluster` (for FAT[0] and FAT[1], whose top bits are part of the value).
    @discardableResult
    public static func setEntry(_ entry: FATEntry, of cluster: UInt32, in fat: inout [UInt8]) -> Bool {
        guard Int(cluster) * 4 + 4 <= fat.count else { return false }
        setRaw(entry.rawValue, of: cluster, in: &fat)
        return true
    }

    private static func setRaw(_ raw: UInt32, of cluster: UInt32, in fat: inout [UInt8]) {
        fat.putLE32(raw, at: Int(cluster) * 4)
    }

    // MARK: - Chains

    /// How a chain walk ended.
    public enum ChainEnd: Hashable, Sendable {
        /// At an end-of-chain entry: the chain is whole.
        case endOfChain
        /// The start cluster itself is not a data cluster.
        case invalidStart
        /// At an entry that is free, bad, reserved, or points outside the data region (or beyond the buffer).
        case broken(at: UInt32, entry: FATEntry?)
        /// At a link back to an already visited cluster.
        case loop(at: UInt32, repeated: UInt32)
    }

    /// A chain as far as it could be followed.
    public struct Chain: Hashable, Sendable {
        /// The clusters in order, starting with the start cluster (empty if the start is invalid).
        public var clusters: [UInt32]
        public var end: ChainEnd
        public var isComplete: Bool { end == .endOfChain }
    }

    /// Follows the chain from `start` through `fat` for a volume of `clusterCount` data clusters. Never fails and
    /// never runs longer than `clusterCount` steps: a loop, a free/bad/reserved entry, or a link outside the data
    /// region stops the walk and is reported in `end` with the clusters visited so far (the car may write a
    /// directory entry before the FAT entries of its chain).
    public static func walkChain(
        from start: UInt32, in fat: some RandomAccessCollection<UInt8>, clusterCount: UInt32
    ) -> Chain {
        let limit = UInt64(clusterCount) + 2
        guard start >= 2, UInt64(start) < limit else { return Chain(clusters: [], end: .invalidStart) }
        return withBytes(fat) { fat in
            var clusters: [UInt32] = [start]
            var visited: Set<UInt32> = [start]
            var current = start
            while true {
                guard let entry = Self.entry(current, in: fat) else {
                    return Chain(clusters: clusters, end: .broken(at: current, entry: nil))
                }
                switch entry.kind {
                case .endOfChain:
                    return Chain(clusters: clusters, end: .endOfChain)
                case let .next(next) where UInt64(next) < limit:
                    guard visited.insert(next).inserted else {
                        return Chain(clusters: clusters, end: .loop(at: current, repeated: next))
                    }
                    clusters.append(next)
                    current = next
                default:
                    return Chain(clusters: clusters, end: .broken(at: current, entry: entry))
                }
            }
        }
    }

    /// The clusters of the whole chain from `start`, or an error saying where and why it is not whole.
    public static func chain(
        from start: UInt32, in fat: some RandomAccessCollection<UInt8>, clusterCount: UInt32
    ) throws(FAT32Error) -> [UInt32] {
        let chain = walkChain(from: start, in: fat, clusterCount: clusterCount)
        switch chain.end {
        case .endOfChain: return chain.clusters
        case .invalidStart: throw .clusterOutOfRange(cluster: start, clusterCount: clusterCount)
        case let .broken(at, entry): throw .brokenChain(start: start, at: at, entry: entry ?? .free)
        case let .loop(_, repeated): throw .chainLoop(start: start, repeated: repeated)
        }
    }

    // MARK: - Usage

    /// How the data clusters of a FAT are used.
    public struct Usage: Hashable, Sendable {
        public var free: UInt32 = 0
        public var used: UInt32 = 0
        public var bad: UInt32 = 0

        public init(free: UInt32 = 0, used: UInt32 = 0, bad: UInt32 = 0) {
            self.free = free
            self.used = used
            self.bad = bad
        }

        /// Adds the counts of another part of the same FAT.
        public mutating func add(_ other: Usage) {
            free += other.free
            used += other.used
            bad += other.bad
        }
    }

    /// Counts entries 2 ..< 2 + clusterCount of `fat`. Entries beyond the buffer are not counted.
    public static func usage(of fat: some RandomAccessCollection<UInt8>, clusterCount: UInt32) -> Usage {
        usage(ofEntriesIn: fat, firstCluster: 0, clusterCount: clusterCount)
    }

    /// Counts the entries in `part`, a piece of a FAT whose first entry is entry `firstCluster`, that belong to data
    /// clusters 2 ..< 2 + clusterCount. Lets a large FAT be read and counted in chunks.
    public static func usage(
        ofEntriesIn part: some RandomAccessCollection<UInt8>, firstCluster: UInt32, clusterCount: UInt32
    ) -> Usage {
        withBytes(part) { bytes in
            var usage = Usage()
            let end = UInt64(clusterCount) + 2
            var cluster = UInt64(firstCluster)
            var offset = 0
            while offset + 4 <= bytes.count && cluster < end {
                if cluster >= 2 {
                    let value = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                        | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3] & 0x0F) << 24
                    if value == 0 {
                        usage.free += 1
                    } else if value == FATEntry.bad.value {
                        usage.bad += 1
                    } else {
                        usage.used += 1
                    }
                }
                offset += 4
                cluster += 1
            }
            return usage
        }
    }

    /// Free data clusters in `fat`.
    public static func countFree(in fat: some RandomAccessCollection<UInt8>, clusterCount: UInt32) -> UInt32 {
        usage(of: fat, clusterCount: clusterCount).free
    }

    /// Runs `body` over contiguous storage: FATs are megabytes, and generic collection indexing per byte is slow.
    private static func withBytes<R>(
        _ collection: some RandomAccessCollection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        if let result = collection.withContiguousStorageIfAvailable(body) { return result }
        return Array(collection).withUnsafeBufferPointer(body)
    }
}
