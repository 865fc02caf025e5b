/// One archived file as retention sees it: a catalog row plus what the volume and the sinks say about it.
public struct ArchivedFileRow: Sendable, Equatable {
    /// Path inside the archive directory.
    public var path: String
    public var kind: RecordKind
    public var state: ArchiveState
    /// Bytes the file takes in the archive (its size; an evicted file gives back about this much).
    public var size: UInt64
    /// When the harvest first saw it (seconds since 1970, the board's clock): a file's age counts from here.
    public var recordedAt: Int64
    /// When the car deleted it from its volume; nil while the car still has it.
    public var deletedByCarAt: Int64?
    /// Sinks routed to this file that have not yet acknowledged a verified copy. Empty: nothing pending.
    public var pendingSinks: [String]
    /// The car's volume still names this file (its clusters are the car's drive): never evicted.
    public var referencedByVolume: Bool
    /// Bytes of what the board derived from it (a repaired copy, a telemetry sidecar) on the archive's file system:
    /// they go with it, so evicting it gives these back too. 0 when they live on another file system.
    public var derivedBytes: UInt64

    public init(path: String, kind: RecordKind, state: ArchiveState, size: UInt64, recordedAt: Int64,
                deletedByCarAt: Int64? = nil, pendingSinks: [String] = [], referencedByVolume: Bool = false,
                derivedBytes: UInt64 = 0) {
        self.path = path
        self.kind = kind
        self.state = state
        self.size = size
        self.recordedAt = recordedAt
        self.deletedByCarAt = deletedByCarAt
        self.pendingSinks = pendingSinks
        self.referencedByVolume = referencedByVolume
        self.derivedBytes = derivedBytes
    }

    /// What evicting it gives back on the archive's file system: the file and what was derived from it.
    public var freedBytes: UInt64 { size.addingClamped(derivedBytes) }

    /// Every sink routed to it has acknowledged it (true when no sink is routed to it).
    public var isUploadedEverywhere: Bool { pendingSinks.isEmpty }

    /// Seconds since it was recorded, never negative (a clock set back makes files young, not evictable).
    public func age(at now: Int64) -> Int64 { max(0, now - recordedAt) }
}

/// The record kinds of the outbound side: where on the car's volume a file lived.
public enum RecordKind: String, Sendable, CaseIterable {
    case recent, saved, sentry, track, other

    /// RecentClips are the car's rolling buffer; everything else is something the car (or its owner) chose to keep.
    public var isEvent: Bool { self != .recent }
}

/// Where a file is in its life, as far as retention cares.
public enum ArchiveState: String, Sendable {
    /// The car is still writing it, or has finished it and still has it.
    case growing, complete
    /// The car deleted it; the archive keeps it until retention lets it go.
    case deleted
    /// Retention removed it from the archive; the catalog keeps its row.
    case evicted
}
