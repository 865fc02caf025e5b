import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// What `teslacam retention` reads without an engine: the lock's holder and the volume's references.
@Suite struct OfflineVolumeTests {
    @Test func theLockNamesItsHolder() throws {
        let dir = TemporaryDirectory("lock")
        let state = StateDirectory(path: dir.path + "/state")
        #expect(!state.isLocked)
        let lock = try state.lock()
        #expect(state.isLocked)
        #expect(state.lockHolder() == getpid())
        #expect(throws: StateError.self) { _ = try state.lock() }
        do { _ = try state.lock() } catch {
            if case let .inUse(_, pid) = error { #expect(pid == getpid()) } else { Issue.record("\(error)") }
            #expect(error.description.contains("(pid \(getpid()))"))
        }
        withExtendedLifetime(lock) {}
    }

    @Test func theVolumeOnDiskNamesTheFilesTheCarHasAndItsFreeClusters() throws {
        let dir = TemporaryDirectory("offline")
        let geometry = try VolumeGeometry(diskBytes: 512 << 20, layout: .mbr)
        let state = StateDirectory(path: dir.path + "/state")
        let engine = try state.format(geometry: geometry, volumeID: 3, formattedAt: 0, logger: quietLogger,
                                      archive: try ArchiveStore(root: dir.path + "/archive"))
        var car = SimulatedFileSystem(geometry: geometry, volumeID: 3, formattedAt: 0, seed: 2)
        _ = car.drainRecords()
        let recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        let gone = car.createFile("2026-11-25_10-00-00-back.mp4", in: recent, seed: 1)
        car.append(gone, count: 30_000)
        let kept = car.createFile("2026-11-25_10-00-00-front.mp4", in: recent, seed: 2)
        car.append(kept, count: 30_000)
        car.flush()
        car.delete(gone)
        car.flush()
        for record in car.drainRecords() {
            switch record {
            case let .write(offset, data): engine.write(data, at: offset)
            case .flush: engine.flush()
            case .read: break
            }
        }
        let live = engine.space().volumeFreeBytes
        engine.close()
        let offline = try OfflineVolume(state: state)
        #expect(offline.referencedArchivePaths == ["TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"])
        #expect(offline.freeBytes == live)
    }
}
