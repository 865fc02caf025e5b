import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Logging
import Synchronization
import Volume

/// `teslacam bench harvest`: a Tesla-pattern session replayed into the engine with its archive, against the same
/// writes and fsyncs to a plain file on the same disk, in one run.
struct HarvestBenchmark {
    let directory: String
    let size: String
    let minutes: Int
    let cameras: [String]
    let clipBytes: ClosedRange<Int>
    let chunkBytes: ClosedRange<Int>
    let repeats: Int
    var cacheBytes: Int = 32 << 20

    func run() throws {
        guard let diskBytes = ByteSize(parsing: size)?.bytes else { throw BenchError("bad size \(size)") }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let geometry = try VolumeGeometry(diskBytes: diskBytes, layout: .mbr)

        let trace = try SessionTrace(size: size, minutes: minutes, cameras: cameras,
                                     clip: "\(clipBytes.lowerBound)-\(clipBytes.upperBound)",
                                     chunk: "\(chunkBytes.lowerBound)-\(chunkBytes.upperBound)")
            .generate(at: directory + "/session.trace")
        var carBytes: UInt64 = 0, dataBytes: UInt64 = 0, writes = 0, flushes = 0
        var counter = try TraceReader(bytes: trace)
        while let record = counter.next() {
            if case let .write(offset, data) = record {
                carBytes += UInt64(data.count)
                if offset >= geometry.dataOffset { dataBytes += UInt64(data.count) }
                writes += 1
            } else if case .flush = record { flushes += 1 }
        }
        print("teslacam bench harvest: \(minutes) min × \(cameras.count) cameras, clips \(ByteSize(bytes: UInt64(clipBytes.lowerBound)))–\(ByteSize(bytes: UInt64(clipBytes.upperBound))), "
              + "\(size) volume; \(writes) writes (\(carBytes >> 20) MiB), \(flushes) flushes; dir \(directory)")

        var plainRuns: [Double] = [], engineRuns: [Double] = []
        for round in 0..<max(1, repeats) {
            let last = round == max(1, repeats) - 1
            try? FileManager.default.removeItem(atPath: directory + "/state")
            try? FileManager.default.removeItem(atPath: directory + "/archive")
            // Baseline: the same writes and fsyncs on a plain sparse file.
            let plainPath = directory + "/plain.img"
            _ = FileManager.default.createFile(atPath: plainPath, contents: nil)
            guard truncate(plainPath, off_t(diskBytes)) == 0 else { throw BenchError("cannot size \(plainPath)") }
            let plain = try BenchFile(path: plainPath)
            var plainStall = 0.0
            let plainSeconds = try measure {
                var reader = try TraceReader(bytes: trace)
                while let record = reader.next() {
                    switch record {
                    case let .write(offset, data):
                        let t = try measure { try data.withUnsafeBytes { try plain.write($0, at: offset) } }
                        plainStall = max(plainStall, t)
                    case .flush: try plain.sync()
                    case .read: break
                    }
                }
            }
            plain.close()
            try? FileManager.default.removeItem(atPath: plainPath)

            // The engine with its archive.
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let state = StateDirectory(path: directory + "/state")
            let engine = try state.format(geometry: geometry, volumeID: 7, formattedAt: 0, logger: logger,
                                          archive: try ArchiveStore(root: directory + "/archive"), cacheLimit: cacheBytes)
            let flushStarted = Mutex(ContinuousClock.now)
            let latencies = Mutex<[Double]>([])
            engine.subscribe { events in
                let now = ContinuousClock.now
                let since = now - flushStarted.withLock { $0 }
                let seconds = Double(since.components.seconds) + Double(since.components.attoseconds) / 1e18
                let completed = events.filter { $0.kind == .complete }.count
                latencies.withLock { $0 += Array(repeating: seconds, count: completed) }
            }
            let metadataBefore = engine.statistics
            Self.resetPeakRSS()
            var writeStall = 0.0, flushStall = 0.0
            let engineSeconds = try measure {
                var reader = try TraceReader(bytes: trace)
                while let record = reader.next() {
                    switch record {
                    case let .write(offset, data):
                        writeStall = max(writeStall, measure { engine.write(data, at: offset) })
                    case .flush:
                        flushStarted.withLock { $0 = ContinuousClock.now }
                        flushStall = max(flushStall, measure { engine.flush() })
                    case .read: break
                    }
                }
            }
            plainRuns.append(plainSeconds)
            engineRuns.append(engineSeconds)
            guard last else { continue }
            let plainMedian = plainRuns.sorted()[plainRuns.count / 2], engineMedian = engineRuns.sorted()[engineRuns.count / 2]
            let stats = engine.statistics
            let h = stats.harvest
            let metadataBytes = (stats.carBytesWritten - metadataBefore.carBytesWritten) - dataBytes
            let diskWritten = metadataBytes + h.archiveBytesWritten + h.stagingBytesWritten
            let sorted = latencies.withLock { $0 }.sorted()
            func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
            let mib = Double(carBytes) / Double(1 << 20)
            print("throughput (median of \(plainRuns.count)): plain file \(f(mib / plainMedian, 1)) MiB/s, harvesting engine \(f(mib / engineMedian, 1)) MiB/s, ratio \(f(plainMedian / engineMedian))")
            print("write amplification: \(f(Double(diskWritten) / Double(carBytes), 3)) (disk bytes \(diskWritten) ÷ car bytes \(carBytes)); "
                  + "archive \(h.archiveBytesWritten), staging \(h.stagingBytesWritten), promoted out of staging \(h.promotedBytes), metadata \(metadataBytes)")
            print("files complete: \(h.filesCompleted); harvest latency after the car's flush: median \(f(sorted.isEmpty ? 0 : sorted[sorted.count / 2] * 1000, 1)) ms, max \(f((sorted.last ?? 0) * 1000, 1)) ms")
            print("longest single write: engine \(f(writeStall * 1000, 1)) ms, plain \(f(plainStall * 1000, 1)) ms; longest flush (harvest pass + fsync) \(f(flushStall * 1000, 1)) ms; longest pass \(f(h.longestPassSeconds * 1000, 1)) ms")
            print("write cache peak \(h.cachePeakBytes >> 20) MiB; peak RSS of this process during the replays \(Self.peakRSSKiB() / 1024) MiB")
        }
    }

    /// Resets VmHWM so the peak reflects the replays, not the generation of the session.
    static func resetPeakRSS() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    static func peakRSSKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
