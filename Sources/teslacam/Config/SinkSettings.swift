import Outbound
import Volume

/// One entry of the config's `sinks`: its `type` decides which keys it takes (any other key is an error).
///
/// ```json
/// "nas":    { "type": "folder",  "path": "/mnt/nas/TeslaCam", "prefix": "model3/", "bandwidth": "2M" }
/// "backup": { "type": "rsync",   "host": "nas.local", "user": "tesla", "path": "/srv/teslacam",
///             "identityFile": "/etc/teslacam/id_ed25519", "knownHostsFile": "/etc/teslacam/known_hosts" }
/// "phone":  { "type": "webhook", "url": "https://ntfy.sh/my-car", "tokenFile": "/etc/teslacam/ntfy.token" }
/// "stdout": { "type": "logger" }
/// ```
struct SinkSettings: Encodable, Equatable, ConfigSection {
    enum SinkType: String, CaseIterable, Encodable {
        case folder, rsync, webhook, logger

        /// Whether the sink can take alerts (messages rather than files).
        var takesAlerts: Bool { self != .rsync }
    }

    var type: SinkType
    var path: String?
    var prefix: String?
    var host: String?
    var port: Int64?
    var user: String?
    var identityFile: String?
    var knownHostsFile: String?
    var timeout: Int64?
    var url: String?
    /// Secrets come from a file or an environment variable, never the config itself.
    var tokenFile: String?
    var tokenEnv: String?
    var bandwidth: ByteSize?

    init(type: SinkType, path: String? = nil, prefix: String? = nil, host: String? = nil, port: Int64? = nil,
         user: String? = nil, identityFile: String? = nil, knownHostsFile: String? = nil, timeout: Int64? = nil,
         url: String? = nil, tokenFile: String? = nil, tokenEnv: String? = nil, bandwidth: ByteSize? = nil) {
        self.type = type
        self.path = path
        self.prefix = prefix
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.timeout = timeout
        self.url = url
        self.tokenFile = tokenFile
        self.tokenEnv = tokenEnv
        self.bandwidth = bandwidth
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        type = try reader.required("type", "a sink needs a type: one of "
                                   + SinkType.allCases.map(\.rawValue).joined(separator: ", ")) { r, k throws(ConfigurationError) in
            try r.choice(k, of: SinkType.allCases)
        }
        switch type {
        case .folder:
            path = try reader.required("path", "a folder sink needs the folder to copy into") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            prefix = try reader.string("prefix")
            bandwidth = try reader.rate("bandwidth")
        case .rsync:
            host = try reader.required("host", "an rsync sink needs the ssh server's host name") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            path = try reader.required("path", "an rsync sink needs the folder on the server") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            port = try reader.integer("port", in: 1...65535, unit: "a TCP port")
            user = try reader.string("user")
            identityFile = try reader.string("identityFile")
            knownHostsFile = try reader.string("knownHostsFile")
            timeout = try reader.integer("timeout", in: 1...3600, unit: "seconds")
            prefix = try reader.string("prefix")
            bandwidth = try reader.rate("bandwidth")
        case .webhook:
            url = try reader.required("url", "a webhook sink needs the URL to post to") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw .invalidValue(key: reader.keyPath("url"), found: "\"\(url)\"", expected: "an http:// or https:// URL")
            }
            tokenFile = try reader.string("tokenFile")
            tokenEnv = try reader.string("tokenEnv")
            if tokenFile != nil, tokenEnv != nil {
                throw .invalidValue(key: reader.keyPath("tokenEnv"), found: "\"\(tokenEnv!)\"",
                                    expected: "given together with tokenFile: keep one of them")
            }
        case .logger:
            break
        }
    }
}

/// The config's `routes`: record kind → sink names. Only the kinds are keys.
struct RouteSettings: Encodable, Equatable, ConfigSection {
    var recent: [String]?
    var saved: [String]?
    var sentry: [String]?
    var track: [String]?
    var alerts: [String]?
    /// Clip and drive summaries from the SEI telemetry (messages, like alerts).
    var telemetry: [String]?

    init(recent: [String]? = nil, saved: [String]? = nil, sentry: [String]? = nil, track: [String]? = nil,
         alerts: [String]? = nil, telemetry: [String]? = nil) {
        self.recent = recent
        self.saved = saved
        self.sentry = sentry
        self.track = track
        self.alerts = alerts
        self.telemetry = telemetry
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        recent = try reader.strings("recent")
        saved = try reader.strings("saved")
        sentry = try reader.strings("sentry")
        track = try reader.strings("track")
        alerts = try reader.strings("alerts")
        telemetry = try reader.strings("telemetry")
    }

    var routes: Routes {
        var map: [RecordKind: [String]] = [:]
        for (kind, sinks) in [(RecordKind.recent, recent), (.saved, saved), (.sentry, sentry), (.track, track),
                              (.alerts, alerts), (.telemetry, telemetry)] {
            if let sinks { map[kind] = sinks }
        }
        return Routes(map)
    }
}

/// The config's `upload`: `{ "bandwidth": "4M", "whileRecording": "throttle" }`, and how failed jobs back off.
struct UploadSettings: Encodable, Equatable, ConfigSection {
    /// Overall limit over every sink, bytes per second.
    var bandwidth: ByteSize?
    var whileRecording: WhileRecording?
    /// Seconds before the first retry of a failed job (doubling from there) and at most.
    var retryInitial: Double?
    var retryMaximum: Double?

    init(bandwidth: ByteSize? = nil, whileRecording: WhileRecording? = nil, retryInitial: Double? = nil,
         retryMaximum: Double? = nil) {
        self.bandwidth = bandwidth
        self.whileRecording = whileRecording
        self.retryInitial = retryInitial
        self.retryMaximum = retryMaximum
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        bandwidth = try reader.rate("bandwidth")
        whileRecording = try reader.choice("whileRecording", of: WhileRecording.allCases)
        retryInitial = try reader.nonNegativeNumber("retryInitial", unit: "seconds")
        retryMaximum = try reader.nonNegativeNumber("retryMaximum", unit: "seconds")
    }

    var backoff: Backoff {
        Backoff(initial: max(0.01, retryInitial ?? Backoff.standard.initial), maximum: retryMaximum ?? Backoff.standard.maximum)
    }
}

extension Configuration {
    /// Routes and sinks must agree: every route names a defined sink, and alerts go only where messages can.
    func checkOutbound() throws(ConfigurationError) {
        let defined = Dictionary(uniqueKeysWithValues: (sinks ?? [:]).map { ($0.key, $0.value) })
        let routes = self.routes?.routes ?? Routes()
        let names = defined.keys.sorted()
        if let (kind, sink) = routes.undefined(among: Set(names)).first {
            throw .invalidValue(key: "routes.\(kind.rawValue)", found: "\"\(sink)\"",
                                expected: names.isEmpty ? "a sink defined under \"sinks\" (none is)"
                                    : "a sink defined under \"sinks\" (\(names.joined(separator: ", ")))")
        }
        for kind in [RecordKind.alerts, .telemetry] {
            for sink in routes.sinks(for: kind) where defined[sink]?.type.takesAlerts == false {
                throw .invalidValue(key: "routes.\(kind.rawValue)", found: "\"\(sink)\"",
                                    expected: "a sink that takes messages (webhook, logger or folder), not an rsync sink")
            }
        }
    }

    var outboundRoutes: Routes { routes?.routes ?? Routes() }
}
