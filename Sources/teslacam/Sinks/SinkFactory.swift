import Foundation
import Outbound
import SigV4
import Sinks

/// Builds the configured sinks. Secrets are read here, from their files or environment variables, and go
/// nowhere but the sink (no log line, no error message carries one).
enum SinkFactory {
    /// `state` is the state directory: sinks that resume uploads keep their progress under `sinks/<name>` there.
    static func setups(_ configuration: Configuration, state: String? = nil) throws(ConfigurationError) -> [SinkSetup] {
        var setups: [SinkSetup] = []
        let state = state ?? configuration.state ?? NSTemporaryDirectory() + "teslacam-sinks"
        for (name, settings) in (configuration.sinks ?? [:]).sorted(by: { $0.key < $1.key }) {
            setups.append(try setup(name: name, settings, state: state))
        }
        return setups
    }

    static func setup(name: String, _ settings: SinkSettings, state: String = NSTemporaryDirectory() + "teslacam-sinks")
        throws(ConfigurationError) -> SinkSetup {
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
        case .s3:
            sink = try s3(name: name, settings, key: key, state: state)
        case .webdav:
            let password = try secret(file: settings.passwordFile, env: settings.passwordEnv, key: key,
                                      fields: ("passwordFile", "passwordEnv"), what: "the password")
            sink = WebDAVSink(name: name, url: settings.url!, user: settings.user, password: password,
                              prefix: settings.prefix ?? "")
        case .dropbox:
            // A file is read when the token is needed: a sink not linked yet starts, stopped with that reason,
            // and the link from the web UI (or `sinks login`) needs no restart.
            let refresh: DropboxRefreshToken = if let file = settings.refreshTokenFile { .file(file, sink: name) } else {
                .value(try secret(file: nil, env: settings.refreshTokenEnv, key: key,
                                  fields: ("refreshTokenFile", "refreshTokenEnv"), what: "the refresh token")!)
            }
            let appSecret = try secret(file: settings.appSecretFile, env: settings.appSecretEnv, key: key,
                                       fields: ("appSecretFile", "appSecretEnv"), what: "the app's secret")
            sink = DropboxSink(name: name, appKey: settings.appKey!, appSecret: appSecret, refreshTokenFrom: refresh,
                               prefix: settings.prefix ?? "", apiURL: settings.apiURL ?? "https://api.dropboxapi.com",
                               contentURL: settings.contentURL ?? "https://content.dropboxapi.com",
                               chunkSize: settings.chunkSize.map { Int($0.bytes) } ?? DropboxSink.defaultChunkSize,
                               resumeDirectory: state + "/sinks/" + name)
        case .fleet:
            for (field, path) in [("certFile", settings.certFile), ("keyFile", settings.keyFile), ("caFile", settings.caFile)] {
                if let path, access(path, R_OK) != 0 {
                    throw .invalidValue(key: "\(key).\(field)", found: "\"\(path)\"", expected: "a readable file")
                }
            }
            sink = FleetSink(name: name, url: settings.url!, certFile: settings.certFile!, keyFile: settings.keyFile!,
                             caFile: settings.caFile!, resumeDirectory: state + "/sinks/" + name)
        }
        return SinkSetup(sink: sink, prefix: settings.prefix ?? "", bytesPerSecond: settings.bandwidth.map { Double($0.bytes) })
    }

    static func s3(name: String, _ settings: SinkSettings, key: String, state: String) throws(ConfigurationError) -> S3Sink {
        let region = settings.region!
        let endpoint = settings.endpoint ?? "https://s3.\(region).amazonaws.com"
        let secret = try secret(file: settings.secretAccessKeyFile, env: settings.secretAccessKeyEnv, key: key,
                                fields: ("secretAccessKeyFile", "secretAccessKeyEnv"), what: "the secret access key")!
        let virtual = settings.addressing.map { $0 == .virtual } ?? endpoint.contains("amazonaws.com")
        return S3Sink(name: name, endpoint: endpoint, bucket: settings.bucket!, region: region,
                      credentials: SigV4Credentials(accessKeyId: settings.accessKeyId!, secretAccessKey: secret),
                      prefix: settings.prefix ?? "", pathStyle: !virtual,
                      partSize: settings.partSize.map { Int($0.bytes) } ?? S3Sink.defaultPartSize,
                      resumeDirectory: state + "/sinks/" + name)
    }

    /// The token from `tokenFile` (first line) or `tokenEnv`; nil when neither is set.
    static func secret(_ settings: SinkSettings, key: String) throws(ConfigurationError) -> String? {
        try secret(file: settings.tokenFile, env: settings.tokenEnv, key: key, fields: ("tokenFile", "tokenEnv"),
                   what: "the token")
    }

    /// A secret from a file (its first line) or an environment variable; nil when neither is named.
    static func secret(file: String?, env: String?, key: String, fields: (file: String, env: String),
                       what: String) throws(ConfigurationError) -> String? {
        let settings = (tokenFile: file, tokenEnv: env)
        if let file = settings.tokenFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .invalidValue(key: "\(key).\(fields.file)", found: "\"\(file)\"", expected: "a readable file holding \(what)")
            }
            let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !token.isEmpty else {
                throw .invalidValue(key: "\(key).\(fields.file)", found: "\"\(file)\"", expected: "a file holding \(what) (it is empty)")
            }
            return token
        }
        if let variable = settings.tokenEnv {
            guard let token = ProcessInfo.processInfo.environment[variable], !token.isEmpty else {
                throw .invalidValue(key: "\(key).\(fields.env)", found: "\"\(variable)\"",
                                    expected: "an environment variable that is set (it is not, or empty)")
            }
            return token
        }
        return nil
    }
}
