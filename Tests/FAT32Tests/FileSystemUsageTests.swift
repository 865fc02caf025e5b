import FAT32
import Testing

@Suite("FileSystemUsage")
struct FileSystemUsageTests {
    static let date = DOSDateTime(year: 2025, month: 6, day: 1)

    @Test("inspects a freshly formatted volume", arguments: PartitionLayout.allCases)
    func fresh(layout: PartitionLayout) throws {
        let geometry = try VolumeGeometry(diskBytes: 30 << 30, layout: layout)
        var disk = MemoryDisk()
        Formatter.format(geometry, volumeID: 0x1234_ABCD, date: Self.date, into: &disk)
        var reads = 0
        let usage = try FileSystemUsage.inspect(geometry: geometry) { offset, length in
            reads += 1
            return disk.read(offset, length)
        }
        #expect(usage.label == "TESLACAM")
        #expect(usage.rootDirectoryLabel == "TESLACAM")
        #expect(usage.volumeID == 0x1234_ABCD && usage.volumeIDString == "1234-ABCD")
        #expect(usage.clusterSize == 16384)
        #expect(usage.clusterCount == geometry.clusterCount)
        #expect(usage.usedClusters == 2 && usage.badClusters == 0)
        #expect(usage.freeClusters == geometry.clusterCount - 2)
        #expect(usage.fsInfoFreeCount == geometry.clusterCount - 2)
        #expect(usage.matchesGeometry && usage.differencesFromGeometry.isEmpty)
        #expect(usage.usedBytes == 2 * 16384)
        // The 7.5 MiB FAT is read in 1 MiB pieces.
        #expect(reads == 3 + Int((geometry.fatBytes + (1 << 20) - 1) >> 20))
    }

    @Test("counts clusters the car allocated, and bad ones")
    func allocated() throws {
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)
        var disk = MemoryDisk()
        Formatter.format(geometry, volumeID: 1, date: Self.date, into: &disk)
        // A 10-cluster file at 100 and a bad cluster at 500 000, in the first FAT.
        var fat = disk.read(geometry.fatOffset(copy: 0), 512)
        for cluster: UInt32 in 100..<109 { FileAllocationTable.setValue(cluster + 1, of: cluster, in: &fat) }
        FileAllocationTable.setValue(FATEntry.endOfChain.value, of: 109, in: &fat)
        disk.write(fat, at: geometry.fatOffset(copy: 0))
        disk.write([0xF7, 0xFF, 0xFF, 0x0F], at: geometry.fatOffset(copy: 0) + 500_000 * 4)
        let usage = try FileSystemUsage.inspect(geometry: geometry, read: disk.read)
        #expect(usage.usedClusters == 12)
        #expect(usage.badClusters == 1)
        #expect(usage.freeClusters == geometry.clusterCount - 13)
        // FSInfo is only a hint; it still says what the formatter wrote.
        #expect(usage.fsInfoFreeCount == geometry.clusterCount - 2)
    }

    @Test("reports a BPB that does not match the expected geometry")
    func mismatch() throws {
        let formatted = try VolumeGeometry(diskBytes: 30 << 30, layout: .superfloppy)
        var disk = MemoryDisk()
        Formatter.format(formatted, volumeID: 1, date: Self.date, into: &disk)
        // Expecting a 31 GiB disk: same cluster size, different sizes.
        let expected = try VolumeGeometry(diskBytes: 31 << 30, layout: .superfloppy)
        let usage = try FileSystemUsage.inspect(geometry: expected, read: disk.read)
        #expect(!usage.matchesGeometry)
        #expect(usage.differencesFromGeometry.contains { $0.hasPrefix("total sectors") })
    }

    @Test("throws for an exFAT volume, an empty disk and short reads")
    func errors() throws {
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)
        let empty = MemoryDisk()
        #expect(throws: FAT32Error.self) { try FileSystemUsage.inspect(geometry: geometry, read: empty.read) }

        var exfat = MemoryDisk()
        var sector = [UInt8](repeating: 0, count: 512)
        sector.replaceSubrange(0..<11, with: [0xEB, 0x76, 0x90] + Array("EXFAT   ".utf8))
        sector[510] = 0x55
        sector[511] = 0xAA
        exfat.write(sector, at: geometry.partitionOffset)
        #expect {
            try FileSystemUsage.inspect(geometry: geometry, read: exfat.read)
        } throws: { error in
            guard case .notFAT32 = error as? FAT32Error else { return false }
            return true
        }

        var disk = MemoryDisk()
        Formatter.format(geometry, volumeID: 1, date: Self.date, into: &disk)
        #expect(throws: FAT32Error.shortRead(offset: geometry.partitionOffset, requested: 512, got: 0)) {
            try FileSystemUsage.inspect(geometry: geometry) { _, _ in [] }
        }
        // An image cut short inside the FAT.
        let cut = geometry.fatOffset(copy: 0) + 4096
        #expect {
            try FileSystemUsage.inspect(geometry: geometry) { offset, length in
                offset >= cut ? [] : disk.read(offset, length)
            }
        } throws: { error in
            guard case .shortRead = error as? FAT32Error else { return false }
            return true
        }
    }
}
