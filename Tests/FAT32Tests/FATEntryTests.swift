import FAT32
import PropertyBased
import Testing

@Suite("FATEntry and FileAllocationTable")
struct FATEntryTests {
    @Test("classifies the 28-bit value and ignores the top 4 bits")
    func kinds() {
        #expect(FATEntry(rawValue: 0).kind == .free)
        #expect(FATEntry(rawValue: 0xF000_0000).kind == .free)
        #expect(FATEntry(rawValue: 1).kind == .reserved)
        #expect(FATEntry(rawValue: 2).kind == .next(2))
        #expect(FATEntry(rawValue: 0x3000_0005).kind == .next(5))
        #expect(FATEntry(rawValue: 0x0FFF_FFEF).kind == .next(0x0FFF_FFEF))
        #expect(FATEntry(rawValue: 0x0FFF_FFF0).kind == .reserved)
        #expect(FATEntry(rawValue: 0x0FFF_FFF6).kind == .reserved)
        #expect(FATEntry(rawValue: 0x0FFF_FFF7).kind == .bad)
        #expect(FATEntry.bad.isBad)
        for raw: UInt32 in [0x0FFF_FFF8, 0x0FFF_FFFF, 0xFFFF_FFFF, 0x0FFF_FFFA] {
            #expect(FATEntry(rawValue: raw).kind == .endOfChain)
            #expect(FATEntry(rawValue: raw).isEndOfChain)
        }
        #expect(FATEntry.free.isFree && !FATEntry.endOfChain.isFree)
        #expect(FATEntry.endOfChain.description == "end of chain")
    }

