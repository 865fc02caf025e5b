/// Where the car's current bytes of one data cluster live. Exactly one place at a time: the harvest moves a
/// cluster from one to the next, and a read of the volume follows it.
public enum ClusterLocation: Equatable, Sendable {
    /// Never written, or freed by the car and given back: reads as zeros.
    case unwritten
    /// In the write cache. `staleCopyStaged`: staging still holds an older copy of it, to give back (punch)
    /// once the cluster has found its home.
    case cached(staleCopyStaged: Bool)
    /// In the staging area, at the cluster's own offset: its owner is unknown, or it is a tail past a size.
    case staged
    /// In an archive file (by the harvest's record id) at chain position `index`: its final home.
    case placed(file: UInt32, index: UInt32)

    public var isCached: Bool { if case .cached = self { true } else { false } }

    /// Staging holds a copy of the cluster (current or, under a cached one, stale) that is given back once the
    /// cluster finds its home.
    public var hasStagedCopy: Bool { self == .staged || self == .cached(staleCopyStaged: true) }

    /// The bytes are somewhere (cache, staging or archive): the car wrote them.
    public var isWritten: Bool { self != .unwritten }

    /// The record and position it is placed at, if placed.
    public var placement: (file: UInt32, index: UInt32)? {
        if case let .placed(file, index) = self { (file, index) } else { nil }
    }
}
