import CarSimulator
import Catalog
import FAT32
import Foundation
import Logging
import Retention
import Testing
import Volume
@testable import teslacam

/// A retention pass end to end: a simulated car writes and deletes through a real engine, the catalog follows,
/// the pass evicts through the engine and records each eviction.
@Suite struct RetentionPassTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    final class Rig {
        let root = NSTemporaryDirectory() + "teslacam-pass-\(UUID().uuidString)"
        let engine: VolumeEngine
        let catalog: ClipCatalog
        let ingest: CatalogIngest
        var car: SimulatedFileSystem
        let recent: UInt32

        var state: String { root + "/state" }
        var archive: String { root + "/archive" }

        init() throws {
            let geometry = try VolumeGeometry(diskBytes: 512 << 20, layout: .mbr)
            let directory = StateDirectory(path: root + "/state")
            engine = try directory.format(geometry: geometry, volumeID: 7, formattedAt: 0, logger: RetentionPassTests.logger,
                                          archive: try ArchiveStore(root: root + "/archive"))
            catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: root + "/archive", logger: RetentionPassTests.logger)
            ingest = CatalogIngest(catalog: catalog, engine: engine)
            car = SimulatedFileSystem(geometry: geometry, volumeID: 7, formattedAt: 0, seed: 11)
            _ = car.drainRecords()  // the format the engine already holds
            recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func play() {
            car.flush()
            for record in car.drainRecords() {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
            ingest.drain()
        }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: archive + "/" + relative) }
    }

    static let old = "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"
    static let live = "TeslaCam/RecentClips/2026-11-25_10-01-00-front.mp4"

    @Test func carDeletedClipsAreEvictedThroughTheEngineAndRecorded() throws {
        let rig = try Rig()
        let first = rig.car.createFile("2026-11-25_10-00-00-front.mp4", in: rig.recent, seed: 1)
        rig.car.append(first, count: 40_000)
        let second = rig.car.createFile("2026-11-25_10-01-00-front.mp4", in: rig.recent, seed: 2)
        rig.car.append(second, count: 40_000)
        rig.play()
        rig.car.delete(first)
        rig.play()
        #expect(try rig.catalog.clip(path: Self.old)?.state == .deleted)

        let policy = RetentionPolicy(recentDays: 0.5, eventDays: 30, reserve: .fixed(0), minFreeBytes: 0)
        let pass = RetentionPass(catalog: rig.catalog, policy: policy, state: rig.state, archive: rig.archive)
        // A day later (the rows carry the board's clock of when they were seen).
        let tomorrow = Int64(Date().timeIntervalSince1970) + 86_400
        let plan = try pass.plan(referenced: rig.engine.referencedArchivePaths(), space: rig.engine.space(), now: tomorrow)
        #expect(plan.evictions.map(\.file.path) == [Self.old])
        let result = pass.carryOut(plan, engine: rig.engine, logger: Self.logger, now: { tomorrow })
        #expect(result.evicted.count == 1)
        #expect(result.evictedBytes == 40_000)
        #expect(!rig.exists(Self.old))
        #expect(rig.exists(Self.live))
        let row = try #require(try rig.catalog.clip(path: Self.old))
        #expect(row.state == .evicted)
        #expect(row.evictedAt == tomorrow)
        #expect(try rig.catalog.transitions(of: row).last?.reason?.contains("recentDays") == true)
        // Nothing left to do: a second pass plans nothing.
        #expect(try pass.plan(referenced: rig.engine.referencedArchivePaths(), space: rig.engine.space(),
                              now: tomorrow).evictions.isEmpty)
        rig.engine.close()
    }

    /// The catalog can lag behind the car (its events are applied on their own queue); the engine has the last word.
    @Test func aStaleCatalogRowForAFileTheCarHasIsKept() throws {
        let rig = try Rig()
        let clip = rig.car.createFile("2026-11-25_10-01-00-front.mp4", in: rig.recent, seed: 2)
        rig.car.append(clip, count: 40_000)
        rig.play()
        rig.catalog.apply([HarvestEvent(kind: .deleted, archivePath: Self.live, carPath: Self.live, size: 40_000)])
        let pass = RetentionPass(catalog: rig.catalog, policy: RetentionPolicy(recentDays: 0, eventDays: 0, reserve: .fixed(0),
                                                                               minFreeBytes: 0),
                                 state: rig.state, archive: rig.archive)
        let tomorrow = Int64(Date().timeIntervalSince1970) + 86_400
        // Planned with no knowledge of references: the engine refuses.
        let plan = try pass.plan(referenced: [], space: rig.engine.space(), now: tomorrow)
        #expect(plan.evictions.count == 1)
        let result = pass.carryOut(plan, engine: rig.engine, logger: Self.logger, now: { tomorrow })
        #expect(result.evicted.isEmpty)
        #expect(result.skipped.map(\.1) == [.referenced])
        #expect(rig.exists(Self.live))
        #expect(try rig.catalog.clip(path: Self.live)?.state == .deleted)
        // Planned properly, it is not even a candidate.
        #expect(try pass.plan(referenced: rig.engine.referencedArchivePaths(), space: rig.engine.space(),
                              now: tomorrow).evictions.isEmpty)
        rig.engine.close()
    }

    @Test func aStateDirectoryInsideTheArchiveIsProtected() throws {
        let root = NSTemporaryDirectory() + "teslacam-protect-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/archive/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(RetentionPass.relative(root + "/archive/state", inside: root + "/archive") == "state")
        #expect(RetentionPass.relative(root + "/archive", inside: root + "/archive") == "")
        #expect(RetentionPass.relative(root + "/archive-2", inside: root + "/archive") == nil)
        #expect(RetentionPass.relative(root + "/elsewhere", inside: root + "/archive") == nil)
    }
}
