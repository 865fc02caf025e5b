import Foundation
import GRDB
import Logging
import Testing
import Volume
@testable import Catalog

/// Retention's side of the catalog: the car's deletion time, the `evicted` state, rows kept.
@Suite struct EvictionCatalogTests {
    let root: String
    let catalog: ClipCatalog
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    init() throws {
        root = NSTemporaryDirectory() + "catalog-evict-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/archive", withIntermediateDirectories: true)
        catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: Self.logger)
    }

    static let recent = "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"

    @Test func theCarsDeletionIsTimedAndAnEvictionKeepsTheRow() throws {
        catalog.apply([HarvestEvent(kind: .created, archivePath: Self.recent, carPath: Self.recent, size: 10)], now: 100)
        catalog.apply([HarvestEvent(kind: .deleted, archivePath: Self.recent, carPath: Self.recent, size: 10)], now: 200)
        var clip = try #require(try catalog.clip(path: Self.recent))
        #expect(clip.state == .deleted)
        #expect(clip.deletedAt == 200)

        #expect(try catalog.recordEviction(path: Self.recent, reason: "older than 2 days", now: 300))
        clip = try #require(try catalog.clip(path: Self.recent))
        #expect(clip.state == .evicted)
        #expect(clip.evictedAt == 300)
        #expect(clip.deletedAt == 200)
        #expect(clip.camera == "front")
        let transitions = try catalog.transitions(of: clip)
        #expect(transitions.map(\.kind) == ["created", "deleted", "evicted"])
        #expect(transitions.last?.reason == "older than 2 days")
        #expect(try catalog.clips(state: .evicted).count == 1)
        // Evicted once: a second eviction of the same path finds no present file.
        #expect(try catalog.recordEviction(path: Self.recent, reason: "again", now: 400) == false)
    }

    @Test func aNewFileMayTakeAnEvictedPathAndBothRowsStay() throws {
        catalog.apply([HarvestEvent(kind: .created, archivePath: Self.recent, carPath: Self.recent, size: 10),
                       HarvestEvent(kind: .deleted, archivePath: Self.recent, carPath: Self.recent, size: 10)], now: 100)
        try catalog.recordEviction(path: Self.recent, reason: "space", now: 150)
        catalog.apply([HarvestEvent(kind: .created, archivePath: Self.recent, carPath: Self.recent, size: 20)], now: 200)
        let present = try #require(try catalog.clip(path: Self.recent))
        #expect(present.state == .growing)
        #expect(present.size == 20)
        #expect(present.deletedAt == nil)
        let all = try catalog.clips()
        #expect(all.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.evicted, .growing])
    }

    /// The harvest saw a move half-way: first a deletion, then the same file under its new name. The row must not
    /// stay `deleted` (retention would keep proposing it); one moved aside by a newer file keeps its deletion.
    @Test func aMoveSeenHalfWayRevivesTheRowAndAMoveAsideDoesNot() throws {
        let saved = "TeslaCam/SavedClips/2026-11-25_10-05-00/2026-11-25_10-00-00-front.mp4"
        catalog.apply([HarvestEvent(kind: .created, archivePath: Self.recent, carPath: Self.recent, size: 10),
                       HarvestEvent(kind: .deleted, archivePath: Self.recent, carPath: Self.recent, size: 10),
                       HarvestEvent(kind: .moved, archivePath: saved, carPath: saved, size: 10, previousPath: Self.recent)],
                      now: 100)
        let moved = try #require(try catalog.clip(path: saved))
        #expect(moved.state == .growing)
        #expect(moved.deletedAt == nil)
        #expect(moved.eventKind == .saved)

        let other = "TeslaCam/RecentClips/2026-11-25_10-09-00-front.mp4"
        catalog.apply([HarvestEvent(kind: .created, archivePath: other, carPath: other, size: 10),
                       HarvestEvent(kind: .deleted, archivePath: other, carPath: other, size: 10),
                       HarvestEvent(kind: .moved, archivePath: other + ".1", carPath: other, size: 10, previousPath: other)],
                      now: 200)
        let aside = try #require(try catalog.clip(path: other + ".1"))
        #expect(aside.state == .deleted)
        #expect(aside.deletedAt == 200)
    }

    /// A catalog written before eviction existed: opened, migrated, its deleted rows get their deletion time.
    @Test func aVersionOneCatalogIsMigrated() throws {
        let path = root + "/old.sqlite"
        do {
            let database = try DatabaseQueue(path: path)
            try ClipCatalog.migrator.migrate(database, upTo: "v1")
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO clips (id, path, carPath, state, size, kind, eventKind, createdAt, updatedAt)
                    VALUES (1, 'a.mp4', 'a.mp4', 'deleted', 5, 'mp4', 'recent', 10, 20),
                           (2, 'b.mp4', 'b.mp4', 'complete', 5, 'mp4', 'recent', 10, 20);
                    INSERT INTO transitions (clipID, kind, at, size) VALUES (1, 'created', 10, 5), (1, 'deleted', 20, 5),
                                                                            (2, 'created', 10, 5);
                    """)
            }
        }
        let migrated = try ClipCatalog(path: path, archiveRoot: root + "/archive", logger: Self.logger)
        let deleted = try #require(try migrated.clip(path: "a.mp4"))
        #expect(deleted.deletedAt == 20)
        #expect(try migrated.clip(path: "b.mp4")?.deletedAt == nil)
        // The transitions survived the rebuilt table (no cascade on the way).
        #expect(try migrated.transitions(of: deleted).map(\.kind) == ["created", "deleted"])
        #expect(try migrated.recordEviction(path: "a.mp4", reason: "age", now: 30))
    }
}
