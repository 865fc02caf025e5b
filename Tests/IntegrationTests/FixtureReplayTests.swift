import Foundation
import Testing

/// Every trace under fixtures/ replays into a volume that fsck.fat accepts and that holds, byte for byte, every
/// file its manifest lists as present.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct FixtureReplayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures").path

    static var traces: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? [])
            .filter { $0.hasSuffix(".trace") }.map { String($0.dropLast(".trace".count)) }.sorted()
    }

    struct Entry { var state: String; var path: String; var size: Int; var sha256: String }

    static func manifest(_ name: String) -> [Entry] {
        let text = (try? String(contentsOfFile: "\(fixtures)/\(name).manifest", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return f.count == 4 ? Entry(state: f[0], path: f[1], size: Int(f[2]) ?? -1, sha256: f[3]) : nil
        }
    }

    @Test func thereAreFixtures() {
        #expect(Self.traces.count >= 2, "no traces in \(Self.fixtures)")
    }

    @Test(arguments: traces)
    func replays(name: String) throws {
        let daemon = Daemon("fixture-\(name)")
        let replay = sh("\(teslacamBinary) trace replay \(Self.fixtures)/\(name).trace --state \(daemon.state) --archive \(daemon.archive)")
        #expect(replay.status == 0, "\(replay.output)")
        try verify(daemon, against: name)
    }

    /// The daemon is killed at random points of a car's session (whatever was in flight since the last flush is
    /// lost, as with a drive's volatile cache), restarted, and the car's session finished: archive and volume end
    /// exactly as without the crash.
    @Test(arguments: traces.filter { $0.hasPrefix("tesla") || $0.hasPrefix("linux") })
    func survivesAKillAtRandomPoints(name: String) throws {
        // "replayed W writes, R reads, F flushes from record 0"
        let words = sh("\(teslacamBinary) trace replay \(Self.fixtures)/\(name).trace --state /tmp/tc-count-\(name) --archive /tmp/tc-count-\(name)-a --log-level error | tail -1; rm -rf /tmp/tc-count-\(name)*").output
            .split(separator: " ").map(String.init)
        let records = words.count > 5 ? [1, 3, 5].compactMap { Int(words[$0]) }.reduce(0, +) : 0
        #expect(records > 0)
        var rng = SystemRandomNumberGenerator()
        let points = Int(ProcessInfo.processInfo.environment["TESLACAM_CRASH_POINTS"] ?? "") ?? 3
        for _ in 0..<points {
            let crash = Int.random(in: 0..<max(1, records), using: &rng)
            let daemon = Daemon("crash-\(name)-\(crash)")
            let trace = "\(Self.fixtures)/\(name).trace"
            let first = sh("\(teslacamBinary) trace replay \(trace) --state \(daemon.state) --archive \(daemon.archive) --crash-after \(crash) --log-level error")
            #expect(first.status != 0, "the replay should have been killed after record \(crash)")
            let resumed = sh("\(teslacamBinary) trace replay \(trace) --state \(daemon.state) --archive \(daemon.archive) --resume-after-crash \(crash) --log-level error")
            #expect(resumed.status == 0, "crash after \(crash): \(resumed.output)")
            try verify(daemon, against: name)
        }
    }

    func verify(_ daemon: Daemon, against name: String) throws {
        let entries = Self.manifest(name)
        Self.expectArchive(daemon.archive, holds: entries)
        try daemon.start()
        // The layout comes from the trace: find the partition from the MBR signature and type.
        let mbr = sh("dd if=\(daemon.image) bs=512 count=1 status=none | od -An -tx1 -j450 -N1").output
        let offset: UInt64 = mbr.contains("0c") ? 1 << 20 : 0
        let drive = "\(daemon.image)@@\(offset)"
        #expect(!entries.isEmpty)
        for entry in entries where entry.state == "present" {
            let out = daemon.root.path + "/out"
            #expect(sh("mcopy -o -i \(drive) '::\(entry.path)' \(out)").status == 0, "\(entry.path)")
            let sum = sh("sha256sum < \(out) | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sum == entry.sha256, "\(entry.path)")
        }
        let presentPaths = Set(entries.filter { $0.state == "present" }.map(\.path))
        for entry in entries where entry.state == "deleted" && !presentPaths.contains(entry.path) {
            #expect(sh("mdir -i \(drive) '::\(entry.path)'").status != 0, "\(entry.path) should be gone")
        }
        let fsck = daemon.fsck(offset: offset)
        #expect(fsck.status == 0, "\(fsck.output)")
        #expect(daemon.stop() == 0)
        // A restart changes nothing in the archive.
        Self.expectArchive(daemon.archive, holds: entries)
    }

    /// The harvest: every file the writer produced is in the archive byte for byte, present or deleted (an
    /// overwritten version is kept beside the new one as PATH.N), and nothing else is.
    static func expectArchive(_ archive: String, holds entries: [Entry], sourceLocation: SourceLocation = #_sourceLocation) {
        // .teslacam-pending is the engine's own (pending chains, the move journal), as in scripts/demo.sh.
        let files = sh("cd \(archive) && find . -path ./.teslacam-pending -prune -o -type f -printf '%P\\n' | sort").output
            .split(separator: "\n").map(String.init)
        var sums: [String: String] = [:]
        for file in files {
            sums[file] = sh("sha256sum < '\(archive)/\(file)' | cut -d' ' -f1").output
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var matched: Set<String> = []
        for entry in entries {
            let candidates = entry.state == "present" ? [entry.path]
                : [entry.path] + (1...9).map { "\(entry.path).\($0)" }
            if let hit = candidates.first(where: { sums[$0] == entry.sha256 && !matched.contains($0) }) {
                matched.insert(hit)
            } else {
                Issue.record("\(entry.state) \(entry.path) is not in the archive with sha256 \(entry.sha256)",
                             sourceLocation: sourceLocation)
            }
        }
        let extra = files.filter { !matched.contains($0) }
        #expect(extra.isEmpty, "files in the archive that the writer never produced: \(extra)", sourceLocation: sourceLocation)
    }
}
