import Foundation
import Outbound

/// Copies files with rsync over ssh to `user@host:path`. `--partial` keeps what a cut connection already moved
/// (in `.rsync-partial/` beside the file), so the next attempt sends only the rest; the copy is then verified by
/// running `sha256sum` on the peer. Files only: alerts cannot be routed here (the config refuses it).
public struct RsyncSink: Sink {
    public let name: String
    public var type: String { "rsync" }
    public var peer: PeerAddress? { PeerAddress(host: host, port: port ?? 22) }
    public let host: String
    public let port: Int?
    public let user: String?
    /// The folder on the peer.
    public let path: String
    public let prefix: String
    /// The private key ssh offers (never read here; only its path is passed to ssh).
    public let identityFile: String?
    /// The peer's host key; without one, ssh accepts the key it first sees and refuses a changed one later.
    public let knownHostsFile: String?
    /// An ssh or rsync stall longer than this is a cut connection.
    public let timeout: Int

    public init(name: String, host: String, port: Int? = nil, user: String? = nil, path: String, prefix: String = "",
                identityFile: String? = nil, knownHostsFile: String? = nil, timeout: Int = 60) {
        self.name = name
        self.host = host
        self.port = port
        self.user = user
        self.path = path
        self.prefix = prefix
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.timeout = timeout
    }

    static let rsync = "/usr/bin/rsync"
    static let ssh = "/usr/bin/ssh"

    var destination: String { (user.map { "\($0)@" } ?? "") + host }

    /// ssh's options: no questions (it runs unattended), keys only, a stall is an error, one connection shared.
    var sshOptions: [String] {
        let sharing = SSHConnectionSharing.options(idleSeconds: 60,
                                                   credentials: "\(identityFile ?? "")\n\(knownHostsFile ?? "")")
        var options = sharing + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=\(min(timeout, 30))",
                                 "-o", "ServerAliveInterval=\(max(1, timeout / 3))", "-o", "ServerAliveCountMax=3",
                                 "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no"]
        if let port { options += ["-p", "\(port)"] }
        if let identityFile { options += ["-i", identityFile, "-o", "IdentitiesOnly=yes"] }
        if let knownHostsFile {
            options += ["-o", "UserKnownHostsFile=\(knownHostsFile)", "-o", "StrictHostKeyChecking=yes"]
        } else {
            options += ["-o", "StrictHostKeyChecking=accept-new"]
        }
        return options
    }

    /// The remote shell line rsync uses: every option quoted once for rsync's own splitting.
    var remoteShell: String { ([Self.ssh] + sshOptions).map(Self.quoted).joined(separator: " ") }

    func remotePath(_ remoteName: String) -> String {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return base + "/" + remoteName
    }

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        guard case let .file(_, source, remoteName, sha256, size) = record.content else {
            throw .permanent("an rsync sink takes files only; route alerts to a webhook or logger sink")
        }
        let target = remotePath(remoteName)
        // Delivered before the daemon could acknowledge it: verify, do not send again.
        if try remoteDigest(target) == sha256 { return }
        try transfer.waitUntilAllowed()
        var arguments = ["--partial", "--partial-dir=.rsync-partial", "--mkpath", "--times", "--chmod=F644,D755",
                         "--timeout=\(timeout)", "--stats", "-e", remoteShell]
        if let rate = transfer.rateLimit, rate > 0 {
            arguments.append("--bwlimit=\(max(1, Int(rate / 1024)))")
        }
        arguments += ["--", source, "\(destination):\(Self.quotedForRemote(target))"]
        let outcome = try ExternalCommand(executable: Self.rsync, arguments: arguments).run(transfer: transfer)
        if let sent = Self.bytesSent(in: outcome.output) { transfer.record(sent: sent) }
        if transfer.isStopping { throw .transient("the daemon is stopping") }
        guard outcome.status == 0 else { throw classify(outcome) }
        guard let remote = try remoteDigest(target) else {
            throw .transient("rsync finished but \(destination):\(target) is not there")
        }
        guard remote == sha256 else {
            throw .transient("the copy at \(destination):\(target) differs (sha256 \(remote.prefix(12))…, expected "
                             + "\(sha256.prefix(12))… of \(size) bytes); it goes again")
        }
    }

    public func check() throws(SinkError) {
        let probe = NSTemporaryDirectory() + "teslacam-sinks-test-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data("teslacam sinks test\n".utf8)) else {
            throw .transient("cannot create a test file in \(NSTemporaryDirectory())")
        }
        defer { unlink(probe) }
        let target = remotePath(RemoteName.of(archivePath: ".teslacam-test", prefix: prefix))
        let outcome = try ExternalCommand(executable: Self.rsync, arguments: [
            "--mkpath", "--timeout=\(timeout)", "-e", remoteShell, "--", probe,
            "\(destination):\(Self.quotedForRemote(target))",
        ]).run()
        guard outcome.status == 0 else { throw classify(outcome) }
        _ = try ssh(["rm", "-f", "--", target])
    }

    /// The peer's sha256 of `target`, nil when it has no such file.
    func remoteDigest(_ target: String) throws(SinkError) -> String? {
        let outcome = try ssh(["sha256sum", "--", target])
        if outcome.status == 0 { return outcome.output.split(separator: " ").first.map(String.init) }
        if outcome.errors.contains("No such file") { return nil }
        throw classify(outcome)
    }

    private func ssh(_ command: [String]) throws(SinkError) -> ExternalCommand.Outcome {
        let line = command.map(Self.quoted).joined(separator: " ")
        return try ExternalCommand(executable: Self.ssh, arguments: sshOptions + [destination, line])
            .run(timeout: Double(timeout) * 2)
    }

    /// What rsync's or ssh's complaint means for an owner.
    func classify(_ outcome: ExternalCommand.Outcome) -> SinkError {
        let errors = outcome.errors.trimmingCharacters(in: .whitespacesAndNewlines)
        let last = errors.split(separator: "\n").last.map(String.init) ?? "exit status \(outcome.status)"
        if errors.contains("Permission denied (") || errors.contains("Too many authentication failures") {
            return .permanent("the ssh server at \(destination) refused the key (\(identityFile ?? "ssh's default keys")): "
                              + "add its public key to the user's authorized_keys, or fix identityFile")
        }
        if errors.contains("Host key verification failed") || errors.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return .permanent("the ssh host key of \(host) is not the known one: check knownHostsFile (\(last))")
        }
        if errors.contains("rsync: command not found") || errors.contains("rsync: not found") {
            return .permanent("rsync is not installed on \(host)")
        }
        if errors.contains("No space left") || errors.contains("Disk quota") {
            return .transient("the peer \(host) is full: \(last)")
        }
        if errors.contains("Permission denied") || errors.contains("Read-only file system") {
            return .permanent("\(destination) may not write to \(path): \(last)")
        }
        return .transient("rsync to \(destination) failed: \(last)")
    }

    static func bytesSent(in stats: String) -> Int? {
        for line in stats.split(separator: "\n") where line.hasPrefix("Total bytes sent:") {
            return Int(line.dropFirst("Total bytes sent:".count).filter(\.isNumber))
        }
        return nil
    }

    /// Single-quoted for a POSIX shell.
    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// A remote path as rsync hands it to the peer's shell (rsync 3.2 protects args itself: only spaces matter).
    static func quotedForRemote(_ path: String) -> String { path }
}
