import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// Restarts after a kill: what the engine had placed must be found again, including what Linux chains ahead of
/// the entry's size.
@Suite struct HarvestRecoveryTests {
    /// 512 MiB: 4 KiB clusters, as on every real car volume. (Below 256 MiB FAT32 clusters are smaller than a
    /// file-system block, and staging's allocated ranges, found with SEEK_DATA, no longer tell clusters apart.)
    static let diskBytes: UInt64 = 512 << 20

    final class Setup {
        let dir = TemporaryDirectory("recovery")
        let geometry: VolumeGeometry
        init() throws {
            geometry = try VolumeGeometry(diskBytes: HarvestRecoveryTests.diskBytes, layout: .mbr)
            let regions = RegionMap(geometry: geometry)
            let metadata = try BackingFile(path: dir.path + "/metadata.img", create: true)
            try metadata.setSize(regions.metadataBytes)
            let staging = try BackingFile(path: dir.path + "/staging.img", create: true)
            try staging.setSize(regions.stagingBytes)
        }

        /// Where `WriteCacheKillTests` keeps the write cache.
        var cacheFile: String { dir.path + "/drive.write-cache" }

        /// An engine over the same files, as a restarted daemon opens them.
        func engine(cacheFile: String? = nil) throws -> VolumeEngine {
            VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                         metadata: try BackingFile(path: dir.path + "/metadata.img", create: false),
                         staging: try BackingFile(path: dir.path + "/staging.img", create: false),
                         logger: quietLogger, discardsFreedClusters: false,
                         archive: try ArchiveStore(root: dir.path + "/archive"), cacheFile: cacheFile)
        }
    }

    /// One camera's fsync brought the FAT sectors of another file whose entry still says one cluster: the
    /// clusters past that size are placed at their chain position. The daemon is killed (no clean stop); the
    /// restarted engine still reads them back, and the archive matches the entry's size.
    @Test func clustersChainedPastTheSizeSurviveAKill() throws {
        let setup = try Setup()
        // What the volume must read back: the last bytes written to each sector (the car writes whole sectors).
        var model: [UInt64: [UInt8]] = [:]
        var engine: VolumeEngine? = try setup.engine()
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
        func differingSector() -> UInt64? {
            model.keys.sorted().first { engine!.read(at: $0 * 512, count: 512) != model[$0] }
        }
        var car = SimulatedFileSystem(geometry: setup.geometry, volumeID: 1, formattedAt: 0, seed: 3)
        let recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        let clip = car.createFile("2026-11-25_10-00-00-front.mp4", in: recent, seed: 9)
        let clusterSize = setup.geometry.clusterSize
        car.append(clip, count: clusterSize + 100)
        car.flush()
        apply(car.drainRecords())
        // More data: the data and the FAT sectors reach the disk, the directory sector (the new size) does not.
        car.append(clip, count: 3 * clusterSize)
        let data = car.drainRecords()
        car.writeback()
        let metadata = car.drainRecords().filter {
            if case let .write(offset, _) = $0 { return offset < setup.geometry.dataOffset }
            return false
        }
        apply(data + metadata + [.flush])
        let archived = setup.dir.path + "/archive/TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"
        #expect(differingSector() == nil, "the volume differs before the kill")

        engine = nil  // killed: no close()
        engine = try setup.engine()
        let sector = differingSector()
        #expect(sector == nil, "the volume differs at sector \(sector ?? 0) after the restart")
        let size = try FileManager.default.attributesOfItem(atPath: archived)[.size] as? Int
        #expect(size == clusterSize + 100, "the archive holds the entry's size")
        let bytes = [UInt8](FileManager.default.contents(atPath: archived) ?? Data())
        #expect(bytes == PatternBlock.fileBytes(seed: 9, offset: 0, count: clusterSize + 100))
        engine!.close()
    }
}
