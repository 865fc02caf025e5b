import Foundation
import Glibc
import Synchronization

/// Where a sink's peer listens, for the online check: a board in the car has no route to the NAS at home, and a
/// delivery tried there only grows the job's backoff and trips the breaker, so the first upload once home would
/// wait minutes. A TCP connect of a second or two says "away" without an attempt counted.
public struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// From an http(s) URL: its host and port (80 or 443 by default); nil for anything else.
    public init?(url: String) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), let host = parts.host,
              !host.isEmpty else { return nil }
        let standard: Int
        switch scheme {
        case "http": standard = 80
        case "https": standard = 443
        default: return nil
        }
        self.init(host: host, port: parts.port ?? standard)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Connects and hangs up at once; nil when the peer answered (or refused: a host that answers is reachable),
    /// else what failed, in words.
    public func probe(timeout: Double = 2) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, "\(port)", &hints, &list)
        guard lookup == 0, let first = list else {
            return "\(host) has no address here (\(String(cString: gai_strerror(lookup))))"
        }
        defer { freeaddrinfo(first) }
        var failure = "no address of \(host) answered"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                            info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                if errno == ECONNREFUSED { return nil }
                failure = "\(self): \(String(cString: strerror(errno)))"
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(timeout * 1000))
            guard ready > 0 else {
                failure = "\(self) did not answer within \(Int(timeout)) s"
                continue
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code == 0 || code == ECONNREFUSED { return nil }
            failure = "\(self): \(String(cString: strerror(code)))"
        }
        return failure
    }
}

/// Each sink's online state as the uploader last saw it, shared with the web UI's sink list.
public final class SinkReachability: Sendable {
    public struct Offline: Sendable, Equatable {
        public var reason: String
        /// When the peer was first found away (seconds since 1970), and when it was last asked.
        public var since: Double
        public var checkedAt: Double
    }

    private enum State { case online, offline(Offline) }
    private let states = Mutex<[String: State]>([:])

    public init() {}

    /// Nil while the sink's peer is reachable (or not yet asked).
    public func offline(_ sink: String) -> Offline? {
        states.withLock { states in
            if case let .offline(offline)? = states[sink] { return offline }
            return nil
        }
    }

    /// Whether the uploader should ask the peer before a delivery: not yet asked, asked again after a failure, or
    /// away and `interval` gone since the last look.
    func needsProbe(_ sink: String, now: Double, interval: Double) -> Bool {
        states.withLock { states in
            switch states[sink] {
            case nil: true
            case .online?: false
            case let .offline(offline)?: now - offline.checkedAt >= interval
            }
        }
    }

    /// Records a probe's answer; true when the sink just went offline or came back (worth a log line).
    func record(_ sink: String, failure: String?, now: Double) -> Bool {
        states.withLock { states in
            let was = states[sink]
            guard let failure else {
                states[sink] = .online
                if case .offline? = was { return true }
                return false
            }
            if case let .offline(offline)? = was {
                states[sink] = .offline(Offline(reason: failure, since: offline.since, checkedAt: now))
                return false
            }
            states[sink] = .offline(Offline(reason: failure, since: now, checkedAt: now))
            return true
        }
    }

    /// A failed delivery: ask the peer again before the next one.
    func forget(_ sink: String) {
        states.withLock { states in
            if case .online? = states[sink] { states[sink] = nil }
        }
    }
}
