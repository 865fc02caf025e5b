import BlockTrace
import CarFS
import CarSimulator
import FAT32
import FileIO
import Foundation
import Synchronization
import Testing
@testable import Volume

/// The board-in-a-box power cut (`scripts/board-in-a-box.sh --cut-minute 1 --powercut-after 2`), in-process on the
/// page-cache model: the car (Linux vfat) makes `TeslaCam/RecentClips`, records its first minute with an fsync per
/// clip, and ends it with `sync`. A clip's fsync flushes the clip (data, FAT, its entry in RecentClips), never the
/// entry naming RecentClips in TeslaCam's directory cluster; `sync` writes that one but sends no SYNCHRONIZE CACHE
/// (vfat has no `sync_fs`). Until the next flush the engine held it in memory, and a cut lost every clip under
/// RecentClips from the volume and from the archive's names (their bytes sat in `.teslacam-pending/chain-N`).
@Suite(.serialized) struct BoardPowerCutTests {
    static let diskBytes: UInt64 = 512 << 20  // 4 KiB clusters, as on every real car volume
    static let statePath = "/state", archivePath = "/archive"

    final class Board {
        let geometry: VolumeGeometry
        let fs = PageCacheFileSystem()
        let clock = ManualClock()
        let engine: VolumeEngine
        var car: SimulatedFileSystem
        let recent: UInt32
        var clips: [(name: String, id: Int)] = []

        init() throws {
            geometry = try VolumeGeometry(diskBytes: BoardPowerCutTests.diskBytes, layout: .mbr)
            engine = try StateDirectory(path: BoardPowerCutTests.statePath, fileSystem: fs)
                .format(geometry: geometry, volumeID: 1, formattedAt: 0, logger: quietLogger,
                        archive: try ArchiveStore(root: BoardPowerCutTests.archivePath, fileSystem: fs), now: clock.now)
            car = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 11)
            recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        }

        /// The car's first minute: four cameras, each clip fsynced as it grows. Returns the records with the writes
        /// of TeslaCam's directory cluster (the entry naming RecentClips) taken out: they come with the `sync`.
        func firstMinute() -> (flushed: [TraceRecord], synced: [TraceRecord]) {
            for camera in ["front", "back", "left_repeater", "right_repeater"] {
                let name = "2026-11-25_10-00-00-\(camera).mp4"
                clips.append((name, car.createFile(name, in: recent, seed: UInt64(clips.count + 1))))
            }
            for _ in 0..<4 {
                for clip in clips { car.append(clip.id, count: 48 << 10) }
                car.flush()
            }
            let teslaCam = geometry.clusterOffset(SimulatedFileSystem.teslaCamCluster)
            let end = teslaCam + UInt64(geometry.clusterSize)
            let inTeslaCam = { (record: TraceRecord) -> Bool in
                guard case let .write(offset, _) = record else { return false }
                return offset >= teslaCam && offset < end
            }
            let records = car.drainRecords()
            return (records.filter { !inTeslaCam($0) }, records.filter(inTeslaCam))
        }

