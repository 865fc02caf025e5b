import Foundation
import Sinks
import Synchronization
import Web

/// The web UI's "Link Dropbox": `teslacam sinks login`'s steps split over two requests. The PKCE verifier of each
/// address handed out stays here (30 minutes) until its code comes back; the sink reads the saved token at its
/// next upload, so no restart is needed.
final class DropboxLinker: DropboxLinking {
    let configuration: Configuration
    /// Verifiers waiting for their code, by sink, with when they were made (seconds since 1970).
    private let pending = Mutex<[String: (login: DropboxAuthorization, at: Double)]>([:])
    static let codeLifetime: Double = 30 * 60
    private let now: @Sendable () -> Double

    init(configuration: Configuration, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.configuration = configuration
        self.now = now
    }

    /// Nil when the config has no dropbox sink.
    static func make(_ configuration: Configuration) -> DropboxLinker? {
        (configuration.sinks ?? [:]).values.contains { $0.type == .dropbox } ? DropboxLinker(configuration: configuration) : nil
    }

    func accounts() -> [DropboxAccount] {
        (configuration.sinks ?? [:]).filter { $0.value.type == .dropbox }.keys.sorted().map { name in
            let settings = configuration.sinks![name]!
            let linked = settings.refreshTokenFile.map { DropboxRefreshToken.file($0, sink: name).isLinked } ?? true
            var problem: String? = nil
            do { _ = try DropboxLogin.Target(configuration, name: name) } catch { problem = "\(error)" }
            return DropboxAccount(name: name, linked: linked, problem: problem)
        }
    }

    func begin(_ name: String) throws(WebError) -> String {
        let target = try target(name)
        let login = DropboxAuthorization(appKey: target.appKey)
        let at = now()
        pending.withLock { waiting in
            waiting = waiting.filter { at - $0.value.at < Self.codeLifetime }
            waiting[name] = (login, at)
        }
        return login.authorizeURL(endpoint: target.authorizeEndpoint)
    }

    func finish(_ name: String, code: String) throws(WebError) -> String {
        let target = try target(name)
        let at = now()
        guard let login = pending.withLock({ $0[name] }), at - login.at < Self.codeLifetime else {
            throw WebError(.conflict, "press Link Dropbox first (again after 30 minutes): a code belongs to the address that page opened")
        }
        let grant: DropboxAuthorization.Grant
        do { grant = try target.finish(login.login, code: code) } catch {
            throw WebError(.badRequest, "\(error)")
        }
        pending.withLock { _ = $0.removeValue(forKey: name) }
        return "Dropbox allowed the app" + (grant.accountID.map { " for account \($0)" } ?? "")
            + ". The refresh token is saved in \(target.tokenFile) (mode 0600); uploads to \(name) start now."
    }

    private func target(_ name: String) throws(WebError) -> DropboxLogin.Target {
        do { return try DropboxLogin.Target(configuration, name: name) } catch {
            throw WebError(.conflict, "\(error)")
        }
    }
}
