@testable import Catalog
import Foundation
import Logging
import Telemetry
import Testing
import Volume

/// A clip's telemetry lands in the catalog when it completes: summary and a >= 1 Hz track.
@Suite struct CatalogTelemetryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/clips").path
    let root: String
    let catalog: ClipCatalog

    init() throws {
        root = NSTemporaryDirectory() + "catalog-telemetry-\(UUID().uuidString)"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(atPath: root + "/archive", withIntermediateDirectories: true)
        catalog = try ClipCatalog(path: root + "/catalog.sqlite", archiveRoot: root + "/archive", logger: logger)
    }

    /// Copies a fixture clip into the archive and lets the harvest's events complete it.
    func harvest(_ clip: String) throws -> ClipRecord {
        let target = root + "/archive/" + clip
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + clip, toPath: target)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: target)[.size] as? UInt64)
        catalog.apply([HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 0),
                       HarvestEvent(kind: .complete, archivePath: clip, carPath: clip, size: size)])
        return try #require(try catalog.clip(path: clip))
    }

    @Test func aDrivingClipGetsItsSummaryAndTrack() throws {
        let clip = try harvest("TeslaCam/RecentClips/2026-11-20_08-01-00-front.mp4")
        let row = try #require(try catalog.telemetry(of: clip))
        let frames = try TelemetryReader.read(path: Self.fixtures + "/" + clip.path).frames
        let summary = TelemetrySummary(frames: frames)
        #expect(row.frames == 2160 && row.videoFrames == 2160 && row.absence == nil)
        #expect(row.distance == summary.distance && row.maxSpeed == 20 && row.autopilotShare == summary.autopilotShare)
        #expect(row.startLatitude == summary.start?.latitude && row.endLongitude == summary.end?.longitude)
        let track = try #require(try JSONSerialization.jsonObject(with: Data(row.track.utf8)) as? [[Any]])
        #expect(track.count >= 60 && track.count < 200)
        #expect(track.allSatisfy { $0.count == 10 })
        // The brake comes on at drive time 100 s, 40 s into this minute: kept at that frame, not up to 1 s later.
        let brakeOn = try #require(track.first { ($0[9] as? Int) == 1 })
        #expect(abs((brakeOn[0] as? Double ?? 0) - 40) < 0.05)
        // The right blinker (96-100 s) likewise, and the wheel is straight on this minute's straight road.
        let rightOn = try #require(track.first { ($0[8] as? Int) == 2 })
        #expect(abs((rightOn[0] as? Double ?? 0) - 36) < 0.05)
        #expect(track.allSatisfy { abs(($0[7] as? Double) ?? 99) < 1 })
        // It reads back as the points it was written from (coordinates to a nanodegree: Foundation's JSON
        // parser on Linux does not round-trip the last digit of a Double).
        let back = try #require(TelemetryTrack(catalogJSON: row.track)).points
        let written = TelemetryTrack(frames: frames).points
        #expect(back.count == written.count)
        for (b, w) in zip(back, written) {
            var b = b
            if let p = b.position, let q = w.position, abs(p.latitude - q.latitude) < 1e-9, abs(p.longitude - q.longitude) < 1e-9 {
                b.position = q
            }
            if b != w { Issue.record("read back \(b), written \(w)"); break }
        }
    }

    /// Tracks catalogued before steering, blinkers and brake were kept have seven columns: still read.
    @Test func aSevenColumnTrackStillReads() throws {
        let track = try #require(TelemetryTrack(catalogJSON: "[[0.5,37.4,-122.1,15.0,90.0,1,2],[1.5,null,null,0.0,90.0,0,0]]"))
        #expect(track.points.count == 2 && track.points[0].autopilot == AutopilotState(rawValue: 2) && !track.points[0].brakeApplied)
        #expect(track.points[1].position == nil && track.points[1].steeringAngle == 0)
        #expect(TelemetryTrack(catalogJSON: "[[0.5,37.4,-122.1,15.0,90.0,1,2,0.0]]") == nil)
    }

    @Test func aParkedClipSaysItHasNone() throws {
        let clip = try harvest("TeslaCam/SentryClips/2026-11-20_20-15-33/2026-11-20_20-14-50-front.mp4")
        let row = try #require(try catalog.telemetry(of: clip))
        #expect(row.frames == 0 && row.videoFrames == 144 && row.track == "[]")
        #expect(row.absence?.contains("no SEI telemetry") == true)
    }

    @Test func reopeningDropsItAndCompletingAgainRecomputes() throws {
        let path = "TeslaCam/SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-back.mp4"
        let clip = try harvest(path)
        #expect(try catalog.telemetry(of: clip)?.frames == 360)
        catalog.apply([HarvestEvent(kind: .reopened, archivePath: path, carPath: path, size: 10)])
        #expect(try catalog.telemetry(of: clip) == nil)
        let size = UInt64(clip.size)
        catalog.apply([HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: size)])
        #expect(try catalog.telemetry(of: clip)?.frames == 360)
    }
}

extension TelemetryReader {
    static func read(path: String) throws -> ClipTelemetry {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        return try read(fileSize: UInt64(bytes.count)) { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + count, bytes.count)])
        }
    }
}

extension CatalogTelemetryTests {
    @Test func frontClipsWithTelemetryAreDriveMaterial() throws {
        for clip in ["TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4", "TeslaCam/RecentClips/2026-11-20_08-01-00-front.mp4",
                     "TeslaCam/SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-front.mp4",
                     "TeslaCam/SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-back.mp4",
                     "TeslaCam/SentryClips/2026-11-20_20-15-33/2026-11-20_20-14-50-front.mp4"] {
            _ = try harvest(clip)
        }
        let clips = try catalog.driveClips()
        #expect(clips.count == 3)  // front only, with telemetry
        let drives = Drive.drives(from: clips)
        #expect(drives.count == 1 && drives[0].clips.count == 3)
        #expect(abs(drives[0].distance - 1698.2) < 17)
    }
}
