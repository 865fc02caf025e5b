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
/// "cloud":  { "type": "s3", "endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket": "my-teslacam",
///             "region": "eu-west-1", "accessKeyId": "AKIA...", "secretAccessKeyFile": "/etc/teslacam/s3.key",
///             "addressing": "virtual", "partSize": "8M" }
/// "share":  { "type": "webdav", "url": "https://cloud.example/remote.php/dav/files/me", "user": "me",
///             "passwordFile": "/etc/teslacam/dav.pass" }
/// "box":    { "type": "dropbox", "appKey": "abc123", "refreshTokenFile": "/etc/teslacam/dropbox.token",
///             "prefix": "TeslaCam-model3" }
/// "fleet":  { "type": "fleet", "url": "https://ingest.example.com:8443/files/", "certFile": "/etc/teslacam/fleet/car.pem",
///             "keyFile": "/etc/teslacam/fleet/car.key", "caFile": "/etc/teslacam/fleet/ca.pem" }
/// ```
struct SinkSettings: Encodable, Equatable, ConfigSection {
    enum SinkType: String, CaseIterable, Encodable {
        case folder, rsync, webhook, logger, s3, webdav, dropbox, fleet

        /// Whether the sink can take alerts (messages rather than files).
        var takesAlerts: Bool { self != .rsync && self != .fleet }
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
    // s3
    var endpoint: String? = nil
    var bucket: String? = nil
    var region: String? = nil
    var accessKeyId: String? = nil
    var secretAccessKeyFile: String? = nil
    var secretAccessKeyEnv: String? = nil
    var addressing: S3Addressing? = nil
    var partSize: ByteSize? = nil
    // webdav (url and user above)
    var passwordFile: String? = nil
    var passwordEnv: String? = nil
    // dropbox
    var appKey: String? = nil
    var appSecretFile: String? = nil
    var appSecretEnv: String? = nil
    var refreshTokenFile: String? = nil
    var refreshTokenEnv: String? = nil
    var apiURL: String? = nil
    var contentURL: String? = nil
    /// The page where the owner allows the app (Dropbox's own unless a stand-in is tested).
    var authorizeURL: String? = nil
    var chunkSize: ByteSize? = nil

