import Foundation
import Testing
import Telemetry

/// `teslacam telemetry`'s formats parse as what they claim to be and hold every frame.
@Suite struct ExportTests {
    static let clip = ClipFixtures.drive[1]

    func export() throws -> TelemetryExport {
        TelemetryExport(name: "2026-11-20_08-01-00-front.mp4", telemetry: try ClipFixtures.telemetry(Self.clip))
    }

    @Test func csvHasTeslasFieldNamesAndOneRowPerFrame() throws {
        let export = try export()
        let lines = export.render(.csv).split(separator: "\n")
        let header: String = "frame,sample,time_s,version,gear_state,frame_seq_no,vehicle_speed_mps,"
            + "accelerator_pedal_position,steering_wheel_angle,blinker_on_left,blinker_on_right,brake_applied,"
            + "autopilot_state,latitude_deg,longitude_deg,heading_deg,linear_acceleration_mps2_x,"
            + "linear_acceleration_mps2_y,linear_acceleration_mps2_z"
        #expect(lines.first.map(String.init) == header)
        #expect(lines.count == export.telemetry.frames.count + 1)
        let row = lines[1].split(separator: ",").map(String.init)
        let first = export.telemetry.frames[0]
        #expect(row[4] == first.state.gear.protoName && UInt64(row[5]) == first.state.frameSequence)
        #expect(Double(row[13]) == first.state.latitude && Float(row[6]) == first.state.speed)
    }

    @Test func jsonHoldsEveryFrameAndTheSummary() throws {
        let export = try export()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(export.render(.json).utf8)) as? [String: Any])
        let frames = try #require(object["frames"] as? [[String: Any]])
        #expect(frames.count == export.telemetry.frames.count)
        #expect(frames[100]["autopilot_state"] as? String == export.telemetry.frames[100].state.autopilot.protoName)
        // Foundation's JSON parser on Linux is not correctly rounded: compare to 1e-12 degrees (0.1 µm).
        let latitude = try #require(frames[100]["latitude_deg"] as? Double)
        #expect(abs(latitude - export.telemetry.frames[100].state.latitude) < 1e-12)
        let summary = try #require(object["summary"] as? [String: Any])
        let distance = try #require(summary["distance_m"] as? Double)
        #expect(abs(distance - TelemetrySummary(frames: export.telemetry.frames).distance) < 1e-9)
        #expect(object["recorded_at"] as? String == "2026-11-20T08:01:00.000Z")
    }

    @Test func geojsonIsALineStringInLongitudeLatitudeOrder() throws {
        let export = try export()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(export.render(.geojson).utf8)) as? [String: Any])
        let feature = try #require((object["features"] as? [[String: Any]])?.first)
        let geometry = try #require(feature["geometry"] as? [String: Any])
        #expect(geometry["type"] as? String == "LineString")
        let coordinates = try #require(geometry["coordinates"] as? [[Double]])
        #expect(coordinates.count == export.telemetry.frames.count)
        let first = export.telemetry.frames[0].state
        #expect(abs(coordinates[0][0] - first.longitude) < 1e-12 && abs(coordinates[0][1] - first.latitude) < 1e-12)
        let times = try #require((feature["properties"] as? [String: Any])?["coordTimes"] as? [String])
        #expect(times.count == coordinates.count && times[0] == "2026-11-20T08:01:00.000Z")
    }

    @Test func gpxHasATimedPointPerFix() throws {
        let export = try export()
        let gpx = export.render(.gpx)
        #expect(gpx.hasPrefix("<?xml") && gpx.contains("xmlns=\"http://www.topografix.com/GPX/1/1\""))
        #expect(gpx.components(separatedBy: "<trkpt ").count - 1 == export.telemetry.frames.count)
        let last = try #require(export.telemetry.frames.last)
        // 08:01:00 plus the last frame's time, to the millisecond.
        let millis = Int((last.time * 1000).rounded(.down))
        let expected = String(format: "2026-11-20T08:01:%02d.%03dZ", millis / 1000, millis % 1000)
        #expect(gpx.contains("<time>\(expected)</time></trkpt>\n</trkseg>"))
    }
}