    @Test("writing a value keeps the reserved top bits")
    func preservesTopBits() {
        #expect(FATEntry(rawValue: 0xA000_0000).replacingValue(with: 7).rawValue == 0xA000_0007)
        #expect(FATEntry(rawValue: 0x5FFF_FFFF).replacingValue(with: 0).rawValue == 0x5000_0000)
        #expect(FATEntry(rawValue: 0).replacingValue(with: 0xFFFF_FFFF).rawValue == 0x0FFF_FFFF)

        var fat = [UInt8](repeating: 0, count: 16)
        fat[11] = 0xF0  // entry 2's top nibble
        #expect(FileAllocationTable.setValue(0x0FFF_FFFF, of: 2, in: &fat))
        #expect(Array(fat[8..<12]) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(FileAllocationTable.setValue(3, of: 2, in: &fat))
        #expect(Array(fat[8..<12]) == [0x03, 0x00, 0x00, 0xF0])
        #expect(FileAllocationTable.entry(2, in: fat) == FATEntry(rawValue: 0xF000_0003))
        #expect(FileAllocationTable.entry(2, in: fat)?.value == 3)
        // Out of the buffer: nothing read, nothing written.
        #expect(FileAllocationTable.entry(4, in: fat) == nil)
        #expect(!FileAllocationTable.setValue(1, of: 4, in: &fat))
        #expect(fat.count == 16)
        // Whole-entry writes (FAT[0], FAT[1]) store all 32 bits.
        #expect(FileAllocationTable.setEntry(FATEntry(rawValue: 0xFFFF_FFFF), of: 1, in: &fat))
        #expect(Array(fat[4..<8]) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test("entries read from slices and other collections")
    func readsSlices() {
        let fat: [UInt8] = [0xAA, 0xBB, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00]
        #expect(FileAllocationTable.entry(0, in: fat[2...]) == FATEntry(rawValue: 1))
        #expect(FileAllocationTable.entry(1, in: fat[2...]) == FATEntry(rawValue: 9))
    }

    /// A FAT for `clusterCount` clusters with the given links.
    static func fat(clusterCount: UInt32, _ links: [UInt32: UInt32]) -> [UInt8] {
        var fat = [UInt8](repeating: 0, count: Int(clusterCount + 2) * 4)
        FileAllocationTable.setEntry(FileAllocationTable.mediaEntry(), of: 0, in: &fat)
        FileAllocationTable.setEntry(FileAllocationTable.cleanShutdownEntry, of: 1, in: &fat)
        for (cluster, value) in links { FileAllocationTable.setValue(value, of: cluster, in: &fat) }
        return fat
    }

    @Test("follows a chain to its end")
    func followsChain() throws {
        let fat = Self.fat(clusterCount: 100, [2: 0x0FFF_FFFF, 5: 9, 9: 6, 6: 50, 50: 0x0FFF_FFF8])
        #expect(try FileAllocationTable.chain(from: 2, in: fat, clusterCount: 100) == [2])
        #expect(try FileAllocationTable.chain(from: 5, in: fat, clusterCount: 100) == [5, 9, 6, 50])
        #expect(FileAllocationTable.walkChain(from: 5, in: fat, clusterCount: 100).isComplete)
    }

    @Test("reports loops, broken links and bad starts without running away")
    func brokenChains() {
        let fat = Self.fat(
            clusterCount: 100,
            [5: 6, 6: 7, 7: 5, 10: 10, 20: 21, 30: 0x0FFF_FFF7, 40: 1, 41: 0x0FFF_FFF2, 50: 200, 60: 101, 61: 102])
        #expect(throws: FAT32Error.chainLoop(start: 5, repeated: 5)) {
            try FileAllocationTable.chain(from: 5, in: fat, clusterCount: 100)
        }
        #expect(throws: FAT32Error.chainLoop(start: 10, repeated: 10)) {
            try FileAllocationTable.chain(from: 10, in: fat, clusterCount: 100)
        }
        let walked = FileAllocationTable.walkChain(from: 6, in: fat, clusterCount: 100)
        #expect(walked.clusters == [6, 7, 5])
        #expect(walked.end == .loop(at: 5, repeated: 6))
        // 21 is free: the car wrote the directory entry before the FAT (or never finished).
        let partial = FileAllocationTable.walkChain(from: 20, in: fat, clusterCount: 100)
        #expect(partial.clusters == [20, 21])
        #expect(partial.end == .broken(at: 21, entry: .free))
        #expect(throws: FAT32Error.brokenChain(start: 20, at: 21, entry: .free)) {
            try FileAllocationTable.chain(from: 20, in: fat, clusterCount: 100)
        }
        #expect(throws: FAT32Error.brokenChain(start: 30, at: 30, entry: .bad)) {
            try FileAllocationTable.chain(from: 30, in: fat, clusterCount: 100)
        }
        #expect(throws: FAT32Error.self) { try FileAllocationTable.chain(from: 40, in: fat, clusterCount: 100) }
        #expect(throws: FAT32Error.self) { try FileAllocationTable.chain(from: 41, in: fat, clusterCount: 100) }
        // 200 and 102 are past the last cluster (101).
        #expect(throws: FAT32Error.brokenChain(start: 50, at: 50, entry: FATEntry(rawValue: 200))) {
            try FileAllocationTable.chain(from: 50, in: fat, clusterCount: 100)
        }
        #expect(FileAllocationTable.walkChain(from: 60, in: fat, clusterCount: 100).clusters == [60, 101])
        #expect(throws: FAT32Error.clusterOutOfRange(cluster: 0, clusterCount: 100)) {
            try FileAllocationTable.chain(from: 0, in: fat, clusterCount: 100)
        }
        #expect(throws: FAT32Error.clusterOutOfRange(cluster: 102, clusterCount: 100)) {
            try FileAllocationTable.chain(from: 102, in: fat, clusterCount: 100)
        }
        // A FAT buffer shorter than the cluster count says.
        let short = Array(Self.fat(clusterCount: 100, [3: 4, 4: 90])[..<(50 * 4)])
        #expect(FileAllocationTable.walkChain(from: 3, in: short, clusterCount: 100).end == .broken(at: 90, entry: nil))
    }

    @Test("walking any FAT terminates within the cluster count", .tags(.property))
    func walkingGarbageTerminates() async {
        await propertyCheck(input: Gen.uint32(in: 0...40).array(of: 42), Gen.uint32(in: 0...45)) { values, start in
            var fat = [UInt8](repeating: 0, count: 42 * 4)
            for (cluster, value) in values.enumerated() {
                FileAllocationTable.setEntry(FATEntry(rawValue: value), of: UInt32(cluster), in: &fat)
            }
            let chain = FileAllocationTable.walkChain(from: start, in: fat, clusterCount: 40)
            #expect(chain.clusters.count <= 40)
            #expect(Set(chain.clusters).count == chain.clusters.count)
            #expect(chain.clusters.allSatisfy { (2...41).contains($0) })
        }
    }

    @Test("counts free, used and bad data clusters, whole or in chunks")
    func usage() {
        var fat = Self.fat(clusterCount: 1000, [2: 0x0FFF_FFFF, 3: 0x0FFF_FFFF, 10: 11, 11: 0x0FFF_FFF8, 12: 0x0FFF_FFF7])
        // Top bits alone do not make a cluster used.
        fat[4 * 20 + 3] = 0xF0
        let usage = FileAllocationTable.usage(of: fat, clusterCount: 1000)
        #expect(usage == FileAllocationTable.Usage(free: 995, used: 4, bad: 1))
        #expect(FileAllocationTable.countFree(in: fat, clusterCount: 1000) == 995)
        // Entries beyond the cluster count (FAT padding) are not clusters.
        fat += [0xFF, 0xFF, 0xFF, 0x0F]
        #expect(FileAllocationTable.usage(of: fat, clusterCount: 1000) == usage)
        var chunked = FileAllocationTable.Usage()
        for start in stride(from: 0, to: fat.count, by: 64) {
            let part = fat[start..<min(start + 64, fat.count)]
            chunked.add(FileAllocationTable.usage(ofEntriesIn: part, firstCluster: UInt32(start / 4), clusterCount: 1000))
        }
        #expect(chunked == usage)
    }

    @Test("the formatter's FAT head")
    func fatHead() {
        #expect(
            Formatter.fatHead() == [
                0xF8, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F, 0xF8, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F,
            ])
        #expect(FileAllocationTable.mediaEntry().rawValue & 0xFF == 0xF8)
    }
}

extension Tag {
    @Tag static var property: Self
}
