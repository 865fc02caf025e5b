import Foundation

/// A child `teslacam run` serving `MOUNTPOINT/volume.img` for a bench, its output in a log file.
final class BenchDaemon {
    let process = Process()
    let mountpoint: String
    let logPath: String?

    var image: String { mountpoint + "/volume.img" }
    var pid: Int32 { process.processIdentifier }

    /// Starts `binary run ARGUMENTS` and waits until volume.img is served (at most `timeout` seconds).
    init(binary: String = SessionTrace.currentBinary, arguments: [String], mountpoint: String, log: String? = nil,
         timeout: TimeInterval = 120) throws {
        self.mountpoint = mountpoint
        logPath = log
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run"] + arguments
        if let log {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = FileHandle(forWritingAtPath: log)
            process.standardOutput = handle
            process.standardError = handle
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: mountpoint + "/volume.img") {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw BenchError("teslacam run did not mount \(mountpoint)" + (log.map { ":\n" + Self.tail(of: $0) } ?? ""))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// SIGTERM and wait (the clean stop: the engine's last flush); SIGKILL and a lazy unmount after a minute.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = umount2(mountpoint, Int32(MNT_DETACH))
        }
    }

    deinit { stop() }

    /// The last lines of the daemon's log, for an error message.
    var logTail: String { logPath.map(Self.tail) ?? "" }

    static func tail(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")
    }
}
