import ConfigJSON
import FAT32
import Foundation
import Logging
import Volume

/// The daemon's settings file (`--config FILE`), JSON.
///
/// JSON rather than TOML: Foundation reads and writes it with no extra dependency, and the web UI will write the
/// same file back when an owner switches a sink on or off from the phone, so it must round-trip exactly: absent
/// keys stay absent (defaults are applied where the values are used). Command-line flags override the file.
///
/// Loading is strict: an unknown key, a wrong type or a value that does not parse is an error naming the key.
struct Configuration: Encodable, Equatable, ConfigSection {
    var state: String?
    var archive: String?
    var mountpoint: String?
    /// Size for a fresh volume, e.g. "30G".
    var size: ByteSize?
    var layout: PartitionLayout?
    var logLevel: Logger.Level?
    /// Write cache for data clusters waiting for their owner, e.g. "16M" (the default). Smaller saves memory on a
    /// Pi Zero; larger lets more data wait for its FAT and directory entries instead of passing through staging.
    var cache: ByteSize?
    /// Memory for the car's writes while the board's disk refuses them (full, failing), e.g. "64M" (the default).
    /// Beyond it the car's new data is lost, loudly; the car never sees an error either way.
    var hold: ByteSize?
    /// How long archived clips stay and how much free space is kept.
    var retention: RetentionSettings?
    /// Named places records go, what goes where, and how uploads share the link.
    var sinks: [String: SinkSettings]?
    var routes: RouteSettings?
    var upload: UploadSettings?
    /// The web UI; absent: none runs.
    var web: WebConfig?

    init(state: String? = nil, archive: String? = nil, mountpoint: String? = nil, size: ByteSize? = nil,
         layout: PartitionLayout? = nil, logLevel: Logger.Level? = nil, cache: ByteSize? = nil,
         hold: ByteSize? = nil, retention: RetentionSettings? = nil, sinks: [String: SinkSettings]? = nil, routes: RouteSettings? = nil,
         upload: UploadSettings? = nil, web: WebConfig? = nil) {
        self.state = state
        self.archive = archive
        self.mountpoint = mountpoint
        self.size = size
        self.layout = layout
        self.logLevel = logLevel
        self.cache = cache
        self.hold = hold
        self.retention = retention
        self.sinks = sinks
        self.routes = routes
        self.upload = upload
        self.web = web
    }

    init(reading reader: inout ConfigReader) throws(ConfigurationError) {
        state = try reader.string("state")
        archive = try reader.string("archive")
        mountpoint = try reader.string("mountpoint")
        size = try reader.size("size")
        layout = try reader.choice("layout", of: PartitionLayout.allCases)
        logLevel = try reader.choice("logLevel", of: Logger.Level.allCases)
        cache = try reader.size("cache")
        hold = try reader.size("hold")
        retention = try reader.section("retention", as: RetentionSettings.self)
        sinks = try reader.named("sinks", as: SinkSettings.self).map { Dictionary(uniqueKeysWithValues: $0) }
        routes = try reader.section("routes", as: RouteSettings.self)
        upload = try reader.section("upload", as: UploadSettings.self)
        web = try reader.section("web", as: WebConfig.self)
        try checkOutbound()
    }

    static func load(from path: String) throws(ConfigurationError) -> Configuration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do { return try parse(data) } catch { throw error.in(file: path) }
    }

    /// Reads a whole config document.
    static func parse(_ data: Data) throws(ConfigurationError) -> Configuration {
        let document: JSONValue
        do { document = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw .notJSON(reason: Self.reason(error))
        }
        guard case let .object(object) = document else {
            throw .notJSON(reason: "the file must hold one JSON object { ... }, not \(document.summary)")
        }
        var reader = ConfigReader(object: object)
        let configuration = try Configuration(reading: &reader)
        try reader.rejectUnknownKeys()
        return configuration
    }

    private static func reason(_ error: any Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    /// The file's settings as JSON, keys sorted, absent keys left out.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notJSON(reason: String)
    case unknownKey(key: String, known: [String])
    case invalidValue(key: String, found: String, expected: String)
    /// Any of the above, found in a file.
    indirect case inFile(path: String, ConfigurationError)
    case missing(setting: String)
    /// A key a section needs is absent.
    case missingKey(key: String, why: String)

    func `in`(file path: String) -> ConfigurationError {
        if case .unreadable = self { return self }
        return .inFile(path: path, self)
    }

    var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read config file \(path): \(reason)"
        case let .notJSON(reason): return "not valid JSON: \(reason)"
        case let .unknownKey(key, known):
            let hint = known.isEmpty ? "" : " (known here: \(known.joined(separator: ", ")))"
            return "\(key): unknown setting\(hint); remove it or fix its spelling"
        case let .invalidValue(key, found, expected): return "\(key): \(found) is not \(expected)"
        case let .inFile(path, error): return "config file \(path): \(error)"
        case let .missingKey(key, why): return "\(key): missing; \(why)"
        case let .missing(setting): return "no \(setting) given: pass --\(setting) or set \"\(setting)\" in the config file"
        }
    }
}
