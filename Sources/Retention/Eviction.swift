/// One archived file retention lets go, and why.
public struct Eviction: Sendable, Equatable {
    public var file: ArchivedFileRow
    public var reason: EvictionReason

    public init(file: ArchivedFileRow, reason: EvictionReason) {
        self.file = file
        self.reason = reason
    }
}

/// Why a file goes, in the order the rules apply.
public enum EvictionReason: Sendable, Equatable, CustomStringConvertible {
    /// Deleted by the car from RecentClips and older than `recentDays`.
    case recentExpired(days: Double)
    /// A car-deleted event clip older than `eventDays`, acknowledged by every sink routed to it.
    case eventExpired(days: Double)
    /// Free space below the reserve: a car-deleted RecentClip, oldest first.
    case spaceRecent
    /// Free space below the reserve, no car-deleted RecentClip left: a car-deleted event clip uploaded everywhere.
    case spaceEventUploaded
    /// Free space below the reserve and nothing else left: a car-deleted event clip some sink has not
    /// acknowledged. Footage that exists nowhere else is lost, so each one is a warning.
    case spaceEventNotUploaded(pendingSinks: [String])

    /// A short, stable name for counting evictions by reason (the `reason` label of the metrics).
    public var label: String {
        switch self {
        case .recentExpired: "recent_expired"
        case .eventExpired: "event_expired"
        case .spaceRecent: "space_recent"
        case .spaceEventUploaded: "space_event_uploaded"
        case .spaceEventNotUploaded: "space_event_not_uploaded"
        }
    }

    /// Footage that was not copied anywhere else goes: the owner must hear about it.
    public var isWarning: Bool {
        if case .spaceEventNotUploaded = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .recentExpired(days):
            "the car deleted it from RecentClips and it is older than \(Self.days(days)) (recentDays)"
        case let .eventExpired(days):
            "a deleted event clip older than \(Self.days(days)) (eventDays), uploaded everywhere"
        case .spaceRecent:
            "free space below the reserve: oldest RecentClip the car deleted"
        case .spaceEventUploaded:
            "free space below the reserve: oldest deleted event clip, uploaded everywhere"
        case let .spaceEventNotUploaded(sinks):
            "free space below the reserve and nothing else left: deleted event clip NOT uploaded to "
                + sinks.joined(separator: ", ")
        }
    }

    /// "2 days", "0.5 days", "1 day".
    public static func days(_ value: Double) -> String {
        let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        return value == 1 ? "1 day" : "\(text) days"
    }
}
