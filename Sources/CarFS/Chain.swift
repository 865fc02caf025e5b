/// A cluster chain as the FAT describes it right now.
public struct Chain: Equatable, Sendable {
    public var clusters: [UInt32]
    public var end: End

    public enum End: Equatable, Sendable {
        /// An end-of-chain mark: the chain is whole.
        case endOfChain
        /// The next entry is free: the car has not written that FAT sector yet (normal with writeback), or a power
        /// cut lost it.
        case free
        /// Stopped after as many clusters as the caller needed.
        case limit
        /// A bad-cluster mark, a reserved value or a cluster number outside the volume.
        case corrupt(UInt32)
        /// The chain comes back on one of its own clusters.
        case loop(at: UInt32)
        /// The head itself is outside the volume.
        case invalidStart(UInt32)
    }

    public init(clusters: [UInt32], end: End) {
        self.clusters = clusters
        self.end = end
    }
}
