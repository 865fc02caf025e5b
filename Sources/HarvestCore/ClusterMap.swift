/// One `ClusterLocation` per data cluster of the volume: the single answer to "where are this cluster's bytes".
///
/// Eight bytes a cluster, in pages allocated on first use and let go once every cluster in them is unwritten again,
/// so a 128 GiB volume costs memory only for the parts holding the car's live data (a zeroed 32 MiB array up front
/// would be most of a Pi Zero's budget, and the car's allocator goes round the whole volume over time).
public struct ClusterMap: Sendable {
    public let clusterCount: UInt32
    /// Pages in memory now (for tests and statistics).
    public var pagesInMemory: Int { pages.lazy.filter { $0 != nil }.count }
    /// Clusters whose location is `.staged` (staging holds their current bytes).
    public private(set) var stagedCount = 0
    private var pages: [[UInt64]?]
    /// Slots in use (not unwritten) per page: a page whose count drops to 0 goes.
    private var used: [UInt16]
    private static let pageShift = 12
    private static let pageSlots = 1 << pageShift

    /// Record ids start at 1, so `file == 0` is free to tag the other locations.
    private static let stagedSlot: UInt64 = 1
    private static let cachedSlot: UInt64 = 2
    private static let cachedOverStagedSlot: UInt64 = 3

    public init(clusterCount: UInt32) {
        self.clusterCount = clusterCount
        pages = Array(repeating: nil, count: (Int(clusterCount) + 2 + Self.pageSlots - 1) >> Self.pageShift)
        used = Array(repeating: 0, count: pages.count)
    }

    /// Clusters outside 2...clusterCount+1 read as unwritten and ignore writes.
    public subscript(cluster: UInt32) -> ClusterLocation {
        get { Self.decode(slot(cluster)) }
        set {
            guard cluster >= 2, cluster < clusterCount + 2 else { return }
            let old = Self.decode(slot(cluster))
            if old == .staged { stagedCount -= 1 }
            if newValue == .staged { stagedCount += 1 }
            let page = Int(cluster) >> Self.pageShift, slot = Int(cluster) & (Self.pageSlots - 1)
            let encoded = Self.encode(newValue)
            if pages[page] == nil {
                if encoded == 0 { return }
                pages[page] = [UInt64](repeating: 0, count: Self.pageSlots)
            }
            if old == .unwritten && encoded != 0 { used[page] += 1 }
            if old != .unwritten && encoded == 0 { used[page] -= 1 }
            if used[page] == 0 {
                pages[page] = nil
            } else {
                pages[page]![slot] = encoded
            }
        }
    }

    private func slot(_ cluster: UInt32) -> UInt64 {
        guard cluster < clusterCount + 2, let page = pages[Int(cluster) >> Self.pageShift] else { return 0 }
        return page[Int(cluster) & (Self.pageSlots - 1)]
    }

    private static func encode(_ location: ClusterLocation) -> UInt64 {
        switch location {
        case .unwritten: 0
        case .staged: stagedSlot
        case let .cached(staleCopyStaged): staleCopyStaged ? cachedOverStagedSlot : cachedSlot
        case let .placed(file, index): UInt64(file) << 32 | UInt64(index)
        }
    }

    private static func decode(_ slot: UInt64) -> ClusterLocation {
        let file = UInt32(slot >> 32), index = UInt32(truncatingIfNeeded: slot)
        if file != 0 { return .placed(file: file, index: index) }
        switch slot {
        case stagedSlot: return .staged
        case cachedSlot: return .cached(staleCopyStaged: false)
        case cachedOverStagedSlot: return .cached(staleCopyStaged: true)
        default: return .unwritten
        }
    }
}
