import Foundation
import Glibc

/// A datagram socket the test owns, standing in for systemd's notification socket: bound to a path in a fresh
/// directory, or to a name in the abstract namespace.
final class NotifyListener {
    let fd: Int32
    /// The `$NOTIFY_SOCKET` spelling of the address.
    let environmentValue: String
    private let directory: String?

    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError.socket(errno) }
        var bytes: [UInt8]
        if abstract {
            let name = "teslacam-notify-test-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            environmentValue = "@" + name
            bytes = [0] + Array(name.utf8)
            directory = nil
        } else {
            let dir = NSTemporaryDirectory() + "notify-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            directory = dir
            environmentValue = dir + "/notify"
            bytes = Array(environmentValue.utf8) + [0]
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw ListenerError.bind(errno) }
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The next datagram; waits at most `seconds` (generous: a missing datagram is a failure, not a slow one).
    func receive(waiting seconds: Int = 30) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// True when a datagram is waiting now.
    var hasPending: Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) == 1
    }
}

enum ListenerError: Error { case socket(Int32), bind(Int32) }
