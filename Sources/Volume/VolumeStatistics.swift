/// Counters of what the car did and what the board's disk did in return. Exposed by `inspect`, logs and metrics.
public struct VolumeStatistics: Sendable, Equatable {
    public var carBytesWritten: UInt64 = 0
    public var carBytesRead: UInt64 = 0
    public var writes: UInt64 = 0
    public var reads: UInt64 = 0
    /// fsync/flush requests from the car.
    public var flushRequests: UInt64 = 0
    /// fdatasync calls actually issued; fewer than `flushRequests` when requests were grouped.
    public var synchronizations: UInt64 = 0
    /// Synchronizations the engine made on its own for writes no flush had covered within `writebackDelay`.
    public var writebacks: UInt64 = 0
    /// Failed operations on the board's disk, absorbed (the car never saw them).
    public var backingStoreErrors: UInt64 = 0
    /// Bytes the board's disk refused and that wait in memory (whole pages).
    public var unflushedBytes: UInt64 = 0
    /// The most bytes held in memory at once.
    public var heldPeakBytes: UInt64 = 0
    /// The bound on held data pages (`VolumeEngine.holdLimit`).
    public var heldLimitBytes: UInt64 = 0
    /// Bytes the car wrote that neither the disk nor the held-memory bound could take: lost (the car reads older
    /// bytes there). Zero unless the disk stayed full longer than the bound lasts.
    public var heldLostBytes: UInt64 = 0
    public var lastBackingStoreError: String?
    /// Clusters the car freed whose blocks were given back to the board's disk.
    public var discardedClusters: UInt64 = 0
    /// Where the data clusters went (zero without an archive).
    public var harvest = HarvestStatistics()

    public init() {}
}
