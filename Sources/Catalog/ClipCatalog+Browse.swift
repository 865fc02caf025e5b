import GRDB

/// Reading the catalog the way the web UI browses it: a row by id, event folders newest first, the rows of one
/// event, RecentClips newest first. Evicted rows are left out (their bytes are gone).
extension ClipCatalog {
    /// One event folder (`SavedClips/<name>` or `SentryClips/<name>`) as a summary of its rows.
    public struct EventFolder: Sendable, Equatable {
        /// The event's key: `SavedClips/2026-11-20_08-02-08`.
        public var event: String
        public var kind: EventKind
        /// The smallest catalog id among its rows: how the web UI addresses the event.
        public var id: Int64
        public var files: Int
        public var bytes: Int64
        /// Earliest and latest clip time of its clips (seconds since 1970, the car's local time read as UTC).
        public var firstClipTime: Int64?
        public var lastClipTime: Int64?

        public init(event: String, kind: EventKind, id: Int64, files: Int, bytes: Int64, firstClipTime: Int64?,
                    lastClipTime: Int64?) {
            self.event = event
            self.kind = kind
            self.id = id
            self.files = files
            self.bytes = bytes
            self.firstClipTime = firstClipTime
            self.lastClipTime = lastClipTime
        }
    }

    /// The row with catalog id `id` whose file is still in the archive.
    public func clip(id: Int64) throws -> ClipRecord? {
        try database.read { db in
            try ClipRecord.filter(Column("id") == id && Column("state") != ClipState.evicted.rawValue).fetchOne(db)
        }
    }

    /// Event folders newest first (by the folder's name, which is the event's time stamp), `kinds` only,
    /// at most `limit`, those whose name sorts before `before` when given (the next page).
    public func eventFolders(kinds: [EventKind] = [.saved, .sentry], before: String? = nil,
                             limit: Int = 50) throws -> [EventFolder] {
        try database.read { db in
            let kindList = kinds.map { "'\($0.rawValue)'" }.joined(separator: ",")
            // The folder's own name (after "SavedClips/") orders saved and sentry events together.
            var sql = """
                SELECT event, eventKind, MIN(id) AS id, COUNT(*) AS files, SUM(size) AS bytes,
                       MIN(clipTime) AS first, MAX(clipTime) AS last,
                       substr(event, instr(event, '/') + 1) AS name
                FROM clips WHERE event IS NOT NULL AND state != 'evicted' AND eventKind IN (\(kindList))
                GROUP BY event
                """
            var arguments: StatementArguments = []
            if let before {
                sql += " HAVING name < ?"
                arguments += [before]
            }
            sql += " ORDER BY name DESC, event LIMIT ?"
            arguments += [max(0, limit)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                EventFolder(event: row["event"], kind: EventKind(rawValue: row["eventKind"]) ?? .other, id: row["id"],
                            files: row["files"], bytes: row["bytes"], firstClipTime: row["first"],
                            lastClipTime: row["last"])
            }
        }
    }

    /// Every present row of an event folder, by path.
    public func rows(ofEvent event: String) throws -> [ClipRecord] {
        try database.read { db in
            try ClipRecord.filter(Column("event") == event && Column("state") != ClipState.evicted.rawValue)
                .order(Column("path")).fetchAll(db)
        }
    }

    /// The `event.json` and `thumb.png` rows of each of `events`, by event: what an event list shows, in one query.
    public func eventSidecars(_ events: [String]) throws -> [String: [ClipRecord]] {
        guard !events.isEmpty else { return [:] }
        return try database.read { db in
            let rows = try ClipRecord.filter(events.contains(Column("event")) && Column("state") != ClipState.evicted.rawValue
                && (Column("path").like("%/event.json") || Column("path").like("%/thumb.png"))).fetchAll(db)
            return Dictionary(grouping: rows) { $0.event ?? "" }
        }
    }

    /// RecentClips clips newest first: those with a clip time before `before` when given, at most `limit`.
    public func recentClips(before: Int64? = nil, limit: Int = 600) throws -> [ClipRecord] {
        try database.read { db in
            var request = ClipRecord.filter(Column("eventKind") == EventKind.recent.rawValue
                && Column("state") != ClipState.evicted.rawValue && Column("clipTime") != nil
                && Column("camera") != nil)
            if let before { request = request.filter(Column("clipTime") < before) }
            return try request.order(Column("clipTime").desc, Column("camera")).limit(max(0, limit)).fetchAll(db)
        }
    }

    /// Present rows of RecentClips whose clip time lies in `range` (a minute and its neighbours, for the player).
    public func recentClips(in range: ClosedRange<Int64>) throws -> [ClipRecord] {
        try database.read { db in
            try ClipRecord.filter(Column("eventKind") == EventKind.recent.rawValue
                && Column("state") != ClipState.evicted.rawValue && range.contains(Column("clipTime")))
                .order(Column("clipTime"), Column("camera")).fetchAll(db)
        }
    }

    /// The telemetry row of catalog id `id`, if its clip has been inspected.
    public func telemetry(clipID id: Int64) throws -> TelemetryRecord? {
        try database.read { db in try TelemetryRecord.fetchOne(db, key: id) }
    }

    /// Complete MP4 rows of `camera` anywhere in the archive (any day, RecentClips or an event), nearest to
    /// `time` first, at most `limit`: where a growing clip's codec settings can be borrowed from.
    public func completeClips(camera: String, near time: Int64, limit: Int = 8) throws -> [ClipRecord] {
        try database.read { db in
            try ClipRecord.filter(Column("camera") == camera && Column("state") == ClipState.complete.rawValue
                && Column("kind") == ClipKind.mp4.rawValue)
                .order(SQL("abs(coalesce(clipTime, 0) - \(time))"), Column("id").desc).limit(max(0, limit)).fetchAll(db)
        }
    }

    /// Rows the harvest still sees growing.
    public func growingClips() throws -> [ClipRecord] {
        try database.read { db in
            try ClipRecord.filter(Column("state") == ClipState.growing.rawValue).order(Column("path")).fetchAll(db)
        }
    }
}
