import Testing
@testable import Volume

/// The placement table's memory follows what is placed now, not every cluster ever placed: the car's allocator
/// moves around the whole volume over weeks.
@Suite struct PlacementTableTests {
    @Test func pagesEmptiedAgainAreGivenBack() {
        let table = PlacementTable(clusterCount: 4_000_000)  // 128 GiB at 32 KiB clusters: 32 MiB of slots
        #expect(table.residentBytes() == 0)
        // One placement in every page, as the car's writes sweep the volume...
        for cluster in stride(from: UInt32(2), to: 4_000_000, by: 512) {
            table[cluster] = .init(file: 1, index: cluster)
        }
        #expect(table.residentBytes() > 30 << 20)
        #expect(table[514] == .init(file: 1, index: 514))
        // ...and cleared as the car frees them: the kernel has the pages back.
        for cluster in stride(from: UInt32(2), to: 4_000_000, by: 512) { table[cluster] = nil }
        #expect(table.occupiedPages == 0)
        #expect(table.residentBytes() == 0)
        #expect(table[514] == nil)
    }

    @Test func aPageWithAPlacementLeftStays() {
        let table = PlacementTable(clusterCount: 10_000)
        table[600] = .init(file: 3, index: 0)
        table[601] = .init(file: 3, index: 1)
        table[600] = nil
        #expect(table[601] == .init(file: 3, index: 1))
        #expect(table.occupiedPages == 1)
        // Setting what is there already changes no count.
        table[601] = .init(file: 3, index: 1)
        table[601] = nil
        #expect(table.occupiedPages == 0)
        table[601] = nil
        #expect(table.occupiedPages == 0)
    }
}
