import Outbound
import Sinks

/// `teslacam sinks login NAME`: runs Dropbox's PKCE authorisation for a configured dropbox sink and saves the
/// refresh token in the sink's `refreshTokenFile` (0600). The board needs no browser: the owner opens the URL on
/// a phone or laptop, allows the app, and pastes the code Dropbox shows.
enum DropboxLogin {
    @discardableResult
    static func run(_ configuration: Configuration, name: String, authorizeEndpoint: String = DropboxAuthorization.authorizeEndpoint,
                    readCode: () -> String?, say: (String) -> Void) throws -> DropboxAuthorization.Grant {
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
        let appSecret = try SinkFactory.secret(file: settings.appSecretFile, env: settings.appSecretEnv, key: "sinks.\(name)",
                                               fields: ("appSecretFile", "appSecretEnv"), what: "the app's secret")
        let login = DropboxAuthorization(appKey: appKey)
        say("1. Open this address in a browser (a phone or laptop will do), sign in to Dropbox and allow the app:")
        say("   " + login.authorizeURL(endpoint: authorizeEndpoint))
        say("2. Paste the code Dropbox shows, then press Enter:")
        guard let code = readCode(), !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandFailure("no code was pasted: run `teslacam sinks login \(name)` again and paste the code Dropbox shows")
        }
        let tokenURL = (settings.apiURL ?? "https://api.dropboxapi.com") + "/oauth2/token"
        let grant: DropboxAuthorization.Grant
        do {
            grant = try login.exchange(code: code, tokenURL: tokenURL, appSecret: appSecret)
            try DropboxAuthorization.saveRefreshToken(grant.refreshToken, to: tokenFile)
        } catch {
            throw CommandFailure("\(name): \(error)")
        }
        say("Dropbox allowed the app" + (grant.accountID.map { " for account \($0)" } ?? "")
            + "; the refresh token is saved in \(tokenFile) (mode 0600). A running daemon reads it at its next start; "
            + "`teslacam sinks check \(name) --config ...` tries it now.")
        return grant
    }
}
