/// One drive: consecutive front-camera clips' telemetry from leaving Park to the next stop in Park (or a gap of more
/// than `Drive.maximumGap` between clips), with what an owner asks of it.
public struct Drive: Hashable, Sendable {
    /// A clip's part in the drive: its track's points, timed in Unix seconds.
    public struct Clip: Hashable, Sendable {
        /// An identifier for the owner (the archive path).
        public var name: String
        /// Unix seconds of the clip's first frame.
        public var start: Double
        /// Seconds the clip lasts.
        public var duration: Double
        public var track: TelemetryTrack

        public init(name: String, start: Double, duration: Double, track: TelemetryTrack) {
            self.name = name
            self.start = start
            self.duration = duration
            self.track = track
        }
    }

    /// A track point with its absolute time.
    public struct Point: Hashable, Sendable {
        /// Unix seconds.
        public var time: Double
        public var point: TelemetryTrack.Point
    }

    /// A gap between clips longer than this ends a drive (the car was off).
    public static let maximumGap = 300.0

    /// The clips the drive's points come from, in order.
    public var clips: [String]
    /// Its points, from the first one out of Park to the one where it entered Park again (or the last before a gap).
    public var points: [Point]

    public var start: Double { points.first?.time ?? 0 }
    public var end: Double { points.last?.time ?? 0 }
    public var duration: Double { end - start }

    /// Metres along the GPS fixes (bad fixes skipped as in `TelemetrySummary`).
    public var distance: Double {
        var total = 0.0
        var last: (GeoPoint, Double)?
        for p in points {
            guard let fix = p.point.position else { continue }
            if let (previous, time) = last {
                let step = previous.distance(to: fix)
                guard step <= TelemetrySummary.implausibleSpeed * max(p.time - time, 0.001) else { continue }
                total += step
            }
            last = (fix, p.time)
        }
        return total
    }

    /// Seconds each point's state lasted (until the next point), summed where `include` holds.
    func seconds(where include: (TelemetryTrack.Point) -> Bool) -> Double {
        zip(points, points.dropFirst()).reduce(0) { $0 + (include($1.0.point) ? $1.1.time - $1.0.time : 0) }
    }

    public var movingSeconds: Double { seconds { Double($0.speed) >= TelemetrySummary.movingSpeed } }
    /// Share of the drive's time under FSD, Autosteer or TACC.
    public var autopilotShare: Double { duration > 0 ? seconds { $0.autopilot.isEngaged } / duration : 0 }
    public var maxSpeed: Double { points.map { Double($0.point.speed) }.filter(\.isFinite).max() ?? 0 }
    public var startPosition: GeoPoint? { points.lazy.compactMap(\.point.position).first }
    public var endPosition: GeoPoint? { points.reversed().lazy.compactMap(\.point.position).first }

    /// Groups clips (any order) into drives: a new drive after a gap of more than `maximumGap` between one clip's
    /// end and the next clip's start, and after every stop in Park; points in Park belong to no drive.
    public static func drives(from clips: [Clip], maximumGap: Double = maximumGap) -> [Drive] {
        var drives: [Drive] = []
        var current: Drive?
        var previousEnd = -Double.infinity
        func close() {
            if let drive = current, drive.points.count > 1 { drives.append(drive) }
            current = nil
        }
        for clip in clips.sorted(by: { ($0.start, $0.name) < ($1.start, $1.name) }) {
            if clip.start - previousEnd > maximumGap { close() }
            previousEnd = max(previousEnd, clip.start + clip.duration)
            for point in clip.track.points {
                if point.gear == .park {
                    // The moment it entered Park ends the drive (the track keeps every gear change).
                    current?.points.append(Point(time: clip.start + point.time, point: point))
                    close()
                    continue
                }
                if current == nil { current = Drive(clips: [], points: []) }
                if current!.clips.last != clip.name { current!.clips.append(clip.name) }
                current!.points.append(Point(time: clip.start + point.time, point: point))
            }
        }
        close()
        return drives
    }
}
