import Catalog

/// Consecutive minutes of clips, each minute with one clip per camera: what the player plays on one timeline.
struct Segment: Encodable, Equatable {
    struct Camera: Encodable, Equatable {
        var camera: String
        var id: Int64
        var size: Int64
        var state: String
    }
    /// Seconds since 1970 of the minute's clip name (the car's local time, read as UTC).
    var start: Int64
    /// The longest clip's duration, else 60 s.
    var duration: Double
    var cameras: [Camera]
    /// The front camera's clip: its telemetry drives the overlay.
    var telemetry: Int64?

    /// Groups clip rows by their clip time; non-clips (event.json, thumb.png) are left out.
    static func segments(_ rows: [ClipRecord]) -> [Segment] {
        var byStart: [Int64: [ClipRecord]] = [:]
        for row in rows where row.kind != .other {
            guard let start = row.clipTime, row.camera != nil, row.id != nil else { continue }
            byStart[start, default: []].append(row)
        }
        return byStart.keys.sorted().map { start in
            let clips = byStart[start]!.sorted { order($0.camera!) < order($1.camera!) }
            let durations = clips.compactMap(\.duration).filter { $0 > 0 }
            return Segment(start: start, duration: durations.max() ?? 60,
                           cameras: clips.map { Camera(camera: $0.camera!, id: $0.id!, size: $0.size, state: $0.state.rawValue) },
                           telemetry: clips.first { $0.camera == "front" && $0.kind == .mp4 }?.id)
        }
    }

    /// The car's cameras in the order the grid shows them; unknown ones after, by name.
    static func order(_ camera: String) -> String {
        let known = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]
        if let index = known.firstIndex(of: camera) { return "\(index)" }
        return "9" + camera
    }
}
