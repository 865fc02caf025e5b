/// A clip's telemetry thinned to at least one point per `interval` (1 s by default), for the catalog, maps and
/// drive summaries; the full rate stays in the clip.
public struct TelemetryTrack: Hashable, Sendable {
    /// One kept frame.
    public struct Point: Hashable, Sendable {
        /// Seconds from the clip's first displayed frame.
        public var time: Double
        public var position: GeoPoint?
        public var speed: Float
        public var heading: Double
        public var gear: Gear
        public var autopilot: AutopilotState
        /// The steering wheel's angle in degrees, as the car reports it.
        public var steeringAngle: Float
        public var blinkerLeft: Bool
        public var blinkerRight: Bool
        public var brakeApplied: Bool

        public init(time: Double, position: GeoPoint?, speed: Float, heading: Double, gear: Gear, autopilot: AutopilotState,
                    steeringAngle: Float = 0, blinkerLeft: Bool = false, blinkerRight: Bool = false, brakeApplied: Bool = false) {
            self.time = time
            self.position = position
            self.speed = speed
            self.heading = heading
            self.gear = gear
            self.autopilot = autopilot
            self.steeringAngle = steeringAngle
            self.blinkerLeft = blinkerLeft
            self.blinkerRight = blinkerRight
            self.brakeApplied = brakeApplied
        }

        init(time: Double, state: VehicleState) {
            self.init(time: time, position: state.position, speed: state.speed, heading: state.heading, gear: state.gear,
                      autopilot: state.autopilot, steeringAngle: state.steeringAngle, blinkerLeft: state.blinkerLeft,
                      blinkerRight: state.blinkerRight, brakeApplied: state.brakeApplied)
        }
    }

    public var points: [Point]

    /// Keeps the first frame, every frame at least `interval` after the last kept one, any frame where the gear or
    /// Autopilot state changes (so a drive can be split on Park and the Autopilot share survives thinning), any
    /// frame where a blinker or the brake turns on or off (the player's overlay shows them at the frame they
    /// changed, not up to a second late), and the last frame.
    public init(frames: [TelemetryFrame], interval: Double = 1) {
        var points: [Point] = []
        var keptTime = -Double.infinity
        var previous: VehicleState?
        for (index, frame) in frames.enumerated() {
            let state = frame.state
            let changed = previous.map {
                $0.gear != state.gear || $0.autopilot != state.autopilot || $0.blinkerLeft != state.blinkerLeft
                    || $0.blinkerRight != state.blinkerRight || $0.brakeApplied != state.brakeApplied
            } ?? true
            if changed || frame.time - keptTime >= interval || index == frames.count - 1 {
                points.append(Point(time: frame.time, state: state))
                keptTime = frame.time
            }
            previous = state
        }
        self.points = points
    }

    public init(points: [Point]) { self.points = points }
}

extension TelemetryTrack {
    /// Compact JSON for the catalog: `[[time_s, latitude, longitude, speed_mps, heading_deg, gear, autopilot,
    /// steering_deg, blinkers, brake], ...]`, latitude and longitude `null` without a fix, gear and autopilot as
    /// their protobuf numbers, blinkers as bits (1 left, 2 right), brake 0 or 1. Rows catalogued before the last
    /// three columns existed have seven.
    public var json: String {
        "[" + points.map { p in
            "[\(TextFormatting.json(p.time)),\(p.position.map { TextFormatting.json($0.latitude) } ?? "null"),"
                + "\(p.position.map { TextFormatting.json($0.longitude) } ?? "null"),\(TextFormatting.json(p.speed)),"
                + "\(TextFormatting.json(p.heading)),\(p.gear.rawValue),\(p.autopilot.rawValue),"
                + "\(TextFormatting.json(p.steeringAngle)),\((p.blinkerLeft ? 1 : 0) | (p.blinkerRight ? 2 : 0)),"
                + "\(p.brakeApplied ? 1 : 0)]"
        }.joined(separator: ",") + "]"
    }
}
