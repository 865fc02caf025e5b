import BlockTrace
import FAT32
import Testing
@testable import Volume

/// Clusters the car frees in FAT1 give their blocks back to the board's disk.
@Suite struct FreedClusterTests {
    @Test func findsAllocatedToFreeTransitionsOnly() {
        // Entries 0..3 at FAT byte 0: allocated, free, EOC, allocated -> free, allocated, free, free.
        let old: [UInt8] = [5, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x0F, 9, 0, 0, 0]
        let new: [UInt8] = [0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0]
        // Cluster 0 and 1 are reserved; entry 3 keeps its top 4 bits only (still free in 28 bits).
        #expect(FreedClusters.freed(old: old, new: new, fatByteOffset: 0, clusterCount: 100) == [2, 3])
        // Offsets not on an entry boundary skip the partial entry.
        #expect(FreedClusters.freed(old: Array(old[2...]), new: Array(new[2...]), fatByteOffset: 2, clusterCount: 100) == [2, 3])
        // Entries beyond the cluster count are not clusters.
        #expect(FreedClusters.freed(old: old, new: new, fatByteOffset: 4000, clusterCount: 100).isEmpty)
    }

    @Test func freeingAChainPunchesItsBlocks() throws {
        let dir = TemporaryDirectory("discard")
        let engine = try makeBlankEngine(in: dir.path, diskBytes: 2 << 30)
        let g = engine.manifest.geometry
        var rng = SplitMix64(seed: 3)
        // A 64-cluster file at cluster 100: data, then its chain in FAT1.
        let data = randomBytes(64 * g.clusterSize, using: &rng)
        engine.write(data, at: g.clusterOffset(100))
        var chain = [UInt8]()
        for cluster in UInt32(100)..<164 {
            let next = cluster == 163 ? 0x0FFF_FFFF : cluster + 1
            chain += withUnsafeBytes(of: next.littleEndian, Array.init)
        }
        engine.write(chain, at: g.fatOffset(copy: 0) + 400)
        engine.flush()
        let before = engine.allocatedBytes()
        #expect(firstDifference(engine.read(at: g.clusterOffset(100), count: data.count), data) == nil)

        // The car deletes the file: FAT1 entries go to zero (FAT2 is a mirror and triggers nothing).
        engine.write([UInt8](repeating: 0, count: chain.count), at: g.fatOffset(copy: 1) + 400)
        #expect(engine.statistics.discardedClusters == 0)
        engine.write([UInt8](repeating: 0, count: chain.count), at: g.fatOffset(copy: 0) + 400)
        #expect(engine.statistics.discardedClusters == 64)
        // Less the FAT block the deletion itself dirtied in metadata.img.
        #expect(before - engine.allocatedBytes() >= UInt64(data.count) - 4096)
        #expect(engine.read(at: g.clusterOffset(100), count: data.count).allSatisfy { $0 == 0 })

        // A new owner writes the cluster again: its bytes stay.
        engine.write([1, 2, 3], at: g.clusterOffset(120))
        #expect(engine.read(at: g.clusterOffset(120), count: 3) == [1, 2, 3])
    }
}
