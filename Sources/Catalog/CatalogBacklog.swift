import GRDB
import Logging
import Volume

/// Harvest events the catalog could not record because its disk is full: kept in order, at most `limit` of them
/// (the oldest go first beyond it, counted), and applied before the next events.
struct CatalogBacklog: Sendable {
    /// About 200 bytes each: 50 000 events are ~10 MiB, hours of a car recording onto a full disk.
    static let limit = 50_000
    /// A lasting full disk is repeated in the log this often.
    static let logInterval: Duration = .seconds(60)

    private(set) var events: [HarvestEvent] = []
    private(set) var dropped = 0
    private var lastLog: ContinuousClock.Instant?

    /// A full disk (or an I/O error, which a full disk can also show as): worth waiting for room.
    static func waitsForRoom(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
    }

    mutating func take() -> [HarvestEvent] {
        defer { events.removeAll() }
        return events
    }

    mutating func keep(_ waiting: [HarvestEvent], error: DatabaseError, logger: Logger) {
        let overflow = max(0, waiting.count - Self.limit)
        dropped += overflow
        events = Array(waiting.dropFirst(overflow))
        let now = ContinuousClock.now
        if let lastLog, now - lastLog < Self.logInterval { return }
        lastLog = now
        logger.error("the catalog cannot record clip events (its disk is full); they wait in memory and are applied once there is room", metadata: [
            "waiting": "\(events.count)", "droppedTotal": "\(dropped)", "error": "\(error)",
        ])
    }

    /// Called after a call applied everything: says once that the wait is over.
    mutating func drained(logger: Logger) {
        guard lastLog != nil else { return }
        lastLog = nil
        logger.notice("the catalog records clip events again; every waiting event is applied",
                      metadata: ["droppedTotal": "\(dropped)"])
    }
}

extension ClipCatalog {
    func keep(_ waiting: [HarvestEvent], because error: DatabaseError) {
        backlog.withLock { $0.keep(waiting, error: error, logger: logger) }
    }

    /// Events waiting for room on the catalog's disk.
    public var waitingEvents: Int { backlog.withLock { $0.events.count } }
}
