import GRDB

/// One file the car wrote, as the catalog knows it: a row of `clips`.
public struct ClipRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "clips"

    public var id: Int64?
    /// Path inside the archive (unique): where the bytes are.
    public var path: String
    /// Path on the car's volume.
    public var carPath: String
    public var state: ClipState
    public var size: Int64
    /// Hex sha256 of the archive file, once complete.
    public var sha256: String?
    public var kind: ClipKind
    /// Camera from the clip's name (front, back, left_repeater, ...); nil for non-clips.
    public var camera: String?
    /// Seconds since 1970 of the time stamp in the clip's name (car local time, read as UTC).
    public var clipTime: Int64?
    /// The `mvhd` creation time: more trustworthy than the name.
    public var recordedAt: Int64?
    public var duration: Double?
    public var codec: String?
    /// Why a `.mp4` is not (yet) a complete MP4, when it is not.
    public var problem: String?
    /// `SavedClips/<event>` or `SentryClips/<event>`; nil for RecentClips.
    public var event: String?
    public var eventKind: EventKind
    public var createdAt: Int64
    public var updatedAt: Int64
    public var completedAt: Int64?
    /// When the car deleted it from its volume (the harvest saw the entry go).
    public var deletedAt: Int64?
    /// When retention removed it from the archive.
    public var evictedAt: Int64?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum ClipState: String, Codable, Sendable, DatabaseValueConvertible {
    case growing, complete, deleted
    /// Retention removed the archive file; the row and its metadata are kept.
    case evicted
}

/// What a file is. The harvest never depends on it; it is for the UI and uploads.
public enum ClipKind: String, Codable, Sendable, DatabaseValueConvertible {
    /// A plain MP4 clip.
    case mp4
    /// A `.mp4` that is not an MP4: firmware 2026.20+ encrypts clips (a header, then AES pages).
    case encrypted
    /// event.json, thumb.png and anything else.
    case other
}

public enum EventKind: String, Codable, Sendable, DatabaseValueConvertible {
    case recent, saved, sentry, track, other
}

/// A lifecycle transition: a row of `transitions`.
public struct TransitionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "transitions"
    public var id: Int64?
    public var clipID: Int64
    public var kind: String
    public var at: Int64
    public var size: Int64
    public var previousPath: String?
    /// Why, in words, for transitions the harvest does not make (`evicted`).
    public var reason: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
