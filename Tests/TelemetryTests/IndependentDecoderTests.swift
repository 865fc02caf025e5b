import Foundation
import Testing
import Telemetry

/// Google's protobuf (Python, from PyPI), behind an SEI walk of its own (scripts/fixtures/sei-reference-decoder.py),
/// decodes the same values as ours from every clip, field by field.
@Suite(.enabled(if: IndependentDecoder.isAvailable, IndependentDecoder.missingMessage))
struct IndependentDecoderTests {
    @Test(arguments: ClipFixtures.withTelemetry + ClipFixtures.sentryEvent)
    func agreesOnEveryField(_ clip: String) throws {
        let theirs = try IndependentDecoder.decode("\(ClipFixtures.root)/\(clip)")
        // Theirs are in file order, which for one video track is decode order.
        let ours = try ClipFixtures.telemetry(clip).frames.sorted { $0.sample < $1.sample }.map(\.state)
        #expect(ours.count == theirs.count)
        var disagreements = 0
        for (index, (mine, reference)) in zip(ours, theirs).enumerated() where mine != reference.state {
            disagreements += 1
            if disagreements <= 3 { Issue.record("frame \(index): ours \(mine), theirs \(reference.state)") }
        }
        #expect(disagreements == 0)
    }
}

enum IndependentDecoder {
    static let script = "\(ClipFixtures.scripts)/sei-reference-decoder.py"
    static let missingMessage: Comment =
        "skipped: python3 with Google's protobuf package is not installed (pip install protobuf, or scripts/install-deps.sh)"

    static let isAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import google.protobuf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// The JSON the script prints: every SeiMetadata field by its proto name.
    struct Frame: Decodable {
        let version: UInt32
        let gear_state: Int32
        let frame_seq_no: UInt64
        let vehicle_speed_mps: Double
        let accelerator_pedal_position: Double
        let steering_wheel_angle: Double
        let blinker_on_left: Bool
        let blinker_on_right: Bool
        let brake_applied: Bool
        let autopilot_state: Int32
        let latitude_deg: Double
        let longitude_deg: Double
        let heading_deg: Double
        let linear_acceleration_mps2_x: Double
        let linear_acceleration_mps2_y: Double
        let linear_acceleration_mps2_z: Double

        var state: VehicleState {
            var state = VehicleState()
            state.version = version
            state.gear = Gear(rawValue: gear_state)
            state.frameSequence = frame_seq_no
            // Python holds a 32-bit float field as the double of that float: converting back is exact.
            state.speed = Float(vehicle_speed_mps)
            state.acceleratorPedal = Float(accelerator_pedal_position)
            state.steeringAngle = Float(steering_wheel_angle)
            state.blinkerLeft = blinker_on_left
            state.blinkerRight = blinker_on_right
            state.brakeApplied = brake_applied
            state.autopilot = AutopilotState(rawValue: autopilot_state)
            state.latitude = latitude_deg
            state.longitude = longitude_deg
            state.heading = heading_deg
            state.accelerationX = linear_acceleration_mps2_x
            state.accelerationY = linear_acceleration_mps2_y
            state.accelerationZ = linear_acceleration_mps2_z
            return state
        }
    }

    static func decode(_ path: String) throws -> [Frame] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("\(script) \(path) exited \(process.terminationStatus)") }
        return try JSONDecoder().decode([Frame].self, from: data)
    }
}
