import Foundation
import Telemetry

/// The clips under fixtures/clips, made by scripts/fixtures/make-clips.py, and what the generator put in them.
enum ClipFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/clips").path
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/fixtures").path

    static let drive = ["TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4", "TeslaCam/RecentClips/2026-11-20_08-01-00-front.mp4"]
    static let savedEvent = ["front", "back", "left_repeater", "right_repeater"].map {
        "TeslaCam/SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-\($0).mp4"
    }
    static let sentryEvent = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"].map {
        "TeslaCam/SentryClips/2026-11-20_20-15-33/2026-11-20_20-14-50-\($0).mp4"
    }
    static var withTelemetry: [String] { drive + savedEvent }

    static func bytes(_ clip: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(clip)")))
    }

    static func telemetry(of bytes: [UInt8]) throws -> ClipTelemetry {
        try TelemetryReader.read(fileSize: UInt64(bytes.count)) { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + count, bytes.count)])
        }
    }

    static func telemetry(_ clip: String) throws -> ClipTelemetry { try telemetry(of: try bytes(clip)) }

    /// One row of expected/<clip>.csv: the sample, its presentation time in track units and every field as encoded.
    struct ExpectedFrame {
        let sample: Int
        let ticks: Int64
        let state: VehicleState
    }

    static func expected(_ clip: String) throws -> [ExpectedFrame] {
        let name = (clip as NSString).lastPathComponent.replacingOccurrences(of: ".mp4", with: ".csv")
        let text = try String(contentsOfFile: "\(root)/expected/\(name)", encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 18 else { throw FixtureError("bad expected row: \(line)") }
            func double(_ i: Int) throws -> Double {
                guard let value = Double(f[i]) else { throw FixtureError("not a number: \(f[i])") }
                return value
            }
            var state = VehicleState()
            state.version = UInt32(f[2])!
            state.gear = Gear(rawValue: Int32(f[3])!)
            state.frameSequence = UInt64(f[4])!
            // Written as the double of a 32-bit float: converting back is exact.
            state.speed = Float(try double(5))
            state.acceleratorPedal = Float(try double(6))
            state.steeringAngle = Float(try double(7))
            state.blinkerLeft = f[8] == "true"
            state.blinkerRight = f[9] == "true"
            state.brakeApplied = f[10] == "true"
            state.autopilot = AutopilotState(rawValue: Int32(f[11])!)
            state.latitude = try double(12)
            state.longitude = try double(13)
            state.heading = try double(14)
            state.accelerationX = try double(15)
            state.accelerationY = try double(16)
            state.accelerationZ = try double(17)
            return ExpectedFrame(sample: Int(f[0])!, ticks: Int64(f[1])!, state: state)
        }
    }

    /// route.json: what the generator's route adds up to over the two RecentClips minutes.
    struct Route: Decodable {
        let distance_m: Double
        let moving_s: Double
        let autopilot_s: Double
        let max_speed_mps: Double
        let start: [Double]
        let end: [Double]
        let frames: [String: Int]
    }

    static func route() throws -> Route {
        try JSONDecoder().decode(Route.self, from: Data(contentsOf: URL(fileURLWithPath: "\(root)/route.json")))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
