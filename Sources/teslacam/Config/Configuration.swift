import FAT32
import Foundation
import Volume

/// The daemon's settings file (`--config FILE`), JSON.
///
/// JSON rather than TOML: Foundation reads and writes it with no extra dependency, and the web UI will write the
/// same file back when an owner switches a sink on or off from the phone, so it must round-trip exactly.
/// Command-line flags override the file.
struct Configuration: Codable, Equatable {
    var state: String?
    var archive: String?
    var mountpoint: String?
    /// Size for a fresh volume, e.g. "30G".
    var size: ByteSize?
    var layout: PartitionLayout?
    var logLevel: String?
    /// Write cache for data clusters waiting for their owner, e.g. "16M" (the default). Smaller saves memory on a
    /// Pi Zero; larger lets more data wait for its FAT and directory entries instead of passing through staging.
    var cache: ByteSize?

    static func load(from path: String) throws(ConfigurationError) -> Configuration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(Configuration.self, from: data) } catch {
            throw .invalid(path: path, reason: "\(error)")
        }
    }
}

enum ConfigurationError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case missing(setting: String)

    var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read config file \(path): \(reason)"
        case let .invalid(path, reason): return "config file \(path) is not valid JSON for teslacam: \(reason)"
        case let .missing(setting): return "no \(setting) given: pass --\(setting) or set \"\(setting)\" in the config file"
        }
    }
}
