import FAT32

/// The primary FAT as the car last wrote it, one 28-bit value per cluster.
///
/// Kept in memory because chains are walked on every harvest step. Only FAT1 is mirrored: the car updates FAT2
/// later, and FAT1 is what it reads back. In pages of `pageEntries` entries, a page existing only while one of its
/// entries is non-zero: a fresh or mostly free volume costs what it uses, not 4 bytes a cluster (16 MiB at
/// 128 GiB), and a page the car frees entirely (its allocator moves on around the volume) is let go.
public struct FATMirror: Sendable {
    public let clusterCount: UInt32
    /// 16 KiB of entries a page.
    static let pageEntries = 4096
    private var pages: [[UInt32]?]
    /// Non-zero entries in each page.
    private var used: [UInt16]
    /// Entries 0...clusterCount + 1: 0 and 1 are the media and dirty-flag words.
    var entryCount: Int { Int(clusterCount) + 2 }

    public init(clusterCount: UInt32) {
        self.clusterCount = clusterCount
        let count = (Int(clusterCount) + 2 + Self.pageEntries - 1) / Self.pageEntries
        pages = Array(repeating: nil, count: count)
        used = Array(repeating: 0, count: count)
    }

    /// Pages holding at least one non-zero entry (for memory accounting).
    public var residentPages: Int { used.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    @inline(__always) func value(_ index: Int) -> UInt32 {
        pages[index / Self.pageEntries]?[index % Self.pageEntries] ?? 0
    }

    private mutating func set(_ index: Int, _ new: UInt32, old: UInt32) {
        let page = index / Self.pageEntries
        if pages[page] == nil { pages[page] = Array(repeating: 0, count: Self.pageEntries) }
        pages[page]![index % Self.pageEntries] = new
        if old == 0 { used[page] += 1 }
        if new == 0 {
            used[page] -= 1
            if used[page] == 0 { pages[page] = nil }
        }
    }

    /// Applies bytes the car wrote at byte `offset` of the FAT. Partial entries (a write that starts or ends
    /// inside a 4-byte entry) update just the bytes written. Returns the clusters whose entry changed.
    @discardableResult
    public mutating func apply(_ bytes: UnsafeRawBufferPointer, atFATByte offset: UInt64) -> [UInt32] {
        var changed: [UInt32] = []
        let limit = UInt64(entryCount) * 4
        guard offset < limit else { return changed }
        let end = min(offset + UInt64(bytes.count), limit)
        var position = offset
        while position < end {
            let index = Int(position / 4)
            let shift = UInt32(position % 4) * 8
            let byte = UInt32(bytes[Int(position - offset)])
            let old = value(index)
            let new = (old & ~(0xFF << shift)) | (byte << shift)
            if new != old {
                set(index, new, old: old)
                if changed.last != UInt32(index) { changed.append(UInt32(index)) }
            }
            position += 1
        }
        return changed
    }

    public mutating func apply(_ bytes: [UInt8], atFATByte offset: UInt64) {
        bytes.withUnsafeBytes { _ = apply($0, atFATByte: offset) }
    }

    /// Calls `body` with every cluster whose entry is not free, ascending; free pages cost nothing.
    public func forEachAllocated(_ body: (UInt32, FATEntry) -> Void) {
        for (page, entries) in pages.enumerated() {
            guard let entries else { continue }
            for (i, raw) in entries.enumerated() where raw & 0x0FFF_FFFF != 0 {
                let cluster = page * Self.pageEntries + i
                if cluster >= 2 && cluster < entryCount { body(UInt32(cluster), FATEntry(rawValue: raw)) }
            }
        }
    }

    /// The entry of `cluster`, decoded.
    public func entry(_ cluster: UInt32) -> FATEntry {
        Int(cluster) < entryCount ? FATEntry(rawValue: value(Int(cluster))) : .free
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
