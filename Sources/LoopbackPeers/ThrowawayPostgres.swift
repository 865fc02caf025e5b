import Foundation

/// A throwaway PostgreSQL cluster (Debian's postgresql) in a folder of its own, on a Unix socket, run as an
/// unprivileged user since postgres refuses root.
public final class ThrowawayPostgres: @unchecked Sendable {
    public static let user = "teslacam-ingesttest"
    public static var binaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
    public static var available: Bool { binaries != nil && getuid() == 0 }

    public let folder: String
    public let port = Loopback.freePort()
    private let removeFolder: Bool
    private let maxConnections: Int
    private let durable: Bool
    private var server: ChildProcess?
    public var socketFolder: String { folder + "/socket" }
    public var url: String { "postgres://ingest@localhost:\(port)/postgres?host=\(socketFolder)" }

    /// In `folder` (left in place), or a temporary folder removed with the value. Not `durable`: fsync off, for
    /// tests (nothing in it outlives them); a benchmark keeps PostgreSQL's own durability.
    public init(folder: String? = nil, maxConnections: Int = 100, durable: Bool = false) throws {
        self.durable = durable
        removeFolder = folder == nil
        self.folder = folder ?? NSTemporaryDirectory() + "teslacam-postgres-\(UUID().uuidString.prefix(8))"
        self.maxConnections = maxConnections
        guard let bin = Self.binaries else { throw PeerError("no PostgreSQL under /usr/lib/postgresql: run scripts/install-deps.sh") }
        guard getuid() == 0 else { throw PeerError("PostgreSQL runs as a user of its own here: run as root") }
        if getpwnam(Self.user) == nil {
            try Loopback.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", Self.user])
        }
        try FileManager.default.createDirectory(atPath: socketFolder, withIntermediateDirectories: true)
        try Loopback.run("/bin/chown", ["-R", Self.user, self.folder])
        try Loopback.run("/bin/chmod", ["755", self.folder])
        let initdb = try asUser(bin + "/initdb", ["-D", self.folder + "/data", "-U", "ingest", "--auth=trust", "-E", "UTF8", "--no-sync"])
        guard initdb.status == 0 else { throw PeerError("initdb failed: \(initdb.output)") }
        try start()
    }

    public func asUser(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Loopback.run("/usr/bin/setpriv", Self.asUser + [executable] + arguments)
    }

    private static let asUser = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--"]

    /// setpriv execs postgres itself, so the process id is the postmaster's and stop() ends it.
    public func start() throws {
        let bin = Self.binaries!
        server = try ChildProcess("/usr/bin/setpriv", Self.asUser + [
            bin + "/postgres", "-D", folder + "/data", "-p", "\(port)", "-k", socketFolder,
            "-c", "listen_addresses=", "-c", "fsync=\(durable ? "on" : "off")", "-c", "max_connections=\(maxConnections)",
        ], log: folder + "/postgres.log")
        try Loopback.wait("PostgreSQL") { (try? Loopback.run(bin + "/pg_isready", ["-q", "-h", socketFolder, "-p", "\(port)"]).status) == 0 }
    }

    public func stop() { server?.kill(SIGINT) }

    /// One query's rows, `|`-separated, through psql.
    public func query(_ sql: String) throws -> [String] {
        let result = try Loopback.run(Self.binaries! + "/psql", ["-h", socketFolder, "-p", "\(port)", "-U", "ingest", "-d", "postgres", "-At", "-c", sql])
        guard result.status == 0 else { throw PeerError("psql: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    deinit {
        stop()
        if removeFolder { try? FileManager.default.removeItem(atPath: folder) }
    }
}
