import BlockTrace
import Foundation

/// The car's side of a round, as the USB mass-storage gadget meets the backing file: a trace's writes as `pwrite`s
/// of at most `piece` bytes (the gadget's buffer), its flushes (SYNCHRONIZE CACHE) as `fsync`, paced at the car's
/// rate, each call timed. What a call costs is how long the car's USB command waits.
struct CarWriter {
    let trace: [UInt8]
    var piece = 16 << 10
    /// Bytes per second; nil: as fast as the target takes them.
    var rate: Double?

    struct Log {
        var writes: [Double] = []
        var fsyncs: [Double] = []
        var bytes: UInt64 = 0
        var seconds = 0.0
        var longest: Double { max(writes.max() ?? 0, fsyncs.max() ?? 0) }
    }

    /// Writes records `0..<warmUp` untimed, calls `measuring` (the load starts), then writes the rest timed. The
    /// pacing starts again with the timed part, so a pause in `measuring` is not made up in a burst. `probe` is
    /// told when each timed call begins and ends.
    func replay(into path: String, warmUp: Int, probe: StallProbe? = nil, measuring: () throws -> Void) throws -> Log {
        let file = try BenchFile(path: path)
        defer { file.close() }
        var reader = try TraceReader(bytes: trace)
        var index = 0
        var log = Log()
        var paced: UInt64 = 0
        var started = ContinuousClock.now
        var timed = warmUp == 0
        if timed { try measuring() }
        while let record = reader.next() {
            if !timed, index == warmUp {
                try measuring()
                timed = true
                paced = 0
                started = .now
            }
            index += 1
            switch record {
            case let .write(offset, data):
                try data.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let n = min(piece, raw.count - done)
                        let chunk = UnsafeRawBufferPointer(rebasing: raw[done..<(done + n)])
                        if timed { probe?.begin() }
                        let seconds = try measure { try file.write(chunk, at: offset + UInt64(done)) }
                        probe?.end()
                        done += n
                        paced += UInt64(n)
                        if timed {
                            log.writes.append(seconds)
                            log.bytes += UInt64(n)
                        }
                        if let rate {
                            let due = Double(paced) / rate, elapsed = Self.seconds(since: started)
                            if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
                        }
                    }
                }
            case .flush:
                if timed { probe?.begin() }
                let seconds = try measure { try file.sync() }
                probe?.end()
                if timed { log.fsyncs.append(seconds) }
            case .read: break
            }
        }
        if !timed { try measuring() }
        log.seconds = Self.seconds(since: started)
        return log
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        RecordingUploadBenchmark.seconds(ContinuousClock.now - start)
    }
}
