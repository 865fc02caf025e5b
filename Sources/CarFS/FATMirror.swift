import FAT32

/// The primary FAT as the car last wrote it, one 28-bit value per cluster.
///
/// Kept in memory (4 bytes a cluster: 7.5 MiB for a 30 GiB volume at 16 KiB clusters) because chains are walked
/// on every harvest step. Only FAT1 is mirrored: the car updates FAT2 later, and FAT1 is what it reads back.
public struct FATMirror: Sendable {
    public let clusterCount: UInt32
    /// Index = cluster number; entries 0 and 1 are the media and dirty-flag words.
    public private(set) var entries: [UInt32]

    public init(clusterCount: UInt32) {
        self.clusterCount = clusterCount
        entries = [UInt32](repeating: 0, count: Int(clusterCount) + 2)
    }

    /// Applies bytes the car wrote at byte `offset` of the FAT. Partial entries (a write that starts or ends
    /// inside a 4-byte entry) update just the bytes written. Returns the clusters whose entry changed.
    @discardableResult
    public mutating func apply(_ bytes: UnsafeRawBufferPointer, atFATByte offset: UInt64) -> [UInt32] {
        var changed: [UInt32] = []
        let limit = UInt64(entries.count) * 4
        guard offset < limit else { return changed }
        let end = min(offset + UInt64(bytes.count), limit)
        var position = offset
        while position < end {
            let index = Int(position / 4)
            let shift = UInt32(position % 4) * 8
            let byte = UInt32(bytes[Int(position - offset)])
            let old = entries[index]
            let new = (old & ~(0xFF << shift)) | (byte << shift)
            if new != old {
                entries[index] = new
                if changed.last != UInt32(index) { changed.append(UInt32(index)) }
            }
            position += 1
        }
        return changed
    }

    public mutating func apply(_ bytes: [UInt8], atFATByte offset: UInt64) {
        bytes.withUnsafeBytes { _ = apply($0, atFATByte: offset) }
    }

    /// The entry of `cluster`, decoded.
    public func entry(_ cluster: UInt32) -> FATEntry {
        Int(cluster) < entries.count ? FATEntry(rawValue: entries[Int(cluster)]) : .free
    }

    public func isValidCluster(_ cluster: UInt32) -> Bool { cluster >= 2 && cluster < clusterCount + 2 }

    /// Follows the chain that starts at `head` for at most `limit` clusters. Never loops: a chain that comes back
    /// on itself ends with `.loop`.
    public func chain(from head: UInt32, limit: Int) -> Chain {
        guard isValidCluster(head) else { return Chain(clusters: [], end: .invalidStart(head)) }
        var clusters: [UInt32] = [head]
        var seen: Set<UInt32> = [head]
        var current = head
        while true {
            if clusters.count >= limit { return Chain(clusters: clusters, end: .limit) }
            switch entry(current).kind {
            case .endOfChain:
                return Chain(clusters: clusters, end: .endOfChain)
            case .free:
                return Chain(clusters: clusters, end: .free)
            case .bad, .reserved:
                return Chain(clusters: clusters, end: .corrupt(entry(current).value))
            case let .next(next):
                guard isValidCluster(next) else { return Chain(clusters: clusters, end: .corrupt(next)) }
                guard seen.insert(next).inserted else { return Chain(clusters: clusters, end: .loop(at: next)) }
                clusters.append(next)
                current = next
            }
        }
    }
}
