import Foundation
import Volume

/// `teslacam bench stall`: the car's longest wait, through FUSE, while the board does everything else an owner asks
/// of it. Each round starts a real `teslacam run` (engine, catalog, settler, uploader, retention, web server, as the
/// daemon wires them) from a config in a scratch directory, and replays the same Tesla-pattern session into its
/// `volume.img` as the USB gadget would (16 KiB `pwrite`s, the car's flushes as `fsync`, paced at the car's rate),
/// timing every call. Rounds: the same writes to a plain file on the same disk; the daemon with nothing else to
/// do; a folder sink uploading everything (`whileRecording: full`); four clients streaming clips by range requests
/// and one downloading event zips through the web API; uploads and viewers together.
struct StallBenchmark {
    enum RoundKind: String, CaseIterable {
        case plain, baseline, uploading, viewers, all

        var title: String {
            switch self {
            case .plain: "plain file"
            case .baseline: "teslacam alone"
            case .uploading: "+ folder upload"
            case .viewers: "+ web viewers"
            case .all: "+ upload + viewers"
            }
        }
        var uploads: Bool { self == .uploading || self == .all }
        var viewers: Bool { self == .viewers || self == .all }
    }

    struct Round {
        var kind: RoundKind
        var car: CarWriter.Log
        /// Files the sink had verified in its folder when the car's last write returned, and once the queue drained.
        var deliveredWhileRecording = 0
        var delivered = 0
        var queuedAtEnd = 0
        var viewers = WebViewers.Figures()
        /// False when some viewer had not received a byte when the timed writes began (it started later).
        var viewersReady = true
        /// What the daemon's threads were doing while the car waited long (nil for the plain file).
        var probe: StallProbe.Report?
    }

    struct Outcome { var rounds: [Round] }

