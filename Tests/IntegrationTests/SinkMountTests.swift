import Foundation
import Testing

/// Uploads from a mounted daemon: files written onto volume.img reach a folder sink byte for byte, and a daemon
/// killed in the middle of an upload delivers everything exactly once after its restart.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct SinkMountTests {
    func config(_ daemon: Daemon, remote: String) -> String {
        let path = daemon.root.path + "/sinks.json"
        // 256 KiB/s: a 1 MB clip takes four seconds, so the kill lands in the middle of one.
        let text = """
            { "sinks": { "nas": { "type": "folder", "path": "\(remote)", "prefix": "car", "bandwidth": "256K" } },
              "routes": { "sentry": ["nas"], "recent": ["nas"] },
              "upload": { "whileRecording": "full", "retryInitial": 0.2, "retryMaximum": 1 } }
            """
        try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func put(_ daemon: Daemon, _ name: String, bytes: Int, into folder: String) -> String {
        let local = daemon.root.path + "/" + name
        sh("head -c \(bytes) /dev/urandom > \(local)")
        let result = sh("mcopy -o -i \(daemon.image)@@1M \(local) ::\(folder)/")
        #expect(result.status == 0, "\(result.output)")
        return local
    }

    func queued(_ daemon: Daemon, config: String) -> String {
        sh("\(teslacamBinary) sinks --state \(daemon.state) --config \(config)").output
    }

    @Test func aKilledDaemonDeliversEveryFileOnceAfterItsRestart() throws {
        let daemon = Daemon("sinks")
        let remote = daemon.root.path + "/nas"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        let config = config(daemon, remote: remote)
        try daemon.start(extra: "--config \(config)")
        let event = "TeslaCam/SentryClips/2026-11-25_10-00-00"
        #expect(sh("mmd -i \(daemon.image)@@1M ::TeslaCam/RecentClips ::TeslaCam/SentryClips ::\(event)").status == 0)
        var local: [String: String] = [:]
        local["TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4"] =
            put(daemon, "2026-11-25_09-00-00-front.mp4", bytes: 1_000_000, into: "TeslaCam/RecentClips")
        local[event + "/event.json"] = put(daemon, "event.json", bytes: 180, into: event)
        local[event + "/2026-11-25_10-00-00-front.mp4"] = put(daemon, "2026-11-25_10-00-00-front.mp4", bytes: 1_200_000, into: event)

        // Killed while a copy is under way (a liveness bound only).
        let deadline = Date().addingTimeInterval(120)
        while !(FileManager.default.enumerator(atPath: remote)?.allObjects as? [String] ?? []).contains(where: { $0.hasSuffix(".teslacam-partial") }),
              Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        daemon.kill9()
        let beforeRestart = queued(daemon, config: config)
        #expect(!beforeRestart.contains("queued: 0"), "something was still on its way:\n\(beforeRestart)")

        try daemon.start(extra: "--config \(config)")
        // Until every file is acknowledged: an empty queue alone can come first, while the restarted engine has
        // yet to judge a clip it recovered complete (seen under CI's load: 2 of 3 delivered, "queued: 0").
        let restartDeadline = Date().addingTimeInterval(180)
        while !(queued(daemon, config: config).contains("queued: 0") && queued(daemon, config: config).contains("in 3 deliveries")),
              Date() < restartDeadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let status = queued(daemon, config: config)
        #expect(status.contains("queued: 0"), "\(status)\n\(daemon.log.suffix(3000))")
        #expect(status.contains("in 3 deliveries"), "each file acknowledged once:\n\(status)")
        #expect(daemon.stop() == 0)
        for (path, source) in local {
            #expect(sh("cmp \(source) \(remote)/car/\(path)").status == 0, "\(path)")
        }
        let partials = sh("find \(remote) -name '*.teslacam-partial'").output
        #expect(partials.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "left behind: \(partials)")
        #expect(daemon.log.contains("delivered"), "\(daemon.log.suffix(2000))")
    }
}
