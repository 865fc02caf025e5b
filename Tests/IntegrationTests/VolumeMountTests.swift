import Foundation
import Testing

/// `teslacam run` mounted for real: fsck.fat and mtools are the independent judges of the volume.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct VolumeMountTests {
    static func offset(_ layout: String) -> UInt64 { layout == "mbr" ? 1 << 20 : 0 }

    @Test(arguments: [("2G", "mbr"), ("2G", "superfloppy"), ("64G", "mbr"), ("64G", "superfloppy")])
    func aFreshVolumePassesFsck(size: String, layout: String) throws {
        let daemon = Daemon("fsck-\(size)-\(layout)")
        let formatted = daemon.format(size: size, layout: layout)
        #expect(formatted.status == 0, "\(formatted.output)")
        try daemon.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.image)
        #expect(attributes[.size] as? UInt64 == UInt64(size.dropLast())! << 30)
        let fsck = daemon.fsck(offset: Self.offset(layout))
        #expect(fsck.status == 0, "\(fsck.output)")
        let minfo = sh("minfo -i \(daemon.image)@@\(Self.offset(layout)) ::")
        #expect(minfo.output.contains("TESLACAM"), "\(minfo.output)")
        let mdir = sh("mdir -i \(daemon.image)@@\(Self.offset(layout)) ::")
        #expect(mdir.output.contains("TeslaCam"), "\(mdir.output)")
        #expect(daemon.stop() == 0)
        #expect(!daemon.log.contains("error"), "\(daemon.log)")
        // Thin: a 64 GiB volume costs its metadata, not its size.
        let used = sh("du -sk \(daemon.state) | cut -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((Int(used) ?? .max) < 40 * 1024, "state uses \(used) KiB")
    }

    @Test(arguments: [("2G", "mbr"), ("64G", "superfloppy")])
    func mtoolsTreeSurvivesRestartAndKill(size: String, layout: String) throws {
        let daemon = Daemon("mtools-\(size)-\(layout)")
        #expect(daemon.format(size: size, layout: layout).status == 0)
        try daemon.start()
        let drive = "\(daemon.image)@@\(Self.offset(layout))"
        let tree = FileTree(root: daemon.root.path + "/tree", seed: 11)
        tree.copy(into: drive)
        tree.verify(from: drive, scratch: daemon.root.path + "/back1")
        // Delete a few files, as the car's circular buffer does.
        for path in tree.deletable { #expect(sh("mdel -i \(drive) ::\(path)").status == 0) }
        tree.forget(tree.deletable)
        tree.verify(from: drive, scratch: daemon.root.path + "/back2")
        #expect(daemon.fsck(offset: Self.offset(layout)).status == 0)

        // Clean restart.
        #expect(daemon.stop() == 0)
        try daemon.start()
        tree.verify(from: drive, scratch: daemon.root.path + "/back3")
        #expect(daemon.fsck(offset: Self.offset(layout)).status == 0)

        // More files, then a flush (mtools closes the image: FUSE flush) and kill -9.
        let more = FileTree(root: daemon.root.path + "/tree2", seed: 12, top: "TeslaCam/SentryClips")
        more.copy(into: drive)
        #expect(sh("sync \(daemon.image)").status == 0)
        daemon.kill9()
        try daemon.start()
        tree.verify(from: drive, scratch: daemon.root.path + "/back4")
        more.verify(from: drive, scratch: daemon.root.path + "/back5")
        let fsck = daemon.fsck(offset: Self.offset(layout))
        #expect(fsck.status == 0, "\(fsck.output)")
        #expect(daemon.stop() == 0)
    }

    @Test func theImageWorksBehindALoopDevice() throws {
        let daemon = Daemon("loop")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        try daemon.start()
        // Write through the loop device, read through the file, and back.
        let pattern = daemon.root.path + "/pattern"
        #expect(sh("head -c 1048576 /dev/urandom > \(pattern)").status == 0)
        let ok = daemon.withFileSystemDevice(offset: 0) { device in
            sh("dd if=\(pattern) of=\(device) bs=64k seek=8192 oflag=direct conv=fsync status=none").status == 0
        }
        #expect(ok)
        let back = sh("bash -c 'cmp \(pattern) <(dd if=\(daemon.image) bs=64k skip=8192 count=16 status=none)'")
        #expect(back.status == 0, "\(back.output)")
        #expect(daemon.stop() == 0)
    }
}
