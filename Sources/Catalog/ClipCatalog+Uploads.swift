import Foundation
import GRDB
import Outbound
import Volume

/// The durable upload queue: one job per (record, sink), in the same database as the files it carries, so a job
/// and the transition that made it are written in one transaction.
extension ClipCatalog {
    static func registerUploadMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3 upload jobs") { db in
            try db.create(table: "uploadJobs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sink", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("path", .text)
                t.column("payload", .text)
                t.column("rank", .integer).notNull()
                t.column("sha256", .text)
                t.column("size", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("notBefore", .double).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("createdAt", .double).notNull()
                t.column("doneAt", .double)
                t.column("sentBytes", .integer).notNull().defaults(to: 0)
            }
            // At most one live job per file and sink; done and cancelled ones stay as history.
            try db.execute(sql: """
                CREATE UNIQUE INDEX uploadJobs_live ON uploadJobs(sink, path)
                WHERE path IS NOT NULL AND state IN ('waiting', 'pending')
                """)
            try db.create(index: "uploadJobs_next", on: "uploadJobs", columns: ["sink", "state", "rank", "createdAt"])
            try db.create(index: "uploadJobs_path", on: "uploadJobs", columns: ["path"])
            try db.create(table: "sinks") { t in
                t.primaryKey("name", .text)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("stopped", .text)
                t.column("lastSuccessAt", .double)
                t.column("lastError", .text)
                t.column("lastErrorAt", .double)
                t.column("sentBytes", .integer).notNull().defaults(to: 0)
                t.column("delivered", .integer).notNull().defaults(to: 0)
            }
        }
    }

    private static func live(sink: String? = nil, path: String) -> QueryInterfaceRequest<UploadJob> {
        var request = UploadJob.filter(Column("path") == path
            && [UploadJobState.waiting.rawValue, UploadJobState.pending.rawValue].contains(Column("state")))
        if let sink { request = request.filter(Column("sink") == sink) }
        return request
    }

    // MARK: Jobs from the catalog's transitions

    /// Keeps the queue in step with one applied harvest event (inside its transaction).
    func routeJobs(for clip: ClipRecord, event: HarvestEvent, now: Double, in db: Database) throws {
        switch event.kind {
        case .complete:
            try queueCompleteFile(clip, now: now, in: db)
        case .moved:
            // The file left its old path: whatever was on its way from there is superseded by the new path's
            // jobs (a RecentClip the car saved becomes a saved record, routed as such).
            if let previous = event.previousPath, previous != clip.path {
                try Self.cancelLive(path: previous, reason: "moved to \(clip.path)", in: db)
            }
            if clip.state == .complete { try queueCompleteFile(clip, now: now, in: db) }
        case .reopened, .rewritten:
            // The bytes are changing: hold the jobs until the next `complete` hashes the final bytes.
            try Self.live(path: clip.path).updateAll(db, Column("state").set(to: UploadJobState.waiting.rawValue))
        case .created, .growing, .deleted:
            break
        }
    }

    /// A complete file with a hash gets a pending job for every sink its kind is routed to, unless that sink
    /// already has these exact bytes.
    private func queueCompleteFile(_ clip: ClipRecord, now: Double, in db: Database) throws {
        guard let sha256 = clip.sha256, let record = FileRecord(archivePath: clip.path) else { return }
        for sink in routes.sinks(for: record.kind) {
            try Self.queue(record, sha256: sha256, size: clip.size, sink: sink, now: now, in: db)
        }
    }

    private static func queue(_ record: FileRecord, sha256: String, size: Int64, sink: String, now: Double,
                              in db: Database) throws {
        if var job = try live(sink: sink, path: record.archivePath).fetchOne(db) {
            if job.sha256 != sha256 || job.state == .waiting { job.attempts = 0; job.notBefore = 0 }
            job.sha256 = sha256
            job.size = size
            job.rank = record.rank
            job.kind = record.kind
            job.state = .pending
            try job.update(db)
            return
        }
        let delivered = try UploadJob.filter(Column("sink") == sink && Column("path") == record.archivePath
            && Column("state") == UploadJobState.done.rawValue && Column("sha256") == sha256).fetchCount(db)
        guard delivered == 0 else { return }
        var job = UploadJob(id: nil, sink: sink, kind: record.kind, path: record.archivePath, payload: nil,
                            rank: record.rank, sha256: sha256, size: size, state: .pending, attempts: 0, notBefore: 0,
                            lastError: nil, createdAt: now, doneAt: nil, sentBytes: 0)
        try job.insert(db)
    }

    static func cancelLive(path: String, reason: String, in db: Database) throws {
        try live(path: path).updateAll(db, Column("state").set(to: UploadJobState.cancelled.rawValue),
                                       Column("lastError").set(to: reason))
    }

    /// Queues every complete or car-deleted file still in the archive that a routed sink has never had a job for:
    /// a sink added to the config later receives what the archive already holds. Returns how many jobs it made.
    @discardableResult
    public func queueMissingJobs(now: Double = Date().timeIntervalSince1970) throws -> Int {
        try database.write { db in
            var made = 0
            let rows = try ClipRecord.filter([ClipState.complete.rawValue, ClipState.deleted.rawValue]
                .contains(Column("state")) && Column("sha256") != nil).fetchAll(db)
            for clip in rows {
                guard let record = FileRecord(archivePath: clip.path), let sha256 = clip.sha256 else { continue }
                for sink in routes.sinks(for: record.kind) {
                    let known = try UploadJob.filter(Column("sink") == sink && Column("path") == clip.path).fetchCount(db)
                    guard known == 0 else { continue }
                    try Self.queue(record, sha256: sha256, size: clip.size, sink: sink, now: now, in: db)
                    made += 1
                }
            }
            return made
        }
    }

    /// An alert for every sink the `alerts` kind is routed to. `fields` become the message's JSON object.
    public func queueAlert(_ fields: [String: String], now: Double = Date().timeIntervalSince1970) throws {
        let sinks = routes.sinks(for: .alerts)
        guard !sinks.isEmpty else { return }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        let payload = String(decoding: data, as: UTF8.self)
        try database.write { db in
            for sink in sinks {
                var job = UploadJob(id: nil, sink: sink, kind: .alerts, path: nil, payload: payload,
                                    rank: 0, sha256: nil, size: Int64(data.count), state: .pending, attempts: 0,
                                    notBefore: 0, lastError: nil, createdAt: now, doneAt: nil, sentBytes: 0)
                try job.insert(db)
            }
        }
    }

    // MARK: The uploader's side

    /// The next job for `sink` that is due, most urgent first: by rank (alerts, sentry, saved, track, recent;
    /// within an event event.json, thumb.png, then clips), then oldest first.
    public func nextJob(sink: String, now: Double = Date().timeIntervalSince1970) throws -> UploadJob? {
        try database.read { db in
            try UploadJob.filter(Column("sink") == sink && Column("state") == UploadJobState.pending.rawValue
                                 && Column("notBefore") <= now)
                .order(Column("rank"), Column("createdAt"), Column("id")).fetchOne(db)
        }
    }

    /// When `sink`'s next pending job becomes due (nil: none pending).
    public func nextDueTime(sink: String) throws -> Double? {
        try database.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(notBefore) FROM uploadJobs WHERE sink = ? AND state = 'pending'",
                                arguments: [sink])
        }
    }

    /// Acknowledges a verified delivery. False (and nothing changes) when the job was requeued meanwhile for
    /// other bytes (the car rewrote the file) or cancelled: the copy just made is not what is wanted.
    @discardableResult
    public func markDelivered(_ job: UploadJob, sentBytes: Int64, now: Double = Date().timeIntervalSince1970) throws -> Bool {
        try database.write { db in
            guard let id = job.id, var current = try UploadJob.fetchOne(db, key: id) else { return false }
            try Self.addSent(sentBytes, to: &current, sink: job.sink, in: db)
            guard current.state == .pending, current.sha256 == job.sha256 else { try current.update(db); return false }
            current.state = .done
            current.doneAt = now
            current.lastError = nil
            try current.update(db)
            var status = try Self.status(job.sink, in: db)
            status.lastSuccessAt = now
            status.delivered += 1
            try status.save(db)
            return true
        }
    }

    /// Records a failed attempt and when to try again.
    public func markFailed(_ job: UploadJob, error: String, retryAt: Double, sentBytes: Int64,
                           now: Double = Date().timeIntervalSince1970) throws {
        try database.write { db in
            guard let id = job.id, var current = try UploadJob.fetchOne(db, key: id) else { return }
            try Self.addSent(sentBytes, to: &current, sink: job.sink, in: db)
            if current.state == .pending, current.sha256 == job.sha256 {
                current.attempts += 1
                current.notBefore = retryAt
            }
            current.lastError = error
            try current.update(db)
            var status = try Self.status(job.sink, in: db)
            status.lastError = error
            status.lastErrorAt = now
            try status.save(db)
        }
    }

    private static func addSent(_ bytes: Int64, to job: inout UploadJob, sink: String, in db: Database) throws {
        guard bytes > 0 else { return }
        job.sentBytes += bytes
        var status = try Self.status(sink, in: db)
        status.sentBytes += bytes
        try status.save(db)
    }

    // MARK: Sinks

    static func status(_ name: String, in db: Database) throws -> SinkStatusRecord {
        try SinkStatusRecord.fetchOne(db, key: name) ?? SinkStatusRecord(name: name)
    }

    public func sinkStatus(_ name: String) throws -> SinkStatusRecord {
        try database.read { db in try Self.status(name, in: db) }
    }

    /// Stops a sink after a permanent error: no job is tried until an owner runs `retry`.
    public func stopSink(_ name: String, reason: String, now: Double = Date().timeIntervalSince1970) throws {
        try database.write { db in
            var status = try Self.status(name, in: db)
            status.stopped = reason
            status.lastError = reason
            status.lastErrorAt = now
            try status.save(db)
        }
    }

    public func setSink(_ name: String, enabled: Bool) throws {
        try database.write { db in
            var status = try Self.status(name, in: db)
            status.enabled = enabled
            try status.save(db)
        }
    }

    /// Clears a stopped sink and makes its pending jobs due now. Returns how many jobs that makes due.
    @discardableResult
    public func retrySink(_ name: String) throws -> Int {
        try database.write { db in
            var status = try Self.status(name, in: db)
            status.stopped = nil
            try status.save(db)
            return try UploadJob.filter(Column("sink") == name && Column("state") == UploadJobState.pending.rawValue)
                .updateAll(db, Column("notBefore").set(to: 0), Column("attempts").set(to: 0))
        }
    }

    /// Every sink in `names` (the config's, in its order) with its queue.
    public func sinkSummaries(_ names: [String]) throws -> [SinkSummary] {
        try database.read { db in
            try names.map { name in
                var depth: [RecordKind: Int] = [:]
                let rows = try Row.fetchAll(db, sql: """
                    SELECT kind, COUNT(*) AS n FROM uploadJobs WHERE sink = ? AND state IN ('waiting', 'pending')
                    GROUP BY kind
                    """, arguments: [name])
                for row in rows {
                    if let kind = RecordKind(rawValue: row["kind"]) { depth[kind] = row["n"] }
                }
                let oldest = try Double.fetchOne(db, sql: """
                    SELECT MIN(createdAt) FROM uploadJobs WHERE sink = ? AND state IN ('waiting', 'pending')
                    """, arguments: [name])
                return SinkSummary(status: try Self.status(name, in: db), depth: depth, oldestPendingAt: oldest)
            }
        }
    }

    /// For retention: archive path → sinks that have not yet acknowledged it.
    public func pendingSinksByPath() throws -> [String: [String]] {
        try database.read { db in
            var result: [String: [String]] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT path, sink FROM uploadJobs WHERE path IS NOT NULL AND state IN ('waiting', 'pending')
                ORDER BY sink
                """)
            for row in rows { result[row["path"], default: []].append(row["sink"]) }
            return result
        }
    }

    public func jobs(sink: String? = nil) throws -> [UploadJob] {
        try database.read { db in
            var request = UploadJob.order(Column("id"))
            if let sink { request = request.filter(Column("sink") == sink) }
            return try request.fetchAll(db)
        }
    }
}
