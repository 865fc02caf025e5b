import Web

/// The config's `web` section: `{ "listen": "0.0.0.0:3000", "metrics": "open" }`. Without the section no web
/// server runs. `metrics`: "open" lets a Prometheus on the LAN scrape `/metrics` without logging in; "login"
/// puts it behind the owner's session like the rest.
struct WebConfig: Encodable, Equatable, ConfigSection {
    /// Absent: 0.0.0.0:3000 (kept absent when the file is written back).
    var listen: String?
    var metrics: MetricsAccess?

    enum MetricsAccess: String, Encodable, CaseIterable { case open, login }

    init(listen: String? = nil, metrics: MetricsAccess? = nil) {
        self.listen = listen
        self.metrics = metrics
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        listen = try reader.string("listen")
        metrics = try reader.choice("metrics", of: MetricsAccess.allCases)
        if let listen, WebSettings.listen(listen) == nil {
            throw .invalidValue(key: reader.keyPath("listen"), found: "\"\(listen)\"",
                                expected: "an address and port like \"0.0.0.0:3000\" or \"127.0.0.1:8080\"")
        }
    }

    var settings: WebSettings {
        let (host, port) = WebSettings.listen(listen ?? "0.0.0.0:3000")!
        return WebSettings(host: host, port: port, openMetrics: (metrics ?? .open) == .open)
    }
}
