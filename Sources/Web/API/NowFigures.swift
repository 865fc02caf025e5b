/// What the Now page shows: the car, the clips growing this moment, the disk, retention and the sinks.
public struct NowFigures: Codable, Sendable, Equatable {
    public struct Growing: Codable, Sendable, Equatable {
        public var id: Int64
        public var name: String
        public var camera: String?
        public var kind: String
        /// Bytes the car's directory entry says now (the engine's view), else the catalog's last size.
        public var size: Int64
    }

    public struct Disk: Codable, Sendable, Equatable {
        public var archiveFreeBytes: UInt64?
        public var archiveTotalBytes: UInt64?
        public var volumeBytes: UInt64
        public var volumeFreeBytes: UInt64
    }

    public struct Retention: Codable, Sendable, Equatable {
        public var recentDays: Double
        public var eventDays: Double
        public var minFreeBytes: UInt64
        public init(recentDays: Double, eventDays: Double, minFreeBytes: UInt64) {
            self.recentDays = recentDays
            self.eventDays = eventDays
            self.minFreeBytes = minFreeBytes
        }
    }

    public struct SinkState: Codable, Sendable, Equatable {
        public var name: String
        public var enabled: Bool
        /// "ok", "stopped", "disabled", "failing", "offline" (its peer does not answer: the board is away)
        public var state: String
        public var queued: Int
        public var lastSuccessAt: Double?
        public var lastError: String?
        public var sentBytes: Int64
        /// Why the peer counts as away, and since when (seconds since 1970); absent while it answers.
        public var offline: String?
        public var offlineSince: Double?
    }

    /// A file retention would take next (`Retention.queue`): due by age, or first to go once space runs short.
    public struct NextEviction: Codable, Sendable, Equatable {
        public var path: String
        public var kind: String
        public var size: UInt64
        /// When the harvest first saw it (seconds since 1970).
        public var recordedAt: Int64
        /// The rule, in words ("RecentClips older than 7 days", "space: event clip not uploaded to nas").
        public var reason: String
        /// Footage some routed sink has not acknowledged: lost for good if it goes.
        public var notUploaded: Bool

        public init(path: String, kind: String, size: UInt64, recordedAt: Int64, reason: String, notUploaded: Bool) {
            self.path = path
            self.kind = kind
            self.size = size
            self.recordedAt = recordedAt
            self.reason = reason
            self.notUploaded = notUploaded
        }
    }

    /// Whether a volume engine is attached (the daemon); false when the server only reads a catalog.
    public var engine: Bool
    /// The car read or wrote within the last 30 s.
    public var carConnected: Bool
    /// The car wrote within the write rate's window (5 s).
    public var carWriting: Bool
    /// Seconds since the car last wrote; nil before the first write this daemon saw.
    public var secondsSinceWrite: Double?
    /// Seconds since the car's last flush seen by this daemon; nil before the first.
    public var secondsSinceFlush: Double?
    /// Bytes per second the car wrote over the last few seconds.
    public var writeRate: Double
    public var carBytesWritten: UInt64
    public var cacheBytes: UInt64
    public var heldBytes: UInt64
    public var growing: [Growing]
    public var disk: Disk?
    public var retention: Retention?
    /// The first files retention would evict (nil: the server has no retention to ask, e.g. without the daemon).
    public var nextEvictions: [NextEviction]?
    public var sinks: [SinkState]
    /// Server time, seconds since 1970.
    public var at: Double

    /// How long the Now page's eviction queue is kept before retention is asked again.
    public static let queueSeconds: Double = 30
    /// How many of the queue's files it shows.
    public static let queueLength = 5
}
