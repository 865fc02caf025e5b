import CarFS
import Testing

/// The mirror keeps a page of entries only while one of them is allocated: its memory follows the car's data,
/// not the volume's size, and pages the car frees entirely go.
@Suite struct FATMirrorTests {
    static func entry(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    @Test func aFreshVolumeHoldsOnlyItsFirstPage() {
        var fat = FATMirror(clusterCount: 4_000_000)  // 128 GiB at 32 KiB clusters
        fat.apply([0xF8, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F] + Self.entry(0x0FFF_FFFF), atFATByte: 0)
        #expect(fat.residentPages == 1)
        #expect(fat.freeClusterCount() == 4_000_000 - 1)
        // A zero written over free entries (Linux rewrites whole FAT sectors) allocates nothing.
        fat.apply([UInt8](repeating: 0, count: 1 << 20), atFATByte: 8 << 20)
        #expect(fat.residentPages == 1)
    }

    @Test func aPageTheCarFreesEntirelyIsLetGo() {
        var fat = FATMirror(clusterCount: 100_000)
        let far: UInt32 = 50_000
        // A chain of three clusters far into the volume, then freed.
        let chain = Self.entry(far + 1) + Self.entry(far + 2) + Self.entry(0x0FFF_FFFF)
        let changed = chain.withUnsafeBytes { fat.apply($0, atFATByte: UInt64(far) * 4) }
        #expect(changed == [far, far + 1, far + 2])
        #expect(fat.residentPages == 1)
        #expect(fat.chain(from: far, limit: 10).clusters == [far, far + 1, far + 2])
        #expect(fat.freeClusterCount() == 100_000 - 3)
        var allocated: [UInt32] = []
        fat.forEachAllocated { cluster, _ in allocated.append(cluster) }
        #expect(allocated == [far, far + 1, far + 2])
        fat.apply([UInt8](repeating: 0, count: 12), atFATByte: UInt64(far) * 4)
        #expect(fat.residentPages == 0)
        #expect(fat.entry(far) == .free)
        #expect(fat.freeClusterCount() == 100_000)
    }

    @Test func partialEntryWritesStillMerge() {
        var fat = FATMirror(clusterCount: 10_000)
        fat.apply(Self.entry(0x0123_4567), atFATByte: 4 * 9_000)
        fat.apply([0xAB], atFATByte: 4 * 9_000 + 1)
        #expect(fat.entry(9_000).rawValue == 0x0123_AB67)
        // The last entry of the volume, and a write past the FAT's end, which is ignored.
        fat.apply(Self.entry(0x0FFF_FFFF) + Self.entry(5), atFATByte: 4 * 10_001)
        #expect(fat.entry(10_001).rawValue == 0x0FFF_FFFF)
        #expect(fat.freeClusterCount() == 10_000 - 2)
    }
}
