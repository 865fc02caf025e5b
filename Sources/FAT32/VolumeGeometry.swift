/// Where a FAT32 file system sits on the disk.
public enum PartitionLayout: String, Codable, Sendable, CaseIterable {
    /// An MBR with one FAT32 LBA partition (type 0x0C) starting at 1 MiB. The car requires it since 2019.
    case mbr
    /// The file system starts at sector 0, no partition table.
    case superfloppy
}

/// Why a volume of the asked size and layout cannot be laid out as FAT32.
public enum GeometryError: Error, Equatable, CustomStringConvertible {
    case tooSmall(diskBytes: UInt64, minimum: UInt64)
    case tooLarge(diskBytes: UInt64, maximum: UInt64)
    case tooFewClusters(clusters: UInt32)

    public var description: String {
        switch self {
        case let .tooSmall(bytes, minimum):
            return "a FAT32 volume needs at least \(minimum / (1 << 20)) MiB; \(bytes) bytes is too small"
        case let .tooLarge(bytes, maximum):
            return "FAT32 with 512-byte sectors cannot address more than \(maximum >> 40) TiB; \(bytes) bytes is too large"
        case let .tooFewClusters(clusters):
            return "only \(clusters) clusters fit; FAT32 needs at least 65525 (choose a larger size)"
        }
    }
}

/// The geometry of a synthesized FAT32 volume: every offset the formatter and the engine agree on.
///
/// All offsets are absolute byte offsets on the disk (the `volume.img` file), partition offset included.
public struct VolumeGeometry: Equatable, Codable, Sendable {
    public static let bytesPerSector = 512
    public static let minimumDiskBytes: UInt64 = 32 << 20
    public static let maximumDiskBytes: UInt64 = 2 << 40
    /// Sizes above this get a warning: some car firmware is reported to refuse them.
    public static let carSafeDiskBytes: UInt64 = 32 << 30
    public static let minimumClusters: UInt32 = 65_525
    public static let mbrPartitionOffset: UInt64 = 1 << 20

    public let diskBytes: UInt64
    public let layout: PartitionLayout
    /// Byte offset of the file system's boot sector.
    public let partitionOffset: UInt64
    /// Sectors of the file system (the partition).
    public let totalSectors: UInt32
    public let sectorsPerCluster: Int
    public let reservedSectors: Int
    public let fatCount: Int
    public let sectorsPerFAT: UInt32
    /// Data clusters, numbered 2 ..< 2 + clusterCount.
    public let clusterCount: UInt32

    public var clusterSize: Int { sectorsPerCluster * Self.bytesPerSector }
    public var fatBytes: UInt64 { UInt64(sectorsPerFAT) * UInt64(Self.bytesPerSector) }
    /// Byte offset of FAT copy `index` (0 = primary).
    public func fatOffset(copy index: Int) -> UInt64 {
        partitionOffset + UInt64(reservedSectors * Self.bytesPerSector) + UInt64(index) * fatBytes
    }
    /// Byte offset of cluster 2, the first data cluster. Everything before it is the metadata region.
    public var dataOffset: UInt64 { fatOffset(copy: fatCount) }
    /// Byte offset of `cluster` (2-based, as FAT numbers them).
    public func clusterOffset(_ cluster: UInt32) -> UInt64 {
        dataOffset + UInt64(cluster - 2) * UInt64(clusterSize)
    }
    /// End of the last whole cluster; the disk's tail after it belongs to no cluster.
    public var dataEnd: UInt64 { dataOffset + UInt64(clusterCount) * UInt64(clusterSize) }
    /// The root directory's first cluster.
    public static let rootCluster: UInt32 = 2

    /// Lays out a disk of `diskBytes` (rounded down to whole sectors).
    /// Cluster size follows the usual FAT32 table: 512 B up to 260 MiB, 4 KiB up to 8 GiB, 8 KiB up to 16 GiB,
    /// 16 KiB below 32 GiB, 32 KiB from 32 GiB up. The data region is aligned to the cluster size on the disk, so
    /// that clusters map onto whole pages of the backing files.
    public init(diskBytes rawBytes: UInt64, layout: PartitionLayout = .mbr) throws(GeometryError) {
        let sector = UInt64(Self.bytesPerSector)
        let diskBytes = rawBytes / sector * sector
        guard diskBytes >= Self.minimumDiskBytes else {
            throw .tooSmall(diskBytes: rawBytes, minimum: Self.minimumDiskBytes)
        }
        guard diskBytes <= Self.maximumDiskBytes else {
            throw .tooLarge(diskBytes: rawBytes, maximum: Self.maximumDiskBytes)
        }
        let partitionOffset = layout == .mbr ? Self.mbrPartitionOffset : 0
        // 2^32 sectors is one too many for a 32-bit sector count.
        let fsSectors = min((diskBytes - partitionOffset) / sector, UInt64(UInt32.max))
        let spc: Int
        switch diskBytes {
        case ...(260 << 20): spc = 1
        case ...(8 << 30): spc = 8
        case ...(16 << 30): spc = 16
        case ..<(32 << 30): spc = 32
        default: spc = 64
        }
        // An upper bound for the FAT (as if it had no space of its own), then grow the reserved area until the data
        // region starts on a cluster boundary of the disk.
        let roughClusters = (fsSectors - 32) / UInt64(spc)
        let fatSectors = ((roughClusters + 2) * 4 + sector - 1) / sector
        var reserved: UInt64 = 32
        let spcBytes = UInt64(spc) * sector
        while (partitionOffset + (reserved + 2 * fatSectors) * sector) % spcBytes != 0 { reserved += 1 }
        let clusters = (fsSectors - reserved - 2 * fatSectors) / UInt64(spc)
        guard clusters >= UInt64(Self.minimumClusters) else { throw .tooFewClusters(clusters: UInt32(clusters)) }
        self.diskBytes = diskBytes
        self.layout = layout
        self.partitionOffset = partitionOffset
        self.totalSectors = UInt32(fsSectors)
        self.sectorsPerCluster = spc
        self.reservedSectors = Int(reserved)
        self.fatCount = 2
        self.sectorsPerFAT = UInt32(fatSectors)
        self.clusterCount = UInt32(min(clusters, 0x0FFF_FFF5 - 1))
    }

    /// Whether some car firmware may refuse a volume this large.
    public var exceedsCarSafeSize: Bool { diskBytes > Self.carSafeDiskBytes }
}
