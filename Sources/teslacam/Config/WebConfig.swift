import Foundation
import Web

/// The config's `web` section: `{ "listen": "0.0.0.0:3000", "metrics": "open" }`. Without the section no web
/// server runs. `metrics`: "open" lets a Prometheus on the LAN scrape `/metrics` without logging in; "login"
/// puts it behind the owner's session like the rest. `tls`: `{ "certFile": ..., "keyFile": ... }` serves HTTPS
/// (and marks the session cookie Secure).
struct WebConfig: Encodable, Equatable, ConfigSection {
    /// Absent: 0.0.0.0:3000 (kept absent when the file is written back).
    var listen: String?
    var metrics: MetricsAccess?
    var tls: TLSFiles?
    /// `{ "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "..." }`: tiles under the pages'
    /// maps on a phone with internet; absent: the pages' own drawing only.
    var mapTiles: MapTilesSettings?

    struct MapTilesSettings: Encodable, Equatable, ConfigSection {
        var url: String
        var attribution: String?

        init(url: String, attribution: String? = nil) {
            self.url = url
            self.attribution = attribution
        }

        init(reading reader: inout ConfigReader) throws(ConfigurationError) {
            guard let url = try reader.string("url") else {
                throw .missingKey(key: reader.keyPath("url"), why: "map tiles need the tile server's address, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png")
            }
            if let problem = MapTiles.problem(url) {
                throw .invalidValue(key: reader.keyPath("url"), found: "\"\(url)\"", expected: problem)
            }
            self.init(url: url, attribution: try reader.string("attribution"))
        }

        /// OpenStreetMap's tiles ask for their credit line; another server's name stands in for its own.
        var tiles: MapTiles {
            let host = URLComponents(string: MapTiles(url: url, attribution: "").origin ?? "")?.host ?? ""
            let standard = host.hasSuffix("openstreetmap.org") ? "© OpenStreetMap contributors" : "Map tiles: \(host)"
            return MapTiles(url: url, attribution: attribution ?? standard)
        }
    }

    enum MetricsAccess: String, Encodable, CaseIterable { case open, login }

    /// `web.tls`: PEM files, both required once the section is there.
    struct TLSFiles: Encodable, Equatable, ConfigSection {
        var certFile: String
        var keyFile: String

        init(certFile: String, keyFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
        }

        init(reading reader: inout ConfigReader) throws(ConfigurationError) {
            guard let certFile = try reader.string("certFile") else {
                throw .missingKey(key: reader.keyPath("certFile"), why: "HTTPS needs the certificate's PEM file (and keyFile)")
            }
            guard let keyFile = try reader.string("keyFile") else {
                throw .missingKey(key: reader.keyPath("keyFile"), why: "HTTPS needs the private key's PEM file")
            }
            self.init(certFile: certFile, keyFile: keyFile)
        }
    }

    init(listen: String? = nil, metrics: MetricsAccess? = nil, tls: TLSFiles? = nil, mapTiles: MapTilesSettings? = nil) {
        self.listen = listen
        self.metrics = metrics
        self.tls = tls
        self.mapTiles = mapTiles
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        listen = try reader.string("listen")
        metrics = try reader.choice("metrics", of: MetricsAccess.allCases)
        tls = try reader.section("tls", as: TLSFiles.self)
        mapTiles = try reader.section("mapTiles", as: MapTilesSettings.self)
        if let listen, WebSettings.listen(listen) == nil {
            throw .invalidValue(key: reader.keyPath("listen"), found: "\"\(listen)\"",
                                expected: "an address and port like \"0.0.0.0:3000\" or \"127.0.0.1:8080\"")
        }
    }

    var settings: WebSettings {
        let (host, port) = WebSettings.listen(listen ?? "0.0.0.0:3000")!
        return WebSettings(host: host, port: port, openMetrics: (metrics ?? .open) == .open,
                           tls: tls.map { WebTLS(certFile: $0.certFile, keyFile: $0.keyFile) }, mapTiles: mapTiles?.tiles)
    }
}
