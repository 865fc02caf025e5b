/// Why a notification could not be sent.
public enum NotifyError: Error, Equatable, CustomStringConvertible, Sendable {
    case socket(errno: Int32)
    case send(address: String, errno: Int32)

    public var description: String {
        switch self {
        case let .socket(e): return "cannot create a socket for systemd notifications (errno \(e))"
        case let .send(address, e):
            return "cannot notify systemd at \(address) (errno \(e)); is NOTIFY_SOCKET stale or its directory not writable?"
        }
    }
}
