import CarSimulator
import Foundation
import Testing

/// The car's MP4 muxer in the guest (run-car.sh --mux): every clip ends with an in-place rewrite of its mdat size
/// in the first cluster, after its moov. The archive must match the car's manifest byte for byte, and the
/// catalog's sha256 of every clip must be the manifest's, *while the daemon runs*: what a sink would upload the
/// moment a clip is complete, not what a restart repairs.
extension CarGuestTests {
    /// Six cameras, 2 MiB clips in 256 KiB bursts, circular deletes and events; the clips of odd minutes rewrite
    /// their mdat size 3 s after syncing the moov, so the harvest judged them complete first (quiet period).
    /// About 45 s under TCG on 2 busy cores.
    @Test func muxedClipsInBursts() throws {
        try Self.recordMuxed("car-mux-bursts", "--minutes 6 --cameras 6 --clip 2097152 --keep 2 --event-every 3 --mux-late 3",
                             minimumEntries: 30)
    }

    /// Real clip sizes: two minutes of six cameras at 30 MiB per camera-minute (~380 MB through FUSE), 1 MiB
    /// bursts, an fsync every 4 MiB; minute 1's header rewrites come late. About 110 s under TCG on 2 busy cores.
    @Test func muxedClipsAtRealSize() throws {
        try Self.recordMuxed("car-mux-real", "--minutes 2 --cameras 6 --clip 31457280 --chunk 1048576 --event-every 0 --mux-late 3",
                             minimumEntries: 12)
    }

