import Foundation
import LoopbackPeers
import Testing

/// The repository's scripts/peers, where the tests' own servers live.
let peersDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/peers").path

/// A server process the test started; ended by its own id when the value goes away.
final class PeerProcess {
    let process: Process
    let output: Pipe
    /// The first line the peer printed (the port it listens on).
    let firstLine: String

    init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0a { break }
            line.append(byte.first!)
        }
        firstLine = String(decoding: line, as: UTF8.self)
    }

    var port: Int { Int(firstLine) ?? 0 }

    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        // Reaped here, not by waitUntilExit: Foundation's exit monitor was seen to leave the killed peer a zombie
        // and waitUntilExit never returned (the rsync suite hung at the cut proxy's end). ECHILD: already reaped.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    deinit { stop() }
}

// Shared with the ingest tests and `teslacam-ingest bench` (LoopbackPeers).
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) { try Loopback.run(executable, arguments) }

func freePort() -> Int { Loopback.freePort() }

/// Python's http.server recording each POST (scripts/peers/webhook-server.py), answering `statuses` in turn.
final class WebhookPeer {
    let scratch = Scratch("webhook")
    let server: PeerProcess
    var log: String { scratch.path + "/posts.jsonl" }
    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    init(statuses: [String] = ["200"]) throws {
        server = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/webhook-server.py", scratch.path + "/posts.jsonl"]
                                 + statuses)
    }

    /// Every request received: status answered, Authorization header, body as JSON.
    var posts: [(status: Int, authorization: String?, body: [String: Any])] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let status = entry["status"] as? Int, let body = entry["body"] as? String,
                  let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
            return (status, entry["authorization"] as? String, json)
        }
    }
}

/// OpenSSH's sshd on a loopback port with a throwaway host key, letting in one throwaway user key for a test user
/// whose shell is /bin/sh (root's shell may run start-up files that take their time; the tests run as root, as
/// CI does, and create the user once).
final class SSHPeer {
    let scratch = Scratch("sshd")
    let port: Int
    private(set) var server: PeerProcess?
    var userKey: String { scratch.path + "/id_ed25519" }
    var otherKey: String { scratch.path + "/other_ed25519" }
    var knownHosts: String { scratch.path + "/known_hosts" }
    var remoteRoot: String { scratch.path + "/remote" }
    let user = "teslacam-sinktest"

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/rsync") && getuid() == 0
    }

    init() throws {
        port = freePort()
        let dir = scratch.path
        for key in ["host_ed25519", "id_ed25519", "other_ed25519"] {
            try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/" + key])
        }
        try FileManager.default.copyItem(atPath: dir + "/id_ed25519.pub", toPath: dir + "/authorized_keys")
        let hostKey = try String(contentsOfFile: dir + "/host_ed25519.pub", encoding: .utf8)
        try "[127.0.0.1]:\(port) \(hostKey)".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        if getpwnam(user) == nil {
            try run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent",
                                          "--shell", "/bin/sh", user])
        }
        // Not locked ("!"), yet no password: sshd lets in keys only.
        try run("/usr/sbin/usermod", ["-p", "*", user])
        try run("/bin/chown", [user, remoteRoot])
        // sshd reads the keys and the server's files as that user: the scratch directory must be searchable.
        chmod(dir, 0o755)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(dir)/host_ed25519
            PidFile \(dir)/sshd.pid
            AuthorizedKeysFile \(dir)/authorized_keys
            StrictModes no
            PermitRootLogin no
            AllowUsers \(user)
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            Subsystem sftp internal-sftp

            """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
    }

    /// Lets ssh accept this server's host key on another port too (a proxy in front of it).
    func trust(port other: Int) throws {
        let hostKey = try String(contentsOfFile: scratch.path + "/host_ed25519.pub", encoding: .utf8)
        let line = "[127.0.0.1]:\(other) \(hostKey)"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: knownHosts))
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
        try handle.close()
    }

    /// Starts sshd in the foreground (-D), logging to a file; returns once it accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/sshd")
        process.arguments = ["-D", "-e", "-f", scratch.path + "/sshd_config", "-E", scratch.path + "/sshd.log"]
        try process.run()
        server = nil
        started = process
        for _ in 0..<200 {
            if canConnect() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("sshd did not start: \((try? String(contentsOfFile: scratch.path + "/sshd.log", encoding: .utf8)) ?? "")")
    }

    private var started: Process?

    /// Ends the sshd the test started (its connections' children go with the listener's exit only when they
    /// finish; the tests do not depend on them).
    func stop() {
        guard let started, started.isRunning else { return }
        kill(started.processIdentifier, SIGTERM)
        started.waitUntilExit()
    }

    deinit { stop() }

    func canConnect() -> Bool { Loopback.accepts(port) }
}
