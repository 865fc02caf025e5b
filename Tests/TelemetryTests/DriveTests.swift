import Foundation
import Testing
import Telemetry

/// Drives grouped from the generated front-camera clips match the generator's route.
@Suite struct DriveTests {
    /// The front clips of the fixtures (two RecentClips minutes and the saved event's last ten seconds), as the
    /// catalog would hand them over: start from mvhd, 1 Hz track.
    static func frontClips() throws -> [Drive.Clip] {
        try (ClipFixtures.drive + [ClipFixtures.savedEvent[0]]).map { name in
            let telemetry = try ClipFixtures.telemetry(name)
            let seconds = telemetry.frames.map(\.duration).reduce(0, +)
            return Drive.Clip(name: name, start: Double(try #require(telemetry.recordedAt)), duration: seconds,
                              track: TelemetryTrack(frames: telemetry.frames))
        }
    }

    struct DriveRoute: Decodable {
        let drive_distance_m: Double
        let drive_seconds: Double
        let drive_autopilot_s: Double
    }

    @Test func theFixtureDriveIsOneDriveFromDriveToPark() throws {
        let route = try JSONDecoder().decode(DriveRoute.self,
                                             from: Data(contentsOf: URL(fileURLWithPath: ClipFixtures.root + "/route.json")))
        let drives = Drive.drives(from: try Self.frontClips().reversed())
        #expect(drives.count == 1)
        let drive = try #require(drives.first)
        #expect(drive.clips.count == 3)
        #expect(abs(drive.distance - route.drive_distance_m) / route.drive_distance_m < 0.01,
                "\(drive.distance) m vs \(route.drive_distance_m) m")
        // The first frame out of Park (3 s after 08:00:00) to the one into Park (122 s), to a frame (~28 ms).
        #expect(abs(drive.start - (1_795_161_600 + 3)) < 0.05 && abs(drive.duration - route.drive_seconds) < 0.1)
        #expect(abs(drive.autopilotShare - route.drive_autopilot_s / route.drive_seconds) < 0.01)
        #expect(drive.maxSpeed == 20 && drive.points.last?.point.gear == .park)
    }

    @Test func aLongGapOrAStopInParkSplits() throws {
        var clips = try Self.frontClips()
        // Ten minutes between the two RecentClips minutes: the car was off.
        clips[1].start += 600
        clips[2].start += 600
        #expect(Drive.drives(from: clips).count == 2)
        // A stop in Park inside a clip ends one drive and starts another.
        var parked = try Self.frontClips()
        let middle = parked[0].track.points.count / 2
        parked[0].track.points[middle].gear = .park
        #expect(Drive.drives(from: parked).count == 2)
    }

    @Test func exportsCarryEveryDrive() throws {
        let drives = Drive.drives(from: try Self.frontClips())
        let geojson = try #require(try JSONSerialization.jsonObject(with: Data(DriveExport.geojson(drives).utf8)) as? [String: Any])
        let features = try #require(geojson["features"] as? [[String: Any]])
        #expect(features.count == drives.count)
        let coordinates = try #require((features[0]["geometry"] as? [String: Any])?["coordinates"] as? [[Double]])
        #expect(coordinates.count == drives[0].points.count)
        #expect(DriveExport.gpx(drives).components(separatedBy: "<trkpt ").count - 1 == drives[0].points.count)
        #expect(DriveExport.text(drives).contains("1.70 km"))
    }
}
