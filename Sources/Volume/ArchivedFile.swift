/// A file of the car's volume that the harvest reconstructs in the archive.
struct ArchivedFile {
    let id: UInt32
    /// Path inside the archive (sanitised).
    var path: String
    var carPath: String
    /// First cluster: a file's identity on FAT, kept when the car moves it.
    var head: UInt32
    var size: UInt64
    /// The chain at the last harvest, for reads served from the archive.
    var clusters: [UInt32]
    var state: State
    /// A chain the FAT has but no directory entry names yet: its clusters go to `.teslacam-pending/chain-HEAD`,
    /// renamed into place when the entry arrives.
    var isPending = false
    /// Size at the previous harvest: a file is complete only once its size held still across a flush.
    var previousSize: UInt64?
    /// When the size last changed (the harvest's clock); nil until the first judgement.
    var sizeChangedAt: ContinuousClock.Instant?

    enum State: Equatable { case growing, complete, deleted }

    /// A complete file is sealed: a later write to one of its clusters waits in staging until the car's
    /// metadata shows whether the file changed or the cluster went to a new file.
    var isSealed: Bool { state == .complete }
}
