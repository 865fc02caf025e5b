import Catalog
import Hummingbird

/// "Now recording": every camera's latest growing clip as one segment for the player, which plays each as its
/// live view (`/api/clips/{id}/live`).
extension WebServer {
    func registerLive(_ add: Add) {
        add(.get, "/api/live", .owner) { [self] _, _ in
            // Whether the car writes now, as the Now page judges it: a clip left open by an idle car is not live.
            struct Live: Encodable { var segments: [Segment]; var recording: Bool; var carConnected: Bool; var secondsSinceWrite: Double? }
            let now = clock(), activity = monitor?.current
            return try Reply.json(Live(segments: Self.recordingNow(try catalog.growingClips()).map { [$0] } ?? [],
                                       recording: activity?.recording(at: now) ?? false,
                                       carConnected: activity?.connected(at: now) ?? false,
                                       secondsSinceWrite: activity?.secondsSinceWrite(at: now)))
        }
    }

    /// Each camera's newest growing clip; nil when none is growing. The segment starts at the newest clip's time.
    static func recordingNow(_ rows: [ClipRecord]) -> Segment? {
        var latest: [String: ClipRecord] = [:]
        for row in rows where row.kind == .mp4 && row.state == .growing {
            guard let camera = row.camera, row.id != nil else { continue }
            if let known = latest[camera], (known.clipTime ?? 0, known.id!) >= (row.clipTime ?? 0, row.id!) { continue }
            latest[camera] = row
        }
        guard !latest.isEmpty else { return nil }
        let clips = latest.values.sorted { Segment.order($0.camera!) < Segment.order($1.camera!) }
        return Segment(start: clips.compactMap(\.clipTime).max() ?? 0, duration: 60,
                       cameras: clips.map { Segment.Camera(camera: $0.camera!, id: $0.id!, size: $0.size, state: $0.state.rawValue) },
                       telemetry: latest["front"]?.id)
    }
}
