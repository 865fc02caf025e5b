import Foundation

/// A slippy-map tile server (`https://tile.openstreetmap.org/{z}/{x}/{y}.png`) the pages may draw their event maps
/// and tracks over. Off by default: the board often has no internet, and every tile a phone loads tells the tile
/// server where the car was. The page's own drawing stays underneath, so a phone offline sees it as before.
public struct MapTiles: Sendable, Equatable, Codable {
    /// With `{z}`, `{x}` and `{y}`.
    public var url: String
    /// Shown under each map, as tile servers' terms ask (OpenStreetMap's: "© OpenStreetMap contributors").
    public var attribution: String

    public init(url: String, attribution: String) {
        self.url = url
        self.attribution = attribution
    }

    /// Why `url` cannot be a tile template, in words; nil when it can.
    public static func problem(_ url: String) -> String? {
        guard origin(of: url) != nil else { return "an http:// or https:// address with a host" }
        for part in ["{z}", "{x}", "{y}"] where !url.contains(part) { return "a tile address with {z}, {x} and {y} (it has no \(part))" }
        guard url.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "'") && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }) else {
            return "a tile address without spaces, quotes, commas or semicolons"
        }
        return nil
    }

    /// `https://host[:port]`: what the Content-Security-Policy lets images load from.
    public var origin: String? { Self.origin(of: url) }

    static func origin(of url: String) -> String? {
        let template = url.replacingOccurrences(of: "{z}", with: "0").replacingOccurrences(of: "{x}", with: "0")
            .replacingOccurrences(of: "{y}", with: "0")
        guard let parts = URLComponents(string: template), let scheme = parts.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = parts.host, !host.isEmpty else { return nil }
        return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")
    }
}
