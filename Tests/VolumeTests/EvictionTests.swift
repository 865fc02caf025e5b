import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// Retention's way out of the archive: `VolumeEngine.evict(archivePath:)` and the space report.
@Suite struct EvictionTests {
    /// 512 MiB: 4 KiB clusters, as on a real car volume.
    static let diskBytes: UInt64 = 512 << 20

    /// An engine with an archive, driven by a simulated car, with a model of what the volume must read back.
    final class Rig {
        let dir = TemporaryDirectory("eviction")
        let geometry: VolumeGeometry
        var engine: VolumeEngine!
        var car: SimulatedFileSystem
        var model: [UInt64: [UInt8]] = [:]
        let recent: UInt32

        init() throws {
            geometry = try VolumeGeometry(diskBytes: EvictionTests.diskBytes, layout: .mbr)
            let regions = RegionMap(geometry: geometry)
            let metadata = try BackingFile(path: dir.path + "/metadata.img", create: true)
            try metadata.setSize(regions.metadataBytes)
            let staging = try BackingFile(path: dir.path + "/staging.img", create: true)
            try staging.setSize(regions.stagingBytes)
            car = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 5)
            recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
            car.flush()
            try open()
            apply(car.drainRecords())
        }

        /// Opens the engine over the same files, as a (re)started daemon does.
        func open() throws {
            engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                                  metadata: try BackingFile(path: dir.path + "/metadata.img", create: false),
                                  staging: try BackingFile(path: dir.path + "/staging.img", create: false),
                                  logger: quietLogger, archive: try ArchiveStore(root: archive))
        }

        var archive: String { dir.path + "/archive" }

        func apply(_ records: [TraceRecord]) {
            for record in records {
                switch record {
                case let .write(offset, data):
                    engine.write(data, at: offset)
                    for sector in 0..<data.count / 512 {
                        model[offset / 512 + UInt64(sector)] = Array(data[sector * 512..<(sector + 1) * 512])
                    }
                case .flush: engine.flush()
                case .read: break
                }
            }
        }

        /// A clip recorded and flushed.
        func record(_ name: String, bytes: Int, seed: UInt64) -> SimulatedFileSystem.FileID {
            let clip = car.createFile(name, in: recent, seed: seed)
            car.append(clip, count: bytes)
            car.flush()
            apply(car.drainRecords())
            return clip
        }

        func delete(_ clip: SimulatedFileSystem.FileID, fatToo: Bool = true) {
            car.delete(clip)
            car.flush()
            var records = car.drainRecords()
            if !fatToo {
                // The directory entry goes, the FAT sectors never arrive: the chain stays allocated.
                let fat = geometry.fatOffset(copy: 0)..<geometry.dataOffset
                records = records.filter { if case let .write(offset, _) = $0 { return !fat.contains(offset) }; return true }
            }
            apply(records)
        }

        /// The first sector the volume reads differently from the model, or nil. Sectors of free clusters are
        /// skipped: the car no longer owns what they hold (the engine discards them, like an SSD's TRIM).
        func differingSector() -> UInt64? {
            model.keys.sorted().first { sector in
                let offset = sector * 512
                if offset >= geometry.dataOffset {
                    let cluster = (offset - geometry.dataOffset) / UInt64(geometry.clusterSize) + 2
                    let entry = engine.read(at: geometry.fatOffset(copy: 0) + cluster * 4, count: 4)
                    if entry.allSatisfy({ $0 == 0 }) { return false }
                }
                return engine.read(at: offset, count: 512) != model[sector]
            }
        }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: archive + "/" + relative) }
    }

    static let a = "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"
    static let b = "TeslaCam/RecentClips/2026-11-25_10-01-00-front.mp4"

    /// The car's deletion reached only the FAT sector with the chain's head: the clusters in the next sector are
    /// still allocated to nobody. Evicting moves them to staging first, so the volume still reads them.
    @Test func clustersStillAllocatedMoveToStagingBeforeTheFileGoes() throws {
        let rig = try Rig()
        let clusterSize = rig.geometry.clusterSize
        let clip = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 200 * clusterSize, seed: 4)
        rig.car.delete(clip)
        rig.car.flush()
        let secondFATSector = rig.geometry.fatOffset(copy: 0) + 512
        rig.apply(rig.car.drainRecords().filter {
            if case let .write(offset, _) = $0 { return offset != secondFATSector }
            return true
        })
        let stillAllocated = rig.engine.space().volumeFreeBytes
        #expect(rig.engine.evict(archivePath: Self.a) == .evicted(bytes: UInt64(200 * clusterSize)))
        #expect(!rig.exists(Self.a))
        #expect(rig.differingSector() == nil, "a cluster the FAT still allocates lost its bytes")
        #expect(rig.engine.space().volumeFreeBytes == stillAllocated)
        rig.engine.close()
        try rig.open()
        #expect(rig.differingSector() == nil, "staged copies did not survive a restart")
        rig.engine.close()
    }

    @Test func aFileTheCarStillHasIsRefusedAndKept() throws {
        let rig = try Rig()
        _ = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 50_000, seed: 1)
        #expect(rig.engine.referencedArchivePaths().contains(Self.a))
        #expect(rig.engine.evict(archivePath: Self.a) == .referenced)
        #expect(rig.exists(Self.a))
        #expect(rig.differingSector() == nil)
        rig.engine.close()
    }

    @Test func aFileTheCarDeletedIsEvictedAndTheVolumeStillReadsRight() throws {
        let rig = try Rig()
        let clip = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 50_000, seed: 1)
        _ = rig.record("2026-11-25_10-01-00-front.mp4", bytes: 30_000, seed: 2)
        rig.delete(clip)
        #expect(rig.exists(Self.a), "the harvest keeps what the car deletes")
        #expect(!rig.engine.referencedArchivePaths().contains(Self.a))
        #expect(rig.engine.evict(archivePath: Self.a) == .evicted(bytes: 50_000))
        #expect(!rig.exists(Self.a))
        #expect(rig.exists(Self.b))
        #expect(rig.differingSector() == nil)
        #expect(rig.engine.evict(archivePath: Self.a) == .notFound)
        // The car reuses the freed clusters: the new clip lands whole, the other one untouched.
        _ = rig.record("2026-11-25_10-02-00-front.mp4", bytes: 60_000, seed: 3)
        #expect(rig.differingSector() == nil)
        rig.engine.close()
        let third = try Data(contentsOf: URL(fileURLWithPath: rig.archive + "/TeslaCam/RecentClips/2026-11-25_10-02-00-front.mp4"))
        #expect([UInt8](third) == PatternBlock.fileBytes(seed: 3, offset: 0, count: 60_000))
        let second = try Data(contentsOf: URL(fileURLWithPath: rig.archive + "/" + Self.b))
        #expect([UInt8](second) == PatternBlock.fileBytes(seed: 2, offset: 0, count: 30_000))
    }

    @Test func aDeletedEntryWhoseChainIsStillAllocatedIsKept() throws {
        let rig = try Rig()
        let clip = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 50_000, seed: 1)
        rig.delete(clip, fatToo: false)
        // Maybe a move seen half-way: the chain may come back under a new name.
        #expect(rig.engine.evict(archivePath: Self.a) == .referenced)
        #expect(rig.exists(Self.a))
        #expect(rig.differingSector() == nil)
        rig.engine.close()
    }

    @Test func afterARestartADeletedFileHasNoRecordAndIsEvicted() throws {
        let rig = try Rig()
        let clip = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 50_000, seed: 1)
        _ = rig.record("2026-11-25_10-01-00-front.mp4", bytes: 30_000, seed: 2)
        rig.delete(clip)
        rig.engine.close()
        try rig.open()
        #expect(rig.engine.evict(archivePath: Self.b) == .referenced)
        #expect(rig.engine.evict(archivePath: Self.a) == .evicted(bytes: 50_000))
        #expect(rig.differingSector() == nil)
        rig.engine.close()
    }

    @Test func pathsOutsideTheArchiveOrInsideTheHarvestAreRefused() throws {
        let rig = try Rig()
        for path in ["../outside", "/etc/passwd", "TeslaCam/../x", "", "TeslaCam//x", ".teslacam-pending/chain-9"] {
            guard case .refused = rig.engine.evict(archivePath: path) else {
                Issue.record("\(path) was not refused")
                continue
            }
        }
        // A symbolic link inside the archive is not followed.
        try FileManager.default.createDirectory(atPath: rig.dir.path + "/elsewhere", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: rig.dir.path + "/elsewhere/victim", contents: Data([1]))
        try FileManager.default.createSymbolicLink(atPath: rig.archive + "/link", withDestinationPath: rig.dir.path + "/elsewhere")
        guard case .refused = rig.engine.evict(archivePath: "link/victim") else {
            Issue.record("a path through a symbolic link was not refused")
            return
        }
        #expect(FileManager.default.fileExists(atPath: rig.dir.path + "/elsewhere/victim"))
        rig.engine.close()
    }

    @Test func emptiedDirectoriesTheCarNoLongerHasGoToo() throws {
        let rig = try Rig()
        let event = rig.car.makeDirectory("SavedClips", in: SimulatedFileSystem.teslaCamCluster)
        let folder = rig.car.makeDirectory("2026-11-25_10-05-00", in: event)
        let clip = rig.car.createFile("2026-11-25_10-04-00-back.mp4", in: folder, seed: 7)
        rig.car.append(clip, count: 20_000)
        rig.car.flush()
        rig.apply(rig.car.drainRecords())
        rig.delete(clip)
        let path = "TeslaCam/SavedClips/2026-11-25_10-05-00/2026-11-25_10-04-00-back.mp4"
        #expect(rig.engine.evict(archivePath: path) == .evicted(bytes: 20_000))
        // The car still has the event folder (empty): it stays in the archive too.
        #expect(rig.exists("TeslaCam/SavedClips/2026-11-25_10-05-00"))
        rig.engine.close()
    }

    @Test func theSpaceReportCountsTheVolumesFreeClusters() throws {
        let rig = try Rig()
        let before = rig.engine.space()
        let clusterSize = UInt64(rig.geometry.clusterSize)
        // Root, TeslaCam and RecentClips hold one cluster each.
        #expect(before.volumeFreeBytes == (UInt64(rig.geometry.clusterCount) - 3) * clusterSize)
        #expect(before.archiveFreeBytes ?? 0 > 0)
        #expect(before.archiveTotalBytes ?? 0 >= before.archiveFreeBytes ?? 0)
        let clip = rig.record("2026-11-25_10-00-00-front.mp4", bytes: 50_000, seed: 1)
        let used = (50_000 + clusterSize - 1) / clusterSize
        #expect(rig.engine.space().volumeFreeBytes == before.volumeFreeBytes - used * clusterSize)
        rig.delete(clip)
        #expect(rig.engine.space().volumeFreeBytes == before.volumeFreeBytes)
        rig.engine.close()
    }

    @Test func aPlainBlockDeviceCountsFreeClustersFromItsFAT() throws {
        let dir = TemporaryDirectory("eviction-plain")
        let engine = try makeBlankEngine(in: dir.path, diskBytes: 64 << 20)
        let g = engine.manifest.geometry
        var sink = engine
        Formatter.format(g, label: "TESLACAM", volumeID: 1, date: DOSDateTime(secondsSince1970: 0), into: &sink)
        // The formatter allocates the root and the TeslaCam folder.
        #expect(engine.space().volumeFreeBytes == (UInt64(g.clusterCount) - 2) * UInt64(g.clusterSize))
        #expect(engine.space().archiveFreeBytes == nil)
        #expect(engine.evict(archivePath: "x") == .refused(reason: "this volume has no archive"))
    }
}
