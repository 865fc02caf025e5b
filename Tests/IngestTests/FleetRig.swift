import Foundation
import Testing

/// A fleet on loopback: PostgreSQL, moto's S3, the operator's CA (made by `teslacam-ingest ca`), certificates for
/// a listed device, an unlisted one and one from a foreign CA, and ingest instances started on demand.
final class FleetRig: @unchecked Sendable {
    static var available: Bool { PostgresPeer.available && MotoPeer.available && FileManager.default.isExecutableFile(atPath: ingestBinary) }

    let scratch = Scratch("fleet")
    let postgres: PostgresPeer
    let moto: MotoPeer
    var ca: String { scratch.path + "/ca" }
    var caFile: String { ca + "/ca.pem" }
    let device = "model3-oslo"
    private var instances: [Int: Peer] = [:]

    struct Identity { var cert: String; var key: String }
    var listed: Identity { Identity(cert: "\(ca)/devices/\(device).pem", key: "\(ca)/devices/\(device).key") }
    var unlisted: Identity { Identity(cert: "\(ca)/devices/modely-bergen.pem", key: "\(ca)/devices/modely-bergen.key") }
    var foreign: Identity { Identity(cert: "\(scratch.path)/foreign/devices/\(device).pem", key: "\(scratch.path)/foreign/devices/\(device).key") }

