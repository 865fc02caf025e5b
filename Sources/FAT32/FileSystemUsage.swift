/// What `teslacam inspect` reports about the FAT32 file system on a disk: identity, size, and how full the FAT
/// says it is.
public struct FileSystemUsage: Hashable, Sendable {
    /// The decoded boot sector.
    public var bootSector: BootSector
    /// The boot sector's label (trailing spaces removed).
    public var label: String
    /// The root directory's volume label entry, which is what Windows and `mlabel` show; nil if there is none.
    public var rootDirectoryLabel: String?
    public var volumeID: UInt32
    public var clusterSize: Int
    public var clusterCount: UInt32
    public var usedClusters: UInt32
    public var freeClusters: UInt32
    public var badClusters: UInt32
    /// The FSInfo free-cluster hint, if the FSInfo sector is valid and the hint is set.
    public var fsInfoFreeCount: UInt32?
    /// BPB fields that differ from the expected geometry, one readable line each.
    public var differencesFromGeometry: [String]

    /// Whether the BPB describes exactly the expected geometry.
    public var matchesGeometry: Bool { differencesFromGeometry.isEmpty }
    /// The serial number as `dir`/`minfo` print it, `XXXX-XXXX`.
    public var volumeIDString: String {
        func hex4(_ v: UInt32) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - s.count) + s
        }
        return hex4(volumeID >> 16) + "-" + hex4(volumeID & 0xFFFF)
    }
    public var usedBytes: UInt64 { UInt64(usedClusters) * UInt64(clusterSize) }
    public var freeBytes: UInt64 { UInt64(freeClusters) * UInt64(clusterSize) }

    /// Bytes of FAT read per call to the reader.
    static let chunkBytes = 1 << 20

    /// Reads the boot sector at `geometry.partitionOffset`, FSInfo, the root directory's first cluster and the
    /// active FAT through `read(offset, length)` (absolute disk offsets; it must return exactly `length` bytes)
    /// and counts the clusters. The FAT is read in 1 MiB pieces.
    ///
    /// Throws if the boot sector is not FAT32 (e.g. the car reformatted the drive as exFAT) or a read comes back
    /// short. A bad FSInfo sector or root directory does not throw; the corresponding fields are nil.
    public static func inspect(
        geometry: VolumeGeometry, read: (_ offset: UInt64, _ length: Int) -> [UInt8]
    ) throws(FAT32Error) -> FileSystemUsage {
        func readExactly(_ offset: UInt64, _ length: Int) throws(FAT32Error) -> [UInt8] {
            let bytes = read(offset, length)
            guard bytes.count >= length else { throw .shortRead(offset: offset, requested: length, got: bytes.count) }
            return bytes.count == length ? bytes : Array(bytes.prefix(length))
        }
        let start = geometry.partitionOffset
        let boot = try BootSector(decoding: readExactly(start, BootSector.size))
        let sectorSize = UInt64(boot.bytesPerSector)

        var fsInfoFreeCount: UInt32?
        if boot.fsInfoSector != 0 && boot.fsInfoSector != 0xFFFF,
            let info = try? FSInfo(decoding: readExactly(start + UInt64(boot.fsInfoSector) * sectorSize, FSInfo.size)),
            info.freeCount != FSInfo.unknown
        {
            fsInfoFreeCount = info.freeCount
        }

        let rootOffset = start + (boot.dataStartSector + UInt64(boot.rootCluster - 2) * UInt64(boot.sectorsPerCluster))
            * sectorSize
        let rootLabel = (try? readExactly(rootOffset, boot.clusterSize)).flatMap { bytes in
            Directory.records(in: bytes).first { $0.entry.isVolumeLabel }
        }.map { ShortName.string(from: $0.entry.rawName).trimmingTrailingSpaces() }

        let clusterCount = boot.clusterCount
        let fatStart = start + boot.fatStartSector(copy: boot.activeFAT) * sectorSize
        let fatLength = min(UInt64(boot.sectorsPerFAT) * sectorSize, (UInt64(clusterCount) + 2) * 4)
        var usage = FileAllocationTable.Usage()
        var done: UInt64 = 0
        while done < fatLength {
            let length = Int(min(UInt64(chunkBytes), fatLength - done))
            let part = try readExactly(fatStart + done, length)
            usage.add(
                FileAllocationTable.usage(
                    ofEntriesIn: part, firstCluster: UInt32(done / 4), clusterCount: clusterCount))
            done += UInt64(length)
        }
        return FileSystemUsage(
            bootSector: boot, label: boot.volumeLabel.description, rootDirectoryLabel: rootLabel,
            volumeID: boot.volumeID, clusterSize: boot.clusterSize, clusterCount: clusterCount,
            usedClusters: usage.used, freeClusters: usage.free, badClusters: usage.bad,
            fsInfoFreeCount: fsInfoFreeCount, differencesFromGeometry: boot.differences(from: geometry))
    }
}
