import GRDB
import Outbound

/// One record on its way to one sink: a row of `uploadJobs`. It survives restarts; it is `done` only once the
/// sink verified the remote copy.
public struct UploadJob: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "uploadJobs"

    public var id: Int64?
    public var sink: String
    public var kind: RecordKind
    /// Archive path of the file; nil for alerts.
    public var path: String?
    /// An alert's message (JSON object text); nil for files.
    public var payload: String?
    /// Smaller goes first (`FileRecord.rank`).
    public var rank: Int
    /// The bytes to deliver: the catalog's sha256 of the file when the job was (re)queued. A rewrite changes it.
    public var sha256: String?
    public var size: Int64
    public var state: UploadJobState
    /// Failed attempts since it was last queued.
    public var attempts: Int
    /// Not tried before this time (seconds since 1970): the backoff.
    public var notBefore: Double
    public var lastError: String?
    public var createdAt: Double
    public var doneAt: Double?
    /// Bytes sent for it, over every attempt.
    public var sentBytes: Int64

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum UploadJobState: String, Codable, Sendable {
    /// The file is being changed (reopened or rewritten by the car): it waits for its next `complete`.
    case waiting
    /// Ready to go, once `notBefore` has passed.
    case pending
    /// Delivered and verified.
    case done
    /// No longer wanted: the file moved (a job for its new path replaces it) or retention removed it.
    case cancelled
}

/// One sink as the queue knows it: a row of `sinks`. Switches an owner flips survive restarts.
public struct SinkStatusRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sinks"
    public var name: String
    public var enabled: Bool
    /// A permanent error stopped the sink: what is wrong, in words. Cleared by `retry`.
    public var stopped: String?
    public var lastSuccessAt: Double?
    public var lastError: String?
    public var lastErrorAt: Double?
    public var sentBytes: Int64
    public var delivered: Int64

    public init(name: String) {
        self.name = name
        enabled = true
        sentBytes = 0
        delivered = 0
    }
}

/// What `teslacam sinks` and the web UI show of a sink.
public struct SinkSummary: Sendable, Equatable {
    public var status: SinkStatusRecord
    /// Jobs not yet delivered (pending or waiting), by kind.
    public var depth: [RecordKind: Int]
    /// When the oldest of them was queued.
    public var oldestPendingAt: Double?

    public var totalDepth: Int { depth.values.reduce(0, +) }
}
