import HarvestCore
import PropertyBased
import Testing

@Suite struct ClusterMapTests {
    @Test func everyLocationRoundTrips() {
        var map = ClusterMap(clusterCount: 40_000)
        let locations: [ClusterLocation] = [
            .unwritten, .staged, .cached(staleCopyStaged: false), .cached(staleCopyStaged: true),
            .placed(file: 1, index: 0), .placed(file: .max, index: .max), .placed(file: 7, index: 1),
        ]
        for (i, location) in locations.enumerated() {
            map[UInt32(2 + i * 4099)] = location
            #expect(map[UInt32(2 + i * 4099)] == location)
        }
        #expect(map.stagedCount == 1)
    }

    /// The car goes round the volume: pages it no longer uses go, so memory follows the live data.
    @Test func aPageWhoseClustersAreAllUnwrittenAgainGoes() {
        var map = ClusterMap(clusterCount: 100_000)
        for cluster: UInt32 in 2..<20_002 { map[cluster] = .placed(file: 1, index: cluster) }
        let full = map.pagesInMemory
        #expect(full >= 4)
        for cluster: UInt32 in 2..<20_002 { map[cluster] = .unwritten }
        #expect(map.pagesInMemory == 0)
        map[50_000] = .staged
        #expect(map.pagesInMemory == 1 && map[50_000] == .staged)
    }

    @Test func outOfRangeClustersReadUnwrittenAndIgnoreWrites() {
        var map = ClusterMap(clusterCount: 100)
        for cluster: UInt32 in [0, 1, 102, 103, .max] {
            map[cluster] = .staged
            #expect(map[cluster] == .unwritten)
        }
        #expect(map.stagedCount == 0)
    }

    /// Against a dictionary model: any sequence of moves leaves each cluster where it was put last, and the staged
    /// count equals the model's.
    @Test func behavesLikeADictionary() async {
        await propertyCheck(input: Gen.uint64(in: 0 ... .max).array(of: 1...400)) { words in
            var map = ClusterMap(clusterCount: 20_000)
            var model: [UInt32: ClusterLocation] = [:]
            for word in words {
                let cluster = UInt32(2 + word % 20_000)
                let location: ClusterLocation = switch (word >> 20) % 5 {
                    case 0: .unwritten
                    case 1: .staged
                    case 2: .cached(staleCopyStaged: word >> 30 & 1 == 1)
                    default: .placed(file: UInt32(1 + (word >> 32) % 1000), index: UInt32((word >> 42) % 5000))
                }
                map[cluster] = location
                model[cluster] = location
            }
            for (cluster, location) in model { #expect(map[cluster] == location) }
            #expect(map.stagedCount == model.values.filter { $0 == .staged }.count)
        }
    }
}
