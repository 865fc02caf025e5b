import Foundation
import Glibc
import Testing

/// `teslacam run` as systemd runs a `Type=notify` unit with `WatchdogSec=`: the test binds the notification socket
/// (abstract namespace, as systemd's own is) and passes it in `$NOTIFY_SOCKET` and `$WATCHDOG_USEC`.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct SystemdNotifyMountTests {
    @Test func readyAfterTheVolumeIsServedThenWatchdogThenStopping() throws {
        let daemon = Daemon("notify")
        let socket = try DatagramSocket()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: teslacamBinary)
        process.arguments = ["run", "--state", daemon.state, "--archive", daemon.archive, "--mountpoint", daemon.mountpoint,
                             "--size", "1G"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = socket.environmentValue
        env["WATCHDOG_USEC"] = "200000"  // a ping every 100 ms
        process.environment = env
        let log = FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: daemon.logPath, contents: nil); return daemon.logPath }())!
        process.standardOutput = log
        process.standardError = log
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }

        var ready = try #require(socket.receive(), "no READY=1 within 120 s:\n\(daemon.log)")
        // The /dev/fuse connection goes into the fd store first, as soon as it exists (RestartHandoverMountTests).
        #expect(ready == "FDSTORE=1\nFDNAME=fuse")
        if ready.hasPrefix("FDSTORE=1") { ready = try #require(socket.receive(), "no READY=1 within 120 s:\n\(daemon.log)") }
        // Served by the time systemd hears READY: the gadget unit started then can open the image.
        #expect(FileManager.default.fileExists(atPath: daemon.image))
        #expect(ready.hasPrefix("READY=1\nSTATUS=serving \(daemon.image); car wrote "), "\(ready)")
        // Heartbeats go through the engine's lock and carry the summary.
        let write = sh("dd if=/dev/urandom of=\(daemon.image) bs=64k count=16 seek=100 conv=notrunc,fsync")
        #expect(write.status == 0, "\(write.output)")
        var pings = 0, sawWrite = false
        while pings < 50, !sawWrite, let message = socket.receive() {
            #expect(message.hasPrefix("WATCHDOG=1\nSTATUS=serving "), "\(message)")
            pings += 1
            sawWrite = message.contains(" MiB;")
        }
        #expect(sawWrite, "no heartbeat reported the 1 MiB written")

        process.terminate()
        var stopping = false
        while !stopping, let message = socket.receive() { stopping = message.hasPrefix("STOPPING=1") }
        process.waitUntilExit()
        #expect(stopping)
        #expect(process.terminationStatus == 0, "\(daemon.log)")
    }
}

/// An abstract-namespace datagram socket the test owns.
private final class DatagramSocket {
    let fd: Int32
    let environmentValue: String

    init() throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let name = "teslacam-it-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        environmentValue = "@" + name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard fd >= 0, rc == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit { close(fd) }

    func receive(waiting seconds: Int32 = 120) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, seconds * 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n < 0 ? nil : String(decoding: buffer[..<n], as: UTF8.self)
    }
}
