import Foundation
import Outbound
import Sinks

/// Builds the configured sinks. Secrets are read here, from their files or environment variables, and go
/// nowhere but the sink (no log line, no error message carries one).
enum SinkFactory {
    static func setups(_ configuration: Configuration) throws(ConfigurationError) -> [SinkSetup] {
        var setups: [SinkSetup] = []
        for (name, settings) in (configuration.sinks ?? [:]).sorted(by: { $0.key < $1.key }) {
            setups.append(try setup(name: name, settings))
        }
        return setups
    }

    static func setup(name: String, _ settings: SinkSettings) throws(ConfigurationError) -> SinkSetup {
        let key = "sinks.\(name)"
        let sink: any Sink
        switch settings.type {
        case .folder:
            sink = FolderSink(name: name, root: settings.path!, prefix: settings.prefix ?? "")
        case .rsync:
            for (field, path) in [("identityFile", settings.identityFile), ("knownHostsFile", settings.knownHostsFile)] {
                if let path, access(path, R_OK) != 0 {
                    throw .invalidValue(key: "\(key).\(field)", found: "\"\(path)\"", expected: "a readable file")
                }
            }
            sink = RsyncSink(name: name, host: settings.host!, port: settings.port.map(Int.init), user: settings.user,
                             path: settings.path!, prefix: settings.prefix ?? "", identityFile: settings.identityFile,
                             knownHostsFile: settings.knownHostsFile, timeout: Int(settings.timeout ?? 60))
        case .webhook:
            sink = WebhookSink(name: name, url: settings.url!, token: try secret(settings, key: key))
        case .logger:
            sink = LoggerSink(name: name)
        case .fleet:
            for (field, path) in [("certFile", settings.certFile), ("keyFile", settings.keyFile), ("caFile", settings.caFile)] {
                if let path, access(path, R_OK) != 0 {
                    throw .invalidValue(key: "\(key).\(field)", found: "\"\(path)\"", expected: "a readable file")
                }
            }
            sink = FleetSink(name: name, url: settings.url!, certFile: settings.certFile!, keyFile: settings.keyFile!,
                             caFile: settings.caFile!)
        }
        return SinkSetup(sink: sink, prefix: settings.prefix ?? "", bytesPerSecond: settings.bandwidth.map { Double($0.bytes) })
    }

    /// The token from `tokenFile` (first line) or `tokenEnv`; nil when neither is set.
    static func secret(_ settings: SinkSettings, key: String) throws(ConfigurationError) -> String? {
        if let file = settings.tokenFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .invalidValue(key: "\(key).tokenFile", found: "\"\(file)\"", expected: "a readable file holding the token")
            }
            let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !token.isEmpty else {
                throw .invalidValue(key: "\(key).tokenFile", found: "\"\(file)\"", expected: "a file holding the token (it is empty)")
            }
            return token
        }
        if let variable = settings.tokenEnv {
            guard let token = ProcessInfo.processInfo.environment[variable], !token.isEmpty else {
                throw .invalidValue(key: "\(key).tokenEnv", found: "\"\(variable)\"",
                                    expected: "an environment variable that is set (it is not, or empty)")
            }
            return token
        }
        return nil
    }
}
