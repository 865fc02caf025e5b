import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// The board's disk fills up under the car: every car write still succeeds and reads back, the condition is counted,
/// and the held bytes reach the disk once it has room again.
@Suite(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
struct DiskFullTests {
    @discardableResult
    static func sh(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try! process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func carWritesSurviveAFullDisk() throws {
        let dir = TemporaryDirectory("diskfull")
        #expect(Self.sh("mount -t tmpfs -o size=4m tmpfs \(dir.path)") == 0)
        defer { Self.sh("umount -l \(dir.path)") }

        let engine = try makeBlankEngine(in: dir.path, diskBytes: 64 << 20)
        var rng = SplitMix64(seed: 42)
        let payload = randomBytes(10 << 20, using: &rng)
        let start = engine.manifest.geometry.clusterOffset(2)
        // 16 KiB pieces, like the USB gadget.
        for piece in stride(from: 0, to: payload.count, by: 16 << 10) {
            let written = payload[piece..<piece + (16 << 10)].withUnsafeBytes { engine.write($0, at: start + UInt64(piece)) }
            #expect(written == 16 << 10)
        }
        engine.flush()
        let held = engine.read(at: start, count: payload.count)
        #expect(firstDifference(held, payload) == nil)
        let full = engine.statistics
        #expect(full.backingStoreErrors > 0)
        #expect(full.unflushedBytes > 0)
        #expect(full.lastBackingStoreError?.contains("No space left") == true)

        // Room again: the next flush writes the held pages out.
        #expect(Self.sh("mount -o remount,size=64m \(dir.path)") == 0)
        engine.flush()
        #expect(engine.statistics.unflushedBytes == 0)
        let reopened = VolumeEngine(manifest: engine.manifest,
                                    metadata: try BackingFile(path: dir.path + "/metadata.img"),
                                    staging: try BackingFile(path: dir.path + "/staging.img"), logger: quietLogger)
        #expect(firstDifference(reopened.read(at: start, count: payload.count), payload) == nil)
    }

    /// Regression (issue 8 point 1): while the disk refused writes, a FAT write overlapping a page held in memory
    /// skipped the region routing, so the FAT mirror never saw the chain grow and the harvest lost the clip. Now
    /// the holding sits in the backing files: the clip written onto a full disk reads back exactly through the
    /// volume at once, and reaches the archive byte for byte once retention (here: deleting a filler) frees room.
    ///
    /// `completesWhileFull`: the clip is judged complete while the disk is full, so its copy into the archive
    /// fails; it used to stay that way for good (a sealed file's staged clusters are never promoted again).
    /// Room once freed must also suffice once: the held bytes go from memory into the archive file, not through
    /// staging first (which would need the room twice: the tmpfs has 24 MiB for a 12 MiB clip).
    @Test(arguments: [false, true])
    func aClipWrittenOntoAFullDiskIsHarvestedOnceThereIsRoom(completesWhileFull: Bool) throws {
        let dir = TemporaryDirectory("diskfull-harvest")
        #expect(Self.sh("mount -t tmpfs -o size=24m tmpfs \(dir.path)") == 0)
        defer { Self.sh("umount -l \(dir.path)") }
        // 2 GiB: 4 KiB clusters as on a car's volume (a punched 512-byte cluster frees no block).
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)
        let regions = RegionMap(geometry: geometry)
        let metadata = try BackingFile(path: dir.path + "/metadata.img", create: true)
        try metadata.setSize(regions.metadataBytes)
        let staging = try BackingFile(path: dir.path + "/staging.img", create: true)
        try staging.setSize(regions.stagingBytes)
        let clock = ManualClock(), events = EventLog()
        let engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                                  metadata: metadata, staging: staging, logger: quietLogger,
                                  archive: try ArchiveStore(root: dir.path + "/archive"), now: clock.now)
        engine.subscribe { events.append($0) }
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 5)
        func apply() {
            for record in fs.drainRecords() {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
        }
        let recent = fs.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        fs.flush()
        apply()

        // The disk fills up (archived clips, before retention gets to them).
        Self.sh("dd if=/dev/zero of=\(dir.path)/filler bs=1M 2>/dev/null; sync")
        var rng = SplitMix64(seed: 8)
        let content = randomBytes(12 << 20, using: &rng)  // 3072 clusters: FAT sectors the disk never had
        let name = "2026-11-25_10-00-00-front.mp4", path = "TeslaCam/RecentClips/" + name
        let id = fs.createFile(name, in: recent, content: content)
        var round = 0
        while fs.size(of: id) < UInt64(content.count) {
            fs.append(id, count: min(content.count - Int(fs.size(of: id)), 256 << 10))
            round += 1
            if round % 8 == 0 { fs.flush() } else if round % 3 == 0 { fs.writeback() }
            apply()
        }
        fs.flush()
        apply()
        if completesWhileFull {
            // Its size held still across a flush and the quiet period: complete (not an MP4: no boxes to judge).
            clock.advance(by: .seconds(5))
            engine.flush()
            #expect(engine.statistics.harvest.filesCompleted == 1)
        }
        let full = engine.statistics
        #expect(full.backingStoreErrors > 0, "the disk should have refused writes")
        #expect(full.unflushedBytes > 0)
        #expect(full.heldLostBytes == 0)
        // The car reads its clip back exactly while the disk is still full.
        let file = try #require(engine.carTree()?.files.first { $0.name == name })
        #expect(file.size == UInt64(content.count))
        var back = [UInt8](repeating: 0, count: content.count)
        _ = back.withUnsafeMutableBytes { engine.read(file: file, into: $0, at: 0) }
        #expect(firstDifference(back, content) == nil)

        // Room again: the next flush places what was held into the archive.
        Self.sh("rm \(dir.path)/filler")
        engine.flush()
        #expect(engine.statistics.unflushedBytes == 0)
        func archived() -> [UInt8]? { FileManager.default.contents(atPath: dir.path + "/archive/" + path).map { [UInt8]($0) } }
        if completesWhileFull {
            #expect(archived().map { firstDifference($0, content) == nil } == true, "after the flush")
            // The catalog hears of the new bytes (a new sha256).
            #expect(events.all.contains { $0.kind == .rewritten && $0.archivePath == path })
        }
        engine.close()
        #expect(archived().map { firstDifference($0, content) == nil } == true,
                "archive has \(archived()?.count ?? -1) bytes of \(content.count)")
    }
}
