import FAT32
import Testing
@testable import Volume

@Suite struct RegionMapTests {
    let geometry = try! VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)

    @Test func splitsAtTheDataBoundary() {
        let map = RegionMap(geometry: geometry)
        let segments = Array(map.segments(offset: map.dataOffset - 100, length: 300))
        #expect(segments == [
            RegionSegment(region: .metadata, storeOffset: map.dataOffset - 100, bufferOffset: 0, length: 100),
            RegionSegment(region: .clusters, storeOffset: 0, bufferOffset: 100, length: 200),
        ])
    }

    @Test func clipsAtTheEndOfTheDisk() {
        let map = RegionMap(geometry: geometry)
        #expect(map.segments(offset: map.diskBytes - 10, length: 100).map(\.length) == [10])
        #expect(map.segments(offset: map.diskBytes, length: 100).isEmpty)
        #expect(map.segments(offset: 0, length: 0).isEmpty)
    }

    @Test func clusterTwoStartsTheStagingArea() {
        let map = RegionMap(geometry: geometry)
        let cluster5 = geometry.clusterOffset(5)
        #expect(Array(map.segments(offset: cluster5, length: 4096))
                == [RegionSegment(region: .clusters, storeOffset: 3 * UInt64(geometry.clusterSize), bufferOffset: 0, length: 4096)])
    }
}
