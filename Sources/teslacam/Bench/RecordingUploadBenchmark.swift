import BlockTrace
import Catalog
import FAT32
import Foundation
import Logging
import Outbound
import SigV4
import Sinks
import Synchronization
import Volume

/// `teslacam bench upload-recording`: does uploading stall the car? The same Tesla-pattern session is replayed
/// through the harvesting engine (with its catalog and settler, as `teslacam run` has them) twice in one run: once
/// with the uploader idle, once with a sink uploading everything the car completes while it records. Prints the
/// car's write throughput and write/flush latency percentiles of both, and the event latency of the second: the
/// car completes (or moves into an event folder) a file → the sink's copy verified and acknowledged in the queue.
struct RecordingUploadBenchmark {
    var directory: String
    var peers: String
    var size: String
    var minutes: Int
    var cameras: [String]
    var clip: String
    var chunk: String
    /// Bytes per second the car writes at; nil: as fast as the engine takes them.
    var carRate: Double?
    var sinkType: String
    var whileRecording: WhileRecording
    var bandwidth: Double?
    var cacheBytes: Int

    struct Round {
        var seconds: Double
        var carBytes: UInt64
        var writes: [Double]
        var flushes: [Double]
        /// Per delivered file: seconds from its completion to its acknowledgement, and whether it is an event's.
        var latencies: [(seconds: Double, event: Bool)] = []
        var delivered = 0
        var drainSeconds = 0.0
    }

