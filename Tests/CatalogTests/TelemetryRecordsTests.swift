import Catalog
import Foundation
import Logging
import Outbound
import Telemetry
import Testing
import Volume

/// Clip and drive summaries become records of kind `telemetry` for the sinks routed to it.
@Suite struct TelemetryRecordsTests {
    /// The mvhd creation and modification times (version 0) moved by `seconds`.
    static func moveCreationTime(_ bytes: inout [UInt8], by seconds: UInt32) {
        guard let at = (0..<(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)] == [0x6D, 0x76, 0x68, 0x64][...] }) else { return }
        for field in [at + 8, at + 12] {
            let value = bytes[field..<(field + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } + seconds
            for i in 0..<4 { bytes[field + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
        }
    }

    @Test func frontClipsGiveClipRecordsAndADriveRecordOnceTheDriveHasEnded() throws {
        let root = NSTemporaryDirectory() + "catalog-telemetry-records-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(atPath: root + "/archive/TeslaCam/RecentClips", withIntermediateDirectories: true)
        let catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger,
                                      routes: Routes([.telemetry: ["hook"]]))
        // The route's two minutes, then an hour later the first minute again (its mvhd time moved by an hour):
        // the gap ends the first drive, which the car ended in Reverse, not Park.
        let later = "TeslaCam/RecentClips/2026-11-20_09-00-00-front.mp4"
        for (clip, source, shift) in [("TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4", "2026-11-20_08-00-00-front.mp4", 0),
                                      ("TeslaCam/RecentClips/2026-11-20_08-01-00-front.mp4", "2026-11-20_08-01-00-front.mp4", 0),
                                      (later, "2026-11-20_08-00-00-front.mp4", 3600)] {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CatalogTelemetryTests.fixtures + "/TeslaCam/RecentClips/" + source)))
            if shift > 0 { Self.moveCreationTime(&bytes, by: UInt32(shift)) }
            try Data(bytes).write(to: URL(fileURLWithPath: root + "/archive/" + clip))
            catalog.apply([HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 0),
                           HarvestEvent(kind: .complete, archivePath: clip, carPath: clip, size: UInt64(bytes.count))])
        }
        let jobs = try catalog.jobs(sink: "hook")
        #expect(jobs.allSatisfy { $0.kind == .telemetry && $0.path == nil })
        let messages = jobs.compactMap { job in
            job.payload.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        #expect(messages.count == jobs.count)
        #expect(messages.map { $0["type"] as? String } == ["clip", "clip", "clip", "drive"])
        let drive = try #require(messages.last)
        // fixtures/clips/route.json: the generator's drive is 1698.2 m long.
        let distance = try #require(drive["distance_m"] as? Double)
        #expect(abs(distance - 1698.23) / 1698.23 < 0.01)
        #expect((drive["clips"] as? [String])?.count == 2)
        #expect(messages[2]["clip"] as? String == later)
        let clipDistances = messages.prefix(2).compactMap { $0["distance_m"] as? Double }
        #expect(abs(clipDistances.reduce(0, +) - 1696.8) / 1696.8 < 0.01)
    }
}
