import ConfigJSON
import Foundation
import Outbound

/// The ingest server's configuration, validated whole at load: the shape is the issue's, every key checked.
public struct IngestConfig: Sendable, Equatable {
    public struct TLS: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
        /// The operator's CA: a client certificate must chain to it.
        public var caFile: String
    }

    public struct Storage: Sendable, Equatable {
        public var endpoint: String
        public var bucket: String
        public var region: String
        public var accessKeyId: String
        public var secretAccessKeyFile: String
        /// Put before `<device id>/<path>` in every object key.
        public var prefix: String
        /// Bytes per multipart part: S3 refuses parts under 5 MiB (the last excepted).
        public var partSize: Int64
    }

    public struct RateLimit: Sendable, Equatable {
        public var bytesPerSecond: Int64?
        public var requestsPerMinute: Int64?
    }

    public enum Dispatcher: Sendable, Equatable {
        case webhook(url: String)
        case logger
    }

    public struct Uploads: Sendable, Equatable {
        /// The largest upload accepted (a Tesla clip is ~80 MB; event folders hold several).
        public var maxSize: Int64 = 4 << 30
        /// An unfinished upload is forgotten (and its parts aborted) this long after its last byte.
        public var expireAfterSeconds: Int64 = 24 * 3600
        /// How long a PATCH holds its upload against PATCHes on other instances without renewing (it renews while
        /// bytes arrive): an instance killed mid-PATCH frees the upload for the others after this.
        public var leaseSeconds: Int64 = 30
        /// Read every finished object back from the store to check its sha256, even when this instance hashed every
        /// byte of it as it arrived (which it otherwise trusts: S3 checked each part against its signed hash).
        public var readBack = false
        /// PUT each part to the store while its bytes arrive (unsigned payload, checked by the part's ETag), rather
        /// than after the whole part is in. Off for a store that refuses `UNSIGNED-PAYLOAD`.
        public var streamParts = true
        /// How often each instance sweeps expired uploads nobody asks for again (UploadSweep).
        public var sweepSeconds: Int64 = 600
    }

    public var host: String
    public var port: Int
    public var tls: TLS
    /// Device ids (certificate common names) let in; nil lets in every certificate the CA signed.
    public var allow: [String]?
    public var storage: Storage
    public var postgres: String
    public var rateLimit: RateLimit
    public var dispatchers: [String: Dispatcher]
    /// Record kind → dispatcher names ("logger" is always defined).
    public var records: [RecordKind: [String]]
    public var uploads: Uploads

    public static func load(file: String) throws(IngestConfigError) -> IngestConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw .unreadable(file: file, reason: (error as NSError).localizedDescription)
        }
        return try parse(data)
    }

    public static func parse(_ data: Data) throws(IngestConfigError) -> IngestConfig {
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw .notJSON(reason: "\(error)")
        }
        guard case let .object(object) = root else { throw .notJSON(reason: "the top level must be an object { ... }") }
        var reader = ConfigReader(object: object)
        let config = try IngestConfig(reading: &reader)
        try reader.rejectUnknownKeys()
        return config
    }

    init(reading r: inout ConfigReader) throws(IngestConfigError) {
        let listen = try r.required("listen", "the address to serve on (\"0.0.0.0:8443\")") { r, k throws(IngestConfigError) in try r.string(k) }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (1...65535).contains(port) else {
            throw .invalidValue(key: "listen", found: "\"\(listen)\"", expected: "host:port, e.g. 0.0.0.0:8443")
        }
        host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
        tls = try r.required("tls", "mutual TLS (certFile, keyFile, caFile)") { r, k throws(IngestConfigError) in
            try r.object(k) { t throws(IngestConfigError) in
                TLS(certFile: try t.required("certFile", "the server's certificate (PEM)") { r, k throws(IngestConfigError) in try r.string(k) },
                    keyFile: try t.required("keyFile", "the server's private key (PEM)") { r, k throws(IngestConfigError) in try r.string(k) },
                    caFile: try t.required("caFile", "the CA the devices' certificates chain to (PEM)") { r, k throws(IngestConfigError) in try r.string(k) })
            }
        }
        allow = try r.object("devices") { d throws(IngestConfigError) in try d.strings("allow") } ?? nil
        storage = try r.required("storage", "where uploads are stored (S3)") { r, k throws(IngestConfigError) in
            try r.object(k) { s throws(IngestConfigError) in try Self.storage(&s) }
        }
        postgres = try r.required("catalog", "the PostgreSQL catalog") { r, k throws(IngestConfigError) in
            try r.object(k) { c throws(IngestConfigError) in
                let url = try c.required("postgres", "the catalog's connection (postgres://user@host/db)") { r, k throws(IngestConfigError) in try r.string(k) }
                guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                    throw .invalidValue(key: "catalog.postgres", found: "\"\(url)\"", expected: "a URL postgres://user@host[:port]/database")
                }
                return url
            }
        }
        rateLimit = try r.object("rateLimit") { l throws(IngestConfigError) in
            RateLimit(bytesPerSecond: try l.size("bytesPerSecond", perSecond: true),
                      requestsPerMinute: try l.integer("requestsPerMinute", in: 1...1_000_000, unit: "requests per minute"))
        } ?? RateLimit()
        let dispatchers = try r.named("dispatchers") { name, value, path throws(IngestConfigError) -> Dispatcher in
            guard case let .object(fields) = value else {
                throw .invalidValue(key: path, found: value.summary, expected: "an object { \"type\": \"webhook\", ... }")
            }
            var d = ConfigReader(object: fields, path: path)
            let type = try d.required("type", "the kind of dispatcher (webhook, logger)") { r, k throws(IngestConfigError) in try r.string(k) }
            let dispatcher: Dispatcher
            switch type {
            case "webhook":
                let url = try d.required("url", "where the webhook posts") { r, k throws(IngestConfigError) in try r.string(k) }
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw .invalidValue(key: path + ".url", found: "\"\(url)\"", expected: "an http:// or https:// URL")
                }
                dispatcher = .webhook(url: url)
            case "logger": dispatcher = .logger
            default: throw .invalidValue(key: path + ".type", found: "\"\(type)\"", expected: "one of webhook, logger")
            }
            try d.rejectUnknownKeys()
            return dispatcher
        } ?? []
        self.dispatchers = Dictionary(uniqueKeysWithValues: dispatchers)
        let defined = Array(self.dispatchers.keys)
        let records = try r.named("records") { kindName, value, path throws(IngestConfigError) -> (RecordKind, [String]) in
            guard let kind = RecordKind(rawValue: kindName) else {
                throw .unknownKey(key: path, known: RecordKind.allCases.map(\.rawValue))
            }
            guard case let .array(items) = value else { throw .invalidValue(key: path, found: value.summary, expected: "a list of dispatcher names") }
            var names: [String] = []
            for (index, item) in items.enumerated() {
                guard case let .string(name) = item else {
                    throw .invalidValue(key: "\(path)[\(index)]", found: item.summary, expected: "a dispatcher name")
                }
                guard name == "logger" || defined.contains(name) else {
                    throw .undefinedDispatcher(key: "\(path)[\(index)]", name: name, defined: defined)
                }
                names.append(name)
            }
            return (kind, names)
        } ?? []
        self.records = Dictionary(uniqueKeysWithValues: records.map(\.1))
        uploads = try r.object("uploads") { u throws(IngestConfigError) in
            var uploads = Uploads()
            if let size = try u.size("maxSize") { uploads.maxSize = size }
            if let hours = try u.integer("expireAfterHours", in: 1...24 * 365, unit: "hours") { uploads.expireAfterSeconds = hours * 3600 }
            if let seconds = try u.integer("leaseSeconds", in: 2...3600, unit: "seconds") { uploads.leaseSeconds = seconds }
            if let readBack = try u.bool("readBack") { uploads.readBack = readBack }
            if let stream = try u.bool("streamParts") { uploads.streamParts = stream }
            if let seconds = try u.integer("sweepSeconds", in: 1...86400, unit: "seconds") { uploads.sweepSeconds = seconds }
            return uploads
        } ?? Uploads()
    }

    private static func storage(_ s: inout ConfigReader) throws(IngestConfigError) -> Storage {
        let type = try s.required("type", "the kind of store (s3)") { r, k throws(IngestConfigError) in try r.string(k) }
        guard type == "s3" else { throw .invalidValue(key: "storage.type", found: "\"\(type)\"", expected: "\"s3\" (S3-compatible: AWS, MinIO, Ceph)") }
        let endpoint = try s.required("endpoint", "the S3 endpoint URL") { r, k throws(IngestConfigError) in try r.string(k) }
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://"), URL(string: endpoint)?.host != nil else {
            throw .invalidValue(key: "storage.endpoint", found: "\"\(endpoint)\"", expected: "an http:// or https:// URL")
        }
        let bucket = try s.required("bucket", "the bucket uploads go to") { r, k throws(IngestConfigError) in try r.string(k) }
        let region = try s.required("region", "signing requests (SigV4)") { r, k throws(IngestConfigError) in try r.string(k) }
        let key = try s.required("accessKeyId", "signing requests (SigV4)") { r, k throws(IngestConfigError) in try r.string(k) }
        let secret = try s.required("secretAccessKeyFile", "signing requests (a file holding the secret key)") { r, k throws(IngestConfigError) in try r.string(k) }
        let prefix = try s.text("prefix") ?? ""
        guard !prefix.hasPrefix("/"), !prefix.contains("..") else {
            throw .invalidValue(key: "storage.prefix", found: "\"\(prefix)\"", expected: "a key prefix without a leading / or ..")
        }
        let partSize = try s.size("partSize") ?? 8 << 20
        guard partSize >= 5 << 20, partSize <= 5 << 30 else {
            throw .invalidValue(key: "storage.partSize", found: "\(partSize) bytes", expected: "from 5M to 5G (S3's limits for a part)")
        }
        return Storage(endpoint: endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint, bucket: bucket,
                       region: region, accessKeyId: key, secretAccessKeyFile: secret, prefix: prefix, partSize: partSize)
    }
}