    /// How an S3 bucket is addressed: in the path (MinIO, moto, most S3-likes) or in the host name (AWS).
    enum S3Addressing: String, CaseIterable, Encodable {
        case path, virtual
    }
    /// The fleet sink's mutual TLS: the board's certificate and key, the operator's CA.
    var certFile: String?
    var keyFile: String?
    var caFile: String?

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
        case .s3:
            try readS3(&reader)
        case .webdav:
            url = try reader.required("url", "a webdav sink needs the share's URL") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw .invalidValue(key: reader.keyPath("url"), found: "\"\(url)\"", expected: "an http:// or https:// URL")
            }
            user = try reader.string("user")
            if try reader.string("password") != nil {
                throw .invalidValue(key: reader.keyPath("password"), found: "a password written into the config",
                                    expected: "allowed: put it in a file named by passwordFile (mode 0600) or a "
                                        + "variable named by passwordEnv")
            }
            passwordFile = try reader.string("passwordFile")
            passwordEnv = try reader.string("passwordEnv")
            if passwordFile != nil, passwordEnv != nil {
                throw .invalidValue(key: reader.keyPath("passwordEnv"), found: "\"\(passwordEnv!)\"",
                                    expected: "given together with passwordFile: keep one of them")
            }
            if user == nil, passwordFile != nil || passwordEnv != nil {
                throw .missingKey(key: reader.keyPath("user"), why: "a password needs the user it belongs to")
            }
            prefix = try reader.string("prefix")
            bandwidth = try reader.rate("bandwidth")
        case .dropbox:
            try readDropbox(&reader)
        case .fleet:
            url = try reader.required("url", "a fleet sink needs the ingest server's tus endpoint (https://.../files/)") { r, k throws(ConfigurationError) in
                try r.string(k)
            }
            if let url, !url.hasPrefix("https://") {
                throw .invalidValue(key: reader.keyPath("url"), found: "\"\(url)\"", expected: "an https:// URL (the fleet server speaks mutual TLS only)")
            }
            for field in ["certFile", "keyFile", "caFile"] {
                let path = try reader.required(field, "a fleet sink's mutual TLS (teslacam-ingest ca issue prints these lines)") { r, k throws(ConfigurationError) in
                    try r.string(k)
                }
                switch field {
                case "certFile": certFile = path
                case "keyFile": keyFile = path
                default: caFile = path
                }
            }
            bandwidth = try reader.rate("bandwidth")
        }
    }

    private mutating func readDropbox(_ reader: inout ConfigReader) throws(ConfigurationError) {
        appKey = try reader.required("appKey", "a dropbox sink needs its app's key (the Dropbox App Console shows it)") {
            r, k throws(ConfigurationError) in try r.string(k)
        }
        refreshTokenFile = try reader.string("refreshTokenFile")
        refreshTokenEnv = try reader.string("refreshTokenEnv")
        switch (refreshTokenFile, refreshTokenEnv) {
        case (nil, nil):
            throw .missingKey(key: reader.keyPath("refreshTokenFile"),
                              why: "a dropbox sink needs a refresh token from a file (or refreshTokenEnv: a variable holding it)")
        case (_?, let env?):
            throw .invalidValue(key: reader.keyPath("refreshTokenEnv"), found: "\"\(env)\"",
                                expected: "given together with refreshTokenFile: keep one of them")
        default: break
        }
        appSecretFile = try reader.string("appSecretFile")
        appSecretEnv = try reader.string("appSecretEnv")
        if appSecretFile != nil, let env = appSecretEnv {
            throw .invalidValue(key: reader.keyPath("appSecretEnv"), found: "\"\(env)\"",
                                expected: "given together with appSecretFile: keep one of them")
        }
        for key in ["apiURL", "contentURL", "authorizeURL"] {
            let url = try reader.string(key)
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw .invalidValue(key: reader.keyPath(key), found: "\"\(url)\"", expected: "an http:// or https:// URL")
            }
            switch key {
            case "apiURL": apiURL = url
            case "contentURL": contentURL = url
            default: authorizeURL = url
            }
        }
        chunkSize = try reader.size("chunkSize")
        if let chunkSize, chunkSize.bytes < 4 << 20 || chunkSize.bytes > 148 << 20 || chunkSize.bytes % (4 << 20) != 0 {
            throw .invalidValue(key: reader.keyPath("chunkSize"), found: "\(chunkSize)",
                                expected: "a multiple of 4M from 4M to 148M (Dropbox's limits for a session's chunks)")
        }
        prefix = try reader.string("prefix")
        bandwidth = try reader.rate("bandwidth")
    }

    private mutating func readS3(_ reader: inout ConfigReader) throws(ConfigurationError) {
        bucket = try reader.required("bucket", "an s3 sink needs the bucket's name") { r, k throws(ConfigurationError) in
            try r.string(k)
        }
        region = try reader.required("region", "an s3 sink needs the bucket's region (e.g. eu-west-1; us-east-1 for most S3-likes)") {
            r, k throws(ConfigurationError) in try r.string(k)
        }
        endpoint = try reader.string("endpoint")
        if let endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw .invalidValue(key: reader.keyPath("endpoint"), found: "\"\(endpoint)\"", expected: "an http:// or https:// URL")
        }
        accessKeyId = try reader.required("accessKeyId", "an s3 sink needs the access key id") { r, k throws(ConfigurationError) in
            try r.string(k)
        }
        // Never echoed back: the value is the secret.
        if try reader.string("secretAccessKey") != nil {
            throw .invalidValue(key: reader.keyPath("secretAccessKey"), found: "a secret written into the config",
                                expected: "allowed: put it in a file named by secretAccessKeyFile (mode 0600) or a "
                                    + "variable named by secretAccessKeyEnv")
        }
        secretAccessKeyFile = try reader.string("secretAccessKeyFile")
        secretAccessKeyEnv = try reader.string("secretAccessKeyEnv")
        switch (secretAccessKeyFile, secretAccessKeyEnv) {
        case (nil, nil):
            throw .missingKey(key: reader.keyPath("secretAccessKeyFile"),
                              why: "an s3 sink needs its secret access key from a file (or secretAccessKeyEnv: a variable holding it)")
        case (_?, let env?):
            throw .invalidValue(key: reader.keyPath("secretAccessKeyEnv"), found: "\"\(env)\"",
                                expected: "given together with secretAccessKeyFile: keep one of them")
        default: break
        }
        addressing = try reader.choice("addressing", of: S3Addressing.allCases)
        partSize = try reader.size("partSize")
        if let partSize, partSize.bytes < 5 << 20 || partSize.bytes > 5 << 30 {
            throw .invalidValue(key: reader.keyPath("partSize"), found: "\(partSize)",
                                expected: "between 5M and 5G (S3's limits for a part)")
        }
        prefix = try reader.string("prefix")
        bandwidth = try reader.rate("bandwidth")
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
                                    expected: "a sink that takes messages (webhook, logger, folder, s3, webdav or dropbox), not "
                                        + (defined[sink]?.type == .fleet ? "a fleet sink" : "an rsync sink"))
            }
        }
    }

    var outboundRoutes: Routes { routes?.routes ?? Routes() }
}
