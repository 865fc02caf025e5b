import Foundation
import Glibc
import Testing

/// A daemon restart the gadget does not notice (issue 12 point 3): `teslacam run` serves volume.img while a writer
/// does what the gadget does (16 KiB O_DIRECT writes, each read back, fsync), and the daemon is SIGKILLed (the
/// next one gets the /dev/fuse connection from the test's stand-in for systemd's fd store) and reloaded with
/// SIGHUP (it execs itself, same pid) in the middle of the writes. The writer must see no error, and every
/// block must read back as written last.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct RestartHandoverMountTests {
    func arguments(_ daemon: Daemon) -> String {
        "run --state \(daemon.state) --archive \(daemon.archive) --mountpoint \(daemon.mountpoint) --size 1G"
    }

    /// Waits for `count` writes in all (the writer runs on; a failed writer ends the wait).
    func waitForWrites(_ writer: GadgetWriter, _ count: Int) {
        while writer.writes < count && writer.errors.isEmpty && writer.running { usleep(20000) }
    }

    @Test func theWriterSeesNothingOfAKillAndAReload() throws {
        let daemon = Daemon("handover")
        let store = try FDStoreStandIn()
        FileManager.default.createFile(atPath: daemon.logPath, contents: nil)
        var pid = store.start(arguments(daemon), log: daemon.logPath, handing: false)
        #expect(pid > 0)
        defer { if pid > 0 { kill(pid, SIGKILL); _ = FDStoreStandIn.wait(pid) } }
        let first = try #require(store.receive(until: "READY=1"), "no READY=1:\n\(daemon.log)")
        #expect(first.contains { $0.hasPrefix("FDSTORE=1\nFDNAME=fuse") }, "\(first)")
        #expect(store.stored != nil, "the FDSTORE datagram carried no descriptor")

        let writer = try GadgetWriter(image: daemon.image, directory: daemon.root.path + "/writer")
        // Kills at three moments of the write stream: whatever the daemon held is replayed by the next one.
        for round in 1 ... 3 {
            waitForWrites(writer, round * 100)
            kill(pid, SIGKILL)
            #expect(FDStoreStandIn.wait(pid) == 128 + SIGKILL)
            pid = store.start(arguments(daemon), log: daemon.logPath, handing: true)
            #expect(pid > 0)
            let messages = try #require(store.receive(until: "READY=1"), "no READY=1 after the kill:\n\(daemon.log)")
            #expect(!messages.isEmpty)
        }
        // A reload: RELOADING=1, then READY=1 from the same process.
        waitForWrites(writer, 400)
        kill(pid, SIGHUP)
        let reload = try #require(store.receive(until: "READY=1"), "no READY=1 after SIGHUP:\n\(daemon.log)")
        #expect(reload.first?.hasPrefix("RELOADING=1") == true, "\(reload)")
        #expect(kill(pid, 0) == 0, "the reloaded daemon is not the same process")
        waitForWrites(writer, 500)
        writer.stop()

        // Every write and read-back succeeded, and every block reads back as written last.
        #expect(writer.errors.isEmpty, "the writer saw: \(writer.errors.prefix(5))")
        #expect(writer.writes >= 500)
        let log = daemon.log
        #expect(log.components(separatedBy: "took over the FUSE connection").count - 1 == 4, "\(log)")

        kill(pid, SIGTERM)
        #expect(FDStoreStandIn.wait(pid) == 0, "\(daemon.log)")
        pid = -1
        // A real stop unmounts: the mountpoint is an empty directory again.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: daemon.mountpoint)) == [])
    }

    /// With no descriptor handed over and a dead mount left at the mountpoint (the fd store gone too), a start
    /// clears the mount and mounts afresh.
    @Test func aStartWithoutTheConnectionClearsADeadMount() throws {
        let daemon = Daemon("handover-stale")
        FileManager.default.createFile(atPath: daemon.logPath, contents: nil)
        do {
            let store = try FDStoreStandIn()
            let pid = store.start(arguments(daemon), log: daemon.logPath, handing: false)
            _ = try #require(store.receive(until: "READY=1"), "no READY=1:\n\(daemon.log)")
            kill(pid, SIGKILL)
            _ = FDStoreStandIn.wait(pid)
        }  // the store, and its copy of the connection, go away: the mount is dead (ENOTCONN)
        var st = stat()
        #expect(stat(daemon.mountpoint, &st) != 0 && errno == ENOTCONN)
        let store = try FDStoreStandIn()
        var pid = store.start(arguments(daemon), log: daemon.logPath, handing: false)
        defer { if pid > 0 { kill(pid, SIGKILL); _ = FDStoreStandIn.wait(pid) } }
        _ = try #require(store.receive(until: "READY=1"), "no READY=1 over a dead mount:\n\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: daemon.image))
        #expect(daemon.log.contains("clearing a stale FUSE mount"))
        kill(pid, SIGTERM)
        #expect(FDStoreStandIn.wait(pid) == 0, "\(daemon.log)")
        pid = -1
    }
}