    static let cameraOrder = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]

    /// One row of `teslacam clips --full-sha256`.
    struct CatalogRow { var state, kind: String; var size: Int; var duration, codec, sha256, path: String }

    static func catalog(_ daemon: Daemon) -> [CatalogRow] {
        sh("\(teslacamBinary) clips --state \(daemon.state) --full-sha256").output.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 8, let size = Int(f[2]) else { return nil }
            return CatalogRow(state: f[0], kind: f[1], size: size, duration: f[4], codec: f[5], sha256: f[6], path: f[7])
        }
    }

    /// The catalog row of a manifest entry: at its path, or (deleted) moved aside as PATH.N.
    static func row(of entry: FixtureReplayTests.Entry, in rows: [CatalogRow]) -> CatalogRow? {
        let candidates = entry.state == "present" ? [entry.path] : [entry.path] + (1...9).map { "\(entry.path).\($0)" }
        let matching = rows.filter { candidates.contains($0.path) }
        return matching.first { $0.sha256 == entry.sha256 } ?? matching.first
    }

    /// Whether the catalog holds an entry as the car left it: complete (deleted, for what the car deleted), with
    /// the manifest's sha256. `early`: the car may delete the clip any moment, so deleted will do too.
    static func matches(_ entry: FixtureReplayTests.Entry, _ row: CatalogRow?, early: Bool = false) -> Bool {
        guard let row, row.sha256 == entry.sha256 else { return false }
        return row.state == (entry.state == "present" ? "complete" : "deleted") || (early && row.state == "deleted")
    }

    /// Polls the catalog until it holds every entry as the car left it, for up to `timeout` seconds (the catalog
    /// lags the harvest a little: a row may still show an earlier completion); returns the last rows read.
    static func awaitCatalog(_ daemon: Daemon, _ entries: [FixtureReplayTests.Entry], early: Bool = false,
                             timeout: TimeInterval) -> [CatalogRow] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows = catalog(daemon)
        while entries.contains(where: { !matches($0, row(of: $0, in: rows), early: early) }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.25)
            rows = catalog(daemon)
        }
        return rows
    }

    static func expectCatalog(_ rows: [CatalogRow], matches entries: [FixtureReplayTests.Entry], early: Bool = false,
                              _ when: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var wrong: [String] = []
        for entry in entries {
            guard let row = row(of: entry, in: rows) else { wrong.append("\(entry.path): no catalog row"); continue }
            if !matches(entry, row, early: early) {
                wrong.append("\(entry.path): catalog \(row.state) \(row.size) \(row.sha256), car \(entry.state) \(entry.size) \(entry.sha256)")
            }
            // The engine's own analyser judged the guest's moov: an MP4 with the muxer's avc1 track, 60 s.
            if entry.path.hasSuffix(".mp4"), row.kind != "mp4" || row.codec != "avc1" || row.duration != "60.0s" {
                wrong.append("\(entry.path): catalogued as \(row.kind) \(row.codec) \(row.duration), not mp4 avc1 60.0s")
            }
        }
        #expect(wrong.isEmpty, "\(when): \(wrong.count) of \(entries.count) entries wrong: \(wrong.prefix(20))",
                sourceLocation: sourceLocation)
    }

    /// The guest's muxer writes what the in-process MuxedClip does (the clip ClipFidelityTests judge): car.sh's
    /// seed, size and creation time of `entry` give the same bytes.
    static func expectSameAsMuxedClip(_ entry: FixtureReplayTests.Entry, scratch: String,
                                      sourceLocation: SourceLocation = #_sourceLocation) {
        let name = String(entry.path.split(separator: "/").last ?? "")
        guard let minute = Int(name.dropFirst(14).prefix(2)),
              let camera = cameraOrder.firstIndex(of: String(name.dropFirst(20).dropLast(4)))
        else { Issue.record("not a clip name: \(entry.path)", sourceLocation: sourceLocation); return }
        let clip = MuxedClip(size: entry.size, seed: UInt64(100_000 + minute * 10 + camera),
                             creation: 1_795_600_800 + Int64(minute) * 60)
        let file = scratch + "/muxed-clip"
        FileManager.default.createFile(atPath: file, contents: Data(clip.final))
        let sum = sh("sha256sum < \(file) | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sum == entry.sha256, "\(entry.path): the guest's muxer and MuxedClip differ", sourceLocation: sourceLocation)
    }

    /// Every entry byte for byte, and nothing the car never wrote, except (a known issue, EmptyPlaceholderTests) an
    /// empty file under a clip's short name, left when the harvest saw the entry before its long-name slots. What
    /// the daemon logged about an extra file is printed: the scratch directory goes with the test.
    static func expectArchive(_ daemon: Daemon, holds entries: [FixtureReplayTests.Entry], _ when: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectArchive(daemon.archive, contains: entries, sourceLocation: sourceLocation)
        let known = Set(entries.map(\.path))
        let files = sh("cd \(daemon.archive) && find . -type f -printf '%P\\n'").output.split(separator: "\n").map(String.init)
        var stale: [String] = [], extra: [String] = []
        // (.teslacam-pending holds the harvest's own journal and pending chains, not the car's files.)
        for file in files where !file.hasPrefix(".teslacam-pending/") && !known.contains(file)
            && !known.contains(where: { file.hasPrefix($0 + ".") }) {
            let size = (try? FileManager.default.attributesOfItem(atPath: daemon.archive + "/" + file)[.size] as? Int) ?? -1
            let history = daemon.log.split(separator: "\n").filter { $0.contains(file) }
            print("\(when): extra archive file \(file) (\(size) bytes); the daemon logged:\n\(history.joined(separator: "\n"))")
            if size == 0 && file.contains("~") { stale.append(file) } else { extra.append(file) }
        }
        #expect(extra.isEmpty, "\(when): files in the archive that the car never wrote: \(extra)", sourceLocation: sourceLocation)
        #expect(stale.isEmpty, "\(when): \(stale)", sourceLocation: sourceLocation)
    }

    /// Records with the muxer on a fresh daemon and checks archive and catalog against the car's manifest three
    /// times: the first minute's clips while the car records the next, everything once the car is done (the
    /// daemon running), and everything again after the daemon stopped.
    static func recordMuxed(_ name: String, _ options: String, minimumEntries: Int) throws {
        let daemon = try freshDaemon(name)
        let manifest = daemon.root.path + "/car.manifest", console = daemon.root.path + "/console"
        let carOutput = daemon.root.path + "/car.out"
        let started = Date()
        let car = Process()
        car.executableURL = URL(fileURLWithPath: "/bin/sh")
        car.arguments = ["-c", "exec \(scripts)/run-car.sh --image \(daemon.image) --guest \(guest) \(options) --mux "
                         + "--manifest \(manifest) --console \(console) >\(carOutput) 2>&1"]
        try car.run()
        defer { if car.isRunning { kill(car.processIdentifier, SIGKILL) } }

        // While the car records minute 1: minute 0 synced means its clips are whole on the drive.
        var early: [FixtureReplayTests.Entry] = []
        let deadline = Date().addingTimeInterval(600)
        while car.isRunning, Date() < deadline {
            early = Self.entries(syncedManifest(console: read(console))).filter { $0.path.contains("_10-00-00-") }
            if early.count >= 4 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(early.count >= 4, "the car never synced minute 0:\n\(read(console).suffix(2000))")
        let earlyRows = awaitCatalog(daemon, early, early: true, timeout: 180)
        expectCatalog(earlyRows, matches: early, early: true, "minute 0, the car recording on")
        for entry in early where row(of: entry, in: earlyRows).map({ !matches(entry, $0, early: true) }) ?? true {
            let name = String(entry.path.split(separator: "/").last ?? "")
            print("minute 0: \(entry.path) is wrong in the catalog; the daemon logged:\n"
                  + daemon.log.split(separator: "\n").filter { $0.contains(name) }.joined(separator: "\n"))
        }
        expectArchive(daemon.archive, contains: early)
        let recordingOn = car.isRunning
        print("\(name): minute 0's \(early.count) clips checked \(String(format: "%.1f", Date().timeIntervalSince(started))) s "
              + "after the car started\(recordingOn ? ", the car still recording" : ", after the car had finished")")

        car.waitUntilExit()
        let carSeconds = Date().timeIntervalSince(started)
        print("\(name): car \(String(format: "%.1f", carSeconds)) s\n\(read(carOutput))")
        #expect(car.terminationStatus == 0, "run-car.sh (guest fsck must be clean):\n\(read(carOutput))")
        let entries = Self.entries(read(manifest))
        #expect(entries.count >= minimumEntries, "manifest has \(entries.count) entries")
        if let first = entries.first(where: { $0.path.hasPrefix("TeslaCam/RecentClips/") && $0.path.hasSuffix(".mp4") }) {
            expectSameAsMuxedClip(first, scratch: daemon.root.path)
        }

        // The daemon still runs: the car's last flush came with its unmount.
        let rows = awaitCatalog(daemon, entries, timeout: 180)
        let judgedSeconds = Date().timeIntervalSince(started) - carSeconds
        expectCatalog(rows, matches: entries, "while the daemon runs")
        expectArchive(daemon, holds: entries, "while the daemon runs")
        let fsck = daemon.fsck(offset: 1 << 20)
        #expect(fsck.status == 0, "\(fsck.output)")
        let log = daemon.log
        let rewritten = log.components(separatedBy: "clip rewritten").count - 1
        let reopened = log.components(separatedBy: "clip reopened").count - 1
        print("\(name): catalog matched \(entries.count) entries \(String(format: "%.1f", judgedSeconds)) s after the car; "
              + "\(rewritten) rewrites of complete clips, \(reopened) complete clips reopened")
        // The muxer leaves mdat's size 0 and no moov until the clip ends: by its boxes a clip is not complete
        // before that (DESIGN, clip lifecycle). A camera writing slower than 4 MiB per 2 s (TCG; a car writing in
        // bursts) once made such clips complete mid-recording after the 2 s quiet period, each undone by
        // `reopened`; an unfinished MP4 now waits `Harvest.unfinishedMP4QuietPeriod` (90 s).
        #expect(reopened == 0, "\(reopened) clips were complete before their moov was written")

        #expect(daemon.stop() == 0)
        expectNoCrash(daemon)
        expectArchive(daemon, holds: entries, "after the daemon stopped")
        expectCatalog(catalog(daemon), matches: entries, "after the daemon stopped")
        print("\(name): \(String(format: "%.1f", Date().timeIntervalSince(started))) s in all")
    }
}
