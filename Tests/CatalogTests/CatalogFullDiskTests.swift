import Catalog
import Foundation
import Logging
import Testing
import Volume

/// The catalog's disk fills up (the archive and the state share the board's disk): events wait in memory and are
/// applied once there is room. Before, each failed event was logged and dropped, so retention never learnt of the
/// car's deletions made while the disk was full, and could not free it.
@Suite(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
struct CatalogFullDiskTests {
    @discardableResult
    static func sh(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try! process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func eventsWaitForRoomAndArriveInOrder() throws {
        let root = NSTemporaryDirectory() + "catalog-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/disk", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(Self.sh("mount -t tmpfs -o size=1m tmpfs \(root)/disk") == 0)
        defer { Self.sh("umount -l \(root)/disk") }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let catalog = try ClipCatalog(path: root + "/disk/catalog.sqlite", archiveRoot: root + "/archive", logger: logger)
        Self.sh("dd if=/dev/zero of=\(root)/disk/filler bs=4k 2>/dev/null")

        let paths = (0..<400).map { "TeslaCam/RecentClips/2026-11-25_10-\(String(format: "%02d", $0 / 60))-\(String(format: "%02d", $0 % 60))-front.mp4" }
        catalog.apply(paths.map { HarvestEvent(kind: .created, archivePath: $0, carPath: $0, size: 1) })
        // The car deletes the first one while the disk is still full.
        catalog.apply([HarvestEvent(kind: .deleted, archivePath: paths[0], carPath: paths[0], size: 1)])
        #expect(catalog.waitingEvents > 0, "the disk should have refused some rows")

        Self.sh("rm \(root)/disk/filler")
        catalog.apply([])
        #expect(catalog.waitingEvents == 0)
        #expect(try catalog.clips().count == 400)
        #expect(try catalog.clip(path: paths[0])?.state == .deleted)
        #expect(try catalog.clip(path: paths[399])?.state == .growing)
    }
}
