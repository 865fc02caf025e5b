/// What retention decided: the evictions in order and the space they leave.
public struct RetentionPlan: Sendable, Equatable {
    /// In the order they are to be carried out: by age first (oldest first), then by space.
    public var evictions: [Eviction]
    public var space: SpaceReport
    /// The free space the policy asks for.
    public var reserveBytes: UInt64
    /// Free space once every eviction is done, assuming each gives back its size and its derived files'.
    public var freeAfterBytes: UInt64

    public var evictedBytes: UInt64 { evictions.reduce(0) { $0.addingClamped($1.file.size) } }
    /// Bytes of derived files (repaired copies, telemetry sidecars) that go with the evicted files.
    public var derivedBytes: UInt64 { evictions.reduce(0) { $0.addingClamped($1.file.derivedBytes) } }
    /// Evictions of footage some sink has not acknowledged.
    public var warnings: [Eviction] { evictions.filter(\.reason.isWarning) }
    /// What is still missing from the reserve once everything evictable is gone (0: the reserve is kept).
    public var shortfallBytes: UInt64 { reserveBytes > freeAfterBytes ? reserveBytes - freeAfterBytes : 0 }
}
