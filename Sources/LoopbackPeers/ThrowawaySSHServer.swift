import Foundation

/// OpenSSH's sshd on a loopback port with a throwaway host key, letting in one throwaway user key for a throwaway
/// user whose shell is /bin/sh (root's shell may run start-up files that take their time). Needs root (it creates
/// the user once and starts sshd) and Debian's openssh-server and rsync. The rsync sink's tests and
/// `teslacam bench upload` use it; everything lives under `directory`, which the caller owns.
public final class ThrowawaySSHServer: @unchecked Sendable {
    public let directory: String
    public let port: Int
    public let user = "teslacam-sinktest"
    public var userKey: String { directory + "/id_ed25519" }
    /// A second key the server does not know (a wrong key, for tests).
    public var otherKey: String { directory + "/other_ed25519" }
    public var knownHosts: String { directory + "/known_hosts" }
    /// The folder the user may write, where uploads land.
    public var remoteRoot: String { directory + "/remote" }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/rsync") && getuid() == 0
    }

    private var pid: pid_t = 0
    private let removeWhenDone: Bool

    /// `removeWhenDone`: the directory goes with the value (a test's scratch directory).
    public init(directory: String, removeWhenDone: Bool = false) throws {
        self.directory = directory
        self.removeWhenDone = removeWhenDone
        port = Loopback.freePort()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for key in ["host_ed25519", "id_ed25519", "other_ed25519"] {
            try Self.mustRun("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", directory + "/" + key])
        }
        try FileManager.default.copyItem(atPath: directory + "/id_ed25519.pub", toPath: directory + "/authorized_keys")
        try "".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        try trust(port: port)
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        if getpwnam(user) == nil {
            try Self.mustRun("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent",
                                                   "--shell", "/bin/sh", user])
        }
        // Not locked ("!"), yet no password: sshd lets in keys only.
        try Self.mustRun("/usr/sbin/usermod", ["-p", "*", user])
        try Self.mustRun("/bin/chown", [user, remoteRoot])
        // sshd reads the keys and the server's files as that user: the directory must be searchable.
        chmod(directory, 0o755)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_ed25519
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile \(directory)/authorized_keys
            StrictModes no
            PermitRootLogin no
            AllowUsers \(user)
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            Subsystem sftp internal-sftp

            """.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
    }

    /// Lets ssh accept this server's host key on `port` (its own, or a proxy's in front of it).
    public func trust(port other: Int) throws {
        let hostKey = try String(contentsOfFile: directory + "/host_ed25519.pub", encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: knownHosts))
        handle.seekToEndOfFile()
        handle.write(Data("[127.0.0.1]:\(other) \(hostKey)".utf8))
        try handle.close()
    }

    /// Starts sshd in the foreground (-D), logging to a file; returns once it accepts connections.
    /// posix_spawn, not Foundation's Process: sshd closes the descriptors it inherits, which Foundation's exit
    /// monitor takes for its exit and answers with a blocking wait for it, so no other Process of ours is reaped.
    public func start() throws {
        let arguments = ["/usr/sbin/sshd", "-D", "-e", "-f", directory + "/sshd_config", "-E", directory + "/sshd.log"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], nil, nil, &argv, environ)
        guard rc == 0 else { throw PeerError("cannot start sshd: \(String(cString: strerror(rc)))") }
        pid = child
        do {
            try Loopback.wait("sshd on port \(port)", attempts: 200) { accepts() }
        } catch {
            let log = (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? ""
            throw PeerError("sshd did not start: \(log)")
        }
    }

    /// Ends the sshd started here (its connections' children go with the listener's exit only when they finish).
    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = 0
    }

    deinit {
        stop()
        if removeWhenDone { try? FileManager.default.removeItem(atPath: directory) }
    }

    public func accepts() -> Bool { Loopback.accepts(port) }

    private static func mustRun(_ executable: String, _ arguments: [String]) throws {
        let outcome = try Loopback.run(executable, arguments)
        guard outcome.status == 0 else {
            throw PeerError("\(executable) \(arguments.joined(separator: " ")) failed: \(outcome.output)")
        }
    }
}
