/// The formats `teslacam telemetry` prints one clip's frames in.
public enum TelemetryFormat: String, CaseIterable, Sendable {
    /// One row per frame; columns named like Tesla's sei_extractor.py fields, after the frame's index and time.
    case csv
    /// Clip facts, the summary and every frame.
    case json
    /// GPX 1.1: one track of every frame with a GPS fix, timed when the clip's start time is known.
    case gpx
    /// A GeoJSON LineString with the summary as properties (and `coordTimes` when the start time is known).
    case geojson
}

/// One clip's telemetry, ready to print.
public struct TelemetryExport: Sendable {
    public var name: String
    public var telemetry: ClipTelemetry

    public init(name: String, telemetry: ClipTelemetry) {
        self.name = name
        self.telemetry = telemetry
    }

    public func render(_ format: TelemetryFormat) -> String {
        switch format {
        case .csv: csv()
        case .json: json()
        case .gpx: gpx()
        case .geojson: geojson()
        }
    }

    /// The `SeiMetadata` field names, in field-number order.
    public static let fieldNames = [
        "version", "gear_state", "frame_seq_no", "vehicle_speed_mps", "accelerator_pedal_position",
        "steering_wheel_angle", "blinker_on_left", "blinker_on_right", "brake_applied", "autopilot_state",
        "latitude_deg", "longitude_deg", "heading_deg", "linear_acceleration_mps2_x", "linear_acceleration_mps2_y",
        "linear_acceleration_mps2_z",
    ]

    /// A frame's fields as text, in `fieldNames` order (enums by their proto names).
    static func fieldValues(_ s: VehicleState) -> [String] {
        ["\(s.version)", s.gear.protoName, "\(s.frameSequence)", "\(s.speed)", "\(s.acceleratorPedal)",
         "\(s.steeringAngle)", "\(s.blinkerLeft)", "\(s.blinkerRight)", "\(s.brakeApplied)", s.autopilot.protoName,
         "\(s.latitude)", "\(s.longitude)", "\(s.heading)", "\(s.accelerationX)", "\(s.accelerationY)",
         "\(s.accelerationZ)"]
    }

    /// Unix time of a frame, when the clip's start is known.
    func timestamp(_ frame: TelemetryFrame) -> Double? {
        telemetry.recordedAt.map { Double($0) + frame.time }
    }
}