    func run() throws {
        guard let diskBytes = ByteSize(parsing: size)?.bytes else { throw BenchError("bad size \(size)") }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let geometry = try VolumeGeometry(diskBytes: diskBytes, layout: .mbr)
        let trace = try SessionTrace(size: size, minutes: minutes, cameras: cameras, clip: clip, chunk: chunk, eventEvery: 1)
            .generate(at: directory + "/session.trace")
        print("teslacam bench upload-recording: \(minutes) min × \(cameras.count) cameras, clips \(clip), an event each minute, "
              + "\(size) volume; car rate \(carRate.map { "\(ByteSize(bytes: UInt64($0)))/s" } ?? "as fast as it goes"); "
              + "sink \(sinkType), whileRecording \(whileRecording.rawValue), bandwidth "
              + "\(bandwidth.map { "\(ByteSize(bytes: UInt64($0)))/s" } ?? "unlimited"); dir \(directory)")
        let idle = try round(trace: trace, geometry: geometry, uploading: false)
        let busy = try round(trace: trace, geometry: geometry, uploading: true)
        func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        func ms(_ values: [Double], _ p: Double) -> String { f(Self.percentile(values, p) * 1000, 2) }
        print("round             car MiB/s  write p50 ms  p99 ms  p99.9 ms  max ms  flush p50 ms  p99 ms  max ms")
        for (name, r) in [("without uploads", idle), ("while uploading", busy)] {
            let rate = Double(r.carBytes) / r.seconds / 1_048_576
            print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + f(rate, 1).padding(toLength: 11, withPad: " ", startingAt: 0)
                  + ms(r.writes, 0.5).padding(toLength: 14, withPad: " ", startingAt: 0)
                  + ms(r.writes, 0.99).padding(toLength: 8, withPad: " ", startingAt: 0)
                  + ms(r.writes, 0.999).padding(toLength: 10, withPad: " ", startingAt: 0)
                  + ms(r.writes, 1).padding(toLength: 8, withPad: " ", startingAt: 0)
                  + ms(r.flushes, 0.5).padding(toLength: 14, withPad: " ", startingAt: 0)
                  + ms(r.flushes, 0.99).padding(toLength: 8, withPad: " ", startingAt: 0) + ms(r.flushes, 1))
        }
        let events = busy.latencies.filter { $0.event }.map { $0.seconds }, recent = busy.latencies.filter { !$0.event }.map { $0.seconds }
        func line(_ name: String, _ values: [Double]) -> String {
            values.isEmpty ? "\(name): none delivered"
                : "\(name) (\(values.count) files): p50 \(f(Self.percentile(values, 0.5))) s, p90 \(f(Self.percentile(values, 0.9))) s, "
                  + "max \(f(Self.percentile(values, 1))) s"
        }
        print("while uploading: \(busy.delivered) files delivered and verified; the queue drained \(f(busy.drainSeconds, 1)) s after the car's last write")
        print(line("event latency, event files (SavedClips/SentryClips) completed → acknowledged", events))
        print(line("latency, RecentClips completed → acknowledged", recent))
    }

    private func round(trace: [UInt8], geometry: VolumeGeometry, uploading: Bool) throws -> Round {
        let base = directory + (uploading ? "/busy" : "/idle")
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let state = StateDirectory(path: base + "/state")
        let engine = try state.format(geometry: geometry, volumeID: 7, formattedAt: 0, logger: logger,
                                      archive: try ArchiveStore(root: base + "/archive"), cacheLimit: cacheBytes)
        defer { engine.close() }
        let routes = Routes([.sentry: ["bench"], .saved: ["bench"], .recent: ["bench"]])
        let catalog = try ClipCatalog(path: state.catalogPath, archiveRoot: base + "/archive", logger: logger, routes: routes)
        let completed = Mutex<[String: Double]>([:])
        engine.subscribe { events in
            let now = Date().timeIntervalSince1970
            completed.withLock { times in
                for event in events where event.kind == .complete || event.kind == .moved { times[event.archivePath] = now }
            }
        }
        let ingest = CatalogIngest(catalog: catalog, engine: engine)
        let settler = Settler(engine: engine)
        defer { settler.stop() }
        var peer: BenchPeer?
        defer { peer?.stop() }
        var uploader: Uploader?
        if uploading {
            let (sink, started) = try makeSink(base)
            peer = started
            let monitor = RecordingMonitor(engine: engine)
            let throttle = Throttle(bytesPerSecond: bandwidth, whileRecording: whileRecording, carIsWriting: { monitor.isWriting })
            uploader = Uploader(catalog: catalog, sinks: [SinkSetup(sink: sink, prefix: "bench")], archiveRoot: base + "/archive",
                                throttle: throttle, policy: Uploader.Policy(pollInterval: 0.1), logger: logger)
            uploader?.start()
        }
        defer { uploader?.stop() }
        var writes: [Double] = [], flushes: [Double] = []
        var carBytes: UInt64 = 0
        let clock = ContinuousClock()
        let started = clock.now
        var reader = try TraceReader(bytes: trace)
        while let record = reader.next() {
            switch record {
            case let .write(offset, data):
                writes.append(measure { engine.write(data, at: offset) })
                carBytes += UInt64(data.count)
                if let carRate {
                    // On the car's schedule: wait until this many bytes are due.
                    let due = Double(carBytes) / carRate
                    let elapsed = Self.seconds(clock.now - started)
                    if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
                }
            case .flush:
                flushes.append(measure { engine.flush() })
            case .read: break
            }
        }
        let seconds = Self.seconds(clock.now - started)
        var result = Round(seconds: seconds, carBytes: carBytes, writes: writes, flushes: flushes)
        guard let uploader else { return result }
        // Every file complete (the settler judges the last ones after the quiet period), in the catalog, and
        // delivered: no job open and none new for 10 s.
        let deadline = Date().addingTimeInterval(900)
        var lastCount = -1, steadySince = Date(), drainedAt = clock.now
        while Date() < deadline {
            ingest.drain()
            let jobs = try catalog.jobs(sink: "bench")
            let open = jobs.contains { $0.state == .pending || $0.state == .waiting }
            if jobs.count != lastCount || open {
                lastCount = jobs.count
                steadySince = Date()
                drainedAt = clock.now
            } else if Date().timeIntervalSince(steadySince) > 10 {
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        result.drainSeconds = Self.seconds(drainedAt - started) - seconds
        uploader.stop()
        let times = completed.withLock { $0 }
        for job in try catalog.jobs(sink: "bench") where job.state == .done {
            guard let path = job.path, let doneAt = job.doneAt, let completedAt = times[path] else { continue }
            result.delivered += 1
            result.latencies.append((max(0, doneAt - completedAt), job.kind == .saved || job.kind == .sentry))
        }
        let open = try catalog.jobs(sink: "bench").filter { $0.state == .pending || $0.state == .waiting }
        if !open.isEmpty { print("warning: \(open.count) jobs not delivered within 15 minutes: \(open.first?.lastError ?? "")") }
        return result
    }

    /// The sink to upload to, on loopback on the same disk: a folder, or moto's S3.
    private func makeSink(_ base: String) throws -> (any Sink, BenchPeer?) {
        switch sinkType {
        case "folder":
            try FileManager.default.createDirectory(atPath: base + "/remote", withIntermediateDirectories: true)
            return (FolderSink(name: "bench", root: base + "/remote", prefix: "bench"), nil)
        case "s3":
            let peer = try BenchPeer(["python3", peers + "/s3-server.py", "bench"])
            guard let info = try JSONSerialization.jsonObject(with: Data(peer.firstLine.utf8)) as? [String: Any],
                  let port = info["port"] as? Int, let key = info["accessKeyId"] as? String,
                  let secret = info["secretAccessKey"] as? String else { throw BenchError("s3-server.py: \(peer.firstLine)") }
            let sink = S3Sink(name: "bench", endpoint: "http://127.0.0.1:\(port)", bucket: "bench", region: "eu-west-1",
                              credentials: SigV4Credentials(accessKeyId: key, secretAccessKey: secret), prefix: "bench",
                              resumeDirectory: base + "/s3-state")
            return (sink, peer)
        default:
            throw BenchError("unknown sink type \(sinkType): use folder or s3")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The value at fraction `p` of the sorted values (nearest rank); 0 for none.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
