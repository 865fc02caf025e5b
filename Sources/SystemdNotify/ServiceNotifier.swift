#if canImport(Glibc)
import Glibc
#endif

/// Sends sd_notify messages to systemd over `$NOTIFY_SOCKET`: a datagram to a Unix socket, no libsystemd.
///
/// Created from the environment it is nil outside systemd (or under `Type=simple`), so callers notify through an
/// optional and a daemon started by hand or by a test behaves exactly as before.
public final class ServiceNotifier: Sendable {
    public let address: NotifyAddress
    private let descriptor: Int32

    public init(address: NotifyAddress) throws(NotifyError) {
        self.address = address
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(errno: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The notifier `$NOTIFY_SOCKET` asks for, or nil. `unsetting` removes the variable (as sd_notify's
    /// `unset_environment` does) so the tools the daemon runs (rsync, ssh) do not inherit it.
    public static func fromEnvironment(unsetting: Bool = true) throws(NotifyError) -> ServiceNotifier? {
        guard let raw = getenv("NOTIFY_SOCKET") else { return nil }
        let value = String(cString: raw)
        if unsetting { unsetenv("NOTIFY_SOCKET") }
        guard let address = NotifyAddress(environmentValue: value) else { return nil }
        return try ServiceNotifier(address: address)
    }

    /// Sends one datagram. Retries only an interrupted call; a full socket buffer is reported, not waited on, so
    /// a slow systemd never stalls the heartbeat (the next ping comes at half the timeout).
    public func send(_ message: NotifyMessage) throws(NotifyError) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = address.socketPathBytes
        withUnsafeMutableBytes(of: &addr.sun_path) { path in
            for (i, b) in bytes.enumerated() where i < path.count { path[i] = b }
        }
        // Abstract names are exactly as long as their bytes: the length must not include trailing zeros.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let text = Array(message.description.utf8)
        while true {
            let sent = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    text.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw .send(address: address.description, errno: errno)
        }
    }
}
