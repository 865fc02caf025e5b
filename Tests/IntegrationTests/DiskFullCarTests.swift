import Foundation
import Testing

/// A full disk, for real (issue 8 point 5): the daemon's state and archive on a small loop-mounted ext4 behind a
/// larger volume, the car in a box (Linux vfat in QEMU) recording onto it with its circular deletes.
///
/// The first case's disk is 256 MiB rather than the issue's ~1 GiB: under TCG on 2 shared cores the car records
/// ~5 MB/s, so several times 1 GiB would take over ten minutes. By hand: TESLACAM_DISKFULL_MIB=1024 (and
/// TESLACAM_DISKFULL_MINUTES, the car's minutes of 4 × 4 MiB clips; by default 3¼ times the disk).
@Suite(.serialized, .enabled(if: isRoot && hasFUSE && hasQEMUAndKernel && hasMkfsExt4,
                             "needs root, /dev/fuse, qemu-system-x86_64, a /boot/vmlinuz-* and mkfs.ext4"))
struct DiskFullCarTests {
    static let environment = ProcessInfo.processInfo.environment

    /// A fresh ext4 image of `mib` MiB, loop-mounted at `daemon.root/disk`, holding the daemon's state and archive
    /// (the symlinks `state` and `archive` point there). Unmounted with the daemon's scratch directory.
    static func smallDisk(for daemon: Daemon, mib: Int) -> String {
        let disk = daemon.root.path + "/disk", image = daemon.root.path + "/disk.ext4"
        // No reserved blocks: the daemon runs as root and would use them, so df's "available" would lie.
        let made = sh("""
            truncate -s \(mib)M \(image) && mkfs.ext4 -q -F -m 0 \(image) && mkdir -p \(disk) \
            && mount -o loop \(image) \(disk) && mkdir \(disk)/state \(disk)/archive \
            && ln -s \(disk)/state \(daemon.state) && ln -s \(disk)/archive \(daemon.archive)
            """)
        #expect(made.status == 0, "making the small disk: \(made.output)")
        return disk
    }

