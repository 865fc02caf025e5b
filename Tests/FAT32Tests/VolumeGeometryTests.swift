import FAT32
import Testing

@Suite("VolumeGeometry")
struct VolumeGeometryTests {
    @Test(
        "cluster size follows the FAT32 table",
        arguments: [
            (UInt64(64) << 20, 512), (2 << 30, 4096), (8 << 30, 4096), (16 << 30, 8192), (30 << 30, 16384),
            (64 << 30, 32768), (128 << 30, 32768), (2 << 40, 32768),
        ] as [(UInt64, Int)])
    func clusterSizes(size: UInt64, clusterSize: Int) throws {
        for layout in PartitionLayout.allCases {
            let geometry = try VolumeGeometry(diskBytes: size, layout: layout)
            #expect(geometry.clusterSize == clusterSize)
        }
    }

    @Test("a 128 GiB volume has a FAT of about 16 MiB per copy")
    func largeFAT() throws {
        for layout in PartitionLayout.allCases {
            let geometry = try VolumeGeometry(diskBytes: 128 << 30, layout: layout)
            #expect(geometry.fatBytes >= (16 << 20) - (64 << 10) && geometry.fatBytes <= (16 << 20) + 4096)
            #expect(geometry.fatCount == 2)
        }
    }

    @Test("too small or too large sizes throw")
    func bounds() {
        #expect(throws: GeometryError.tooSmall(diskBytes: 31 << 20, minimum: 32 << 20)) {
            try VolumeGeometry(diskBytes: 31 << 20)
        }
        #expect(throws: GeometryError.tooSmall(diskBytes: 0, minimum: 32 << 20)) { try VolumeGeometry(diskBytes: 0) }
        #expect(throws: GeometryError.tooLarge(diskBytes: (2 << 40) + 512, maximum: 2 << 40)) {
            try VolumeGeometry(diskBytes: (2 << 40) + 512, layout: .superfloppy)
        }
        #expect(throws: GeometryError.self) { try VolumeGeometry(diskBytes: 4 << 40) }
        // 32 MiB passes the size check but leaves fewer than 65525 clusters, which FAT32 needs.
        #expect {
            try VolumeGeometry(diskBytes: 32 << 20)
        } throws: { error in
            guard case .tooFewClusters = error as? GeometryError else { return false }
            return true
        }
        #expect(!GeometryError.tooSmall(diskBytes: 1, minimum: 32 << 20).description.isEmpty)
    }

    static let sizes: [UInt64] = [
        34 << 20, 40 << 20, 64 << 20, 100 << 20, 260 << 20, (260 << 20) + 512, 1 << 30, (2 << 30) + 12345,
        8 << 30, (8 << 30) + 512, 16 << 30, 30 << 30, (32 << 30) - 512, 32 << 30, 64 << 30, 128 << 30,
        1 << 40, 2 << 40,
    ]

    @Test("layout invariants: aligned data, a FAT big enough, everything inside the disk", arguments: sizes)
    func invariants(size: UInt64) throws {
        for layout in PartitionLayout.allCases {
            let g = try VolumeGeometry(diskBytes: size, layout: layout)
            #expect(g.dataOffset % UInt64(g.clusterSize) == 0, "data region not aligned to the cluster size")
            #expect(g.partitionOffset == (layout == .mbr ? 1 << 20 : 0))
            #expect(g.fatOffset(copy: 0) == g.partitionOffset + UInt64(g.reservedSectors) * 512)
            #expect(g.reservedSectors >= 32 && g.reservedSectors < 32 + g.sectorsPerCluster)
            #expect(g.fatBytes / 4 >= UInt64(g.clusterCount) + 2)
            #expect(g.clusterCount >= VolumeGeometry.minimumClusters)
            #expect(g.dataEnd <= g.partitionOffset + UInt64(g.totalSectors) * 512)
            #expect(g.partitionOffset + UInt64(g.totalSectors) * 512 <= g.diskBytes)
            #expect(g.diskBytes == size / 512 * 512)
            #expect(g.clusterOffset(2) == g.dataOffset)
            #expect(g.clusterOffset(3) == g.dataOffset + UInt64(g.clusterSize))
            // The whole FAT32 cluster space is usable: no more clusters than 28 bits can number.
            #expect(g.clusterCount < 0x0FFF_FFF5)
            // The BPB this geometry produces is a valid FAT32 boot sector for the same geometry.
            let boot = try BootSector(decoding: BootSector(geometry: g, volumeID: 1, label: .teslaCam).encoded())
            #expect(boot.differences(from: g).isEmpty)
        }
    }

    @Test("sizes above 32 GiB are flagged for cars that refuse them")
    func carSafe() throws {
        #expect(try !VolumeGeometry(diskBytes: 30 << 30).exceedsCarSafeSize)
        #expect(try VolumeGeometry(diskBytes: 64 << 30).exceedsCarSafeSize)
    }
}
