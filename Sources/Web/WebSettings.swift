/// What the config's `"web"` section decides.
public struct WebSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `/metrics` without logging in (Prometheus on the LAN scrapes it).
    public var openMetrics: Bool
    /// Mark the cookie `Secure` (behind TLS: our own, or a proxy's).
    public var secureCookies: Bool
    /// Serve HTTPS with this certificate and key; nil: plain HTTP.
    public var tls: WebTLS?
    /// Map tiles behind the pages' own drawings, for a phone that has internet; nil: none (the default).
    public var mapTiles: MapTiles?

    public init(host: String = "0.0.0.0", port: Int = 3000, openMetrics: Bool = true, secureCookies: Bool = false, tls: WebTLS? = nil,
                mapTiles: MapTiles? = nil) {
        self.host = host
        self.port = port
        self.openMetrics = openMetrics
        self.secureCookies = secureCookies || tls != nil
        self.tls = tls
        self.mapTiles = mapTiles
    }

    /// The scheme the pages are served with.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// Parses `host:port` (`0.0.0.0:3000`, `127.0.0.1:8080`, `[::]:3000`, `:3000`); nil when it is not one.
    public static func listen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard host.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") }) else { return nil }
        return (host, port)
    }
}
