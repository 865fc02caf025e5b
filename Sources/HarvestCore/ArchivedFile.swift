/// A file of the car's volume that the harvest reconstructs in the archive.
public struct ArchivedFile: Sendable, Equatable {
    public let id: UInt32
    /// Path inside the archive (sanitised).
    public var path: String
    public var carPath: String
    /// First cluster: a file's identity on FAT, kept when the car moves it.
    public var head: UInt32
    public var size: UInt64
    /// The chain at the last harvest, for reads served from the archive.
    public var clusters: [UInt32]
    public var state: State
    /// A chain the FAT has but no directory entry names yet: its clusters go to `.teslacam-pending/chain-HEAD`,
    /// renamed into place when the entry arrives.
    public var isPending = false
    /// Size at the previous harvest: a file is complete only once its size held still across a flush.
    public var previousSize: UInt64?
    /// When the size last changed (the harvest's clock); nil until the first judgement.
    public var sizeChangedAt: ContinuousClock.Instant?

    public enum State: Equatable, Sendable { case growing, complete, deleted }

    public init(id: UInt32, path: String, carPath: String, head: UInt32, size: UInt64, clusters: [UInt32],
                state: State, isPending: Bool = false, previousSize: UInt64?) {
        self.id = id
        self.path = path
        self.carPath = carPath
        self.head = head
        self.size = size
        self.clusters = clusters
        self.state = state
        self.isPending = isPending
        self.previousSize = previousSize
    }

    /// A complete file is sealed: a later write to one of its clusters waits in staging until the car's
    /// metadata shows whether the file changed or the cluster went to a new file.
    public var isSealed: Bool { state == .complete }
}
