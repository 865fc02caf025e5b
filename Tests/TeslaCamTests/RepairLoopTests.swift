import Catalog
import Foundation
import Logging
import Testing
import Volume

@testable import teslacam

/// The daemon's repair loop: a clip the catalog marked truncated gets its playable copy in STATE/derived without
/// anyone running `teslacam repair`, and the archive's bytes stay as the car left them.
@Suite struct RepairLoopTests {
    @Test func aTruncatedClipIsRepairedInTheBackground() throws {
        let root = NSTemporaryDirectory() + "repair-loop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = "TeslaCam/RecentClips"
        try FileManager.default.createDirectory(atPath: root + "/archive/" + folder, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger)
        let whole = try Data(contentsOf: URL(fileURLWithPath: RepairCommandTests.fixtures + "/2026-11-20_08-00-00-front.mp4"))
        for (name, bytes) in [("2026-11-20_08-00-00-front.mp4", whole.prefix(150_000)), ("2026-11-20_08-01-00-front.mp4", whole)] {
            let path = folder + "/" + name
            try bytes.write(to: URL(fileURLWithPath: root + "/archive/" + path))
            catalog.apply([HarvestEvent(kind: .created, archivePath: path, carPath: path, size: 0),
                           HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: UInt64(bytes.count))])
        }
        let cut = try #require(try catalog.clip(path: folder + "/2026-11-20_08-00-00-front.mp4"))
        #expect(try catalog.pendingRepairs().map(\.clip.path) == [cut.path])

        let loop = RepairLoop(catalog: catalog, state: root + "/state", archive: root + "/archive", logger: logger,
                              interval: .seconds(1))
        // Bounded wait for a background thread, not a timing assertion: the loop repairs at its first pass.
        var waited = 0
        while try catalog.repair(of: cut)?.status != .repaired && waited < 600 {
            Thread.sleep(forTimeInterval: 0.2)
            waited += 1
        }
        loop.stop()
        let record = try #require(try catalog.repair(of: cut))
        #expect(record.status == .repaired)
        #expect(record.frames > 0)
        let copy = root + "/state/derived/repaired/" + folder + "/2026-11-20_08-00-00-front.repaired.mp4"
        #expect(FileManager.default.fileExists(atPath: copy))
        #expect(record.repairedPath?.hasSuffix("/derived/repaired/" + folder + "/2026-11-20_08-00-00-front.repaired.mp4") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/archive/" + cut.path)) == whole.prefix(150_000))
        #expect(try catalog.pendingRepairs().isEmpty)
    }
}
