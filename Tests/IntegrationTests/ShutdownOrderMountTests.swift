import Foundation
import Glibc
import Testing

/// SIGTERM while a sink is uploading and a web request is open: the daemon's service group stops the parts in order
/// (the web UI and the sinks, then FUSE, then housekeeping, then the engine with its stop line, then the catalog),
/// each finished before the next begins, and exits cleanly: the upload's job stays queued for the next start, the
/// catalog holds the file the car wrote last, and the mountpoint is empty again.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct ShutdownOrderMountTests {
    /// The steps' log lines in the order the shutdown must write them.
    static let steps = ["shutting down", "shutdown: web UI closed", "shutdown: sinks stopped",
                        "shutdown: FUSE unmounted", "shutdown: settling, retention and repairs ended",
                        "[teslacam] stopped\n", "shutdown: catalog drained"]

    @Test func sigtermStopsWebAndSinksThenFUSEThenTheEngineThenTheCatalog() throws {
        let daemon = Daemon("shutdown-order")
        let remote = daemon.root.path + "/nas"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        let port = try Self.freePort()
        let config = daemon.root.path + "/config.json"
        // 64 KiB/s: a 2 MB clip takes half a minute, so SIGTERM lands in the middle of its upload.
        try Data("""
            { "sinks": { "nas": { "type": "folder", "path": "\(remote)", "bandwidth": "64K" } },
              "routes": { "recent": ["nas"] },
              "upload": { "whileRecording": "full" },
              "web": { "listen": "127.0.0.1:\(port)" } }
            """.utf8).write(to: URL(fileURLWithPath: config))
        try daemon.start(extra: "--config \(config)")
        #expect(sh("mmd -i \(daemon.image)@@1M ::TeslaCam/RecentClips").status == 0)
        let clip = daemon.root.path + "/2026-12-01_09-00-00-front.mp4"
        sh("head -c 2000000 /dev/urandom > \(clip)")
        #expect(sh("mcopy -o -i \(daemon.image)@@1M \(clip) ::TeslaCam/RecentClips/").status == 0)
        // An upload under way (a liveness bound only).
        let deadline = Date().addingTimeInterval(120)
        while sh("find \(remote) -name '*.teslacam-partial'").output.isEmpty, Date() < deadline { usleep(50_000) }
        #expect(!sh("find \(remote) -name '*.teslacam-partial'").output.isEmpty, "no upload started:\n\(daemon.log)")
        // The file the car writes last, just before the stop: only the catalog's drain after the engine's close
        // can have its transitions.
        let last = daemon.root.path + "/2026-12-01_09-01-00-front.mp4"
        sh("head -c 300000 /dev/urandom > \(last)")
        #expect(sh("mcopy -o -i \(daemon.image)@@1M \(last) ::TeslaCam/RecentClips/").status == 0)
        // A web request open: its head not finished, so the server is still reading it.
        let metrics = sh("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:\(port)/metrics").output
        #expect(metrics == "200", "the web UI does not answer: \(metrics)")
        let request = try Self.connect(port: port)
        defer { close(request) }
        _ = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n".withCString { send(request, $0, strlen($0), 0) }

        #expect(daemon.stop() == 0, "\(daemon.log.suffix(3000))")
        let log = daemon.log
        let positions = Self.steps.map { step in log.range(of: step, options: .backwards)?.lowerBound }
        for (step, position) in zip(Self.steps, positions) { #expect(position != nil, "no '\(step)' line:\n\(log.suffix(3000))") }
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "the shutdown's steps out of order:\n\(log.suffix(3000))")
        // The web request was answered or closed by the server, not left hanging.
        var byte: UInt8 = 0
        #expect(recv(request, &byte, 1, Int32(MSG_DONTWAIT)) != -1 || errno != EAGAIN, "the open request was left open")
        // The upload cut short waits for the next start; nothing was delivered half.
        let queue = sh("\(teslacamBinary) sinks --state \(daemon.state) --config \(config)").output
        #expect(!queue.contains("queued: 0"), "the cut upload's job is gone:\n\(queue)")
        #expect(!FileManager.default.fileExists(atPath: remote + "/TeslaCam/RecentClips/2026-12-01_09-00-00-front.mp4"))
        // The catalog has the last file, and the stop unmounted.
        let clips = sh("\(teslacamBinary) clips --state \(daemon.state)").output
        #expect(clips.contains("2026-12-01_09-01-00-front.mp4"), "the last file is not in the catalog:\n\(clips)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: daemon.mountpoint)) == [])
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }
}
