import Foundation

/// moto's S3 server (`python3 -m moto.server`, PyPI's moto) on a free loopback port, without authentication.
public final class MotoServer: @unchecked Sendable {
    public static var available: Bool { (try? Loopback.run("/usr/bin/env", ["python3", "-c", "import moto.server"]).status) == 0 }
    public let port = Loopback.freePort()
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let server: ChildProcess

    public init(python: String = "/usr/bin/env", log: String) throws {
        let interpreter = python == "/usr/bin/env" ? ["python3"] : []
        server = try ChildProcess(python, interpreter + ["-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"], log: log)
        let (server, port) = (server, port)
        try Loopback.wait("moto_server") { Loopback.accepts(port) || !server.process.isRunning }
        guard server.process.isRunning else { throw PeerError("moto_server exited: \(server.output.suffix(2000))") }
    }

    /// moto keeps nothing worth a clean stop (and ignores SIGTERM while serving).
    public func stop() { server.kill(SIGKILL) }
    deinit { stop() }
}
