/// What the harvest did with the car's data clusters: where bytes went and what it cost.
public struct HarvestStatistics: Sendable, Equatable {
    /// Bytes the car wrote into the data region (clusters); the rest of its writes are boot sectors and FATs.
    public var carDataBytesWritten: UInt64 = 0
    /// Bytes written into archive files (placement and promotion).
    public var archiveBytesWritten: UInt64 = 0
    /// Bytes of data clusters written to the staging area (owner unknown at the flush, directories, tails).
    public var stagingBytesWritten: UInt64 = 0
    /// Of `archiveBytesWritten`, bytes copied out of staging: the only second write.
    public var promotedBytes: UInt64 = 0
    /// Bytes in the write cache now, and the most it held.
    public var cachedBytes: UInt64 = 0
    public var cachePeakBytes: UInt64 = 0
    /// Clusters a killed process had cached, taken back by this one's recovery (`WriteCache`).
    public var cacheClustersTakenBack: UInt64 = 0
    public var passes: UInt64 = 0
    /// Duration of the longest harvest pass (the car's flush waits for it).
    public var longestPassSeconds: Double = 0
    public var filesCompleted: UInt64 = 0
    /// Complete files the car wrote again without changing their size (a muxer's late mdat size).
    public var filesRewritten: UInt64 = 0
    /// Records of files the harvest follows now (live, deleted but still read through, pending chains), and how
    /// many records of deleted files it has let go.
    public var recordsHeld: Int = 0
    public var recordsRetired: UInt64 = 0
    /// Seconds from the pass that saw a file's final size (the car's flush of its entry) to the pass that judged
    /// it complete, for the most recent completions (bounded, for a median).
    public var completionLatencies: [Double] = []
    static let latencySamples = 4096
    public var completionLatencyMedian: Double {
        completionLatencies.isEmpty ? 0 : completionLatencies.sorted()[completionLatencies.count / 2]
    }
    public var completionLatencyMax: Double { completionLatencies.max() ?? 0 }
    /// Problems the model found (cross-links, loops...) in the last pass.
    public var problems: Int = 0

    public init() {}
}