    var directory: String
    var binary = SessionTrace.currentBinary
    var size = "30G"
    var minutes = 4
    var cameras = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]
    var clip = "6M-9M"
    var chunk = "256K-1M"
    /// The car's bytes per second; nil: as fast as the volume takes them.
    var carRate: Double? = Double(4 << 20)
    var piece = 16 << 10
    var streamers = 4
    /// Each viewer's bytes per second; nil: as fast as the server sends.
    var viewerRate: Double?
    var cache: String?
    var rounds = RoundKind.allCases
    /// Where the table goes (stdout for the command; nowhere in a test).
    var output: (String) -> Void = { print($0) }

    /// The first minute and a half is written before the timed part: clips are complete and an event is saved, so
    /// the viewers have something to play and the sink something to upload from the first timed write.
    static let warmUpMinutes = 1.5

    func run() throws -> Outcome {
        guard ByteSize(parsing: size) != nil else { throw BenchError("'\(size)' is not a size like 30G") }
        guard minutes >= 2 else { throw BenchError("--minutes must be at least 2: the first \(Self.warmUpMinutes) are the warm-up") }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trace = try SessionTrace(size: size, minutes: minutes, cameras: cameras, clip: clip, chunk: chunk, eventEvery: 1,
                                     binary: binary).generate(at: directory + "/session.trace")
        let warmUp = try SessionTrace.recordsBefore(minutes: Self.warmUpMinutes, of: minutes, in: trace)
        let writer = CarWriter(trace: trace, piece: piece, rate: carRate)
        func rate(_ value: Double?) -> String { value.map { "\(ByteSize(bytes: UInt64($0)))/s" } ?? "unlimited" }
        output("teslacam bench stall: \(minutes) min × \(cameras.count) cameras, clips \(clip), an event each minute, \(size) volume; "
               + "the car at \(rate(carRate)) in \(piece >> 10) KiB pwrites + fsync at its flushes, the first \(Self.warmUpMinutes) min untimed; "
               + "\(streamers) streaming viewers (\(rate(viewerRate)) each) + 1 zip download; folder sink, whileRecording full; dir \(directory)")
        var results: [Round] = []
        for kind in rounds {
            let result = kind == .plain ? try plainRound(writer, warmUp: warmUp) : try daemonRound(kind, writer, warmUp: warmUp)
            results.append(result)
        }
        output(Self.table(results))
        return Outcome(rounds: results)
    }

    private func plainRound(_ writer: CarWriter, warmUp: Int) throws -> Round {
        let path = directory + "/plain.img"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let bytes = ByteSize(parsing: size)?.bytes, truncate(path, off_t(bytes)) == 0 else { throw BenchError("cannot size \(path)") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return Round(kind: .plain, car: try writer.replay(into: path, warmUp: warmUp) {})
    }

    private func daemonRound(_ kind: RoundKind, _ writer: CarWriter, warmUp: Int) throws -> Round {
        let base = directory + "/" + kind.rawValue
        let remote = base + "/remote"
        for sub in ["mnt", "remote"] { try FileManager.default.createDirectory(atPath: base + "/" + sub, withIntermediateDirectories: true) }
        let port = try Self.freePort()
        let config = base + "/config.json"
        try Data(daemonConfig(base: base, port: port, uploads: kind.uploads).utf8).write(to: URL(fileURLWithPath: config))
        let daemon = try BenchDaemon(binary: binary, arguments: ["--config", config], mountpoint: base + "/mnt", log: base + "/daemon.log")
        defer { daemon.stop() }
        let password = PasswdCommand.generated()
        try setPassword(password, state: base + "/state")
        let cookie = try Self.login(port: port, password: password, daemon: daemon)

        var viewers: WebViewers?
        defer { _ = viewers?.stop() }  // a failed round leaves no client running
        var viewersReady = true
        let probe = StallProbe(pid: daemon.pid)
        var probed: StallProbe.Report?
        defer { if probed == nil { _ = probe.stop() } }
        let car = try writer.replay(into: daemon.image, warmUp: warmUp, probe: probe) {
            probe.startCounting()
            guard kind.viewers else { return }
            let started = WebViewers(port: port, cookie: cookie, streamers: streamers, ratePerClient: viewerRate)
            viewers = started
            viewersReady = started.waitUntilStreaming(timeout: 10)
        }
        probed = probe.stop()
        var result = Round(kind: kind, car: car, viewersReady: viewersReady, probe: probed)
        if let viewers { result.viewers = viewers.stop() }
        guard daemon.process.isRunning else { throw BenchError("teslacam run ended during the round:\n\(daemon.logTail)") }
        if kind.uploads {
            result.deliveredWhileRecording = Self.delivered(remote)
            (result.delivered, result.queuedAtEnd) = try drain(port: port, cookie: cookie, remote: remote)
        }
        return result
    }

    /// The daemon's config: this round's places, the web UI on loopback, and for upload rounds a folder sink that
    /// every kind of clip is routed to, uploading at full speed while the car records (the worst case for the car).
    private func daemonConfig(base: String, port: UInt16, uploads: Bool) -> String {
        var lines = [
            #""state": "\#(base)/state", "archive": "\#(base)/archive", "mountpoint": "\#(base)/mnt""#,
            #""size": "\#(size)", "logLevel": "warning""#,
            #""web": { "listen": "127.0.0.1:\#(port)" }"#,
        ]
        if let cache { lines.append(#""cache": "\#(cache)""#) }
        if uploads {
            lines.append(#""sinks": { "nas": { "type": "folder", "path": "\#(base)/remote" } }"#)
            lines.append(#""routes": { "recent": ["nas"], "saved": ["nas"], "sentry": ["nas"] }"#)
            lines.append(#""upload": { "whileRecording": "full" }"#)
        }
        return "{\n  " + lines.joined(separator: ",\n  ") + "\n}\n"
    }

    /// `teslacam passwd --state DIR`, the password on standard input, as an owner sets it at install.
    private func setPassword(_ password: String, state: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["passwd", "--state", state]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data((password + "\n").utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("teslacam passwd --state \(state) failed") }
    }

    /// The session cookie, once the web server answers (it starts beside the mount).
    static func login(port: UInt16, password: String, daemon: BenchDaemon) throws -> String {
        let deadline = Date().addingTimeInterval(60)
        var lastError = ""
        while Date() < deadline, daemon.process.isRunning {
            do {
                let client = BenchHTTPClient(port: port)
                let reply = try client.request("POST", "/api/login", headers: ["Content-Type": "application/json"],
                                               body: Array(#"{"password":"\#(password)"}"#.utf8))
                guard reply.status == 200, let pair = reply.headers["set-cookie"]?.split(separator: ";").first else {
                    throw BenchError("HTTP \(reply.status) \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
                }
                return String(pair)
            } catch {
                lastError = "\(error)"
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        throw BenchError("cannot log in to the web UI on 127.0.0.1:\(port): \(lastError)\n\(daemon.logTail)")
    }

    /// Waits for the last clips (judged complete after the settler's quiet period) to be delivered: the queue
    /// empty and the folder unchanged for 3 s, at most 3 minutes. Returns the files delivered and the jobs left.
    private func drain(port: UInt16, cookie: String, remote: String) throws -> (Int, Int) {
        let client = BenchHTTPClient(port: port)
        let deadline = Date().addingTimeInterval(180)
        var last = -1, steadySince = Date(), queued = 0
        Thread.sleep(forTimeInterval: 3)
        while Date() < deadline {
            let reply = try client.request("GET", "/api/sinks", headers: ["Cookie": cookie])
            let sinks = reply.json() as? [[String: Any]] ?? []
            queued = sinks.reduce(0) { $0 + (($1["queued"] as? NSNumber)?.intValue ?? 0) }
            let count = Self.delivered(remote)
            if count != last || queued > 0 {
                last = count
                steadySince = Date()
            } else if Date().timeIntervalSince(steadySince) >= 3 {
                break
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return (Self.delivered(remote), queued)
    }

    /// Files the folder sink finished (its partial copies left out).
    static func delivered(_ remote: String) -> Int {
        (FileManager.default.enumerator(atPath: remote)?.allObjects as? [String] ?? []).filter { path in
            var st = stat()
            return !path.hasSuffix(".teslacam-partial") && lstat(remote + "/" + path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        }.count
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> UInt16 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard ok else { throw BenchError("cannot find a free loopback port: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func table(_ rounds: [Round]) -> String {
        func ms(_ values: [Double], _ p: Double) -> String { String(format: "%.2f", RecordingUploadBenchmark.percentile(values, p) * 1000) }
        func cell(_ text: String, _ width: Int) -> String { text.padding(to: width) }
        var lines = [cell("round", 20) + cell("car MiB/s", 10) + cell("pwrite p50", 11) + cell("p99", 7) + cell("p99.9", 7)
                     + cell("max ms", 8) + cell("fsync p50", 10) + cell("p99", 7) + cell("max ms", 8) + cell("longest ms", 11)
                     + cell("uploaded", 10) + cell("streamed MiB", 13) + "zips"]
        for r in rounds {
            let mib = Double(r.car.bytes) / Double(1 << 20) / max(r.car.seconds, 1e-9)
            let uploaded = r.kind.uploads ? "\(r.deliveredWhileRecording)/\(r.delivered)" : "-"
            let streamed = r.kind.viewers
                ? String(format: "%.0f", Double(r.viewers.streamedBytes + r.viewers.zipBytes) / Double(1 << 20)) : "-"
            lines.append(cell(r.kind.title, 20) + cell(String(format: "%.1f", mib), 10) + cell(ms(r.car.writes, 0.5), 11)
                         + cell(ms(r.car.writes, 0.99), 7) + cell(ms(r.car.writes, 0.999), 7) + cell(ms(r.car.writes, 1), 8)
                         + cell(ms(r.car.fsyncs, 0.5), 10) + cell(ms(r.car.fsyncs, 0.99), 7) + cell(ms(r.car.fsyncs, 1), 8)
                         + cell(String(format: "%.1f", r.car.longest * 1000), 11) + cell(uploaded, 10) + cell(streamed, 13)
                         + (r.kind.viewers ? "\(r.viewers.zips)" : "-"))
        }
        lines.append("uploaded: files verified in the sink's folder when the car's last write returned / once the queue drained; "
                     + "streamed: range requests and zip bytes the viewers received")
        for r in rounds where r.kind.viewers {
            lines.append("\(r.kind.title): \(r.viewers.rangeRequests) range requests, \(r.viewers.zips) zips whole, "
                         + "\(r.viewers.errors) client errors\(r.viewers.firstError.map { " (first: \($0))" } ?? "")"
                         + (r.viewersReady ? "" : "; some viewer had no bytes yet when the timed writes began"))
        }
        for r in rounds where r.kind.uploads && r.queuedAtEnd > 0 {
            lines.append("\(r.kind.title): \(r.queuedAtEnd) jobs still queued 3 minutes after the car's last write")
        }
        for r in rounds {
            guard let probe = r.probe else { continue }
            lines.append("\(r.kind.title): the daemon's threads waited \(String(format: "%.2f", probe.runQueueWait)) s on a run queue; "
                         + "\(probe.stalls) calls took over 40 ms" + (probe.stalls == 0 ? "" : "; busy threads then (in how many of them):"))
            for (line, count) in probe.threads.prefix(8) { lines.append("    \(count)× \(line)") }
        }
        let worst = rounds.filter { $0.kind != .plain }.max { $0.car.longest < $1.car.longest }
        if let worst {
            lines.append("longest stall of the car through FUSE: " + String(format: "%.1f", worst.car.longest * 1000)
                         + " ms (\(worst.kind.title); any single pwrite or fsync); aim: under 100 ms")
        }
        return lines.joined(separator: "\n")
    }
}
