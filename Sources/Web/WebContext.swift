import Hummingbird
import NIOCore

/// The request context of the web server: the client's address (for the login throttle) and, once the route's
/// access check passed, the owner's session.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "local" for a request without a socket (tests in process).
    public let client: String
    public var session: SessionStore.Session?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "local"
        session = nil
    }
}
