import Foundation
import Volume

/// `teslacam bench volume`: the same I/O passes against a plain sparse file and against `volume.img` served by a
/// child `teslacam run`, both on the same disk, reported as ratios.
struct VolumeBenchmark {
    let directory: String
    let size: String
    let sequentialMiB: Int
    let randomOps: Int
    let repeats: Int
    var cache: String? = nil

    struct Pass {
        let name: String
        let bytes: Int
        /// The file and the round: write passes put each round on fresh blocks, as the car writes new clusters.
        let body: (BenchFile, Int) throws -> Void
    }

    func run() throws {
        guard let diskBytes = ByteSize(parsing: size)?.bytes else { throw BenchError("bad size \(size)") }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/mnt", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plainPath = directory + "/plain.img"
        _ = FileManager.default.createFile(atPath: plainPath, contents: nil)
        guard truncate(plainPath, off_t(diskBytes)) == 0 else { throw BenchError("cannot size \(plainPath)") }

        let daemon = try BenchDaemon(arguments: ["--state", directory + "/state", "--archive", directory + "/archive",
                                                 "--mountpoint", directory + "/mnt", "--size", size, "--log-level", "warning"]
                                                + (cache.map { ["--cache", $0] } ?? []),
                                     mountpoint: directory + "/mnt")
        defer { daemon.stop() }
        let image = daemon.image
        let formattedBytes = allocatedBytes(under: directory + "/state")

        let passes = makePasses(diskBytes: diskBytes)
        print("teslacam bench volume: \(size) volume, \(sequentialMiB) MiB sequential, \(randomOps) random ops, "
              + "median of \(repeats); dir \(directory)")
        print("state after format: \(formattedBytes / 1024) KiB on disk for a \(size) volume")
        print("pass".padding(to: 34) + "plain MiB/s".padding(to: 14) + "volume MiB/s".padding(to: 14) + "ratio")
        var written = 0
        for pass in passes {
            let plain = try BenchFile(path: plainPath), volume = try BenchFile(path: image)
            defer { plain.close(); volume.close() }
            var plainTimes: [Double] = [], volumeTimes: [Double] = []
            for round in 0..<max(1, repeats) {
                plainTimes.append(try measure { try pass.body(plain, round) })
                volumeTimes.append(try measure { try pass.body(volume, round) })
            }
            let plainSeconds = plainTimes.sorted()[plainTimes.count / 2]
            let volumeSeconds = volumeTimes.sorted()[volumeTimes.count / 2]
            if pass.name.contains("write") { written += pass.bytes * max(1, repeats) }
            let mib = Double(pass.bytes) / Double(1 << 20)
            print(pass.name.padding(to: 34) + format(mib / plainSeconds).padding(to: 14)
                  + format(mib / volumeSeconds).padding(to: 14) + format(plainSeconds / volumeSeconds, digits: 2))
        }
        let stateBytes = allocatedBytes(under: directory + "/state")
        let plainBytes = allocatedBytes(under: plainPath)
        print("bytes written: \(written); disk used: state \(stateBytes), plain file \(plainBytes)")
        print("disk bytes used per byte written (random passes overwrite earlier ones): volume \(format(Double(stateBytes) / Double(written), digits: 3)), "
              + "plain \(format(Double(plainBytes) / Double(written), digits: 3))")
        print("daemon peak RSS: \(peakRSSKiB(pid: daemon.pid) / 1024) MiB")
    }

    private func makePasses(diskBytes: UInt64) -> [Pass] {
        let mib = 1 << 20
        let sequentialBytes = sequentialMiB * mib
        // Random I/O stays inside the region the first sequential round wrote, past the metadata; every round of a
        // sequential write pass gets a fresh region after it.
        let base: UInt64 = 64 << 20
        let span = UInt64(sequentialBytes)
        let rounds = UInt64(max(1, repeats))
        func fresh(_ pass: UInt64, _ round: Int) -> UInt64 { base + span * (pass * rounds + UInt64(round)) }
        var passes: [Pass] = []
        passes.append(Pass(name: "sequential write 1 MiB + fsync", bytes: sequentialBytes) { file, round in
            try Self.sequential(file, base: fresh(0, round), total: sequentialBytes, block: mib, write: true)
            try file.sync()
        })
        passes.append(Pass(name: "sequential write 16 KiB + fsync", bytes: sequentialBytes) { file, round in
            try Self.sequential(file, base: fresh(1, round), total: sequentialBytes, block: 16 << 10, write: true)
            try file.sync()
        })
        passes.append(Pass(name: "16 KiB writes, fsync each (FUA)", bytes: 16 * mib) { file, round in
            try Self.sequential(file, base: fresh(2, round), total: 16 * mib, block: 16 << 10, write: true,
                                syncEach: true)
        })
        passes.append(Pass(name: "sequential read 1 MiB", bytes: sequentialBytes) { file, _ in
            try Self.sequential(file, base: base, total: sequentialBytes, block: mib, write: false)
        })
        for block in [4 << 10, 64 << 10] {
            let ops = block == 4 << 10 ? randomOps : randomOps / 2
            passes.append(Pass(name: "random write \(block >> 10) KiB + fsync", bytes: ops * block) { file, round in
                try Self.random(file, base: base, span: span, block: block, ops: ops, write: true, seed: UInt64(round))
                try file.sync()
            })
            passes.append(Pass(name: "random read \(block >> 10) KiB", bytes: ops * block) { file, round in
                try Self.random(file, base: base, span: span, block: block, ops: ops, write: false,
                                seed: 100 + UInt64(round))
            })
        }
        return passes
    }

    private static func sequential(_ file: BenchFile, base: UInt64, total: Int, block: Int, write: Bool,
                                   syncEach: Bool = false) throws {
        var buffer = [UInt8](repeating: 0, count: block)
        for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        try buffer.withUnsafeMutableBytes { raw in
            for offset in stride(from: 0, to: total, by: block) {
                if write {
                    try file.write(UnsafeRawBufferPointer(raw), at: base + UInt64(offset))
                    if syncEach { try file.sync() }
                } else {
                    try file.read(raw, at: base + UInt64(offset))
                }
            }
        }
    }

    private static func random(_ file: BenchFile, base: UInt64, span: UInt64, block: Int, ops: Int, write: Bool,
                               seed: UInt64) throws {
        var rng = seed &* 0x9E37_79B9_7F4A_7C15
        var buffer = [UInt8](repeating: 0xA5, count: block)
        try buffer.withUnsafeMutableBytes { raw in
            for _ in 0..<ops {
                rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let slot = (rng >> 20) % (span / UInt64(block))
                let offset = base + slot * UInt64(block)
                if write { try file.write(UnsafeRawBufferPointer(raw), at: offset) } else { try file.read(raw, at: offset) }
            }
        }
    }

    private func allocatedBytes(under path: String) -> UInt64 {
        var total: UInt64 = 0
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let paths = isDirectory.boolValue ? (FileManager.default.subpaths(atPath: path) ?? []).map { path + "/" + $0 } : [path]
        for file in paths {
            var st = stat()
            if lstat(file, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += UInt64(st.st_blocks) * 512 }
        }
        return total
    }

    private func peakRSSKiB(pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    private func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
