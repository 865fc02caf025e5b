/// What the outbound side carries, after Fleet Telemetry's record types: the config's `routes` map these kinds to
/// named sinks.
public enum RecordKind: String, Sendable, CaseIterable, Codable {
    /// A RecentClips file, complete: the car's rolling buffer.
    case recent
    /// A file of a SavedClips event folder (clips, event.json, thumb.png).
    case saved
    /// A file of a SentryClips event folder.
    case sentry
    /// A TeslaTrackMode file.
    case track
    /// Something an owner must hear about: a sink that stopped, footage evicted before it was uploaded.
    case alerts
    /// What the car's SEI telemetry says: a front-camera clip's summary, and a drive's once it ends in Park.
    case telemetry

    /// Kinds whose records are archive files (alerts and telemetry are messages).
    public var carriesFile: Bool { self != .alerts && self != .telemetry }

    /// Which kind goes first when several wait: what the car (or its owner) chose to keep before the rolling
    /// buffer, because that is what an owner looks for after an incident.
    var precedence: Int {
        switch self {
        case .alerts: 0
        case .sentry: 1
        case .saved: 2
        case .track: 3
        case .recent: 4
        case .telemetry: 5
        }
    }
}
