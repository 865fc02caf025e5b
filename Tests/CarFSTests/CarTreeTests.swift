import BlockTrace
import CarFS
import CarSimulator
import FAT32
import Testing

@Suite struct CarTreeTests {
    let geometry = try! VolumeGeometry(diskBytes: 1 << 30, layout: .mbr)

    func scenarioDisk(minutes: Int = 4) -> (MemoryDisk, [TeslaScenario.Entry]) {
        var scenario = TeslaScenario()
        scenario.minutes = minutes
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: scenario.start, seed: 3)
        let entries = scenario.run(on: &fs)
        var disk = MemoryDisk(geometry: geometry)
        for record in fs.drainRecords() { disk.apply(record) }
        return (disk, entries)
    }

    @Test func theTreeOfATeslaScenarioHasEveryFileWithItsContent() {
        let (disk, entries) = scenarioDisk()
        let tree = disk.tree()
        #expect(tree.problems.isEmpty, "\(tree.problems)")
        let byPath = Dictionary(uniqueKeysWithValues: tree.files.map { ($0.pathString, $0) })
        let present = entries.filter { $0.state == .present }
        #expect(tree.files.count == present.count)
        for entry in present {
            guard let file = byPath[entry.path] else { Issue.record("missing \(entry.path)"); continue }
            #expect(file.size == entry.size)
            #expect(file.isFullyChained(clusterSize: geometry.clusterSize))
            let expected: [UInt8]
            switch entry.content {
            case let .bytes(b): expected = b
            case let .pattern(seed): expected = PatternBlock.fileBytes(seed: seed, offset: 0, count: Int(entry.size))
            }
            let content = disk.content(of: file)
            #expect(content.count == expected.count && zip(content, expected).allSatisfy { $0 == $1 }, "\(entry.path)")
        }
        #expect(tree.directories.map(\.pathString).contains("TeslaCam/RecentClips"))
    }

    @Test func dataBeforeMetadataLeavesFilesWithoutClustersUntilTheFATArrives() {
        var scenario = TeslaScenario()
        scenario.minutes = 1
        scenario.flushEvery = 1000
        scenario.writebackEvery = 1000
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: scenario.start, seed: 3)
        var disk = MemoryDisk(geometry: geometry)
        for record in fs.drainRecords() { disk.apply(record) }
        let recent = fs.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        fs.flush()
        let clip = fs.createFile("2025-11-25_10-00-00-front.mp4", in: recent, seed: 9)
        fs.append(clip, count: 100_000)
        // Only the data so far: the directory still says nothing about the clip.
        for record in fs.drainRecords() { disk.apply(record) }
        #expect(disk.tree().files.isEmpty)
        fs.writeback()
        for record in fs.drainRecords() { disk.apply(record) }
        let files = disk.tree().files
        #expect(files.count == 1)
        #expect(files.first?.size == 100_000)
        #expect(files.first?.isFullyChained(clusterSize: geometry.clusterSize) == true)
    }

    @Test func loopsAndCrossLinksEndTheWalk() {
        let (clean, _) = scenarioDisk(minutes: 1)
        var disk = clean
        let files = disk.tree().files.filter { $0.clusters.count > 2 }
        let a = files[0], b = files[1]
        // a's second cluster points back to its head; b's first cluster joins a's chain.
        disk.write(le(a.head), at: geometry.fatOffset(copy: 0) + UInt64(a.clusters[1]) * 4)
        disk.write(le(a.clusters[0]), at: geometry.fatOffset(copy: 0) + UInt64(b.head) * 4)
        let tree = disk.tree()
        #expect(tree.problems.contains { if case .loop = $0 { true } else { false } })
        #expect(tree.problems.contains { if case .crossLinked = $0 { true } else { false } })
        #expect(!tree.contested.isEmpty)
    }

    @Test func randomBytesAnywhereInTheMetadataNeverCrashOrHang() {
        let (clean, _) = scenarioDisk(minutes: 1)
        var rng = SystemRandomNumberGenerator()
        let teslaCam = geometry.clusterOffset(Formatter.teslaCamCluster)
        for round in 0..<60 {
            var disk = clean
            for _ in 0..<20 {
                let region = [geometry.partitionOffset, geometry.fatOffset(copy: 0), geometry.dataOffset, teslaCam]
                let base = region[round % region.count]
                let offset = base + UInt64.random(in: 0..<8192, using: &rng)
                disk.write((0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                           at: offset)
            }
            let tree = disk.tree()
            for file in tree.files {
                #expect(!ArchivePath.relative(file.path).split(separator: "/").contains { $0 == ".." || $0 == "." })
            }
        }
    }

    @Test func archivePathsStayInside() {
        #expect(ArchivePath.relative(["..", "a/b", "\u{1}x"]) == "_.._/a_b/_x")
        #expect(ArchivePath.relative(["TeslaCam", "RecentClips", "2025-11-25_10-00-00-front.mp4"])
            == "TeslaCam/RecentClips/2025-11-25_10-00-00-front.mp4")
        #expect(ArchivePath.component("").isEmpty == false)
        #expect(ArchivePath.component(String(repeating: "é", count: 300)).utf8.count <= 255)
    }

    func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
