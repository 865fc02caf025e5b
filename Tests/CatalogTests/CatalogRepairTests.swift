import Catalog
import Foundation
import Logging
import Testing
import Volume

/// A clip the car left without its moov (a power cut) is marked truncated when it completes; a repair's outcome
/// replaces the mark.
@Suite struct CatalogRepairTests {
    let root: String
    let catalog: ClipCatalog

    init() throws {
        root = NSTemporaryDirectory() + "catalog-repair-\(UUID().uuidString)"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(atPath: root + "/archive/TeslaCam/RecentClips", withIntermediateDirectories: true)
        catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger)
    }

    func harvest(_ clip: String, bytes: Data) throws -> ClipRecord {
        try bytes.write(to: URL(fileURLWithPath: root + "/archive/" + clip))
        catalog.apply([HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 0),
                       HarvestEvent(kind: .complete, archivePath: clip, carPath: clip, size: UInt64(bytes.count))])
        return try #require(try catalog.clip(path: clip))
    }

    @Test func aClipWithoutMoovIsMarkedTruncatedAndARepairReplacesTheMark() throws {
        let fixture = CatalogTelemetryTests.fixtures + "/TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4"
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let cut = try harvest("TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4", bytes: whole.prefix(100_000))
        let complete = try harvest("TeslaCam/RecentClips/2026-11-20_08-01-00-front.mp4", bytes: whole)
        #expect(try catalog.repair(of: complete) == nil)
        let mark = try #require(try catalog.repair(of: cut))
        #expect(mark.status == .truncated && mark.repairedPath == nil)
        #expect(try catalog.pendingRepairs().map(\.clip.path) == [cut.path])

        var repaired = mark
        repaired.status = .repaired
        repaired.frames = 700
        repaired.repairedPath = root + "/derived/repaired/x.repaired.mp4"
        try catalog.recordRepair(repaired)
        #expect(try catalog.repair(of: cut)?.frames == 700)
        #expect(try catalog.pendingRepairs().isEmpty)
        // A restart's second completion of the same bytes keeps the repair.
        catalog.apply([HarvestEvent(kind: .complete, archivePath: cut.path, carPath: cut.path, size: 100_000)])
        #expect(try catalog.repair(of: cut)?.status == .repaired)
    }
}

/// The front camera's full-rate telemetry lands in a sidecar CSV when the catalog is told where.
@Suite struct TelemetrySidecarTests {
    @Test func frontClipsGetAFullRateSidecarOtherCamerasDoNot() throws {
        let root = NSTemporaryDirectory() + "catalog-sidecar-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger,
                                      telemetrySidecars: root + "/derived/telemetry")
        let event = "TeslaCam/SavedClips/2026-11-20_08-02-08"
        for camera in ["front", "back"] {
            let clip = "\(event)/2026-11-20_08-02-00-\(camera).mp4"
            try FileManager.default.createDirectory(atPath: root + "/archive/" + event, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: CatalogTelemetryTests.fixtures + "/" + clip, toPath: root + "/archive/" + clip)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: root + "/archive/" + clip)[.size] as? UInt64)
            catalog.apply([HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 0),
                           HarvestEvent(kind: .complete, archivePath: clip, carPath: clip, size: size)])
        }
        let front = root + "/derived/telemetry/\(event)/2026-11-20_08-02-00-front.mp4.csv"
        let rows = try String(contentsOfFile: front, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 361)  // header + every one of the clip's 360 frames
        #expect(rows.first?.contains("vehicle_speed_mps") == true)
        #expect(!FileManager.default.fileExists(atPath: root + "/derived/telemetry/\(event)/2026-11-20_08-02-00-back.mp4.csv"))
    }
}
