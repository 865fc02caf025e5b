import Foundation
import GRDB
import Logging
import Outbound
import Telemetry
import Synchronization
import Volume

/// The SQLite catalog of every file the car wrote: one row per archive file, and its lifecycle transitions.
///
/// Fed by the harvest's events; never on the car's I/O path (`CatalogIngest` applies events on its own queue).
public final class ClipCatalog: Sendable {
    public let path: String
    let archiveRoot: String
    let database: DatabaseQueue
    let logger: Logger
    /// Which sinks each kind of record goes to: a file's completion queues its upload jobs.
    public let routes: Routes
    /// Events a full disk kept out of the database, applied first next time (CatalogBacklog.swift).
    let backlog = Mutex(CatalogBacklog())

    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(path: String, reason: String)
        public var description: String {
            switch self {
            case let .cannotOpen(path, reason):
                "cannot open the clip catalog \(path): \(reason). Move the file away to rebuild it from the archive."
            }
        }
    }

    /// Where full-rate telemetry goes (`STATE/derived/telemetry`); nil keeps only the catalog's 1 Hz track.
    let sidecar: TelemetrySidecar?

    public init(path: String, archiveRoot: String, logger: Logger, routes: Routes = Routes(),
                telemetrySidecars: String? = nil) throws(Failure) {
        self.sidecar = telemetrySidecars.map(TelemetrySidecar.init(root:))
        self.path = path
        self.archiveRoot = archiveRoot
        self.logger = logger
        self.routes = routes
        do {
            // The daemon, `teslacam sinks` and the web UI share the file: a writer waits for another's
            // transaction instead of failing.
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "clips") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("carPath", .text).notNull()
                t.column("state", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("sha256", .text)
                t.column("kind", .text).notNull()
                t.column("camera", .text)
                t.column("clipTime", .integer)
                t.column("recordedAt", .integer)
                t.column("duration", .double)
                t.column("codec", .text)
                t.column("problem", .text)
                t.column("event", .text)
                t.column("eventKind", .text).notNull()
                t.column("createdAt", .integer).notNull()
                t.column("updatedAt", .integer).notNull()
                t.column("completedAt", .integer)
            }
            try db.create(index: "clips_state", on: "clips", columns: ["state"])
            try db.create(index: "clips_event", on: "clips", columns: ["event"])
            try db.create(table: "transitions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("clipID", .integer).notNull().indexed().references("clips", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("at", .integer).notNull()
                t.column("size", .integer).notNull()
                t.column("previousPath", .text)
            }
        }
        migrator.registerMigration("v2 eviction") { db in
            // Evicted rows keep their path (and metadata) while a new file may take the same path later, so the
            // path is unique only among rows whose file exists: the table is rebuilt without the column's UNIQUE.
            try db.create(table: "clips_v2") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull()
                t.column("carPath", .text).notNull()
                t.column("state", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("sha256", .text)
                t.column("kind", .text).notNull()
                t.column("camera", .text)
                t.column("clipTime", .integer)
                t.column("recordedAt", .integer)
                t.column("duration", .double)
                t.column("codec", .text)
                t.column("problem", .text)
                t.column("event", .text)
                t.column("eventKind", .text).notNull()
                t.column("createdAt", .integer).notNull()
                t.column("updatedAt", .integer).notNull()
                t.column("completedAt", .integer)
                t.column("deletedAt", .integer)
                t.column("evictedAt", .integer)
            }
            try db.execute(sql: """
                INSERT INTO clips_v2 (id, path, carPath, state, size, sha256, kind, camera, clipTime, recordedAt,
                                      duration, codec, problem, event, eventKind, createdAt, updatedAt, completedAt,
                                      deletedAt)
                SELECT id, path, carPath, state, size, sha256, kind, camera, clipTime, recordedAt, duration, codec,
                       problem, event, eventKind, createdAt, updatedAt, completedAt,
                       CASE WHEN state = 'deleted' THEN
                           (SELECT MAX(at) FROM transitions WHERE clipID = clips.id AND kind = 'deleted') END
                FROM clips
                """)
            try db.drop(table: "clips")
            try db.rename(table: "clips_v2", to: "clips")
            try db.execute(sql: "CREATE UNIQUE INDEX clips_path ON clips(path) WHERE state != 'evicted'")
            try db.create(index: "clips_state", on: "clips", columns: ["state"])
            try db.create(index: "clips_event", on: "clips", columns: ["event"])
            try db.alter(table: "transitions") { t in t.add(column: "reason", .text) }
        }
        migrator.registerMigration("v2 telemetry") { db in
            try db.create(table: "telemetry") { t in
                t.primaryKey("clipID", .integer).references("clips", onDelete: .cascade)
                t.column("frames", .integer).notNull()
                t.column("videoFrames", .integer).notNull()
                t.column("seconds", .double).notNull()
                t.column("distance", .double).notNull()
                t.column("movingSeconds", .double).notNull()
                t.column("maxSpeed", .double).notNull()
                t.column("meanSpeed", .double).notNull()
                t.column("autopilotShare", .double).notNull()
                t.column("startLatitude", .double)
                t.column("startLongitude", .double)
                t.column("endLatitude", .double)
                t.column("endLongitude", .double)
                t.column("track", .text).notNull()
                t.column("absence", .text)
            }
        }
        registerUploadMigration(&migrator)
        registerRepairMigration(&migrator)
        return migrator
    }

    /// Rows whose file is in the archive (every state but `evicted`).
    private static func present(path: String) -> QueryInterfaceRequest<ClipRecord> {
        ClipRecord.filter(Column("path") == path && Column("state") != ClipState.evicted.rawValue)
    }

    /// Applies harvest events in order. Completion reads the archive file (sha256, MP4 boxes).
    ///
    /// On a full disk the events wait in memory (bounded) and are applied, in order, by the next call once there
    /// is room: a deletion lost here would be one retention never learns of, so the disk would stay full.
    public func apply(_ events: [HarvestEvent], now: Int64 = Int64(Date().timeIntervalSince1970)) {
        let queue = backlog.withLock { $0.take() } + events
        for (index, event) in queue.enumerated() {
            do {
                try database.write { db in try apply(event, now: now, in: db) }
            } catch let error as DatabaseError where CatalogBacklog.waitsForRoom(error) {
                keep(Array(queue[index...]), because: error)
                return
            } catch {
                logger.error("catalog update failed", metadata: ["path": "\(event.archivePath)", "error": "\(error)"])
            }
        }
        backlog.withLock { $0.drained(logger: logger) }
    }

    private func apply(_ event: HarvestEvent, now: Int64, in db: Database) throws {
        let lookupPath = event.kind == .moved ? (event.previousPath ?? event.archivePath) : event.archivePath
        var clip = try Self.present(path: lookupPath).fetchOne(db) ?? newRecord(event, now: now)
        if event.kind == .moved {
            // Whatever still sits at the destination was moved aside by the harvest, and announced first.
            clip.path = event.archivePath
        }
        let previousCarPath = clip.carPath
        clip.carPath = event.carPath
        let where_ = ClipPath(carPath: event.carPath)
        clip.event = where_.event
        clip.eventKind = where_.eventKind
        clip.camera = where_.camera ?? clip.camera
        clip.clipTime = where_.clipTime ?? clip.clipTime
        let previousSize = clip.size
        clip.size = Int64(event.size)
        clip.updatedAt = now
        var telemetry: Result<ClipTelemetry, TelemetryError>?
        var truncated = false
        switch event.kind {
        case .created, .growing:
            clip.state = .growing
        case .reopened:
            clip.state = .growing
            clip.sha256 = nil
            clip.completedAt = nil
            if let id = clip.id { _ = try TelemetryRecord.deleteOne(db, key: id) }
        case .rewritten:
            // The `complete` that follows hashes (and reads the telemetry of) the new bytes.
            clip.sha256 = nil
            if let id = clip.id { _ = try TelemetryRecord.deleteOne(db, key: id) }
        case .complete:
            // A restart judges the car's files again: one already complete at this size keeps its hash (no second
            // read of every clip per restart). A rewrite cleared the hash first, so its new bytes are hashed.
            // Nothing new then: no transition either, so nothing downstream sees a second completion.
            if clip.state == .complete && clip.sha256 != nil && previousSize == Int64(event.size) { return }
            clip.state = .complete
            clip.completedAt = now
            telemetry = inspect(&clip, isClip: where_.isClipName, truncated: &truncated)
        case .moved:
            if clip.state == .deleted && event.carPath != previousCarPath {
                // A move seen half-way (the old entry gone before the new one arrived) looked like a deletion:
                // the car has the file again under its new name. (A file moved aside keeps its car path.)
                clip.state = .growing
                clip.deletedAt = nil
            }
            if clip.state == .complete && clip.sha256 == nil {
                telemetry = inspect(&clip, isClip: where_.isClipName, truncated: &truncated)
            }
        case .deleted:
            // The car deleted it; the archive keeps it until retention lets it go.
            clip.state = .deleted
            clip.deletedAt = now
        }
        try clip.save(db)
        switch telemetry {
        case let .success(found):
            try TelemetryRecord(clipID: clip.id!, telemetry: found).save(db)
            writeSidecar(found, for: clip)
            try queueTelemetryRecords(found, clip: clip, now: Double(now), in: db)
        case let .failure(error): try TelemetryRecord(clipID: clip.id!, unreadable: error).save(db)
        case nil: break
        }
        if truncated { try markTruncated(clip, now: now, in: db) }
        var transition = TransitionRecord(id: nil, clipID: clip.id!, kind: event.kind.rawValue, at: now,
                                          size: Int64(event.size), previousPath: event.previousPath, reason: nil)
        try transition.insert(db)
        try routeJobs(for: clip, event: event, now: Double(now), in: db)
    }

    private func newRecord(_ event: HarvestEvent, now: Int64) -> ClipRecord {
        let where_ = ClipPath(carPath: event.carPath)
        return ClipRecord(id: nil, path: event.archivePath, carPath: event.carPath, state: .growing,
                          size: Int64(event.size), sha256: nil, kind: where_.isClipName ? .mp4 : .other,
                          camera: where_.camera, clipTime: where_.clipTime, recordedAt: nil, duration: nil,
                          codec: nil, problem: nil, event: where_.event, eventKind: where_.eventKind,
                          createdAt: now, updatedAt: now, completedAt: nil, deletedAt: nil, evictedAt: nil)
    }

    // MARK: Eviction

    /// Records that retention removed `path` from the archive: the row and its metadata stay, in state `evicted`,
    /// with a transition giving the reason. Returns false when no row names a present file at that path.
    @discardableResult
    public func recordEviction(path: String, reason: String,
                               now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Bool {
        try database.write { db in
            guard var clip = try Self.present(path: path).fetchOne(db) else { return false }
            clip.state = .evicted
            clip.evictedAt = now
            clip.updatedAt = now
            try clip.save(db)
            var transition = TransitionRecord(id: nil, clipID: clip.id!, kind: "evicted", at: now, size: clip.size,
                                              previousPath: nil, reason: reason)
            try transition.insert(db)
            try Self.cancelLive(path: path, reason: "evicted before delivery: \(reason)", in: db)
            return true
        }
    }

    /// Fills in what reading the complete file tells; returns its telemetry for an MP4 with a movie index.
    /// The clip's full-rate telemetry beside the catalog, when configured; a failure (full disk) costs only the
    /// sidecar, never the catalog row.
    private func writeSidecar(_ telemetry: ClipTelemetry, for clip: ClipRecord) {
        guard let sidecar, telemetry.hasTelemetry, TelemetrySidecar.keeps(camera: clip.camera) else { return }
        do {
            try sidecar.write(telemetry, archivePath: clip.path)
        } catch {
            logger.warning("cannot write the telemetry sidecar", metadata: ["path": "\(clip.path)", "error": "\(error)"])
        }
    }

    /// `truncated`: set for an MP4 the car never finished (an mdat, no moov: a power cut), which a repair can save.
    private func inspect(
        _ clip: inout ClipRecord, isClip: Bool, truncated: inout Bool
    ) -> Result<ClipTelemetry, TelemetryError>? {
        do {
            let inspection = try ClipInspection.inspect(path: archiveRoot + "/" + clip.path, analyse: isClip)
            clip.sha256 = inspection.sha256
            guard isClip, let analysis = inspection.analysis else { clip.kind = .other; return nil }
            switch analysis.kind {
            case .mp4:
                clip.kind = .mp4
                clip.recordedAt = analysis.movie?.creationTime
                clip.duration = analysis.movie?.duration
                clip.codec = analysis.movie?.videoCodec?.description
                if case let .incomplete(reason) = analysis.completeness { clip.problem = "\(reason)" } else { clip.problem = nil }
                truncated = !analysis.isComplete && analysis.scan.boxes.contains { $0.type == "mdat" }
                    && analysis.scan.first("moov") == nil
            case .opaque, .empty:
                // Not an MP4 although named so: an encrypted clip (firmware 2026.20+). Complete by FAT state alone.
                clip.kind = .encrypted
                clip.problem = nil
            }
            return inspection.telemetry
        } catch let .unreadable(_, code) where code == ENOENT {
            // Moved since it completed (the car saving an event): the `moved` event that follows inspects it.
            logger.debug("complete clip already moved", metadata: ["path": "\(clip.path)"])
        } catch {
            logger.warning("cannot inspect a complete clip", metadata: ["path": "\(clip.path)", "error": "\(error)"])
        }
        return nil
    }

    // MARK: Queries

    public func clips(state: ClipState? = nil) throws -> [ClipRecord] {
        try database.read { db in
            var request = ClipRecord.order(Column("path"))
            if let state { request = request.filter(Column("state") == state.rawValue) }
            return try request.fetchAll(db)
        }
    }

    /// Rows in the catalog, evicted ones included (they keep their metadata).
    public func clipCount() throws -> Int { try database.read { db in try ClipRecord.fetchCount(db) } }

    /// The row of the file at `path`; once evicted (and no new file took the path), its last evicted row.
    public func clip(path: String) throws -> ClipRecord? {
        try database.read { db in
            try Self.present(path: path).fetchOne(db)
                ?? ClipRecord.filter(Column("path") == path).order(Column("id").desc).fetchOne(db)
        }
    }

    /// The clip's telemetry row: nil until a complete MP4 clip has been inspected.
    public func telemetry(of clip: ClipRecord) throws -> TelemetryRecord? {
        try database.read { db in try TelemetryRecord.fetchOne(db, key: clip.id) }
    }

    public func transitions(of clip: ClipRecord) throws -> [TransitionRecord] {
        try database.read { db in
            try TransitionRecord.filter(Column("clipID") == clip.id).order(Column("id")).fetchAll(db)
        }
    }
}
