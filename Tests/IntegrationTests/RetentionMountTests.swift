import Foundation
import Testing

/// Retention against a real mount: `teslacam retention` beside a running daemon (dry run only), by hand once it
/// is stopped, and the daemon's own pass; the volume the car sees is unchanged throughout.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct RetentionMountTests {
    static let recent = "TeslaCam/RecentClips"

    /// Writes a config file; `evictEverything`: a reserve no disk has, so every car-deleted file goes for space
    /// (deterministic, unlike an age limit measured in seconds).
    func config(_ daemon: Daemon, evictEverything: Bool) -> String {
        let path = daemon.root.path + (evictEverything ? "/evict.json" : "/keep.json")
        let reserve = evictEverything ? "1000T" : "1M"
        try! Data(#"{ "retention": { "reserve": "\#(reserve)" } }"#.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func put(_ daemon: Daemon, _ name: String, bytes: Int) -> String {
        let local = daemon.root.path + "/" + name
        sh("head -c \(bytes) /dev/urandom > \(local)")
        let result = sh("mcopy -o -i \(daemon.image)@@1M \(local) ::\(Self.recent)/")
        #expect(result.status == 0, "\(result.output)")
        return local
    }

    @Test func deletedClipsAreEvictedAndTheVolumeIsUntouched() throws {
        let daemon = Daemon("retention")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        let keep = config(daemon, evictEverything: false), evict = config(daemon, evictEverything: true)
        try daemon.start(extra: "--config \(keep)")
        #expect(sh("mmd -i \(daemon.image)@@1M ::\(Self.recent)").status == 0)
        let a = put(daemon, "2026-11-25_10-00-00-front.mp4", bytes: 300_000)
        _ = put(daemon, "2026-11-25_10-01-00-front.mp4", bytes: 200_000)
        let c = put(daemon, "2026-11-25_10-02-00-front.mp4", bytes: 100_000)
        #expect(sh("mdel -i \(daemon.image)@@1M ::\(Self.recent)/2026-11-25_10-00-00-front.mp4 ::\(Self.recent)/2026-11-25_10-01-00-front.mp4").status == 0)
        let archive = daemon.archive + "/" + Self.recent
        // The catalog follows the harvest on its own queue: wait (a liveness bound) until it knows both deletions.
        let deadline = Date().addingTimeInterval(30)
        while !sh("\(teslacamBinary) clips --state \(daemon.state) --only deleted").output.contains("10-01-00"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }

        // Beside the daemon: a dry run lists what would go and changes nothing; a real run is refused.
        let dry = sh("\(teslacamBinary) retention --state \(daemon.state) --archive \(daemon.archive) --config \(evict) --dry-run")
        #expect(dry.status == 0, "\(dry.output)")
        #expect(dry.output.contains("Would evict 2 files"), "\(dry.output)")
        #expect(dry.output.contains("\(Self.recent)/2026-11-25_10-00-00-front.mp4"))
        #expect(!dry.output.contains("10-02-00"), "a file the car has is never listed:\n\(dry.output)")
        #expect(dry.output.contains("A daemon is serving"))
        #expect(FileManager.default.fileExists(atPath: archive + "/2026-11-25_10-00-00-front.mp4"))
        let refused = sh("\(teslacamBinary) retention --state \(daemon.state) --archive \(daemon.archive) --config \(evict)")
        #expect(refused.status != 0)
        #expect(refused.output.contains("is serving \(daemon.state)"), "\(refused.output)")
        #expect(FileManager.default.fileExists(atPath: archive + "/2026-11-25_10-00-00-front.mp4"))
        #expect(daemon.stop() == 0)

        // Stopped: by hand. Both deleted clips go; the one the car has stays, byte for byte.
        let done = sh("\(teslacamBinary) retention --state \(daemon.state) --archive \(daemon.archive) --config \(evict)")
        #expect(done.status == 0, "\(done.output)")
        #expect(done.output.contains("Evicted 2 files"), "\(done.output)")
        #expect(!FileManager.default.fileExists(atPath: archive + "/2026-11-25_10-00-00-front.mp4"))
        #expect(!FileManager.default.fileExists(atPath: archive + "/2026-11-25_10-01-00-front.mp4"))
        #expect(sh("cmp \(c) \(archive)/2026-11-25_10-02-00-front.mp4").status == 0)
        let evicted = sh("\(teslacamBinary) clips --state \(daemon.state) --only evicted").output
        #expect(evicted.contains("2026-11-25_10-00-00-front.mp4") && evicted.contains("2026-11-25_10-01-00-front.mp4"), "\(evicted)")

        // The daemon's own pass (one runs at start) evicts what the car deletes next.
        try daemon.start(extra: "--config \(keep)")
        #expect(sh("mdel -i \(daemon.image)@@1M ::\(Self.recent)/2026-11-25_10-02-00-front.mp4").status == 0)
        #expect(sh("mcopy -o -i \(daemon.image)@@1M \(a) ::\(Self.recent)/2026-11-25_10-03-00-front.mp4").status == 0)
        #expect(daemon.stop() == 0)
        try daemon.start(extra: "--config \(evict)")
        let passDeadline = Date().addingTimeInterval(30)
        while !daemon.log.contains("evicted \(Self.recent)/2026-11-25_10-02-00-front.mp4"), Date() < passDeadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(daemon.log.contains("evicted \(Self.recent)/2026-11-25_10-02-00-front.mp4 (97.7 KiB"), "\(daemon.log.suffix(3000))")
        #expect(!FileManager.default.fileExists(atPath: archive + "/2026-11-25_10-02-00-front.mp4"))
        // The car's volume reads back what it holds, and its file system is clean.
        let back = daemon.root.path + "/back.mp4"
        #expect(sh("mcopy -o -i \(daemon.image)@@1M ::\(Self.recent)/2026-11-25_10-03-00-front.mp4 \(back) && cmp \(a) \(back)").status == 0)
        #expect(sh("cmp \(a) \(archive)/2026-11-25_10-03-00-front.mp4").status == 0)
        #expect(daemon.fsck(offset: 1 << 20).status == 0)
        #expect(daemon.stop() == 0)
    }
}
