import Foundation

/// The bench's processes on loopback, each ended by its own id when the bench is done (or fails).
final class BenchChild {
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

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// CPU seconds (user + system) the process used so far, from /proc.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The process's peak resident memory (VmHWM), MiB.
    var peakRSSMiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    func stop(_ signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { stop(SIGKILL) }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum BenchShell {
    /// Runs to completion; status and output together.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func freePort() -> Int {
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

    static func listening(_ port: Int) -> Bool {
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

    /// Waits for `ready`, bounded by attempts of 0.1 s.
    static func wait(_ what: String, attempts: Int = 300, _ ready: () -> Bool) throws {
        for _ in 0..<attempts {
            if ready() { return }
            usleep(100_000)
        }
        throw BenchError("\(what) did not come up")
    }
}

/// A throwaway PostgreSQL cluster (Debian's postgresql) on a Unix socket, run as an unprivileged user (postgres
/// refuses root).
final class BenchPostgres {
    static let user = "teslacam-ingesttest"
    let folder: String
    let port = BenchShell.freePort()
    private var server: BenchChild?
    var url: String { "postgres://ingest@localhost:\(port)/postgres?host=\(folder)/socket" }

    init(folder: String) throws {
        self.folder = folder
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        guard let bin = versions.map({ "\(root)/\($0)/bin" }).first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw BenchError("no PostgreSQL under /usr/lib/postgresql: run scripts/install-deps.sh")
        }
        guard getuid() == 0 else { throw BenchError("the bench runs PostgreSQL as its own user: run it as root") }
        if getpwnam(Self.user) == nil {
            try BenchShell.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", Self.user])
        }
        try FileManager.default.createDirectory(atPath: folder + "/socket", withIntermediateDirectories: true)
        try BenchShell.run("/bin/chown", ["-R", Self.user, folder])
        let asUser = ["--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups", "--"]
        let initdb = try BenchShell.run("/usr/bin/setpriv", asUser + [bin + "/initdb", "-D", folder + "/data", "-U", "ingest", "--auth=trust", "-E", "UTF8", "--no-sync"])
        guard initdb.status == 0 else { throw BenchError("initdb failed: \(initdb.output)") }
        server = try BenchChild("/usr/bin/setpriv", asUser + [bin + "/postgres", "-D", folder + "/data", "-p", "\(port)", "-k", folder + "/socket",
                                                              "-c", "listen_addresses=", "-c", "max_connections=200"], log: folder + "/postgres.log")
        try BenchShell.wait("PostgreSQL") { (try? BenchShell.run(bin + "/pg_isready", ["-q", "-h", folder + "/socket", "-p", "\(port)"]).status) == 0 }
    }

    func stop() { server?.stop(SIGINT) }
    deinit { stop() }
}
