import BlockTrace
import CarSimulator
import FAT32

/// The car's side of a power-cut case: a small Tesla-pattern recording (cameras in parallel, circular deletes,
/// events moved into SavedClips/SentryClips), in one case out of three with a hostile host's writes in between.
struct PowerCutTrace {
    var records: [TraceRecord]
    var isHostile: Bool

    init(seed: UInt64, geometry: VolumeGeometry) {
        var rng = SplitMix64(seed: seed)
        var scenario = TeslaScenario()
        scenario.minutes = 2 + Int(rng.next() % 2)
        scenario.cameras = Array(["front", "back", "left_repeater", "right_repeater"].prefix(2 + Int(rng.next() % 3)))
        scenario.clipBytes = 48 << 10 ... 200 << 10
        scenario.chunkBytes = 8 << 10 ... 64 << 10
        scenario.keepMinutes = 1 + Int(rng.next() % 2)
        scenario.eventEvery = 1 + Int(rng.next() % 2)
        scenario.writebackEvery = 1 + Int(rng.next() % 3)
        scenario.flushEvery = 2 + Int(rng.next() % 4)
        scenario.seed = rng.next()
        var car = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: scenario.start, seed: scenario.seed)
        _ = scenario.run(on: &car)
        let recording = car.drainRecords()
        isHostile = rng.next() % 3 == 0
        guard isHostile else {
            records = recording
            return
        }
        // Hostile writes between the car's: FAT entries that loop or cross-link, hostile directory slots, the
        // boot region, data anywhere (HostileHarvestTests has the same repertoire and checks the harvest's reading).
        records = []
        let hostileWrites = 5 + Int(rng.next() % 20)
        let every = max(1, recording.count / hostileWrites)
        let fat = geometry.fatOffset(copy: 0), disk = geometry.diskBytes
        for (i, record) in recording.enumerated() {
            records.append(record)
            guard i % every == every - 1 else { continue }
            switch rng.next() % 5 {
            case 0:
                var entries: [UInt8] = []
                for _ in 0..<Int(rng.next() % 16 + 1) {
                    let value = [UInt32(rng.next() % UInt64(geometry.clusterCount + 10)), 0x0FFF_FFFF, 0,
                                 UInt32(truncatingIfNeeded: rng.next())][Int(rng.next() % 4)]
                    entries += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
                }
                records.append(.write(offset: fat + (rng.next() % 2048) * 4, data: entries))
            case 1, 2:
                let cluster = [2, 3, UInt32(rng.next() % 64 + 4)][Int(rng.next() % 3)]
                let slot = HostileHarvestTests.hostileSlot(&rng, clusterCount: geometry.clusterCount)
                records.append(.write(offset: geometry.clusterOffset(cluster) + (rng.next() % 16) * 32, data: slot))
            case 3:
                records.append(.write(offset: rng.next() % geometry.dataOffset,
                                      data: randomBytes(Int(rng.next() % 600 + 1), using: &rng)))
            default:
                let offset = geometry.dataOffset + rng.next() % (disk - geometry.dataOffset - 70_000)
                records.append(.write(offset: offset, data: randomBytes(Int(rng.next() % 70_000 + 1), using: &rng)))
            }
        }
    }
}
