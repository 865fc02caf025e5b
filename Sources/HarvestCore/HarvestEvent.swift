/// A step in the life of a file the car writes, as the harvest sees it. Each becomes a log line and a catalog row.
public struct HarvestEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A new directory entry with data.
        case created
        /// Its size changed.
        case growing
        /// Size stable across a flush, every cluster present: the archive file is final.
        case complete
        /// The same chain under a new entry (the car saving an event): the archive file was renamed.
        case moved
        /// The car deleted it; the archive keeps it.
        case deleted
        /// The car changed a complete file again: its size changed, so it grows once more.
        case reopened
        /// The car rewrote bytes inside a complete file, its size unchanged (a muxer's late mdat size): the
        /// archive file now has the new bytes, and a `complete` follows.
        case rewritten
    }

    public var kind: Kind
    /// Path inside the archive directory.
    public var archivePath: String
    /// The path as the car named it on the volume.
    public var carPath: String
    public var size: UInt64
    /// For `.moved`: the archive path before.
    public var previousPath: String?

    public init(kind: Kind, archivePath: String, carPath: String, size: UInt64, previousPath: String? = nil) {
        self.kind = kind
        self.archivePath = archivePath
        self.carPath = carPath
        self.size = size
        self.previousPath = previousPath
    }
}
