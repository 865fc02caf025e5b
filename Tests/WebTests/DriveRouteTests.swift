import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import Web

/// The Drives page's data against the fixture generator's own figures (fixtures/clips/route.json): the two
/// RecentClips minutes (and the Saved event's copy of the last) are one drive.
@Suite("Drives API") struct DriveRouteTests {
    @Test func drivesMatchTheGeneratorsRouteAndExport() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: WebFixture.repository.appendingPathComponent("fixtures/clips/route.json"))) as! [String: Any]
        let distance = figures["drive_distance_m"] as! Double, seconds = figures["drive_seconds"] as! Double
        let autopilot = figures["drive_autopilot_s"] as! Double, expected = figures["start"] as! [Double]
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let list = try json(try await client.execute(uri: "/api/drives", method: .get, headers: browser.headers)) as! [String: Any]
            let drives = list["items"] as! [[String: Any]]
            // One drive: the two minutes, and the Saved event's copy of the minute the car was saved in.
            #expect(drives.count == 1)
            let drive = try #require(drives.first)
            #expect((drive["clips"] as? Int ?? 0) >= 2)
            #expect(abs((drive["distance"] as! Double) - distance) < 20)
            #expect(abs((drive["duration"] as! Double) - seconds) < 2)
            let share = autopilot / seconds
            #expect(abs((drive["autopilotShare"] as! Double) - share) < 0.03)
            let start = drive["startPosition"] as! [Double]
            #expect(abs(start[0] - expected[0]) < 1e-4 && abs(start[1] - expected[1]) < 1e-4)
            let points = drive["route"] as! [[Double]]
            #expect(points.count > 10 && points.count <= WebServer.routePoints + 1)
            #expect(drive["firstClip"] as? Int == Int(try fixture.id("08-00-00-front.mp4")))

            let number = drive["number"] as! Int
            let gpx = try await client.execute(uri: "/api/drives/\(number)/gpx", method: .get, headers: browser.headers)
            #expect(gpx.status == .ok)
            #expect(gpx.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"drive-\(number)-") == true)
            #expect(String(buffer: gpx.body).contains("<trkpt"))
            let geo = try await client.execute(uri: "/api/drives/\(number)/geojson", method: .get, headers: browser.headers)
            let feature = try JSONSerialization.jsonObject(with: Data(buffer: geo.body)) as? [String: Any]
            #expect(feature?["type"] as? String != nil)
            for (uri, status) in [("/api/drives/999/gpx", 404), ("/api/drives/0/gpx", 400), ("/api/drives/..%2F1/gpx", 400)] {
                let response = try await client.execute(uri: uri, method: .get, headers: browser.headers)
                #expect(response.status.code == status, "\(uri)")
            }
            let anonymous = try await client.execute(uri: "/api/drives", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }
}

extension String {
    init(buffer: ByteBuffer) { self = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) ?? "" }
}
