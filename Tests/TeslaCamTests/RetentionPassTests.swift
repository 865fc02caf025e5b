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

    /// Writes `count` bytes at `path`, creating its folders.
    static func place(_ path: String, count: Int = 10_000) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(repeating: 7, count: count).write(to: URL(fileURLWithPath: path))
    }

    @Test func anEvictedClipsRepairedCopyAndSidecarGoWithItAndCountInTheSpace() throws {
        let rig = try Rig()
        let first = rig.car.createFile("2026-11-25_10-00-00-front.mp4", in: rig.recent, seed: 1)
        rig.car.append(first, count: 40_000)
        let second = rig.car.createFile("2026-11-25_10-01-00-front.mp4", in: rig.recent, seed: 2)
        rig.car.append(second, count: 40_000)
        rig.play()
        rig.car.delete(first)
        rig.play()
        // What the daemon derives: a repaired copy (recorded in the catalog) and the full-rate sidecar; and a copy
        // the owner wrote with `repair --output` outside derived/, which the catalog also records.
        let derived = DerivedFiles(state: rig.state)
        let copy = derived.repairedCopy(archivePath: Self.old), sidecar = derived.sidecar(archivePath: Self.old)
        let ownersCopy = rig.root + "/mine.repaired.mp4"
        try Self.place(copy, count: 300_000)
        try Self.place(sidecar, count: 100_000)
        try Self.place(ownersCopy)
        let liveSidecar = derived.sidecar(archivePath: Self.live)
        try Self.place(liveSidecar)
        let row = try #require(try rig.catalog.clip(path: Self.old))
        try rig.catalog.recordRepair(RepairRecord(clipID: row.id!, status: .repaired, frames: 1, keyframes: 1, seconds: 1,
                                                  discardedBytes: 0, ordering: nil, repairedPath: ownersCopy,
                                                  referencePath: nil, problem: nil, at: 0))

        let policy = RetentionPolicy(recentDays: 0.5, eventDays: 30, reserve: .fixed(0), minFreeBytes: 0)
        let pass = RetentionPass(catalog: rig.catalog, policy: policy, state: rig.state, archive: rig.archive)
        let tomorrow = Int64(Date().timeIntervalSince1970) + 86_400
        let plan = try pass.plan(referenced: rig.engine.referencedArchivePaths(), space: rig.engine.space(), now: tomorrow)
        let eviction = try #require(plan.evictions.first)
        #expect(eviction.file.path == Self.old)
        // State and archive share the temporary file system: the derived files count (as allocated on disk).
        #expect(eviction.file.derivedBytes >= 400_000)
        #expect(eviction.file.freedBytes == eviction.file.size + eviction.file.derivedBytes)

        let result = pass.carryOut(plan, engine: rig.engine, logger: Self.logger, now: { tomorrow })
        #expect(result.evicted.count == 1)
        #expect(result.derivedFiles == 2)
        #expect(result.derivedBytes == eviction.file.derivedBytes)
        #expect(!FileManager.default.fileExists(atPath: copy))
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        // Folders they leave empty go too; the roots and everything else stay.
        #expect(!FileManager.default.fileExists(atPath: (copy as NSString).deletingLastPathComponent))
        #expect(FileManager.default.fileExists(atPath: derived.repairedRoot))
        #expect(FileManager.default.fileExists(atPath: ownersCopy), "a copy outside derived/ is the owner's")
        #expect(FileManager.default.fileExists(atPath: liveSidecar), "the live clip's sidecar stays")
        rig.engine.close()
    }

    @Test func derivedFilesOfClipsEvictedEarlierAreSweptAndNoOneElses() throws {
        let rig = try Rig()
        let first = rig.car.createFile("2026-11-25_10-00-00-front.mp4", in: rig.recent, seed: 1)
        rig.car.append(first, count: 40_000)
        let second = rig.car.createFile("2026-11-25_10-01-00-front.mp4", in: rig.recent, seed: 2)
        rig.car.append(second, count: 40_000)
        rig.play()
        rig.car.delete(first)
        rig.play()
        let policy = RetentionPolicy(recentDays: 0.5, eventDays: 30, reserve: .fixed(0), minFreeBytes: 0)
        let pass = RetentionPass(catalog: rig.catalog, policy: policy, state: rig.state, archive: rig.archive)
        let tomorrow = Int64(Date().timeIntervalSince1970) + 86_400
        let plan = try pass.plan(referenced: rig.engine.referencedArchivePaths(), space: rig.engine.space(), now: tomorrow)
        #expect(pass.carryOut(plan, engine: rig.engine, logger: Self.logger, now: { tomorrow }).evicted.count == 1)
        // Left behind after the eviction: a repair that finished late, a half-written one, a sidecar.
        let derived = DerivedFiles(state: rig.state)
        let late = derived.repairedCopy(archivePath: Self.old)
        let orphans = [late, late + ".partial", derived.sidecar(archivePath: Self.old)]
        for path in orphans { try Self.place(path) }
        // Not orphans: the live clip's, and one for a path the catalog has never seen.
        let keep = [derived.sidecar(archivePath: Self.live), derived.repairedCopy(archivePath: Self.live),
                    derived.sidecar(archivePath: "Elsewhere/2026-11-25_10-00-00-front.mp4")]
        for path in keep { try Self.place(path) }

        let removal = pass.removeOrphanedDerivedFiles(logger: Self.logger)
        #expect(removal.files == 3)
        #expect(removal.failures.isEmpty)
        for path in orphans { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
        for path in keep { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(pass.removeOrphanedDerivedFiles(logger: Self.logger).files == 0)
        rig.engine.close()
    }

    @Test func derivedFilesNeverReachOutsideTheDerivedTree() {
        let derived = DerivedFiles(state: "/srv/state")
        #expect(derived.candidates(paths: ["../../etc/passwd"], recordedCopy: "/etc/shadow").isEmpty)
        #expect(derived.candidates(paths: ["TeslaCam/RecentClips/a-front.mp4"], recordedCopy: "/srv/state/derived/../x")
            == ["/srv/state/derived/repaired/TeslaCam/RecentClips/a-front.repaired.mp4",
                "/srv/state/derived/repaired/TeslaCam/RecentClips/a-front.repaired.mp4.partial",
                "/srv/state/derived/telemetry/TeslaCam/RecentClips/a-front.mp4.csv"])
        #expect(DerivedFiles.repairedStem("TeslaCam/x/a-front.repaired.mp4.partial") == "TeslaCam/x/a-front")
        #expect(DerivedFiles.sidecarClip("TeslaCam/x/a-front.mp4.csv") == "TeslaCam/x/a-front.mp4")
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
