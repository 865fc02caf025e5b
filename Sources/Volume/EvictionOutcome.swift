import FileIO
/// What became of a request to remove a file from the archive (retention, through `VolumeEngine.evict`).
public enum EvictionOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Removed; `bytes` is the file's size.
    case evicted(bytes: UInt64)
    /// The car's volume still names this file (or its chain is still allocated): kept.
    case referenced
    /// No regular file at that path (already gone).
    case notFound
    /// Not a path retention may remove: outside the archive, a pending chain, through a symbolic link.
    case refused(reason: String)
    case failed(BackingStoreError)

    public var description: String {
        switch self {
        case let .evicted(bytes): "evicted (\(bytes) bytes)"
        case .referenced: "kept: the car's volume still references it"
        case .notFound: "already gone"
        case let .refused(reason): "refused: \(reason)"
        case let .failed(error): "failed: \(error)"
        }
    }
}

/// The space retention works with, as the engine sees it.
public struct VolumeSpace: Sendable, Equatable {
    /// Bytes of the car's volume in free clusters: what the car may still write with no home on disk yet.
    public var volumeFreeBytes: UInt64
    /// Free bytes of the archive's file system for an unprivileged writer; nil without an archive.
    public var archiveFreeBytes: UInt64?
    /// Size of the archive's file system; nil without an archive.
    public var archiveTotalBytes: UInt64?

    public init(volumeFreeBytes: UInt64, archiveFreeBytes: UInt64?, archiveTotalBytes: UInt64?) {
        self.volumeFreeBytes = volumeFreeBytes
        self.archiveFreeBytes = archiveFreeBytes
        self.archiveTotalBytes = archiveTotalBytes
    }
}

// Plain data: outcomes compare in tests and logs.
extension BackingStoreError: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        a.operation == b.operation && a.path == b.path && a.code == b.code
    }
}
