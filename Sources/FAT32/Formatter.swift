/// One write a formatter issues: `bytes` at absolute disk `offset`.
public struct BlockWrite: Hashable, Sendable {
    public var offset: UInt64
    public var bytes: [UInt8]

    public init(offset: UInt64, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}

/// Lays out a fresh FAT32 volume as `mkfs.fat -F 32` followed by `mkdir TeslaCam` would leave it, writing only
/// the bytes that are not zero.
///
/// The volume is thin: the sink must read back zeros wherever nothing was written (a sparse file, a fresh
/// metadata image). Whole zero FATs and clusters are never written.
///
/// Differences from `mkfs.fat` 4.2 on the same geometry, all deliberate:
/// - OEM name "TESLACAM" instead of "mkfs.fat", and its own not-bootable message in the boot code.
/// - Total sectors is the whole partition; `mkfs.fat` rounds it down to whole (fictitious) tracks.
/// - The FAT is sized from the partition before the reserved area is known, so it may be a sector or so larger
///   than `mkfs.fat`'s exact fit. Drivers only require it to be large enough.
/// - The reserved area grows beyond 32 sectors so that cluster 2 starts on a cluster boundary *of the disk*
///   (partition offset included), where `mkfs.fat` aligns relative to the partition.
/// - The `TeslaCam` directory exists (cluster 3), so FSInfo counts 2 used clusters and hints 4 as next free.
/// Like `mkfs.fat` 4.2, sectors 2 and 8 (the third boot sector of Microsoft's layout) stay empty.
public enum Formatter {
    /// The folder the car records into. Mixed case, so it needs a long-name entry.
    public static let teslaCamDirectoryName = "TeslaCam"
    /// The cluster of the pre-created `TeslaCam` folder.
    public static let teslaCamCluster: UInt32 = 3

    /// Writes the volume into `sink`: MBR (`.mbr` layout), boot sector, FSInfo and their backups, the first
    /// entries of both FATs, the root directory (volume label, `TeslaCam`) and the `TeslaCam` directory
    /// (`.`, `..`). `label` is made valid if it is not (see `VolumeLabel(lossy:)`); validate user input with
    /// `VolumeLabel(_:)` first to report errors instead.
    public static func format(
        _ geometry: VolumeGeometry, label: String = "TESLACAM", volumeID: UInt32, date: DOSDateTime,
        into sink: inout some BlockSink
    ) {
        for write in writes(for: geometry, label: label, volumeID: volumeID, date: date) {
            sink.write(write.bytes, at: write.offset)
        }
    }

    /// The writes `format` issues, in ascending offset order.
    public static func writes(
        for geometry: VolumeGeometry, label: String = "TESLACAM", volumeID: UInt32, date: DOSDateTime
    ) -> [BlockWrite] {
        let sector = UInt64(VolumeGeometry.bytesPerSector)
        let start = geometry.partitionOffset
        let volumeLabel = VolumeLabel(lossy: label)
        let bootSector = BootSector(geometry: geometry, volumeID: volumeID, label: volumeLabel).encoded()
        let fsInfo = FSInfo(freeCount: geometry.clusterCount - 2, nextFree: teslaCamCluster + 1).encoded()
        var writes: [BlockWrite] = []
        if geometry.layout == .mbr {
            writes.append(
                BlockWrite(offset: 0, bytes: MasterBootRecord(geometry: geometry, diskSignature: volumeID).encoded()))
        }
        writes.append(BlockWrite(offset: start, bytes: bootSector))
        writes.append(BlockWrite(offset: start + sector, bytes: fsInfo))
        writes.append(BlockWrite(offset: start + 6 * sector, bytes: bootSector))
        writes.append(BlockWrite(offset: start + 7 * sector, bytes: fsInfo))
        let fatHead = fatHead()
        for copy in 0..<geometry.fatCount {
            writes.append(BlockWrite(offset: geometry.fatOffset(copy: copy), bytes: fatHead))
        }
        writes.append(
            BlockWrite(
                offset: geometry.clusterOffset(VolumeGeometry.rootCluster),
                bytes: rootDirectory(label: volumeLabel, date: date)))
        writes.append(
            BlockWrite(
                offset: geometry.clusterOffset(teslaCamCluster),
                bytes: teslaCamDirectory(date: date)))
        return writes
    }

    /// FAT[0...3]: media entry, clean-shutdown entry, end of the root directory's chain, end of `TeslaCam`'s.
    public static func fatHead() -> [UInt8] {
        var fat = [UInt8](repeating: 0, count: 16)
        FileAllocationTable.setEntry(FileAllocationTable.mediaEntry(), of: 0, in: &fat)
        FileAllocationTable.setEntry(FileAllocationTable.cleanShutdownEntry, of: 1, in: &fat)
        // mkfs.fat ends the root directory's chain with 0x0FFFFFF8; the kernel's mkdir ends new chains with 0x0FFFFFFF.
        FileAllocationTable.setEntry(FATEntry(rawValue: FATEntry.endOfChainMinimum), of: 2, in: &fat)
        FileAllocationTable.setEntry(.endOfChain, of: teslaCamCluster, in: &fat)
        return fat
    }

    /// The used slots of the root directory: the volume label, then `TeslaCam` (long name + `TESLACAM` short entry).
    public static func rootDirectory(label: VolumeLabel, date: DOSDateTime) -> [UInt8] {
        let alias = ShortName.alias(for: teslaCamDirectoryName)
        let entry = DirectoryEntry(
            name: alias.shortName, attributes: .directory, caseFlags: alias.caseFlags, firstCluster: teslaCamCluster,
            date: date)
        var bytes = DirectoryEntry.volumeLabel(label, date: date).encoded()
        if alias.needsLongName {
            // The name is a constant that validates, so this cannot throw.
            let parts = (try? LongName.entries(for: teslaCamDirectoryName, shortName: alias.shortName)) ?? []
            for part in parts { bytes += part.encoded() }
        }
        bytes += entry.encoded()
        return bytes
    }

    /// The used slots of the `TeslaCam` directory: `.` and `..` (0: the parent is the root).
    public static func teslaCamDirectory(date: DOSDateTime) -> [UInt8] {
        DirectoryEntry.dot(cluster: teslaCamCluster, date: date).encoded()
            + DirectoryEntry.dotDot(parentCluster: 0, date: date).encoded()
    }
}
