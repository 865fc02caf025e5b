/// What the shell saw of one live file of the car's tree at this pass, for the planner to judge.
public struct FileObservation: Sendable, Equatable {
    /// The size in the car's directory entry.
    public var size: UInt64
    /// Not yet complete, not empty, chained to its size, every cluster the size needs written by the car.
    public var isWhole: Bool
    /// For a whole file beginning like an MP4: whether its boxes are consistent (ftyp, mdat with its final size,
    /// moov covering the samples). Nil for other files (encrypted clips, event.json) and files not whole.
    public var boxesConsistent: Bool?
    /// A later clip of the same camera exists and the chain ends where the size does.
    public var hasSuccessor: Bool

    public init(size: UInt64, isWhole: Bool, boxesConsistent: Bool? = nil, hasSuccessor: Bool = false) {
        self.size = size
        self.isWhole = isWhole
        self.boxesConsistent = boxesConsistent
        self.hasSuccessor = hasSuccessor
    }
}

/// The planner's verdict on one live file: its record as it is after the pass, and what to do.
public struct Judgement: Sendable, Equatable {
    public var record: ArchivedFile
    public var plan: HarvestPlan
    /// It completed now; with the time its size had held still (nil at shutdown, where stopping is the reason).
    public var completed: Bool
    public var latency: Duration?
}
