import FAT32
import Testing

@Suite("Formatter")
struct FormatterTests {
    static let date = DOSDateTime(year: 2025, month: 6, day: 1, hour: 12, minute: 34, second: 56)

    static func formatted(_ geometry: VolumeGeometry, label: String = "TESLACAM") -> MemoryDisk {
        var disk = MemoryDisk()
        Formatter.format(geometry, label: label, volumeID: 0x1234_ABCD, date: date, into: &disk)
        return disk
    }

    static let geometries: [VolumeGeometry] = [64 << 20, 2 << 30, 30 << 30, 128 << 30].flatMap { size in
        PartitionLayout.allCases.map { try! VolumeGeometry(diskBytes: size, layout: $0) }
    }

    @Test("writes only a few KiB of non-zero metadata, never whole FATs or clusters", arguments: geometries)
    func thin(_ geometry: VolumeGeometry) {
        let writes = Formatter.writes(for: geometry, volumeID: 1, date: Self.date)
        #expect(writes.count == (geometry.layout == .mbr ? 9 : 8))
        let total = writes.reduce(0) { $0 + $1.bytes.count }
        #expect(total <= 6 * 512 + 4 * 16 + 160)
        for write in writes {
            #expect(write.bytes.contains { $0 != 0 }, "a write of zeros at \(write.offset)")
            #expect(write.offset + UInt64(write.bytes.count) <= geometry.diskBytes)
        }
        // In ascending order and not overlapping.
        for (a, b) in zip(writes, writes.dropFirst()) {
            #expect(a.offset + UInt64(a.bytes.count) <= b.offset)
        }
        let disk = Self.formatted(geometry)
        #expect(disk.bytesWritten == total)
    }

    @Test("reserved area: boot sector, FSInfo and their backups at 6 and 7, like mkfs.fat", arguments: geometries)
    func reservedArea(_ geometry: VolumeGeometry) throws {
        let disk = Self.formatted(geometry)
        let start = geometry.partitionOffset
        if geometry.layout == .mbr {
            let mbr = try MasterBootRecord(decoding: disk.read(0, 512))
            #expect(mbr.partitions[0].type == PartitionEntry.fat32LBA)
            #expect(UInt64(mbr.partitions[0].firstLBA) * 512 == start)
            #expect(mbr.partitions[0].sectorCount == geometry.totalSectors)
            #expect(mbr.diskSignature == 0x1234_ABCD)
            #expect(disk.read(512, Int(start) - 512).allSatisfy { $0 == 0 })
        }
        let boot = try BootSector(decoding: disk.read(start, 512))
        #expect(boot == BootSector(geometry: geometry, volumeID: 0x1234_ABCD, label: .teslaCam))
        #expect(disk.read(start + 6 * 512, 512) == disk.read(start, 512))
        let info = try FSInfo(decoding: disk.read(start + 512, 512))
        #expect(info.freeCount == geometry.clusterCount - 2)
        #expect(info.nextFree == 4)
        #expect(disk.read(start + 7 * 512, 512) == disk.read(start + 512, 512))
        for sector: UInt64 in [2, 3, 4, 5, 8] {
            #expect(disk.read(start + sector * 512, 512).allSatisfy { $0 == 0 }, "sector \(sector) is not empty")
        }
    }

    @Test("both FATs hold the media entry, the clean entry and two one-cluster chains", arguments: geometries)
    func fats(_ geometry: VolumeGeometry) throws {
        let disk = Self.formatted(geometry)
        for copy in 0..<2 {
            let head = disk.read(geometry.fatOffset(copy: copy), 4096)
            #expect(FileAllocationTable.entry(0, in: head) == FATEntry(rawValue: 0x0FFF_FFF8))
            #expect(FileAllocationTable.entry(1, in: head) == FATEntry(rawValue: 0x0FFF_FFFF))
            #expect(try FileAllocationTable.chain(from: 2, in: head, clusterCount: geometry.clusterCount) == [2])
            #expect(try FileAllocationTable.chain(from: 3, in: head, clusterCount: geometry.clusterCount) == [3])
            #expect(head[16...].allSatisfy { $0 == 0 })
        }
    }

    @Test("the root directory holds the label and TeslaCam; TeslaCam holds . and ..", arguments: geometries)
    func directories(_ geometry: VolumeGeometry) throws {
        let disk = Self.formatted(geometry)
        let root = Directory.records(in: disk.read(geometry.clusterOffset(2), geometry.clusterSize))
        #expect(root.count == 2)
        #expect(root[0].entry.isVolumeLabel && root[0].entry.rawName == Array("TESLACAM   ".utf8))
        #expect(root[0].entry.modified == Self.date)
        let teslaCam = root[1]
        #expect(teslaCam.longName == "TeslaCam")
        #expect(teslaCam.entry.name.description == "TESLACAM")
        #expect(teslaCam.entry.isDirectory && teslaCam.entry.attributes == .directory)
        #expect(teslaCam.entry.firstCluster == 3 && teslaCam.entry.size == 0)
        #expect(teslaCam.entry.created == Self.date && teslaCam.entry.modified == Self.date)
        #expect(teslaCam.entry.accessDate == Self.date.date)
        #expect(teslaCam.firstSlot == 1 && teslaCam.slot == 2)

        let inner = Directory.records(in: disk.read(geometry.clusterOffset(3), geometry.clusterSize))
        #expect(inner.map(\.entry.name) == [.dot, .dotDot])
        #expect(inner.map(\.entry.firstCluster) == [3, 0])
        #expect(inner.allSatisfy { $0.entry.isDirectory && $0.entry.modified == Self.date })
    }

    @Test("a label that is not valid is made valid")
    func lossyLabel() throws {
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .superfloppy)
        let disk = Self.formatted(geometry, label: "my cam!")
        let boot = try BootSector(decoding: disk.read(0, 512))
        #expect(boot.volumeLabel.description == "MY CAM!")
        let root = Directory.records(in: disk.read(geometry.clusterOffset(2), 512))
        #expect(root[0].entry.rawName == Array("MY CAM!    ".utf8))
    }
}