    /// The webhook dispatcher's peer (scripts/peers/webhook-server.py): every record it was sent.
    private var webhook: Peer?
    private var webhookPort = 0
    var webhookPosts: [[String: Any]] {
        let text = (try? String(contentsOfFile: scratch.path + "/posts.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let body = entry["body"] as? String else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        }
    }

    /// With `relayedStorage`, the instances reach moto through a relay the test can stop (object storage down
    /// while moto keeps what it holds) and start again.
    let relay: TCPRelay?

    /// `uploads`: keys added to the instances' `uploads` section.
    init(rateLimit: [String: Any]? = nil, webhook: Bool = false, relayedStorage: Bool = false, uploads: [String: Any] = [:]) throws {
        self.uploads = uploads
        postgres = try PostgresPeer()
        moto = try MotoPeer()
        relay = relayedStorage ? try TCPRelay(to: moto.port, log: moto.scratch.path + "/relay.log") : nil
        self.rateLimit = rateLimit
        if webhook {
            let peers = URL(fileURLWithPath: ingestClient).deletingLastPathComponent().path
            let peer = try Peer(pythonExecutable, [peers + "/webhook-server.py", scratch.path + "/posts.jsonl"], log: scratch.path + "/webhook.log")
            try waitFor("the webhook peer") { Int(peer.output.split(separator: "\n").first ?? "") != nil }
            webhookPort = Int(peer.output.split(separator: "\n").first!)!
            self.webhook = peer
        }
        for arguments in [["ca", "init", "--dir", ca], ["ca", "server", "--dir", ca, "localhost", "127.0.0.1"],
                          ["ca", "issue", "--dir", ca, device], ["ca", "issue", "--dir", ca, "modely-bergen"],
                          ["ca", "init", "--dir", scratch.path + "/foreign"], ["ca", "issue", "--dir", scratch.path + "/foreign", device]] {
            let result = try run(ingestBinary, arguments)
            guard result.status == 0 else { throw RigError("teslacam-ingest \(arguments.joined(separator: " ")): \(result.output)") }
        }
        try "testing\n".write(toFile: scratch.path + "/s3.key", atomically: true, encoding: .utf8)
    }

    let rateLimit: [String: Any]?
    let uploads: [String: Any]

    func configFile(port: Int) throws -> String {
        var config: [String: Any] = [
            "listen": "127.0.0.1:\(port)",
            "tls": ["certFile": ca + "/server.pem", "keyFile": ca + "/server.key", "caFile": caFile],
            "devices": ["allow": [device]],
            "storage": ["type": "s3", "endpoint": relay.map { "http://127.0.0.1:\($0.port)" } ?? moto.endpoint, "bucket": moto.bucket, "region": "us-east-1",
                        "accessKeyId": "testing", "secretAccessKeyFile": scratch.path + "/s3.key", "prefix": "fleet/", "partSize": "5M"],
            "catalog": ["postgres": postgres.url],
            "records": ["sentry": webhookPort > 0 ? ["ops", "logger"] : ["logger"]],
            // Short, so an instance killed mid-PATCH frees its upload within the tests' patience.
            "uploads": uploads.merging(["leaseSeconds": 3]) { given, _ in given },
        ]
        if webhookPort > 0 { config["dispatchers"] = ["ops": ["type": "webhook", "url": "http://127.0.0.1:\(webhookPort)/hook"]] }
        if let rateLimit { config["rateLimit"] = rateLimit }
        let path = scratch.path + "/ingest-\(port).json"
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Starts an instance; its port.
    @discardableResult
    func startInstance() throws -> Int {
        let port = freePort()
        let peer = try Peer(ingestBinary, ["serve", "--config", try configFile(port: port)], log: scratch.path + "/ingest-\(port).log")
        instances[port] = peer
        try waitFor("teslacam-ingest on \(port)") { listening(port) || !peer.process.isRunning }
        guard peer.process.isRunning else { throw RigError("teslacam-ingest exited: \(peer.output)") }
        return port
    }

    func kill(_ port: Int) { instances[port]?.kill() }
    func log(_ port: Int) -> String { instances[port]?.output ?? "" }

    func url(_ port: Int) -> String { "https://localhost:\(port)/files/" }

    /// A file of `size` bytes that no two offsets share (a misplaced chunk shows).
    func file(_ name: String, size: Int) throws -> (path: String, sha256: String) {
        var bytes = [UInt8](repeating: 0, count: size)
        var x: UInt64 = 0x9E3779B97F4A7C15 &* UInt64(size)
        for i in 0..<size { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bytes[i] = UInt8(truncatingIfNeeded: x) }
        let path = scratch.path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let digest = try run("/usr/bin/sha256sum", [path]).output.prefix(64)
        return (path, String(digest))
    }

    func upload(port: Int, file: String, path: String, identity: Identity? = nil, extra: [String] = []) throws -> [String: Any] {
        let who = identity ?? listed
        return try python(["upload", "--ca", caFile, "--cert", who.cert, "--key", who.key, "--url", url(port),
                           "--file", file, "--path", path] + extra)
    }

    /// One raw request; `body` is a range of a file (path, offset, length), else `bodySize` bytes of "A".
    func request(port: Int, _ method: String, _ path: String, headers: [String] = [], bodySize: Int = 0,
                 body: (file: String, offset: Int, length: Int)? = nil,
                 identity: Identity? = nil, noCertificate: Bool = false) throws -> (status: Int, headers: [String: String], body: String) {
        let who = identity ?? listed
        let tls = noCertificate ? ["--ca", caFile] : ["--ca", caFile, "--cert", who.cert, "--key", who.key]
        let range = body.map { ["--body-file", $0.file, "--body-offset", "\($0.offset)", "--body-length", "\($0.length)"] } ?? []
        let reply = try python(["request"] + tls + ["--port", "\(port)", "--method", method, "--path", path, "--body-size", "\(bodySize)"]
                               + range + headers.flatMap { ["--header", $0] })
        return (reply["status"] as? Int ?? -1, reply["headers"] as? [String: String] ?? [:], reply["body"] as? String ?? "")
    }

    deinit {
        for peer in instances.values { peer.kill() }
        webhook?.kill()
        relay?.stop()
    }
}

/// A TCP relay on loopback (ingest-client.py tcp-proxy): stopped, whatever is behind it is unreachable.
final class TCPRelay: @unchecked Sendable {
    let port = freePort()
    let target: Int
    let log: String
    private var peer: Peer?

    init(to target: Int, log: String) throws {
        self.target = target
        self.log = log
        try start()
    }

    func start() throws {
        let peer = try Peer(pythonExecutable, [ingestClient, "tcp-proxy", "--listen", "\(port)", "--to", "\(target)"], log: log)
        self.peer = peer
        try waitFor("the relay on \(port)") { peer.output.contains("listening") || !peer.process.isRunning }
        guard peer.process.isRunning else { throw RigError("the relay did not start: \(peer.output)") }
    }

    func stop() { peer?.kill() }
}
