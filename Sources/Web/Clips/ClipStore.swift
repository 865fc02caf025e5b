import Catalog

/// Where the bytes of a catalog clip come from: the seam between the web server and the file system.
///
/// The server only ever hands a `ClipRecord` it fetched by catalog id; a store never sees a request path.
/// Stores stack: the archive (`ArchiveClipStore`), the engine's view of a clip the car is still writing
/// (`LiveClipStore`), and a browser-playable transform of an MP4 (the clip issue's faststart) in front of either.
public protocol ClipStore: Sendable {
    /// Opens the clip's bytes as they are now; a growing clip's reader ends at the bytes written so far.
    func open(_ clip: ClipRecord) throws(ClipStoreError) -> any ClipReader
}

/// The bytes of one clip, opened: a fixed length for the life of the reader.
public protocol ClipReader: Sendable {
    var length: UInt64 { get }
    /// Up to `count` bytes at `offset`; fewer only at the end (or when the file shrank since it was opened).
    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8]
}

public enum ClipStoreError: Error, Equatable, CustomStringConvertible {
    /// The catalog has the row, the archive no longer has the file (evicted, moved since).
    case gone(id: Int64)
    case unreadable(id: Int64, reason: String)

    public var description: String {
        switch self {
        case let .gone(id): "clip \(id) is no longer in the archive"
        case let .unreadable(id, reason): "clip \(id) cannot be read: \(reason)"
        }
    }
}
