import BlockTrace
import CarSimulator
import FAT32
import Testing

@Suite struct TeslaScenarioTests {
    let geometry = try! VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)

    func run(_ scenario: TeslaScenario) -> (entries: [TeslaScenario.Entry], records: [TraceRecord]) {
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: 7, formattedAt: scenario.start, seed: scenario.seed)
        let entries = scenario.run(on: &fs)
        return (entries, fs.drainRecords())
    }

    @Test func everyCameraRecordsEveryMinuteAndTheCarDeletesItsOldest() {
        var scenario = TeslaScenario()
        scenario.minutes = 7
        let (entries, _) = run(scenario)
        let clips = entries.filter { $0.path.hasSuffix(".mp4") }
        #expect(clips.count == 7 * 4)
        // Events at minutes 2 and 5 move minutes 1–2 and 4–5; the ring (3 minutes) deletes minutes 0 and 3.
        let deleted = entries.filter { $0.state == .deleted }.map(\.path)
        #expect(deleted.count == 8)
        #expect(deleted.allSatisfy { $0.hasPrefix("TeslaCam/RecentClips/2025-11-25_10-00-00") || $0.hasPrefix("TeslaCam/RecentClips/2025-11-25_10-03-00") })
        #expect(entries.filter { $0.path.hasSuffix("event.json") }.count == 2)
        #expect(entries.contains { $0.path.hasPrefix("TeslaCam/SentryClips/") })
        #expect(entries.contains { $0.path.hasPrefix("TeslaCam/SavedClips/") })
    }

    @Test func theSameSeedGivesTheSameTrace() {
        var scenario = TeslaScenario()
        scenario.minutes = 2
        #expect(run(scenario).records == run(scenario).records)
        var other = scenario
        other.seed = 9
        #expect(run(other).records != run(scenario).records)
    }

    @Test func writesStayInsideTheVolumeAndDataIsWrittenBeforeItsMetadata() {
        var scenario = TeslaScenario()
        scenario.minutes = 2
        let (_, records) = run(scenario)
        var sawFlush = false
        var firstDataWrite: Int?, firstFATWriteAfterFormat: Int?
        let formatWrites = Formatter.writes(for: geometry, volumeID: 7, date: DOSDateTime(secondsSince1970: scenario.start)).count
        for (i, record) in records.enumerated() {
            switch record {
            case let .write(offset, data):
                #expect(offset + UInt64(data.count) <= geometry.diskBytes)
                guard i >= formatWrites else { continue }
                let isData = offset >= geometry.clusterOffset(4)
                if isData, firstDataWrite == nil, sawFlush { firstDataWrite = i }
                if !isData, sawFlush, firstDataWrite != nil, firstFATWriteAfterFormat == nil { firstFATWriteAfterFormat = i }
            case .flush: sawFlush = true
            case .read: break
            }
        }
        // Like Linux writeback: a clip's first data reaches the disk before the FAT that chains it.
        #expect(firstDataWrite != nil && firstFATWriteAfterFormat != nil)
        #expect((firstDataWrite ?? .max) < (firstFATWriteAfterFormat ?? 0))
    }
}
