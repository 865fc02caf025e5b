import FAT32
import Testing

@Suite("MasterBootRecord")
struct MasterBootRecordTests {
    @Test("the MBR of a 30 GiB volume: one 0x0C partition at 1 MiB over the file system")
    func volumeMBR() throws {
        let geometry = try VolumeGeometry(diskBytes: 30 << 30, layout: .mbr)
        let mbr = MasterBootRecord(geometry: geometry, diskSignature: 0x1234_ABCD)
        let bytes = mbr.encoded()
        #expect(bytes.count == 512)
        #expect(bytes[510] == 0x55 && bytes[511] == 0xAA)
        #expect(Array(bytes[440..<444]) == [0xCD, 0xAB, 0x34, 0x12])
        #expect(bytes[0..<440].allSatisfy { $0 == 0 })
        let entry = Array(bytes[446..<462])
        #expect(entry[0] == 0x00)  // not bootable
        #expect(Array(entry[1...3]) == [0x20, 0x21, 0x00])  // LBA 2048 = C0/H32/S33 with 255 heads × 63 sectors
        #expect(entry[4] == 0x0C)
        #expect(Array(entry[5...7]) == [0xFE, 0xFF, 0xFF])  // beyond cylinder 1023
        #expect(Array(entry[8...11]) == [0x00, 0x08, 0x00, 0x00])  // LBA 2048
        let count = UInt32(entry[12]) | UInt32(entry[13]) << 8 | UInt32(entry[14]) << 16 | UInt32(entry[15]) << 24
        #expect(count == geometry.totalSectors)
        #expect(UInt64(count) * 512 + geometry.partitionOffset == geometry.diskBytes)
        #expect(bytes[462..<510].allSatisfy { $0 == 0 })
        #expect(mbr.partitions[1...].allSatisfy { $0.isEmpty })
    }

    @Test("round-trips, including a bootable entry and boot code")
    func roundTrip() throws {
        let chs = CHSGeometry(heads: 255, sectorsPerTrack: 63)
        let mbr = MasterBootRecord(
            bootCode: (0..<440).map { UInt8(truncatingIfNeeded: $0) }, diskSignature: 0xCAFE_F00D,
            partitions: [
                PartitionEntry(type: 0x0C, firstLBA: 2048, sectorCount: 1_000_000, bootable: true, geometry: chs),
                PartitionEntry(type: 0x07, firstLBA: 1_002_048, sectorCount: 500_000, geometry: chs),
            ])
        let decoded = try MasterBootRecord(decoding: mbr.encoded())
        #expect(decoded == mbr)
        #expect(decoded.partitions[0].isBootable)
        #expect(decoded.partitions[0].encoded()[0] == 0x80)
        #expect(decoded.partitions[1].endLBA == 1_502_048)
        #expect(decoded.partitions.count == 4)
    }

    @Test("rejects a missing signature, bad status bytes and short input")
    func rejects() throws {
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)
        var bytes = MasterBootRecord(geometry: geometry, diskSignature: 1).encoded()
        bytes[446] = 0x12
        #expect(throws: FAT32Error.self) { try MasterBootRecord(decoding: bytes) }
        bytes[446] = 0
        bytes[511] = 0
        #expect(throws: FAT32Error.missingSignature(structure: "MBR", offset: 510, found: 0x55, expected: 0xAA55)) {
            try MasterBootRecord(decoding: bytes)
        }
        #expect(throws: FAT32Error.self) { try MasterBootRecord(decoding: bytes.prefix(511)) }
    }

    @Test("CHS addresses")
    func chs() throws {
        let g = CHSGeometry(heads: 255, sectorsPerTrack: 63)
        #expect(CHSAddress(lba: 0, geometry: g).encoded() == [0, 1, 0])
        #expect(CHSAddress(lba: 62, geometry: g).encoded() == [0, 63, 0])
        #expect(CHSAddress(lba: 63, geometry: g).encoded() == [1, 1, 0])
        let c300 = CHSAddress(lba: 300 * 255 * 63, geometry: g)
        #expect(c300.cylinder == 300 && c300.head == 0 && c300.sector == 1)
        #expect(c300.encoded() == [0, 0x41, 0x2C])  // cylinder 300 = 0x12C: high bits 01 in the sector byte
        #expect(CHSAddress(lba: 1024 * 255 * 63, geometry: g) == .beyondReach)
        #expect(CHSAddress.beyondReach.encoded() == [0xFE, 0xFF, 0xFF])
        #expect(try CHSAddress(decoding: [1, 2, 3]).encoded() == [1, 2, 3])
        // mkfs.fat's invented geometries.
        #expect(CHSGeometry(sectors: 129_024) == CHSGeometry(heads: 8, sectorsPerTrack: 32))
        #expect(CHSGeometry(sectors: 4_194_304) == CHSGeometry(heads: 128, sectorsPerTrack: 63))
        #expect(CHSGeometry(sectors: 62_914_560) == CHSGeometry(heads: 255, sectorsPerTrack: 63))
    }
}
