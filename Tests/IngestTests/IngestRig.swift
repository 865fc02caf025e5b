import Foundation
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

/// Runs a command to completion: status and output (stdout and stderr together).
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: FileHandle? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    if let stdin { process.standardInput = stdin }
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A free loopback port (bound and released: a race is possible but harmless in tests).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on the loopback port.
func listening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Waits (bounded by attempts, not a wall-clock assertion) for `ready`.
func waitFor(_ what: String, attempts: Int = 600, _ ready: () -> Bool) throws {
    for _ in 0..<attempts {
        if ready() { return }
        usleep(100_000)
    }
    throw RigError("\(what) did not come up")
}

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A process the test started, ended by its own id.
final class Peer: @unchecked Sendable {
    let process = Process()
    let log: String

    init(_ executable: String, _ arguments: [String], log: String) throws {
        self.log = log
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let handle = FileHandle(forWritingAtPath: log)!
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func kill(_ signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    deinit { kill() }
}

/// A throwaway PostgreSQL cluster (Debian's postgresql) on a Unix socket, run as an unprivileged user since
/// postgres refuses root.
final class PostgresPeer: @unchecked Sendable {
    static let user = "teslacam-ingesttest"
    static var binaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
    static var available: Bool { binaries != nil && getuid() == 0 }

    let scratch = Scratch("postgres")
    let port = freePort()
    var socketFolder: String { scratch.path + "/socket" }
    var url: String { "postgres://ingest@localhost:\(port)/postgres?host=\(socketFolder)" }
    private var server: Peer?

    init() throws {
        guard let bin = Self.binaries else { throw RigError("no PostgreSQL: run scripts/install-deps.sh") }
        if getpwnam(Self.user) == nil {
            try run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", Self.user])
        }
        try FileManager.default.createDirectory(atPath: socketFolder, withIntermediateDirectories: true)
        try run("/bin/chown", ["-R", Self.user, scratch.path])
        try run("/bin/chmod", ["755", scratch.path])
        let initdb = try asUser(bin + "/initdb", ["-D", scratch.path + "/data", "-U", "ingest", "--auth=trust", "-E", "UTF8", "--no-sync"])
        guard initdb.status == 0 else { throw RigError("initdb failed: \(initdb.output)") }
        try start()
    }

    func asUser(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try run("/usr/bin/setpriv", ["--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups", "--", executable] + arguments)
    }

    /// setpriv execs postgres itself, so the process id is the postmaster's and stop() ends it.
    func start() throws {
        let bin = Self.binaries!
        server = try Peer("/usr/bin/setpriv", ["--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups", "--",
                                               bin + "/postgres", "-D", scratch.path + "/data", "-p", "\(port)", "-k", socketFolder,
                                               "-c", "listen_addresses=", "-c", "fsync=off"],
                          log: scratch.path + "/postgres.log")
        try waitFor("PostgreSQL") { (try? run(bin + "/pg_isready", ["-h", socketFolder, "-p", "\(port)"]).status) == 0 }
    }

    func stop() { server?.kill(SIGINT) }

    /// One query's rows, `|`-separated, through psql.
    func query(_ sql: String) throws -> [String] {
        let result = try run(Self.binaries! + "/psql", ["-h", socketFolder, "-p", "\(port)", "-U", "ingest", "-d", "postgres", "-At", "-c", sql])
        guard result.status == 0 else { throw RigError("psql: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    deinit { stop() }
}

/// moto's S3 server on loopback, with the bucket created.
final class MotoPeer: @unchecked Sendable {
    static var available: Bool { (try? run("/usr/bin/env", ["python3", "-c", "import moto.server, tusclient, boto3"]).status) == 0 }
    let scratch = Scratch("moto")
    let port = freePort()
    let bucket = "fleet-clips"
    var endpoint: String { "http://127.0.0.1:\(port)" }
    private var server: Peer?

    init() throws {
        server = try Peer(pythonExecutable, ["-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"], log: scratch.path + "/moto.log")
        try waitFor("moto_server") { listening(port) }
        let made = try python(["s3-bucket", "--endpoint", endpoint, "--bucket", bucket])
        guard made["created"] as? String == bucket else { throw RigError("cannot create the bucket: \(made)") }
    }

    func sha256(_ key: String) throws -> String? {
        try python(["s3-sha256", "--endpoint", endpoint, "--bucket", bucket, "--key", key])["sha256"] as? String
    }

    func stop() { server?.kill() }
    deinit { stop() }
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
