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

    /// Sends one datagram, with `descriptors` attached (SCM_RIGHTS) for `FDSTORE=1`. Retries only an interrupted
    /// call; a full socket buffer is reported, not waited on, so a slow systemd never stalls the heartbeat (the next
    /// ping comes at half the timeout).
    public func send(_ message: NotifyMessage, descriptors: [Int32] = []) throws(NotifyError) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = address.socketPathBytes
        withUnsafeMutableBytes(of: &addr.sun_path) { path in
            for (i, b) in bytes.enumerated() where i < path.count { path[i] = b }
        }
        // Abstract names are exactly as long as their bytes: the length must not include trailing zeros.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        var text = Array(message.description.utf8)
        // CMSG_SPACE(n * 4): the header (len, level, type) then the descriptors, padded to the header's alignment.
        let headerSize = MemoryLayout<cmsghdr>.size
        let dataSize = descriptors.count * MemoryLayout<Int32>.size
        let align = MemoryLayout<Int>.size
        var control = [UInt8](repeating: 0, count: descriptors.isEmpty ? 0 : (headerSize + dataSize + align - 1) / align * align)
        if !descriptors.isEmpty {
            control.withUnsafeMutableBytes { raw in
                var header = cmsghdr()
                header.cmsg_len = headerSize + dataSize
                header.cmsg_level = SOL_SOCKET
                header.cmsg_type = Int32(SCM_RIGHTS)
                raw.storeBytes(of: header, as: cmsghdr.self)
                for (i, fd) in descriptors.enumerated() {
                    raw.storeBytes(of: fd, toByteOffset: headerSize + i * MemoryLayout<Int32>.size, as: Int32.self)
                }
            }
        }
        while true {
            let sent = withUnsafeMutablePointer(to: &addr) { p in
                text.withUnsafeMutableBytes { payload in
                    control.withUnsafeMutableBytes { controlBytes in
                        var iov = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                        return withUnsafeMutablePointer(to: &iov) { iovp in
                            var msg = msghdr()
                            msg.msg_name = UnsafeMutableRawPointer(p)
                            msg.msg_namelen = length
                            msg.msg_iov = iovp
                            msg.msg_iovlen = 1
                            msg.msg_control = controlBytes.count == 0 ? nil : controlBytes.baseAddress
                            msg.msg_controllen = controlBytes.count
                            return sendmsg(descriptor, &msg, Int32(MSG_NOSIGNAL))
                        }
                    }
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw .send(address: address.description, errno: errno)
        }
    }
}
