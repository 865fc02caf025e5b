/// The daemon's figures at one instant, as plain values: what `/metrics` shows. Gathered from the engine, the
/// catalog, the uploader and retention (`MetricsSnapshot.gather`), rendered by `TeslaCamMetrics.text`.
public struct MetricsSnapshot: Sendable, Equatable {
    public var harvest: HarvestFigures?
    public var retention: RetentionFigures?
    public var sinks: [SinkFigures]

    public init(harvest: HarvestFigures? = nil, retention: RetentionFigures? = nil, sinks: [SinkFigures] = []) {
        self.harvest = harvest
        self.retention = retention
        self.sinks = sinks
    }
}

/// What the car wrote and what the board's disk did for it.
public struct HarvestFigures: Sendable, Equatable {
    public var carBytesWritten: UInt64 = 0
    public var carBytesRead: UInt64 = 0
    public var carDataBytesWritten: UInt64 = 0
    public var archiveBytesWritten: UInt64 = 0
    public var stagingBytesWritten: UInt64 = 0
    public var promotedBytes: UInt64 = 0
    public var cachedBytes: UInt64 = 0
    public var flushRequests: UInt64 = 0
    public var synchronizations: UInt64 = 0
    /// Synchronizations the engine made itself for writes the car left unflushed (its cache drained).
    public var writebacks: UInt64 = 0
    public var filesCompleted: UInt64 = 0
    public var completionLatencyMedianSeconds: Double = 0
    public var completionLatencyMaxSeconds: Double = 0
    public var longestPassSeconds: Double = 0
    /// Held in memory because the board's disk refused them, the bound, and what was lost past it.
    public var heldBytes: UInt64 = 0
    public var heldLimitBytes: UInt64 = 0
    public var heldLostBytes: UInt64 = 0
    public var backingStoreErrors: UInt64 = 0

    public init() {}

    /// Bytes the board wrote per byte of car data: 1 when every cluster went straight to its file.
    public var writeAmplification: Double {
        carDataBytesWritten == 0 ? 0 : Double(archiveBytesWritten + stagingBytesWritten) / Double(carDataBytesWritten)
    }
}

/// The archive's space and what retention did about it.
public struct RetentionFigures: Sendable, Equatable {
    public var freeBytes: UInt64?
    public var reserveBytes: UInt64?
    /// Evictions since the daemon started, by reason (`recent_expired`, `space_event_not_uploaded`, ...).
    public var evictions: [String: Int] = [:]
    public var evictedBytes: UInt64 = 0
    public var passes: Int = 0

    public init(freeBytes: UInt64? = nil, reserveBytes: UInt64? = nil, evictions: [String: Int] = [:],
                evictedBytes: UInt64 = 0, passes: Int = 0) {
        self.freeBytes = freeBytes
        self.reserveBytes = reserveBytes
        self.evictions = evictions
        self.evictedBytes = evictedBytes
        self.passes = passes
    }
}

/// One sink: its queue and what it did.
public struct SinkFigures: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Working (or idle).
        case ok
        /// Failures in a row opened the circuit breaker: resting.
        case open
        /// A permanent error stopped it until an owner retries.
        case stopped
        /// An owner turned it off.
        case disabled
    }

    public var name: String
    public var type: String
    public var state: State
    /// Jobs not delivered yet, by record kind.
    public var queueDepth: [String: Int]
    /// Seconds the oldest undelivered job has waited; nil when the queue is empty.
    public var oldestPendingAgeSeconds: Double?
    /// Seconds since 1970 of the last verified delivery.
    public var lastSuccessTime: Double?
    /// Deliveries by result (`delivered`, `failed`) since the daemon started, and bytes sent in them.
    public var uploads: [String: Int]
    public var sentBytes: [String: Int64]

    public init(name: String, type: String, state: State = .ok, queueDepth: [String: Int] = [:],
                oldestPendingAgeSeconds: Double? = nil, lastSuccessTime: Double? = nil,
                uploads: [String: Int] = [:], sentBytes: [String: Int64] = [:]) {
        self.name = name
        self.type = type
        self.state = state
        self.queueDepth = queueDepth
        self.oldestPendingAgeSeconds = oldestPendingAgeSeconds
        self.lastSuccessTime = lastSuccessTime
        self.uploads = uploads
        self.sentBytes = sentBytes
    }
}
