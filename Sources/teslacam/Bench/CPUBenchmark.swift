import BlockTrace
import Foundation
import Volume

/// `teslacam bench cpu`: CPU seconds per GiB of car data for the gadget's write pattern (a Tesla-pattern session
/// cut into 16 KiB sequential pieces, the car's flushes as fsyncs) through `volume.img` of a child `teslacam run`,
/// against the same writes to a plain file and through a generic FUSE passthrough (bindfs) in the same run.
/// CPU is the writer's (this process: the kernel's work for each write is charged to it) plus the FUSE daemon's.
struct CPUBenchmark {
    let directory: String
    let size: String
    let minutes: Int
    let bindfs: String
    /// The mass-storage gadget's largest piece of I/O.
    static let piece = 16 << 10

    /// `machine`: every CPU's busy time over the replay (/proc/stat), which also holds the kernel's writeback
    /// threads; meaningful on an otherwise idle machine only.
    struct Result { let name: String; let seconds: Double; let cpu: Double; let machine: Double }

    func run() throws {
        guard let diskBytes = ByteSize(parsing: size)?.bytes else { throw BenchError("bad size \(size)") }
        try? FileManager.default.removeItem(atPath: directory)
        for sub in ["bind-src", "bind-mnt"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        // The mountpoint's directory holds the FUSE request journal and the write cache (MAP_SHARED files): on
        // tmpfs, as under systemd (/run/teslacam). On the disk every page the kernel wrote back faults again on
        // the next request (ext4 page_mkwrite): 17 % of the daemon's CPU in this bench, which the board never pays.
        let runtime = Self.runtimeDirectory(for: directory)
        let mountpoint = runtime + "/mnt"
        try? FileManager.default.removeItem(atPath: runtime)
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        defer {
            _ = umount2(directory + "/bind-mnt", Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: runtime)
        }
        let tracePath = directory + "/session.trace"
        // Clips of 6–9 MiB and the car's 256 KiB–1 MiB bursts, as `bench harvest` uses.
        try child(["simulate", "--trace", tracePath, "--size", size, "--minutes", "\(minutes)", "--seed", "7",
                   "--clip", "6M-9M", "--chunk", "256K-1M"]).waitUntilExit()
        let trace = try [UInt8](Data(contentsOf: URL(fileURLWithPath: tracePath)))
        var carBytes: UInt64 = 0
        for case let .write(_, data) in try TraceReader(bytes: trace) { carBytes += UInt64(data.count) }
        print("teslacam bench cpu: \(minutes) min of six cameras (\(carBytes >> 20) MiB) as 16 KiB writes with the car's fsyncs; "
              + "\(size) volume; dir \(directory)")

        var results: [Result] = []
        let plainPath = directory + "/plain.img"
        try makeSparse(plainPath, diskBytes)
        results.append(try replay(trace, into: plainPath, name: "plain file", daemon: nil))

        if FileManager.default.isExecutableFile(atPath: bindfs) {
            try makeSparse(directory + "/bind-src/plain.img", diskBytes)
            // -f: in the foreground, so the child is the server whose CPU is counted.
            let bind = try child(["-f", directory + "/bind-src", directory + "/bind-mnt"], executable: bindfs)
            defer { bind.terminate(); bind.waitUntilExit() }
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: directory + "/bind-mnt/plain.img") {
                guard Date() < deadline, bind.isRunning else { throw BenchError("bindfs did not mount") }
                Thread.sleep(forTimeInterval: 0.05)
            }
            results.append(try replay(trace, into: directory + "/bind-mnt/plain.img", name: "bindfs passthrough",
                                      daemon: bind.processIdentifier))
        } else {
            print("(no \(bindfs): apt-get install bindfs for the generic FUSE passthrough)")
        }

        let daemon = try child(["run", "--state", directory + "/state", "--archive", directory + "/archive",
                                "--mountpoint", mountpoint, "--size", size, "--log-level", "warning"])
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: mountpoint + "/volume.img") {
            guard Date() < deadline, daemon.isRunning else { throw BenchError("teslacam run did not mount") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        results.append(try replay(trace, into: mountpoint + "/volume.img", name: "teslacam volume.img",
                                  daemon: daemon.processIdentifier))

        let gib = Double(carBytes) / Double(1 << 30)
        let plainCPU = results[0].cpu / gib
        print("target".padding(toLength: 24, withPad: " ", startingAt: 0) + "MiB/s".padding(toLength: 10, withPad: " ", startingAt: 0)
              + "CPU s/GiB".padding(toLength: 12, withPad: " ", startingAt: 0) + "× plain".padding(toLength: 9, withPad: " ", startingAt: 0)
              + "machine CPU s/GiB (× plain)")
        for r in results {
            let perGiB = r.cpu / gib
            print(r.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                  + String(format: "%-10.1f%-12.2f%-9.2f%.2f (%.2f)", Double(carBytes) / Double(1 << 20) / r.seconds, perGiB,
                           perGiB / plainCPU, r.machine / gib, r.machine / results[0].machine))
        }
    }

    /// Replays the session's writes in 16 KiB pieces and its flushes as fsync; returns wall time and CPU seconds
    /// (this process's user + system, plus the daemon's when there is one).
    private func replay(_ trace: [UInt8], into path: String, name: String, daemon: Int32?) throws -> Result {
        let file = try BenchFile(path: path)
        defer { file.close() }
        let selfBefore = Self.ownCPU(), daemonBefore = daemon.map(Self.processCPU) ?? 0, machineBefore = Self.machineBusy()
        let seconds = try measure {
            var reader = try TraceReader(bytes: trace)
            while let record = reader.next() {
                switch record {
                case let .write(offset, data):
                    try data.withUnsafeBytes { raw in
                        var done = 0
                        while done < raw.count {
                            let n = min(Self.piece, raw.count - done)
                            try file.write(UnsafeRawBufferPointer(rebasing: raw[done..<(done + n)]), at: offset + UInt64(done))
                            done += n
                        }
                    }
                case .flush: try file.sync()
                case .read: break
                }
            }
            try file.sync()
        }
        let cpu = (Self.ownCPU() - selfBefore) + ((daemon.map(Self.processCPU) ?? 0) - daemonBefore)
        return Result(name: name, seconds: seconds, cpu: cpu, machine: Self.machineBusy() - machineBefore)
    }

    /// Busy seconds of all CPUs since boot: /proc/stat's first line without idle and iowait.
    static func machineBusy() -> Double {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        let fields = (stat.split(separator: "\n").first ?? "").split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return 0 }
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A tmpfs directory for the mountpoint (/dev/shm), named after the scratch directory; the scratch directory
    /// itself where there is no tmpfs.
    static func runtimeDirectory(for directory: String) -> String {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let tmpfs = mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == "/dev/shm" && fields[2] == "tmpfs"
        }
        guard tmpfs, access("/dev/shm", W_OK) == 0 else { return directory + "/run" }
        return "/dev/shm/" + directory.split(separator: "/").joined(separator: "-")
    }

    private func makeSparse(_ path: String, _ bytes: UInt64) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard truncate(path, off_t(bytes)) == 0 else { throw BenchError("cannot size \(path)") }
    }

    private func child(_ arguments: [String], executable: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func ownCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// utime + stime of a process (all its threads) from /proc/PID/stat.
    static func processCPU(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
