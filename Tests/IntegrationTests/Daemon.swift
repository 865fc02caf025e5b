import Foundation
import Testing

/// A `teslacam run` child process with its own state, archive and mountpoint.
final class Daemon {
    let root: Scratch
    var state: String { root.path + "/state" }
    var archive: String { root.path + "/archive" }
    var mountpoint: String { root.path + "/mnt" }
    var image: String { mountpoint + "/volume.img" }
    var logPath: String { root.path + "/daemon.log" }
    private(set) var process: Process?

    init(_ name: String) {
        root = Scratch(name)
        try! FileManager.default.createDirectory(atPath: root.path + "/mnt", withIntermediateDirectories: true)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `teslacam format` into this daemon's state.
    func format(size: String, layout: String) -> (status: Int32, output: String) {
        sh("\(teslacamBinary) format --state \(state) --size \(size) --layout \(layout)")
    }

    /// Starts `teslacam run` and waits for its `ready` line.
    func start(extra: String = "", command: String = "run") throws {
        let readyCount = log.components(separatedBy: " ready").count
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \(teslacamBinary) \(command) --state \(state) --archive \(archive) "
                             + "--mountpoint \(mountpoint) \(extra) >>\(logPath) 2>&1"]
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if log.components(separatedBy: " ready").count > readyCount { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("teslacam run did not become ready:\n\(log)")
        throw DaemonError.notReady
    }

    /// SIGTERM and wait: the clean shutdown path.
    func stop() -> Int32 {
        guard let process else { return -1 }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// SIGKILL: the daemon dies with the mount still in place.
    func kill9() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        if let process, process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    enum DaemonError: Error { case notReady }

    /// Runs `body` with the FAT file system of the image as a block device (a loop device over the partition).
    func withFileSystemDevice<T>(offset: UInt64, _ body: (String) -> T) -> T {
        let size = (try? FileManager.default.attributesOfItem(atPath: image)[.size] as? UInt64) ?? 0
        let loop = sh("losetup --find --show --offset \(offset) --sizelimit \(size - offset) \(image)")
        let device = loop.output.trimmingCharacters(in: .whitespacesAndNewlines)
        precondition(loop.status == 0, "losetup failed: \(loop.output)")
        defer { sh("losetup -d \(device)") }
        return body(device)
    }

    /// `fsck.fat -n` through a loop device; returns status and output.
    func fsck(offset: UInt64) -> (status: Int32, output: String) {
        withFileSystemDevice(offset: offset) { sh("fsck.fat -n \($0)") }
    }
}