    /// Samples the disk's free bytes twice a second until stopped; the samples, in order.
    final class FreeSpaceSampler {
        let output: String
        let process = Process()
        init(disk: String, output: String) throws {
            self.output = output
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "while :; do df -B1 --output=avail \(disk) | tail -1; sleep 0.5; done > \(output)"]
            try process.run()
        }
        func stop() -> [UInt64] {
            process.terminate()
            process.waitUntilExit()
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    /// `key=123` of a log line.
    static func number(_ key: String, in line: Substring) -> UInt64? {
        guard let range = line.range(of: " \(key)=") ?? line.range(of: "\(key)=") else { return nil }
        return UInt64(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// `free=1.2 GiB` (Wording.bytes) of a log line, in bytes.
    static func wordedBytes(_ key: String, in line: Substring) -> UInt64? {
        guard let range = line.range(of: "\(key)=") else { return nil }
        let words = line[range.upperBound...].split(separator: " ").prefix(2)
        guard words.count == 2, let value = Double(words[words.startIndex]) else { return nil }
        let unit: [Substring: Double] = ["bytes": 1, "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824, "TiB": 1_099_511_627_776]
        return unit[words[words.startIndex + 1]].map { UInt64(value * $0) }
    }

    static func stoppedLine(_ daemon: Daemon) -> Substring? {
        daemon.log.split(separator: "\n").last { $0.contains("stopped") && $0.contains("carBytesWritten=") }
    }

    /// Errors the car would have seen: an I/O error from its block layer, a write that failed, a clip not
    /// recorded, a file system remounted read-only.
    static func carSawErrors(console: String) -> [String] {
        CarGuestTests.read(console).replacingOccurrences(of: "\r", with: "").split(separator: "\n")
            .filter { line in ["I/O error", "write failed", "CAR-ERROR", "CAR-FAIL", "Read-only", "remounting"]
                .contains { line.contains($0) } }
            .map(String.init)
    }

    static func mib(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }

    static func peakResidentKiB(_ daemon: Daemon) -> Int? {
        guard let pid = daemon.process?.processIdentifier else { return nil }
        let status = CarGuestTests.read("/proc/\(pid)/status")
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The car records several times the disk's size; its circular delete keeps only two minutes of RecentClips
    /// (no events, so its own live data stays small). Retention must keep the disk from filling: no write is ever
    /// refused, free space is back above the reserve after every pass, the volume reads back what the car last
    /// wrote, and every file the car still has is in the archive byte for byte.
    @Test func aSmallDiskBehindALargerVolume() throws {
        let diskMiB = Int(Self.environment["TESLACAM_DISKFULL_MIB"] ?? "") ?? 256
        let minutes = Int(Self.environment["TESLACAM_DISKFULL_MINUTES"] ?? "") ?? (diskMiB * 3 / 16 + 4)
        let clip = 4 << 20, cameras = 4
        // A fixed reserve: "auto" is the volume's free clusters plus minFree, more than this disk has in all
        // (the point of the test), so it could never be kept.
        let reserveMiB = diskMiB / 4
        let daemon = Daemon("diskfull")
        let disk = Self.smallDisk(for: daemon, mib: diskMiB)
        let config = daemon.root.path + "/config.json"
        try Data(#"{ "retention": { "reserve": "\#(reserveMiB)M", "minFree": "\#(reserveMiB)M" } }"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let format = daemon.format(size: "4G", layout: "mbr")
        #expect(format.status == 0, "\(format.output)")
        try daemon.start(extra: "--config \(config)")
        let sampler = try FreeSpaceSampler(disk: disk, output: daemon.root.path + "/free.samples")

        let manifest = daemon.root.path + "/car.manifest", console = daemon.root.path + "/console"
        let started = Date()
        let car = CarGuestTests.runCar(daemon.image, "--minutes \(minutes) --cameras \(cameras) --clip \(clip) --keep 2 "
                                       + "--event-every 0 --timeout 1500", manifest: manifest, console: console)
        let wall = Date().timeIntervalSince(started)
        let samples = sampler.stop()
        print("diskfull: car \(minutes) min × \(cameras) × \(clip >> 20) MiB on a \(diskMiB) MiB disk: "
              + "\(String(format: "%.1f", wall)) s\n\(car.output)")
        #expect(car.status == 0, "run-car.sh (the guest's fsck must be clean):\n\(car.output)")
        #expect(Self.carSawErrors(console: console).isEmpty, "the car saw errors: \(Self.carSawErrors(console: console))")
        let entries = CarGuestTests.entries(CarGuestTests.read(manifest))
        let written = entries.reduce(0) { $0 + $1.size }
        #expect(written > 3 * diskMiB << 20, "the car should record several times the disk: \(Self.mib(UInt64(written)))")

        // The volume reads back what the car last wrote (while the daemon serves it).
        let check = sh("\(CarGuestTests.scripts)/check-volume.sh \(daemon.image) \(manifest)")
        #expect(check.status == 0, "\(check.output)")
        let peak = Self.peakResidentKiB(daemon)
        #expect(daemon.stop() == 0)
        CarGuestTests.expectNoCrash(daemon)

        // Retention: every pass that evicted left free space at or above the reserve; the disk never filled.
        let passes = daemon.log.split(separator: "\n").filter { $0.contains("retention pass") }
        #expect(!passes.isEmpty, "retention never evicted anything")
        for pass in passes {
            let free = Self.wordedBytes("free", in: pass) ?? 0, reserve = Self.wordedBytes("reserve", in: pass) ?? .max
            #expect(free >= reserve, "a pass left free space under the reserve: \(pass)")
        }
        let lowest = samples.min() ?? 0
        #expect(lowest >= UInt64(reserveMiB) << 20, "free space fell under the reserve: lowest \(Self.mib(lowest))")
        #expect(!daemon.log.contains("refused a write"), "no write should be refused:\n\(daemon.log.suffix(3000))")
        let stopped = try #require(Self.stoppedLine(daemon), "no stop line:\n\(daemon.log.suffix(2000))")
        #expect(Self.number("heldPeakBytes", in: stopped) == 0)
        #expect(Self.number("backingStoreErrors", in: stopped) == 0)

        // Every file the volume references is in the archive byte for byte.
        let present = entries.filter { $0.state == "present" }
        #expect(!present.isEmpty)
        CarGuestTests.expectArchive(daemon.archive, contains: present)
        print("""
            diskfull: \(Self.mib(UInt64(written))) recorded, \(present.count) files kept by the car, \
            \(Self.number("evictions", in: stopped) ?? 0) evictions (\(Self.mib(Self.number("evictedBytes", in: stopped) ?? 0))), \
            \(passes.count) evicting passes, reserve \(reserveMiB) MiB, lowest free \(Self.mib(lowest)) \
            (of \(samples.count) samples), peak RSS \(peak.map { "\($0 / 1024) MiB" } ?? "?")
            diskfull: \(stopped)
            """)
    }

    /// Oversubscribed: the car's own clips (a long RecentClips ring) outgrow the disk, so nothing may be evicted
    /// and the disk fills. The engine keeps serving: every refused byte is held in memory (within the bound, set
    /// high enough here), the log says so, the car sees no error and reads back exactly what it wrote.
    @Test func theCarsOwnClipsOutgrowTheDisk() throws {
        // ~100 MiB of live clips on a 64 MiB disk (whose state and journal take a few MiB).
        let diskMiB = 64, clip = 2 << 20, cameras = 4, keep = 12, minutes = 15
        let daemon = Daemon("diskfull-over")
        let disk = Self.smallDisk(for: daemon, mib: diskMiB)
        let config = daemon.root.path + "/config.json"
        try Data(#"{ "hold": "256M", "retention": { "reserve": "8M" } }"#.utf8).write(to: URL(fileURLWithPath: config))
        let format = daemon.format(size: "1G", layout: "mbr")
        #expect(format.status == 0, "\(format.output)")
        try daemon.start(extra: "--config \(config)")
        let sampler = try FreeSpaceSampler(disk: disk, output: daemon.root.path + "/free.samples")

        let manifest = daemon.root.path + "/car.manifest", console = daemon.root.path + "/console"
        let started = Date()
        let car = CarGuestTests.runCar(daemon.image, "--minutes \(minutes) --cameras \(cameras) --clip \(clip) "
                                       + "--keep \(keep) --event-every 0 --timeout 900", manifest: manifest, console: console)
        let wall = Date().timeIntervalSince(started)
        let samples = sampler.stop()
        print("diskfull-over: car \(minutes) min × \(cameras) × \(clip >> 20) MiB, keep \(keep) min, on a \(diskMiB) MiB "
              + "disk: \(String(format: "%.1f", wall)) s\n\(car.output)")
        #expect(car.status == 0, "run-car.sh (the guest's fsck must be clean):\n\(car.output)")
        #expect(Self.carSawErrors(console: console).isEmpty, "the car saw errors: \(Self.carSawErrors(console: console))")
        let entries = CarGuestTests.entries(CarGuestTests.read(manifest))
        let live = entries.filter { $0.state == "present" }.reduce(0) { $0 + $1.size }
        #expect(live > diskMiB << 20, "the car's live data should exceed the disk: \(Self.mib(UInt64(live)))")
        #expect((samples.min() ?? .max) < 1 << 20, "the disk should have filled up (lowest free \(samples.min() ?? 0))")

        // The car's reads are exact, served partly from memory: the disk is still full.
        let check = sh("\(CarGuestTests.scripts)/check-volume.sh \(daemon.image) \(manifest)")
        #expect(check.status == 0, "\(check.output)")
        #expect(daemon.log.contains("the board's disk refused a write; the car's data is held in memory"),
                "the log should say so:\n\(daemon.log.suffix(3000))")
        let peak = Self.peakResidentKiB(daemon)
        #expect(daemon.stop() == 0)
        // (Refused writes are expected here: CarGuestTests.expectNoCrash would count them as a failure.)
        for word in ["Fatal error", "fatal error", "Assertion failed", "Precondition failed"] {
            #expect(!daemon.log.contains(word), "daemon log: \(word)\n\(daemon.log.suffix(3000))")
        }
        let stopped = try #require(Self.stoppedLine(daemon), "no stop line:\n\(daemon.log.suffix(2000))")
        let heldPeak = Self.number("heldPeakBytes", in: stopped) ?? 0
        #expect(heldPeak > 0)
        #expect(heldPeak <= 256 << 20)
        #expect(Self.number("heldLostBytes", in: stopped) == 0)
        #expect((Self.number("backingStoreErrors", in: stopped) ?? 0) > 0)
        print("""
            diskfull-over: \(Self.mib(UInt64(live))) live on a \(diskMiB) MiB disk; held in memory at most \
            \(Self.mib(heldPeak)), at stop \(Self.mib(Self.number("heldInMemoryBytes", in: stopped) ?? 0)); \
            peak RSS \(peak.map { "\($0 / 1024) MiB" } ?? "?")
            diskfull-over: \(stopped)
            """)
    }
}

let hasMkfsExt4: Bool = sh("command -v mkfs.ext4").status == 0
