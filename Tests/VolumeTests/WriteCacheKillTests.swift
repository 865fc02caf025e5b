import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// A daemon killed (a crash, the watchdog) while the car's writes wait in the write cache: the car's kernel has
/// clean pages for them and never writes them again, and the next process answers its next flush. The cache's
/// `MAP_SHARED` file keeps them; the next engine takes them back. (board-in-a-box `--restart-mode kill` lost the
/// first clusters of the clips it recorded right after the kill: zeros on the volume and in the archive.)
@Suite struct WriteCacheKillTests {
    /// The car wrote a clip's next clusters, unflushed (its data, before the FAT and the entry), when the daemon
    /// died. With the cache in a file, the restarted engine reads them back and places them at the car's flush;
    /// the same kill with the cache in the process's memory loses them (the control: this is what the test tells).
    @Test(arguments: [true, false])
    func unflushedWritesSurviveAKill(cacheInAFile: Bool) throws {
        let setup = try HarvestRecoveryTests.Setup()
        let cacheFile = cacheInAFile ? setup.cacheFile : nil
        var model: [UInt64: [UInt8]] = [:]
        var engine: VolumeEngine? = try setup.engine(cacheFile: cacheFile)
        func apply(_ records: [TraceRecord]) {
            for record in records {
                switch record {
                case let .write(offset, data):
                    engine!.write(data, at: offset)
                    for sector in 0..<data.count / 512 { model[offset / 512 + UInt64(sector)] = Array(data[sector * 512..<(sector + 1) * 512]) }
                case .flush: engine!.flush()
                case .read: break
                }
            }
        }
        func differingSectors() -> Int {
            model.keys.filter { engine!.read(at: $0 * 512, count: 512) != model[$0] }.count
        }
        var car = SimulatedFileSystem(geometry: setup.geometry, volumeID: 1, formattedAt: 0, seed: 5)
        let recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        let clip = car.createFile("2026-11-25_10-01-00-back.mp4", in: recent, seed: 11)
        let clusterSize = setup.geometry.clusterSize
        car.append(clip, count: 2 * clusterSize)
        car.flush()
        apply(car.drainRecords())
        // Seven more clusters, data only: no flush, nothing the engine's writeback would make durable.
        car.append(clip, count: 7 * clusterSize)
        let unflushed = car.drainRecords().filter {
            if case let .write(offset, _) = $0 { return offset >= setup.geometry.dataOffset }
            return false
        }
        #expect(!unflushed.isEmpty)
        apply(unflushed)
        #expect(differingSectors() == 0, "the volume differs before the kill")
        #expect(engine!.statistics.harvest.cachedBytes >= UInt64(7 * clusterSize))

        engine = nil  // killed: no close()
        engine = try setup.engine(cacheFile: cacheFile)
        let lost = differingSectors()
        if !cacheInAFile {
            #expect(lost >= 7 * clusterSize / 512, "the control kept what only the process's memory held")
            return
        }
        #expect(lost == 0, "\(lost) sectors read back other bytes after the restart")
        #expect(engine!.statistics.harvest.cacheClustersTakenBack == 7)
        // The car's metadata arrives, then its flush: the clip in the archive is whole.
        car.flush()
        apply(car.drainRecords())
        let archived = setup.dir.path + "/archive/TeslaCam/RecentClips/2026-11-25_10-01-00-back.mp4"
        let bytes = [UInt8](FileManager.default.contents(atPath: archived) ?? Data())
        #expect(bytes.count == 9 * clusterSize)
        #expect(bytes == PatternBlock.fileBytes(seed: 11, offset: 0, count: 9 * clusterSize), "the archive differs")
        // A clean stop leaves nothing cached: the file goes.
        engine!.close()
        #expect(!FileManager.default.fileExists(atPath: setup.cacheFile))
    }

    /// A cache file names its volume: after a reformat (a new volume id) its clusters belong to nothing here.
    @Test func aCacheOfAnotherVolumeIsNotTakenBack() throws {
        let setup = try HarvestRecoveryTests.Setup()
        let geometry = setup.geometry
        let mine = WriteCache.Identity(volumeID: 7, formattedAt: 1, geometry: geometry)
        do {
            let cache = WriteCache(path: setup.cacheFile, identity: mine, slots: 4, logger: quietLogger)
            for cluster: UInt32 in [5, 9, 100, 101, 102] {  // past the first 4 slots: the file grows
                _ = cache.insert(cluster) { $0.initializeMemory(as: UInt8.self, repeating: UInt8(cluster & 0xff)) }
            }
            cache.remove(9)
        }
        do {
            let again = WriteCache(path: setup.cacheFile, identity: mine, slots: 4, logger: quietLogger)
            #expect(Set(again.restored) == [5, 100, 101, 102])
            #expect(again[101].map { Array($0) } == [UInt8](repeating: 101, count: geometry.clusterSize))
            #expect(again.discardedBecause == nil)
        }

        let other = WriteCache(path: setup.cacheFile, identity: .init(volumeID: 8, formattedAt: 1, geometry: geometry),
                               slots: 4, logger: quietLogger)
        #expect(other.restored.isEmpty)
        #expect(other.discardedBecause == "of another volume")
    }
}
