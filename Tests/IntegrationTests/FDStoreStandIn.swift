import Foundation
import Glibc

/// systemd's side of a `Type=notify` unit with `FileDescriptorStoreMax=1`, owned by the test: the notification
/// socket (abstract namespace) that takes `FDSTORE=1` datagrams with their SCM_RIGHTS descriptors, and a start of
/// `teslacam run` that hands the stored descriptor back as `$LISTEN_FDS` (fd 3, `$LISTEN_PID` the daemon's own).
final class FDStoreStandIn {
    let fd: Int32
    let environmentValue: String
    /// The descriptor the daemon stored last (the test's own copy, like systemd's).
    private(set) var stored: Int32?

    init() throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let name = "teslacam-it-fdstore-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        environmentValue = "@" + name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard fd >= 0, rc == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        if let stored { close(stored) }
    }

    /// The next datagram's text; a descriptor that comes with `FDSTORE=1` replaces the stored one.
    func receive(waiting seconds: Int32 = 120) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, seconds * 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { payload in
            control.withUnsafeMutableBytes { controlBytes in
                var iov = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = controlBytes.baseAddress
                    msg.msg_controllen = controlBytes.count
                    let n = recvmsg(fd, &msg, Int32(MSG_CMSG_CLOEXEC))
                    if n >= 0, msg.msg_controllen >= MemoryLayout<cmsghdr>.size {
                        let header = controlBytes.load(as: cmsghdr.self)
                        if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS),
                           header.cmsg_len >= MemoryLayout<cmsghdr>.size + 4 {
                            let received = controlBytes.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                            if let old = stored { close(old) }
                            stored = received
                        }
                    }
                    return n
                }
            }
        }
        return n < 0 ? nil : String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// Datagrams until one that starts with `prefix` (nil if none comes).
    func receive(until prefix: String) -> [String]? {
        var seen: [String] = []
        while let message = receive() {
            seen.append(message)
            if message.hasPrefix(prefix) { return seen }
        }
        return nil
    }

    /// `teslacam ARGUMENTS` with `$NOTIFY_SOCKET` pointing here and, when `handing` is set, the stored descriptor as
    /// fd 3 with `$LISTEN_FDS=1` and `$LISTEN_PID` its own pid (the shell's, which `exec` keeps). Output to `log`.
    func start(_ arguments: String, log: String, handing: Bool) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if handing, let stored { posix_spawn_file_actions_adddup2(&actions, stored, 3) }
        let listen = handing && stored != nil ? "LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=fuse " : ""
        let script = "\(listen)NOTIFY_SOCKET=\(environmentValue) exec \(teslacamBinary) \(arguments) >>\(log) 2>&1"
        let words: [String] = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        // A blocked signal mask would reach the daemon: the test runner's threads may block some.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        return rc == 0 ? pid : -1
    }

    /// Waits for `pid` to end; its exit status, or 128 + the signal.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
