import FAT32

/// A file or directory of the car's volume, as its directory entry and the FAT describe it now.
public struct CarFile: Equatable, Sendable {
    /// Path components from the volume root, exactly as the car named them (long name, else short name).
    public var path: [String]
    /// First cluster from the directory entry; 0 for an empty file.
    public var head: UInt32
    /// Size from the directory entry (always 0 for directories).
    public var size: UInt64
    public var isDirectory: Bool
    /// The clusters that hold the file's bytes in order: as many as `size` needs (or the whole chain of a
    /// directory), fewer when the FAT does not (yet) chain that far.
    public var clusters: [UInt32]
    public var chainEnd: Chain.End
    public var modified: DOSDateTime
    /// Where the entry lives: the directory's first cluster and the short entry's slot.
    public var parentHead: UInt32
    public var slot: Int

    /// Clusters the size needs.
    public func neededClusters(clusterSize: Int) -> Int {
        Int((size + UInt64(clusterSize) - 1) / UInt64(clusterSize))
    }

    /// Whether the FAT chains every cluster the directory size needs.
    public func isFullyChained(clusterSize: Int) -> Bool {
        isDirectory || clusters.count >= neededClusters(clusterSize: clusterSize)
    }

    public var name: String { path.last ?? "" }
    public var pathString: String { path.joined(separator: "/") }
}
