import ArgumentParser
import Foundation
import LoopbackPeers

typealias BenchError = PeerError

/// `teslacam-ingest bench`: the load benchmark on loopback, in one run and against the same stores: a throwaway
/// PostgreSQL, moto's S3, this binary as the ingest instance; N simulated boards (tuspy threads, each its own
/// certificate) upload through tus + mutual TLS, once with the ack's sha256 taken from the bytes as received and
/// once with every object read back; then boto3 puts the same files straight into the same moto (the reference).
/// Prints MiB/s, time to ack, CPU per GiB and peak RSS of the instance, and where its time went (/metrics).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Load benchmark on loopback against boto3 straight to the same S3 (root; after scripts/install-deps.sh).")

    @Option(help: "Simulated boards uploading in parallel (1-64).") var devices: Int = 8
    @Option(help: "Files per board (1-16).") var files: Int = 2
    @Option(help: "MiB per file (1-256).") var mib: Int = 16
    @Option(help: "MiB per tus PATCH (the instances' partSize is 8 MiB; more than one part per PATCH lets storing overlap receiving).")
    var chunkMib: Int = 8
    @Option(help: "The folder of the Python peers (ingest-bench.py, ingest-client.py).") var peers: String?
    @Flag(help: "Skip the phase that reads every object back.") var skipReadBack = false
    @Flag(help: "Skip the phase whose instance stores each part only once all its bytes are in (\"streamParts\": false).")
    var skipBuffered = false

    /// One instance's configuration per phase, all against the same stores.
    struct Phase {
        var name: String
        var tag: String
        var uploads: String
    }

    var phases: [Phase] {
        [Phase(name: "tuspy → ingest", tag: "stream", uploads: #"{ "readBack": false }"#)]
            + (skipBuffered ? [] : [Phase(name: "tuspy → ingest (parts buffered)", tag: "buffered", uploads: #"{ "readBack": false, "streamParts": false }"#)])
            + (skipReadBack ? [] : [Phase(name: "tuspy → ingest (read back)", tag: "read-back", uploads: #"{ "readBack": true }"#)])
    }

    func validate() throws {
        guard (1...64).contains(devices), (1...16).contains(files), (1...256).contains(mib), (1...256).contains(chunkMib) else {
            throw ValidationError("bounded: --devices 1-64, --files 1-16, --mib 1-256, --chunk-mib 1-256")
        }
    }

    func run() throws {
        let peersFolder = try Self.peersFolder(peers)
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let work = NSTemporaryDirectory() + "teslacam-ingest-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Loopback.run("/bin/chmod", ["755", work])

        // The same peers the ingest tests start (LoopbackPeers), PostgreSQL with its fsync on, as in production.
        let postgres = try ThrowawayPostgres(folder: work + "/pg", maxConnections: 200, durable: true)
        defer { postgres.stop() }
        let moto = try MotoServer(log: work + "/moto.log")
        defer { moto.stop() }
        let endpoint = moto.endpoint
        try python(peersFolder + "/ingest-client.py", ["s3-bucket", "--endpoint", endpoint, "--bucket", "fleet-clips"])

        let ca = work + "/ca"
        var setup = [["ca", "init", "--dir", ca], ["ca", "server", "--dir", ca, "localhost", "127.0.0.1"]]
        setup += (0..<devices).map { ["ca", "issue", "--dir", ca, String(format: "bench-%02d", $0)] }
        for arguments in setup {
            let made = try Loopback.run(me, arguments)
            guard made.status == 0 else { throw BenchError("teslacam-ingest \(arguments.joined(separator: " ")): \(made.output)") }
        }
        try "testing\n".write(toFile: work + "/s3.key", atomically: true, encoding: .utf8)

        print("teslacam-ingest bench: \(devices) boards × \(files) files × \(mib) MiB = \(devices * files * mib) MiB per phase, "
              + "\(chunkMib) MiB per PATCH; binary \(me)")
        var rows: [Row] = []
        for phase in phases {
            let port = Loopback.freePort()
            let config = work + "/ingest-\(port).json"
            let text = """
                { "listen": "127.0.0.1:\(port)",
                  "tls": { "certFile": "\(ca)/server.pem", "keyFile": "\(ca)/server.key", "caFile": "\(ca)/ca.pem" },
                  "storage": { "type": "s3", "endpoint": "\(endpoint)", "bucket": "fleet-clips", "region": "us-east-1",
                               "accessKeyId": "testing", "secretAccessKeyFile": "\(work)/s3.key", "partSize": "8M" },
                  "catalog": { "postgres": "\(postgres.url)" },
                  "uploads": \(phase.uploads) }
                """
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let instance = try ChildProcess(me, ["serve", "--config", config], log: work + "/ingest-\(port).log")
            defer { instance.kill(SIGTERM) }
            try Loopback.wait("teslacam-ingest", attempts: 300) { Loopback.accepts(port) || !instance.process.isRunning }
            guard instance.process.isRunning else { throw BenchError("teslacam-ingest exited: \(instance.output.suffix(2000))") }
            let before = instance.cpuSeconds
            let result = try python(peersFolder + "/ingest-bench.py", [
                "--mode", "tus", "--tag", phase.tag, "--url", "https://localhost:\(port)/files/",
                "--ca", ca + "/ca.pem", "--certs", ca + "/devices", "--devices", "\(devices)", "--files", "\(files)",
                "--size", "\(mib << 20)", "--chunk", "\(chunkMib << 20)", "--work", work])
            let cpu = instance.cpuSeconds - before
            let steps = try stepSeconds(peersFolder, port: port, ca: ca)
            rows.append(Row(name: phase.name, result: result,
                            cpuPerGiB: cpu / (Double(devices * files * mib) / 1024), rssMiB: instance.peakRSSMiB, steps: steps))
        }
        let direct = try python(peersFolder + "/ingest-bench.py", ["--mode", "boto3", "--devices", "\(devices)", "--files", "\(files)",
                                                                   "--size", "\(mib << 20)", "--work", work, "--endpoint", endpoint, "--bucket", "fleet-clips"])
        rows.append(Row(name: "boto3 → moto (reference)", result: direct, cpuPerGiB: nil, rssMiB: nil, steps: [:]))
        print(Row.table(rows))
    }

    struct Row {
        var name: String
        var result: [String: Any]
        var cpuPerGiB: Double?
        var rssMiB: Int?
        var steps: [String: Double]

        static func table(_ rows: [Row]) -> String {
            func cell(_ value: Any?, _ width: Int) -> String {
                let text = value.map { "\($0)" } ?? "-"
                return text + String(repeating: " ", count: max(1, width - text.count))
            }
            var out = cell("client", 33) + cell("MiB/s", 8) + cell("ack p50", 9) + cell("ack p99", 9) + cell("errors", 8)
                + cell("CPU s/GiB", 11) + cell("client CPU s/GiB", 18) + "peak RSS\n"
            for row in rows {
                let errors = (row.result["errors"] as? [Any])?.count ?? 0
                out += cell(row.name, 33) + cell(row.result["MiB_s"], 8) + cell(row.result["p50_s"].map { "\($0) s" }, 9)
                    + cell(row.result["p99_s"].map { "\($0) s" }, 9) + cell(errors, 8)
                    + cell(row.cpuPerGiB.map { String(format: "%.1f", $0) }, 11) + cell(row.result["client_cpu_s_per_GiB"], 18) + (row.rssMiB.map { "\($0) MiB" } ?? "-") + "\n"
            }
            for row in rows where !row.steps.isEmpty {
                let total = row.steps.values.reduce(0, +)
                let parts = row.steps.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f s", $0.key, $0.value) }
                out += "\(row.name): time in steps (summed over concurrent uploads, \(String(format: "%.1f", total)) s): "
                    + parts.joined(separator: ", ") + "\n"
            }
            for row in rows { if let errors = row.result["errors"] as? [String], let first = errors.first { out += "\(row.name): \(first)\n" } }
            return out
        }
    }

    /// `teslacam_ingest_step_seconds_total` of the instance, read from its /metrics with a board's certificate.
    func stepSeconds(_ peersFolder: String, port: Int, ca: String) throws -> [String: Double] {
        let reply = try python(peersFolder + "/ingest-client.py", ["request", "--ca", ca + "/ca.pem", "--cert", ca + "/devices/bench-00.pem",
                                                                   "--key", ca + "/devices/bench-00.key", "--port", "\(port)", "--method", "GET", "--path", "/metrics"])
        var steps: [String: Double] = [:]
        for line in (reply["body"] as? String ?? "").split(separator: "\n") where line.hasPrefix("teslacam_ingest_step_seconds_total{step=\"") {
            let name = line.split(separator: "\"")[1]
            if let value = Double(line.split(separator: " ").last ?? "") { steps[String(name)] = value }
        }
        return steps
    }

    @discardableResult
    func python(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let result = try Loopback.run("/usr/bin/env", ["python3", script] + arguments)
        guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchError("\(URL(fileURLWithPath: script).lastPathComponent) \(arguments.first ?? ""): \(result.output.suffix(3000))")
        }
        return object
    }

    static func peersFolder(_ given: String?) throws -> String {
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let fromBinary = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("../../../scripts/peers").standardized.path
        let candidates = given.map { [$0] } ?? [FileManager.default.currentDirectoryPath + "/scripts/peers", fromBinary]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/ingest-bench.py") }) else {
            throw ValidationError("no ingest-bench.py in \(candidates.joined(separator: " or ")): run from the repository or give --peers")
        }
        return found
    }
}
