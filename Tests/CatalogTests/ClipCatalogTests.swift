import Catalog
import Foundation
import Logging
import Testing
import Volume

@Suite struct ClipCatalogTests {
    let root: String
    let catalog: ClipCatalog

    init() throws {
        root = NSTemporaryDirectory() + "catalog-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/archive/TeslaCam/RecentClips", withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger)
    }

    func put(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: root + "/archive/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    @Test func aClipGoesThroughItsLifeAndIsMovedIntoAnEvent() throws {
        let recent = "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"
        let saved = "TeslaCam/SavedClips/2026-11-25_10-01-00/2026-11-25_10-00-00-front.mp4"
        // Not an MP4 although named .mp4: what an encrypted clip looks like to us.
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try put(recent, bytes)
        catalog.apply([HarvestEvent(kind: .created, archivePath: recent, carPath: recent, size: 100)])
        catalog.apply([HarvestEvent(kind: .growing, archivePath: recent, carPath: recent, size: 5000)])
        catalog.apply([HarvestEvent(kind: .complete, archivePath: recent, carPath: recent, size: 5000)])
        var clip = try #require(try catalog.clip(path: recent))
        #expect(clip.state == .complete)
        #expect(clip.kind == .encrypted)
        #expect(clip.camera == "front")
        #expect(clip.clipTime == 1_795_600_800)
        #expect(clip.sha256?.count == 64)
        #expect(clip.eventKind == .recent)

        try FileManager.default.createDirectory(atPath: root + "/archive/TeslaCam/SavedClips/2026-11-25_10-01-00",
                                                withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root + "/archive/" + recent, toPath: root + "/archive/" + saved)
        catalog.apply([HarvestEvent(kind: .moved, archivePath: saved, carPath: saved, size: 5000, previousPath: recent)])
        #expect(try catalog.clip(path: recent) == nil)
        clip = try #require(try catalog.clip(path: saved))
        #expect(clip.state == .complete)
        #expect(clip.event == "SavedClips/2026-11-25_10-01-00")
        #expect(clip.eventKind == .saved)
        #expect(try catalog.transitions(of: clip).map(\.kind) == ["created", "growing", "complete", "moved"])
    }

    @Test func theCarsDeletionKeepsTheRowAndOtherFilesAreOther() throws {
        let json = "TeslaCam/SentryClips/2026-11-25_10-05-00/event.json"
        try put(json, Array(#"{"timestamp":"2026-11-25T10:05:00","reason":"sentry_aware_object_detection"}"#.utf8))
        catalog.apply([HarvestEvent(kind: .created, archivePath: json, carPath: json, size: 70),
                       HarvestEvent(kind: .complete, archivePath: json, carPath: json, size: 70),
                       HarvestEvent(kind: .deleted, archivePath: json, carPath: json, size: 70)])
        let clip = try #require(try catalog.clip(path: json))
        #expect(clip.kind == .other)
        #expect(clip.state == .deleted)
        #expect(clip.sha256 != nil)
        #expect(clip.eventKind == .sentry)
        #expect(try catalog.clips(state: .deleted).count == 1)
    }

    /// The muxer's late mdat size: `rewritten` then `complete` hash the new bytes; a restart's second `complete`
    /// of an unchanged clip neither hashes it again nor adds a transition.
    @Test func aRewriteIsHashedAgainAndARestartsCompletionIsNot() throws {
        let path = "TeslaCam/RecentClips/2026-11-25_10-00-00-back.mp4"
        try put(path, Array(repeating: 1, count: 4096))
        catalog.apply([HarvestEvent(kind: .created, archivePath: path, carPath: path, size: 4096),
                       HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: 4096)])
        let first = try #require(try catalog.clip(path: path)?.sha256)
        try put(path, Array(repeating: 2, count: 4096))
        catalog.apply([HarvestEvent(kind: .rewritten, archivePath: path, carPath: path, size: 4096),
                       HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: 4096)])
        let clip = try #require(try catalog.clip(path: path))
        #expect(clip.sha256 != nil && clip.sha256 != first)
        catalog.apply([HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: 4096)])
        #expect(try catalog.clip(path: path)?.sha256 == clip.sha256)
        #expect(try catalog.transitions(of: clip).map(\.kind) == ["created", "complete", "rewritten", "complete"])
    }

    @Test func aDamagedCatalogFileIsAClearError() throws {
        let path = root + "/broken.sqlite"
        try Data("this is not a database, it is a long enough line of text".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ClipCatalog.Failure.self) {
            _ = try ClipCatalog(path: path, archiveRoot: root, logger: Logger(label: "t"))
        }
    }
}
