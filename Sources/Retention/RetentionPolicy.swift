/// How long archived files stay and how much free space the archive's file system keeps.
public struct RetentionPolicy: Sendable, Equatable {
    /// Car-deleted RecentClips older than this many days go.
    public var recentDays: Double
    /// Car-deleted event clips older than this many days go, once every sink routed to them has acknowledged them.
    public var eventDays: Double
    public var reserve: Reserve
    /// With `reserve: .auto`, the free space kept on top of what the car may still write.
    public var minFreeBytes: UInt64

    public enum Reserve: Sendable, Equatable {
        /// What the car may still write into its volume without a home on disk (the volume's free clusters),
        /// plus `minFreeBytes`: the car can fill its drive and every byte still has a place.
        case auto
        /// Keep exactly this many bytes free (`minFreeBytes` is not added).
        case fixed(UInt64)
    }

    public static let standard = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .auto, minFreeBytes: 2 << 30)

    public init(recentDays: Double, eventDays: Double, reserve: Reserve, minFreeBytes: UInt64) {
        self.recentDays = recentDays
        self.eventDays = eventDays
        self.reserve = reserve
        self.minFreeBytes = minFreeBytes
    }

    /// The free space to keep, given what the volume has still free.
    public func reserveBytes(for space: SpaceReport) -> UInt64 {
        switch reserve {
        case .auto:
            let (sum, overflow) = space.volumeFreeBytes.addingReportingOverflow(minFreeBytes)
            return overflow ? .max : sum
        case let .fixed(bytes): return bytes
        }
    }

    static let secondsPerDay = 86_400.0

    func limitSeconds(days: Double) -> Int64 {
        let seconds = days * Self.secondsPerDay
        return seconds >= Double(Int64.max) ? .max : Int64(seconds.rounded(.up))
    }
}

/// The space situation retention acts on.
public struct SpaceReport: Sendable, Equatable {
    /// Free bytes of the file system holding the archive (what an unprivileged writer can still use).
    public var archiveFreeBytes: UInt64
    /// Bytes of the car's volume that are free clusters: what the car may still write with no home on disk yet.
    public var volumeFreeBytes: UInt64

    public init(archiveFreeBytes: UInt64, volumeFreeBytes: UInt64) {
        self.archiveFreeBytes = archiveFreeBytes
        self.volumeFreeBytes = volumeFreeBytes
    }
}
