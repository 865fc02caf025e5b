/// Where `$NOTIFY_SOCKET` points: a file-system path, or (leading `@`) a name in Linux's abstract namespace.
public enum NotifyAddress: Equatable, Sendable, CustomStringConvertible {
    case path(String)
    case abstract(String)

    /// The address in `$NOTIFY_SOCKET`'s spelling; nil for one systemd would not use either (empty, relative,
    /// too long for `sockaddr_un`, or `vsock:` which this daemon does not speak).
    public init?(environmentValue value: String) {
        if value.hasPrefix("@") {
            let name = String(value.dropFirst())
            guard !name.isEmpty, name.utf8.count < Self.maximumLength else { return nil }
            self = .abstract(name)
        } else if value.hasPrefix("/") {
            guard value.utf8.count < Self.maximumLength else { return nil }
            self = .path(value)
        } else {
            return nil
        }
    }

    /// `sun_path` holds 108 bytes, a path's terminating NUL included.
    static let maximumLength = 108

    public var description: String {
        switch self {
        case let .path(p): return p
        case let .abstract(name): return "@" + name
        }
    }

    /// The bytes of `sun_path`: an abstract name starts with a NUL and is not terminated.
    var socketPathBytes: [UInt8] {
        switch self {
        case let .path(p): return Array(p.utf8) + [0]
        case let .abstract(name): return [0] + Array(name.utf8)
        }
    }
}
