import Foundation
import Testing

/// The harvest through a real FUSE mount: files written through `volume.img` arrive in the archive as they are
/// written, the car's deletions are kept, and `live/` shows clips while they grow.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct HarvestMountTests {
    @Test func mtoolsWritesArriveInTheArchiveAndDeletionsAreKept() throws {
        let daemon = Daemon("harvest-mtools")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        try daemon.start()
        let drive = "\(daemon.image)@@1M"
        let tree = FileTree(root: daemon.root.path + "/tree", seed: 21)
        tree.copy(into: drive)
        // mtools closes the image after each command: a FUSE flush, the car's sync point.
        tree.verifyArchive(daemon.archive, whileRunning: true)
        for path in tree.deletable { #expect(sh("mdel -i \(drive) ::\(path)").status == 0) }
        tree.forget(tree.deletable)
        tree.verifyArchive(daemon.archive, whileRunning: true)
        // The live view lists the car's current tree: deleted clips are gone from it, kept in the archive.
        let listing = sh("ls '\(daemon.mountpoint)/live/TeslaCam/RecentClips'").output
        #expect(listing.contains("2026-11-25_10-02-00-front.mp4"), "\(listing)")
        #expect(!listing.contains("2026-11-25_10-00-00-front.mp4"), "\(listing)")
        let live = "\(daemon.mountpoint)/live/TeslaCam/RecentClips/2026-11-25_10-07-00-front.mp4"
        #expect(sh("cmp '\(live)' '\(daemon.root.path)/tree/TeslaCam/RecentClips/2026-11-25_10-07-00-front.mp4'").status == 0)
        #expect(sh("touch '\(daemon.mountpoint)/live/x' 2>&1").status != 0, "live/ is read-only")
        #expect(daemon.stop() == 0)
        // Stopped: every archive file is exactly the car's file.
        tree.verifyArchive(daemon.archive)
        // A restart finds the same archive and serves the same volume.
        try daemon.start()
        tree.verify(from: drive, scratch: daemon.root.path + "/back")
        #expect(daemon.fsck(offset: 1 << 20).status == 0)
        #expect(daemon.stop() == 0)
        tree.verifyArchive(daemon.archive)
    }

    /// A parked car writes nothing more: the last clip is judged complete once its size has held still for the
    /// quiet period, without waiting for a flush that never comes.
    @Test func theLastClipCompletesWithoutAnotherFlush() throws {
        let daemon = Daemon("harvest-settle")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        try daemon.start()
        let clip = daemon.root.path + "/2026-11-25_10-00-00-front.mp4"
        #expect(sh("head -c 3000000 /dev/urandom > \(clip) && mmd -i \(daemon.image)@@1M ::TeslaCam/RecentClips && mcopy -i \(daemon.image)@@1M \(clip) ::TeslaCam/RecentClips/").status == 0)
        // mcopy's close is the only flush; completion must come from the daemon itself. (A liveness bound, not a
        // performance assertion: the quiet period is 2 s.)
        let deadline = Date().addingTimeInterval(30)
        while !daemon.log.contains("2026-11-25_10-00-00-front.mp4 size=3000000 [Volume] clip complete"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(daemon.log.contains("2026-11-25_10-00-00-front.mp4 size=3000000 [Volume] clip complete"), "\(daemon.log.suffix(2000))")
        #expect(sh("cmp \(clip) \(daemon.archive)/TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4").status == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func aClipCanBeReadFromLiveWhileItGrows() throws {
        let daemon = Daemon("harvest-live")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        try daemon.start()
        let car = Process()
        car.executableURL = URL(fileURLWithPath: teslacamBinary)
        car.arguments = ["simulate", "--device", daemon.image, "--minutes", "2", "--speed", "12", "--clip", "3M-4M",
                         "--event-every", "0", "--keep", "5"]
        car.standardOutput = FileHandle.nullDevice
        try car.run()
        let clip = "TeslaCam/RecentClips/2025-11-25_10-01-00-front.mp4"
        let live = "\(daemon.mountpoint)/live/\(clip)"
        var snapshots: [(size: Int, copy: String)] = []
        let deadline = Date().addingTimeInterval(60)
        while car.isRunning && Date() < deadline {
            if let size = (try? FileManager.default.attributesOfItem(atPath: live))?[.size] as? Int, size > 0,
               size != snapshots.last?.size {
                let copy = daemon.root.path + "/snapshot-\(snapshots.count)"
                if sh("cp '\(live)' '\(copy)'").status == 0 { snapshots.append((size, copy)) }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        car.waitUntilExit()
        #expect(car.terminationStatus == 0)
        // The archive file is final only once the clip is complete (before, a cluster may still sit in staging):
        // wait for it (a liveness bound; the quiet period is 2 s).
        let complete = "\(clip) size="
        let settled = Date().addingTimeInterval(60)
        while !daemon.log.split(separator: "\n").contains(where: { $0.contains(complete) && $0.contains("clip complete") }),
              Date() < settled {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let final = "\(daemon.archive)/\(clip)"
        let finalSize = (try? FileManager.default.attributesOfItem(atPath: final))?[.size] as? Int ?? 0
        #expect(snapshots.contains { $0.size < finalSize }, "never saw the clip growing: \(snapshots.map(\.size)) of \(finalSize)")
        // What live/ showed at each moment is the start of the final clip.
        for snapshot in snapshots {
            let copied = (try? FileManager.default.attributesOfItem(atPath: snapshot.copy))?[.size] as? Int ?? -1
            #expect(sh("cmp -n \(copied) '\(snapshot.copy)' '\(final)'").status == 0, "snapshot of \(snapshot.size) bytes")
        }
        #expect(daemon.stop() == 0)
    }
}
