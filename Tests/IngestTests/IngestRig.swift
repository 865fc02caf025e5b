import Foundation
import LoopbackPeers
import Testing

/// The repository's scripts/peers (the Python client side of these tests).
let ingestClient = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/peers/ingest-client.py").path

/// The built `teslacam-ingest` (scripts/test.sh builds it before the tests).
let ingestBinary: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("teslacam-ingest").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return FileManager.default.currentDirectoryPath + "/.build/debug/teslacam-ingest"
}()

final class Scratch: @unchecked Sendable {
    let path: String
    init(_ name: String) {
        path = NSTemporaryDirectory() + "teslacam-\(name)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

// The processes on loopback come from LoopbackPeers, which `teslacam-ingest bench` starts its peers with too.
typealias Peer = ChildProcess
typealias PostgresPeer = ThrowawayPostgres
typealias RigError = PeerError

@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: FileHandle? = nil) throws -> (status: Int32, output: String) {
    try Loopback.run(executable, arguments, stdin: stdin)
}

func freePort() -> Int { Loopback.freePort() }
func listening(_ port: Int) -> Bool { Loopback.accepts(port) }
func waitFor(_ what: String, attempts: Int = 600, _ ready: () -> Bool) throws { try Loopback.wait(what, attempts: attempts, ready) }

/// moto's S3 server on loopback, with the bucket created.
final class MotoPeer: @unchecked Sendable {
    static var available: Bool { (try? run("/usr/bin/env", ["python3", "-c", "import moto.server, tusclient, boto3"]).status) == 0 }
    let scratch = Scratch("moto")
    let bucket = "fleet-clips"
    private let server: MotoServer
    var port: Int { server.port }
    var endpoint: String { server.endpoint }

    init() throws {
        server = try MotoServer(python: pythonExecutable, log: scratch.path + "/moto.log")
        let made = try python(["s3-bucket", "--endpoint", endpoint, "--bucket", bucket])
        guard made["created"] as? String == bucket else { throw RigError("cannot create the bucket: \(made)") }
    }

    func sha256(_ key: String) throws -> String? {
        try python(["s3-sha256", "--endpoint", endpoint, "--bucket", bucket, "--key", key])["sha256"] as? String
    }

    func stop() { server.stop() }
}

/// The Python that `python3` on PATH runs, resolved once (a version manager's shim costs a second a call).
let pythonExecutable: String = {
    let found = (try? run("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"]))?.output ?? ""
    let path = found.trimmingCharacters(in: .whitespacesAndNewlines)
    return FileManager.default.isExecutableFile(atPath: path) ? path : "/usr/bin/python3"
}()

/// Runs the Python client; its one JSON object.
func python(_ arguments: [String]) throws -> [String: Any] {
    let result = try run(pythonExecutable, [ingestClient] + arguments)
    guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
          let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw RigError("ingest-client.py \(arguments.first ?? "") said: \(result.output.suffix(3000))")
    }
    return object
}
