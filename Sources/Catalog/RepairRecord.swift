import GRDB

/// What the catalog knows of a clip the car never finished (no `moov`): a row of `repairs`, one per clip.
///
/// `truncated` until a repair has run; `repaired` once a playable copy exists at `repairedPath` (under the state
/// directory's `derived/` tree, never in the archive, whose only writer is the engine).
public struct RepairRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "repairs"

    public enum Status: String, Codable, Sendable {
        case truncated
        case repaired
    }

    public var clipID: Int64
    public var status: Status
    /// Whole frames found in the clip's `mdat` and kept in the repaired copy.
    public var frames: Int
    /// Key frames among them.
    public var keyframes: Int
    /// Seconds of video recovered.
    public var seconds: Double
    /// Bytes after the last whole frame (the frame being written when power went, or never-written clusters).
    public var discardedBytes: Int64
    /// How frames were put in display order: `telemetry` (the SEI frame counter), `reference` or `decode`.
    public var ordering: String?
    /// The repaired copy, absolute path; nil while only `truncated`.
    public var repairedPath: String?
    /// The reference clip whose codec settings and timing were used.
    public var referencePath: String?
    /// Why a repair failed, in words; nil when it worked.
    public var problem: String?
    public var at: Int64

    public init(clipID: Int64, status: Status, frames: Int, keyframes: Int, seconds: Double, discardedBytes: Int64,
                ordering: String?, repairedPath: String?, referencePath: String?, problem: String?, at: Int64) {
        self.clipID = clipID
        self.status = status
        self.frames = frames
        self.keyframes = keyframes
        self.seconds = seconds
        self.discardedBytes = discardedBytes
        self.ordering = ordering
        self.repairedPath = repairedPath
        self.referencePath = referencePath
        self.problem = problem
        self.at = at
    }
}

extension ClipCatalog {
    /// Additive: a table of its own, so no existing row or column changes.
    static func registerRepairMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 repairs") { db in
            try db.create(table: "repairs") { t in
                t.primaryKey("clipID", .integer).references("clips", onDelete: .cascade)
                t.column("status", .text).notNull()
                t.column("frames", .integer).notNull()
                t.column("keyframes", .integer).notNull()
                t.column("seconds", .double).notNull()
                t.column("discardedBytes", .integer).notNull()
                t.column("ordering", .text)
                t.column("repairedPath", .text)
                t.column("referencePath", .text)
                t.column("problem", .text)
                t.column("at", .integer).notNull()
            }
        }
    }

    /// Records (or replaces) what is known of a truncated clip's repair.
    public func recordRepair(_ record: RepairRecord) throws {
        try database.write { db in try record.save(db) }
    }

    public func repair(of clip: ClipRecord) throws -> RepairRecord? {
        guard let id = clip.id else { return nil }
        return try database.read { db in try RepairRecord.fetchOne(db, key: id) }
    }

    /// Marks a clip the car left without its index as `truncated`, unless a repair is already recorded: the
    /// automatic repair (`teslacam repair --pending`) works through these rows.
    func markTruncated(_ clip: ClipRecord, now: Int64, in db: Database) throws {
        guard let id = clip.id, try RepairRecord.fetchOne(db, key: id) == nil else { return }
        try RepairRecord(clipID: id, status: .truncated, frames: 0, keyframes: 0, seconds: 0, discardedBytes: 0,
                         ordering: nil, repairedPath: nil, referencePath: nil, problem: nil, at: now).insert(db)
    }

    /// Clips marked truncated that no repair has been tried on yet, with their catalog rows.
    public func pendingRepairs() throws -> [(clip: ClipRecord, repair: RepairRecord)] {
        try database.read { db in
            try RepairRecord.filter(Column("status") == RepairRecord.Status.truncated.rawValue && Column("problem") == nil)
                .order(Column("clipID")).fetchAll(db)
                .compactMap { repair in try ClipRecord.fetchOne(db, key: repair.clipID).map { ($0, repair) } }
        }
    }

    /// Every truncated or repaired clip.
    public func repairs() throws -> [RepairRecord] {
        try database.read { db in try RepairRecord.order(Column("clipID")).fetchAll(db) }
    }
}
