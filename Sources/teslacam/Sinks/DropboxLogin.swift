import Outbound
import Sinks

/// `teslacam sinks login NAME`: runs Dropbox's PKCE authorisation for a configured dropbox sink and saves the
/// refresh token in the sink's `refreshTokenFile` (0600). The board needs no browser: the owner opens the URL on
/// a phone or laptop, allows the app, and pastes the code Dropbox shows. The web UI's Settings page runs the same
/// steps (`DropboxLinker`).
enum DropboxLogin {
    /// A dropbox sink of the config, checked for what a login needs.
    struct Target: Sendable {
        var name: String
        var appKey: String
        var appSecret: String?
        var tokenFile: String
        var tokenURL: String
        var authorizeEndpoint: String

        /// Refusals in words: no such sink, not a dropbox one, a token read from a variable (nothing to save to).
        init(_ configuration: Configuration, name: String, authorizeEndpoint: String? = nil) throws {
            let sinks = configuration.sinks ?? [:]
            guard let settings = sinks[name] else {
                throw CommandFailure("no sink is named \(name)" + (sinks.isEmpty ? " (the config defines none)"
                    : " (the config defines \(sinks.keys.sorted().joined(separator: ", ")))"))
            }
            guard settings.type == .dropbox, let appKey = settings.appKey else {
                throw CommandFailure("\(name) is a \(settings.type.rawValue) sink: login is for dropbox sinks")
            }
            guard let tokenFile = settings.refreshTokenFile else {
                throw CommandFailure("sinks.\(name) reads its refresh token from the variable \(settings.refreshTokenEnv ?? "?"); "
                                     + "login saves it to a file: set refreshTokenFile (e.g. /etc/teslacam/dropbox.token) instead")
            }
            self.name = name
            self.appKey = appKey
            appSecret = try SinkFactory.secret(file: settings.appSecretFile, env: settings.appSecretEnv, key: "sinks.\(name)",
                                               fields: ("appSecretFile", "appSecretEnv"), what: "the app's secret")
            self.tokenFile = tokenFile
            tokenURL = (settings.apiURL ?? "https://api.dropboxapi.com") + "/oauth2/token"
            self.authorizeEndpoint = authorizeEndpoint ?? settings.authorizeURL ?? DropboxAuthorization.authorizeEndpoint
        }

        /// Trades the pasted code for a refresh token and saves it (0600).
        func finish(_ login: DropboxAuthorization, code: String) throws -> DropboxAuthorization.Grant {
            let code = code.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !code.isEmpty else { throw CommandFailure("no code was pasted: paste the code Dropbox shows after you allow the app") }
            do {
                let grant = try login.exchange(code: code, tokenURL: tokenURL, appSecret: appSecret)
                try DropboxAuthorization.saveRefreshToken(grant.refreshToken, to: tokenFile)
                return grant
            } catch {
                throw CommandFailure("\(name): \(error)")
            }
        }
    }

    @discardableResult
    static func run(_ configuration: Configuration, name: String, authorizeEndpoint: String? = nil,
                    readCode: () -> String?, say: (String) -> Void) throws -> DropboxAuthorization.Grant {
        let target = try Target(configuration, name: name, authorizeEndpoint: authorizeEndpoint)
        let login = DropboxAuthorization(appKey: target.appKey)
        say("1. Open this address in a browser (a phone or laptop will do), sign in to Dropbox and allow the app:")
        say("   " + login.authorizeURL(endpoint: target.authorizeEndpoint))
        say("2. Paste the code Dropbox shows, then press Enter:")
        guard let code = readCode(), !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandFailure("no code was pasted: run `teslacam sinks login \(name)` again and paste the code Dropbox shows")
        }
        let grant = try target.finish(login, code: code)
        say("Dropbox allowed the app" + (grant.accountID.map { " for account \($0)" } ?? "")
            + "; the refresh token is saved in \(target.tokenFile) (mode 0600). A running daemon takes it up at its next "
            + "upload (`teslacam sinks retry \(name)` if the sink stopped); `teslacam sinks check \(name) --config ...` tries it now.")
        return grant
    }
}
