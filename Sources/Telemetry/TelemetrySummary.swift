/// What an owner wants to know about a stretch of driving: how far, how long, how fast, how much under Autopilot,
/// from where to where. Computed from frames in display order; time-weighted by each frame's duration.
public struct TelemetrySummary: Hashable, Sendable {
    /// Frames the summary covers.
    public var frames: Int
    /// Seconds of video that carried telemetry.
    public var seconds: Double
    /// Metres along the GPS track (great-circle steps between consecutive fixes).
    public var distance: Double
    /// Seconds at or above `movingSpeed`.
    public var movingSeconds: Double
    /// Highest reported speed, m/s.
    public var maxSpeed: Double
    /// Mean speed over `seconds`, m/s (stops included).
    public var meanSpeed: Double
    /// Seconds with any Autopilot state engaged (FSD, Autosteer or TACC).
    public var autopilotSeconds: Double
    /// First and last plausible GPS fix.
    public var start: GeoPoint?
    public var end: GeoPoint?

    /// Below this the car counts as standing: GPS and wheel-speed noise at a standstill stays under it.
    public static let movingSpeed = 0.5
    /// A GPS step implying more than this (m/s) is a bad fix, not driving, and adds no distance.
    public static let implausibleSpeed = 100.0

    /// Share of `seconds` under Autopilot, 0...1 (0 for no frames).
    public var autopilotShare: Double { seconds > 0 ? autopilotSeconds / seconds : 0 }

    public init(frames: [TelemetryFrame]) {
        self.frames = frames.count
        var seconds = 0.0, moving = 0.0, autopilot = 0.0, speedTime = 0.0, maxSpeed = 0.0, distance = 0.0
        var last: (point: GeoPoint, time: Double)?
        var first: GeoPoint?
        for frame in frames {
            let speed = Double(frame.state.speed)
            let duration = frame.duration
            seconds += duration
            if speed.isFinite {
                speedTime += speed * duration
                maxSpeed = max(maxSpeed, speed)
                if speed >= Self.movingSpeed { moving += duration }
            }
            if frame.state.autopilot.isEngaged { autopilot += duration }
            guard let point = frame.state.position else { continue }
            if first == nil { first = point }
            if let previous = last {
                let step = previous.point.distance(to: point)
                let elapsed = max(frame.time - previous.time, frame.duration)
                // A bad fix is dropped, not followed: the next good one is measured from the last good one.
                guard step <= Self.implausibleSpeed * elapsed else { continue }
                distance += step
            }
            last = (point, frame.time)
        }
        self.seconds = seconds
        self.distance = distance
        movingSeconds = moving
        self.maxSpeed = maxSpeed
        meanSpeed = seconds > 0 ? speedTime / seconds : 0
        autopilotSeconds = autopilot
        start = first
        end = last?.point
    }
}
