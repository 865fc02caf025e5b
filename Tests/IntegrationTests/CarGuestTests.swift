import Foundation
import Testing

/// The "car in a box" (scripts/car): a QEMU guest whose own Linux vfat driver records like a Tesla onto the
/// daemon's FUSE volume.img. The truth is the manifest the guest prints (what it wrote and deleted, and what it
/// had synced); the archive must hold every file of it byte for byte, the volume must read back, fsck.fat must
/// accept it. Under TCG on 2 cores a 6-minute, 4-camera, 2 MiB-clip recording takes about 5 s of wall time
/// (boot included), so the whole suite stays well under a few minutes.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE && hasQEMUAndKernel,
                             "needs root, /dev/fuse, qemu-system-x86_64 and a /boot/vmlinuz-*"))
struct CarGuestTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let scripts = repo + "/scripts/car"


    /// The guest, built once per content of scripts/car (and per kernel): /tmp/teslacam-guest-HASH.
    static let guest: String = {
        let hash = sh("cd \(scripts) && { cat *; ls /boot/vmlinuz-*; } | sha256sum | cut -c1-16").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = "/tmp/teslacam-guest-\(hash)"
        if !FileManager.default.fileExists(atPath: dir + "/initramfs.cpio.gz") {
            let built = sh("\(scripts)/build-guest.sh \(dir).tmp && rm -rf \(dir) && mv \(dir).tmp \(dir)")
            if built.status != 0 { Issue.record("build-guest.sh failed:\n\(built.output)") }
        }
        return dir
    }()

    /// The car's scenario. Events every 3 minutes and a 2-minute RecentClips buffer: the circular delete then
    /// removes clips that no event saved (with --keep 3 --event-every 2 every clip is moved before it ages out,
    /// and nothing is ever deleted).
    static let scenario = "--cameras 4 --clip 2097152 --keep 2 --event-every 3"

    static func runCar(_ image: String, _ options: String, manifest: String, console: String)
        -> (status: Int32, output: String)
    {
        sh("\(scripts)/run-car.sh --image \(image) --guest \(guest) \(options) --manifest \(manifest) --console \(console)")
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    static func entries(_ manifestText: String) -> [FixtureReplayTests.Entry] {
        manifestText.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return f.count == 4 ? .init(state: f[0], path: f[1], size: Int(f[2]) ?? -1, sha256: f[3]) : nil
        }
    }

    /// The synced entries of the last complete MANIFEST block in a (possibly partial) console log, in the
    /// manifest format: what the car knew had reached the drive at that point.
    static func syncedManifest(console: String) -> String {
        var block: [String] = [], last: [String] = [], open = false
        // The serial console ends lines with \r\n, a single Character in Swift: drop the \r before splitting.
        for line in console.replacingOccurrences(of: "\r", with: "").split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f.first {
            case "MANIFEST-BEGIN": block = []; open = true
            case "MANIFEST" where open && f.count == 6:
                if f[5] == "yes" { block.append([f[1] == "live" ? "present" : f[1], f[2], f[3], f[4]].joined(separator: "\t")) }
            case "MANIFEST-END" where open: last = block; open = false
            default: break
            }
        }
        return last.map { $0 + "\n" }.joined()
    }

    /// Every entry is in the archive byte for byte (deleted ones too, possibly as PATH.N); extra files are
    /// allowed (after a power cut or crash the archive also holds what the car wrote but never synced).
    static func expectArchive(_ archive: String, contains entries: [FixtureReplayTests.Entry],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        var missing: [String] = []
        for entry in entries {
            let candidates = [entry.path] + (1...9).map { "\(entry.path).\($0)" }
            let found = candidates.contains { candidate in
                let file = "\(archive)/\(candidate)"
                guard FileManager.default.fileExists(atPath: file) else { return false }
                return sh("sha256sum < '\(file)' | cut -d' ' -f1").output
                    .trimmingCharacters(in: .whitespacesAndNewlines) == entry.sha256
            }
            if !found {
                let size = (try? FileManager.default.attributesOfItem(atPath: "\(archive)/\(entry.path)")[.size] as? Int)
                missing.append("\(entry.state) \(entry.path) (size \(entry.size), archive has \(size.map(String.init) ?? "nothing"))")
            }
        }
        #expect(missing.isEmpty, "not in the archive byte for byte: \(missing)", sourceLocation: sourceLocation)
    }

    /// A fresh 2 GiB MBR state served by `teslacam run`.
    static func freshDaemon(_ name: String) throws -> Daemon {
        let daemon = Daemon(name)
        let format = daemon.format(size: "2G", layout: "mbr")
        #expect(format.status == 0, "\(format.output)")
        try daemon.start()
        return daemon
    }

    static func expectNoCrash(_ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) {
        for word in ["Fatal error", "fatal error", "Assertion failed", "Precondition failed", "backingStoreErrors=1"] {
            #expect(!daemon.log.contains(word), "daemon log: \(word)\n\(daemon.log.suffix(3000))",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func record() throws {
        let daemon = try Self.freshDaemon("car-record")
        let manifest = daemon.root.path + "/car.manifest", console = daemon.root.path + "/console"
        let started = Date()
        let car = Self.runCar(daemon.image, "--minutes 6 \(Self.scenario)", manifest: manifest, console: console)
        print("car-record: \(String(format: "%.1f", Date().timeIntervalSince(started))) s\n\(car.output)")
        #expect(car.status == 0, "run-car.sh (guest fsck must be clean):\n\(car.output)")
        let entries = Self.entries(Self.read(manifest))
        #expect(entries.count > 20, "manifest has \(entries.count) entries")
        #expect(entries.contains { $0.state == "deleted" }, "the scenario should delete old RecentClips")
        #expect(entries.contains { $0.path.hasPrefix("TeslaCam/SavedClips/") })
        #expect(entries.contains { $0.path.hasPrefix("TeslaCam/SentryClips/") })

        let check = sh("\(Self.scripts)/check-volume.sh \(daemon.image) \(manifest)")
        #expect(check.status == 0, "\(check.output)")
        let fsck = daemon.fsck(offset: 1 << 20)
        #expect(fsck.status == 0, "\(fsck.output)")
        #expect(daemon.stop() == 0)
        Self.expectNoCrash(daemon)
        FixtureReplayTests.expectArchive(daemon.archive, holds: entries)
        if let stopped = daemon.log.split(separator: "\n").last(where: { $0.contains("stopped") }) {
            print("car-record: \(stopped)")
        }
    }

    /// Power cuts (SIGKILL of QEMU) at a random moment of the recording; the daemon then restarts. Everything
    /// the car had synced must be in the archive and on the volume. fsck.fat may find the volume dirty (the
    /// car never unmounted; it repairs the drive at its next start), which is printed, not failed.
    @Test func powercut() throws {
        let runs = Int(ProcessInfo.processInfo.environment["TESLACAM_POWERCUTS"] ?? "") ?? 2
        for run in 0..<runs {
            let daemon = try Self.freshDaemon("car-powercut-\(run)")
            let manifest = daemon.root.path + "/car.manifest", console = daemon.root.path + "/console"
            // Boot takes ~2 s under TCG, a minute of 4 × 2 MiB clips ~0.5 s: cut somewhere in 10 minutes.
            let cut = Double.random(in: 2.5...7.5)
            let car = Self.runCar(daemon.image, "--minutes 10 \(Self.scenario) --powercut-after \(String(format: "%.2f", cut))",
                                  manifest: manifest, console: console)
            print("car-powercut \(run): cut after \(String(format: "%.2f", cut)) s\n\(car.output)")
            #expect(car.status == 0, "run-car.sh:\n\(car.output)")
            // Restart the daemon: what the car synced must survive the daemon's own stop/start too.
            #expect(daemon.stop() == 0)
            try daemon.start()
            let entries = Self.entries(Self.read(manifest))
            print("car-powercut \(run): \(entries.count) synced manifest entries")
            if !entries.isEmpty {
                let check = sh("\(Self.scripts)/check-volume.sh --after-powercut \(daemon.image) \(manifest)")
                #expect(check.status == 0, "\(check.output)")
            }
            let fsck = daemon.fsck(offset: 1 << 20)
            print("car-powercut \(run): fsck.fat -n status \(fsck.status)\n\(fsck.output.prefix(2000))")
            #expect(daemon.stop() == 0)
            Self.expectNoCrash(daemon)
            Self.expectArchive(daemon.archive, contains: entries)
        }
    }

    /// SIGKILL of the daemon while the car records. The mount goes dead (ENOTCONN): QEMU's open volume.img
    /// belongs to the dead FUSE connection and never works again, so the car sees its drive fail; it is then
    /// power-cycled (QEMU killed) and started again on the restarted daemon with --repair-first and
    /// --start-minute, as a car would after a power cycle. Everything the car had synced before the crash must be
    /// on the volume and in the archive; the second run must end with a clean guest fsck.
    @Test func daemonCrash() throws {
        let daemon = try Self.freshDaemon("car-crash")
        let console = daemon.root.path + "/console", manifest1 = daemon.root.path + "/car1.manifest"
        let car = Process()
        car.executableURL = URL(fileURLWithPath: "/bin/sh")
        car.arguments = ["-c", "exec \(Self.scripts)/run-car.sh --image \(daemon.image) --guest \(Self.guest) "
                         + "--minutes 20 \(Self.scenario) --console \(console) --timeout 300 >\(daemon.root.path)/car1.out 2>&1"]
        try car.run()
        defer { if car.isRunning { kill(car.processIdentifier, SIGKILL) } }

        // Crash the daemon after a few of the car's minutes.
        let crashMinute = Int.random(in: 2...5)
        let deadline = Date().addingTimeInterval(240)
        var minutes = 0
        while Date() < deadline && car.isRunning {
            minutes = Self.read(console).components(separatedBy: "MINUTE\t").count - 1
            if minutes >= crashMinute { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(minutes >= crashMinute, "the car never reached minute \(crashMinute):\n\(Self.read(console).suffix(2000))")
        // What the car knew was on the drive, read before the kill: its last sync completed before this point.
        let syncedText = Self.syncedManifest(console: Self.read(console))
        daemon.kill9()
        try syncedText.write(toFile: manifest1, atomically: true, encoding: .utf8)
        let synced = Self.entries(syncedText)
        print("car-crash: daemon killed at car minute \(minutes); \(synced.count) synced entries")

        // The car keeps going for a moment against the dead mount, then loses power.
        Thread.sleep(forTimeInterval: 1)
        let qemu = sh("pgrep -f -- 'serial file:\(console)'").output.split(separator: "\n").compactMap { Int32($0) }
        for pid in qemu { kill(pid, SIGKILL) }
        car.waitUntilExit()
        print("car-crash: first run:\n\(Self.read(daemon.root.path + "/car1.out"))")

        try daemon.start()
        #expect(daemon.log.contains("stale FUSE mount"), "the restarted daemon should clear the dead mount")
        if !synced.isEmpty {
            let check = sh("\(Self.scripts)/check-volume.sh --after-powercut \(daemon.image) \(manifest1)")
            #expect(check.status == 0, "synced before the crash, on the volume after the restart:\n\(check.output)")
        }
        Self.expectArchive(daemon.archive, contains: synced)

        // The car's next start: repair the drive, continue the timeline.
        let manifest2 = daemon.root.path + "/car2.manifest"
        let again = Self.runCar(daemon.image, "--minutes 3 \(Self.scenario) --start-minute \(minutes + 1) --repair-first",
                                manifest: manifest2, console: daemon.root.path + "/console2")
        print("car-crash: second run:\n\(again.output)")
        #expect(again.status == 0, "run-car.sh after the crash:\n\(again.output)")
        let check2 = sh("\(Self.scripts)/check-volume.sh \(daemon.image) \(manifest2)")
        #expect(check2.status == 0, "\(check2.output)")
        let fsck = daemon.fsck(offset: 1 << 20)
        #expect(fsck.status == 0, "\(fsck.output)")
        #expect(daemon.stop() == 0)
        Self.expectNoCrash(daemon)
        Self.expectArchive(daemon.archive, contains: synced + Self.entries(Self.read(manifest2)))
    }
}

/// Outside the suite: a suite's own attribute cannot refer to the suite (a circular macro reference).
let hasQEMUAndKernel: Bool = sh("command -v qemu-system-x86_64").status == 0
    && ((try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []).contains { $0.hasPrefix("vmlinuz-") }
