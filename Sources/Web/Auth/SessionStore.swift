import Synchronization

/// Logged-in browsers: a random session token (the cookie) → its CSRF token, in memory. A daemon restart logs
/// everyone out, which is acceptable for one owner and keeps secrets off the SD card.
public final class SessionStore: Sendable {
    public struct Session: Sendable, Equatable {
        public let token: String
        /// Sent back by the page in `X-CSRF-Token` on every state change; never in a cookie.
        public let csrf: String
        public var expires: Double
    }

    /// Sessions last a week of inactivity: the owner's phone stays logged in between drives.
    public static let lifetime: Double = 7 * 24 * 3600
    private let sessions = Mutex<[String: Session]>([:])
    private let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double) { self.clock = clock }

    public func create() -> Session {
        let session = Session(token: Self.randomToken(), csrf: Self.randomToken(), expires: clock() + Self.lifetime)
        sessions.withLock { all in
            let now = clock()
            all = all.filter { $0.value.expires > now }
            // One owner; a bounded table even if someone logs in in a loop with the right password.
            if all.count >= 64, let oldest = all.min(by: { $0.value.expires < $1.value.expires }) { all[oldest.key] = nil }
            all[session.token] = session
        }
        return session
    }

    /// The live session for a cookie value (its lifetime renewed), or nil.
    public func session(token: String) -> Session? {
        guard token.utf8.count == 64 else { return nil }
        return sessions.withLock { all in
            guard var session = all[token] else { return nil }
            let now = clock()
            guard session.expires > now else { all[token] = nil; return nil }
            session.expires = now + Self.lifetime
            all[token] = session
            return session
        }
    }

    public func remove(token: String) { _ = sessions.withLock { $0.removeValue(forKey: token) } }

    /// Logs every browser out (a password change).
    public func removeAll() { sessions.withLock { $0.removeAll() } }

    /// Ends every session but `token`'s: a password change logs out everyone else.
    public func removeAll(except token: String) { sessions.withLock { $0 = $0.filter { $0.key == token } } }

    /// 32 random bytes from the system generator, as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
