/// Why a delivery failed, in words an owner can act on, and whether trying again can help.
public enum SinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer may take it later: unreachable, busy, a cut connection, a 5xx or 429. `retryAfter` is the
    /// peer's own word on when (seconds), which wins over the computed backoff.
    case transient(String, retryAfter: Double? = nil)
    /// Trying again cannot help until the owner changes something: bad credentials, a bucket or folder that does
    /// not exist, a 403. The sink stops with this as its status.
    case permanent(String)

    public var description: String {
        switch self {
        case let .transient(message, retryAfter):
            retryAfter.map { "\(message) (the peer asks to retry after \(Int($0.rounded(.up))) s)" } ?? message
        case let .permanent(message): message
        }
    }

    public var isPermanent: Bool { if case .permanent = self { true } else { false } }
}
