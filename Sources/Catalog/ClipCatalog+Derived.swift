import GRDB

/// What retention needs to find the files the board derived from a clip (repaired copy, telemetry sidecar) outside
/// the archive: the names a clip had before the harvest moved it, and which archive paths are gone for good.
extension ClipCatalog {
    /// Every earlier archive path of each clip the harvest moved, by clip id: a sidecar written under an old name is
    /// still that clip's.
    public func previousPaths() throws -> [Int64: [String]] {
        try database.read { db in
            let moves = try TransitionRecord.filter(Column("previousPath") != nil).fetchAll(db)
            return Dictionary(grouping: moves, by: \.clipID).mapValues { $0.compactMap(\.previousPath) }
        }
    }

    /// Archive paths whose rows are all evicted: no file is there, so whatever was derived from one may go. A path
    /// no row names at all is not one of them (a copy written by hand, or a clip whose row is being committed).
    public func evictedPaths() throws -> Set<String> {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT path FROM clips GROUP BY path HAVING SUM(state != ?) = 0
                """, arguments: [ClipState.evicted.rawValue])
            return Set(rows.map { $0["path"] as String })
        }
    }
}
