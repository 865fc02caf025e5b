/// An archive file as a record: which kind it is and what part of its event it plays, from its path alone.
///
/// The archive mirrors the car's volume (`TeslaCam/SentryClips/<event>/<file>`), so the path says everything.
public struct FileRecord: Sendable, Equatable {
    public var archivePath: String
    public var kind: RecordKind
    /// `SentryClips/<event>` or `SavedClips/<event>`; nil outside event folders.
    public var event: String?
    public var role: Role

    /// The part a file plays in its event: event.json and thumb.png are small and say what happened, so they go
    /// first; the clips follow.
    public enum Role: String, Sendable {
        case eventDescription, thumbnail, clip, other

        var precedence: Int {
            switch self {
            case .eventDescription: 0
            case .thumbnail: 1
            case .clip: 2
            case .other: 3
            }
        }
    }

    /// Nil for files that are no record: outside TeslaCam's folders and TeslaTrackMode (the harvest's own
    /// bookkeeping, files the car keeps elsewhere).
    public init?(archivePath: String) {
        let parts = archivePath.split(separator: "/").map(String.init)
        guard let name = parts.last, !parts.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        self.archivePath = archivePath
        let lower = name.lowercased()
        role = lower == "event.json" ? .eventDescription : lower == "thumb.png" ? .thumbnail
            : lower.hasSuffix(".mp4") ? .clip : .other
        event = nil
        if parts.first == "TeslaTrackMode", parts.count >= 2 {
            kind = .track
            return
        }
        guard parts.count >= 3, parts[0] == "TeslaCam" else { return nil }
        switch parts[1] {
        case "RecentClips" where parts.count == 3: kind = .recent
        case "SavedClips" where parts.count == 4: kind = .saved
        case "SentryClips" where parts.count == 4: kind = .sentry
        default: return nil
        }
        if kind != .recent { event = "\(parts[1])/\(parts[2])" }
    }

    /// Smaller goes first: kind, then the file's part in its event.
    public var rank: Int { kind.precedence * 10 + role.precedence }
}
