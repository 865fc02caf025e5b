/// What one harvest decision asks of the stores: steps carried out in order by the engine's executor, and the
/// events told once they ran.
///
/// A value, so a planner's answer can be checked in a test without an archive, staging or a clock.
public struct HarvestPlan: Sendable, Equatable {
    public var steps: [HarvestStep] = []
    public var events: [PlannedEvent] = []

    public init(steps: [HarvestStep] = [], events: [PlannedEvent] = []) {
        self.steps = steps
        self.events = events
    }

    /// The events' kinds, in order (for tests and logs).
    public var eventKinds: [HarvestEvent.Kind] { events.map(\.event.kind) }
}

/// One thing done to the stores. Record ids name archive files (the executor knows their paths).
public enum HarvestStep: Sendable, Equatable {
    /// Put `cluster`'s current bytes into their home, archive file `file` at chain position `index`, from where
    /// they are: written once, whole. Skipped if they are no longer there by then (and from staging, once the
    /// archive's disk refused a write in this pass).
    case place(cluster: UInt32, file: UInt32, index: UInt32, from: ClusterSource)
    /// Move the bytes of `cluster`, placed in archive file `file` at chain position `index`, to staging: the
    /// volume still reads them, the archive file stops covering them. Skipped if the cluster is placed elsewhere
    /// by then.
    case stage(cluster: UInt32, file: UInt32, index: UInt32)
    /// Copy the first `length` bytes the volume reads at `cluster` into archive file `file` at chain position
    /// `index`; the cluster stays where it is for the volume. A failed copy skips the file's later copies (a disk
    /// that refused one refuses the next) and the file's copy is owed: tried again at the next pass.
    case copy(cluster: UInt32, file: UInt32, index: UInt32, length: UInt32)
    /// Set the archive file's length.
    case setSize(file: UInt32, size: UInt64)
    /// Close the archive file's handle (its writes made durable first): the harvest writes it no more.
    case release(file: UInt32)
    /// Remove the archive file (a pending chain's, abandoned), once the next synchronization has made its
    /// clusters' new homes durable. A failure is left alone: the file holds no cluster the volume reads, and
    /// recovery only adopts pending files whose chain the FAT still has.
    case unlink(file: UInt32)
    /// Make every archive write so far durable (files, then directories that gained entries).
    case synchronize
    /// Give staging's copy of `cluster` back to the disk: the cluster's bytes are durable in their home.
    case punchStaging(cluster: UInt32)
}

/// An event of a plan; with `requiresCopiesOf`, told only if every copy into that file succeeded (a copy the
/// disk refused is owed, not yet news).
public struct PlannedEvent: Sendable, Equatable {
    public var event: HarvestEvent
    public var requiresCopiesOf: UInt32?

    public init(_ event: HarvestEvent, requiresCopiesOf file: UInt32? = nil) {
        self.event = event
        requiresCopiesOf = file
    }
}

/// Where a cluster's bytes are taken from when they move to their home.
public enum ClusterSource: Sendable, Equatable {
    /// The write cache.
    case cache
    /// The staging area (promoted).
    case staging
    /// A pending chain's file, at that position: its head was not the file's real head (a FAT sector in between
    /// arrived late).
    case pending(file: UInt32, index: UInt32)
}