        func apply(_ records: [TraceRecord]) {
            for record in records {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
        }

        /// Each clip's bytes as the volume reads them now (the car's truth: what it wrote).
        func clipBytes() -> [String: [UInt8]] {
            var result: [String: [UInt8]] = [:]
            for file in engine.carTree()?.files ?? [] where file.path.dropLast().last == "RecentClips" {
                result[file.name] = Self.bytes(of: file, through: engine)
            }
            return result
        }

        static func bytes(of file: CarFile, through engine: VolumeEngine) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: Int(file.size))
            _ = bytes.withUnsafeMutableBytes { engine.read(file: file, into: $0, at: 0) }
            return bytes
        }
    }

    /// A new engine on what a power cut left of `fs`, as the board boots again.
    static func recover(_ survivor: PageCacheFileSystem) throws -> VolumeEngine {
        try StateDirectory(path: statePath, fileSystem: survivor)
            .open(logger: quietLogger, archive: try ArchiveStore(root: archivePath, fileSystem: survivor))
    }

    /// What is wrong with the recovered volume and archive, measured against the clips the car had synced.
    static func losses(after survivor: PageCacheFileSystem, expected: [String: [UInt8]]) throws -> [String] {
        let engine = try recover(survivor)
        var losses: [String] = []
        let files = engine.carTree()?.files ?? []
        for (name, bytes) in expected.sorted(by: { $0.key < $1.key }) {
            guard let file = files.first(where: { $0.pathString == "TeslaCam/RecentClips/\(name)" }) else {
                losses.append("\(name): not on the volume (it names \(files.map(\.pathString)))")
                continue
            }
            let read = Board.bytes(of: file, through: engine)
            if read != bytes { losses.append("\(name): the volume reads other bytes, first at \(firstDifference(read, bytes) ?? -1)") }
        }
        engine.close()
        for (name, bytes) in expected.sorted(by: { $0.key < $1.key }) {
            let archived = try? survivor.contents(of: "\(archivePath)/TeslaCam/RecentClips/\(name)")
            if archived != bytes { losses.append("\(name): not in the archive as synced (\(archived?.count ?? 0) bytes)") }
        }
        return losses
    }

    /// The board's case: the cut comes after `sync` wrote TeslaCam's entry and the writeback delay passed, before
    /// the car's next flush. The engine made the entry durable on its own.
    @Test func theCarsSyncWithoutAFlushSurvivesAPowerCut() throws {
        let board = try Board()
        let (flushed, synced) = board.firstMinute()
        #expect(!synced.isEmpty, "the simulated car wrote TeslaCam's directory cluster")
        board.apply(flushed + synced)
        let expected = board.clipBytes()
        #expect(expected.count == 4, "the volume names the four clips once the sync's writes arrived")
        board.clock.advance(by: VolumeEngine.writebackDelay + .milliseconds(10))
        board.engine.settle()
        #expect(board.engine.statistics.writebacks == 1)
        for failure in try Self.losses(after: board.fs.afterPowerCut(.strict), expected: expected) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    /// Within the delay nothing is promised (a drive may lose writes it was never asked to flush) and nothing is
    /// synchronized: the car's own flushes stay the only ones while it writes faster than the delay.
    @Test func aFreshWriteWaitsForTheDelay() throws {
        let board = try Board()
        let (flushed, synced) = board.firstMinute()
        board.apply(flushed + synced)
        board.engine.settle()
        #expect(board.engine.statistics.writebacks == 0)
        board.clock.advance(by: VolumeEngine.writebackDelay)
        board.engine.settle()
        #expect(board.engine.statistics.writebacks == 1)
        board.engine.settle()
        #expect(board.engine.statistics.writebacks == 1, "nothing new to write back")
    }

    /// After the entry is durable, the car's next minute rewrites RecentClips' own cluster (a new entry), which
    /// lived in a pending chain file since it was an orphan: the flush that spills it to staging abandons that
    /// file. A cut at any operation of that minute keeps every synced clip. Found here: the pending file's unlink
    /// reached the disk (the kernel commits directory changes on its own) before staging's copy, and RecentClips
    /// read as zeros; the unlink now waits until the synchronization is over.
    ///
    /// The flush ends with syncfs (several files changed), so a strict cut never catches it in between.
    @Test(arguments: [false, true])
    func everyCutOfTheNextFlushKeepsTheSyncedClips(kernelWriteback: Bool) throws {
        let board = try Board()
        let (flushed, synced) = board.firstMinute()
        board.apply(flushed + synced)
        let expected = board.clipBytes()
        board.clock.advance(by: VolumeEngine.writebackDelay)
        board.engine.settle()
        // Minute two: a new clip in RecentClips, fsynced.
        let next = board.car.createFile("2026-11-25_10-01-00-front.mp4", in: board.recent, seed: 99)
        board.car.append(next, count: 20 << 10)
        board.car.flush()
        let cuts = Mutex<[(Int, PageCacheFileSystem)]>([])
        let fs = board.fs
        fs.observe { operation in
            // The kernel's own writeback keeps a random part of what was not synced: several draws per cut.
            for seed in 0..<(kernelWriteback ? 8 : 1) {
                let mode = kernelWriteback ? PowerCut(kernelWriteback: true, seed: UInt64(operation * 8 + seed)) : .strict
                cuts.withLock { $0.append((operation, fs.afterPowerCut(mode))) }
            }
        }
        board.apply(board.car.drainRecords())
        let taken = cuts.withLock { $0 }
        #expect(!taken.isEmpty)
        for (operation, survivor) in taken {
            for failure in try Self.losses(after: survivor, expected: expected) {
                Issue.record(Comment(rawValue: "cut after operation \(operation): \(failure)"))
            }
        }
    }
}
