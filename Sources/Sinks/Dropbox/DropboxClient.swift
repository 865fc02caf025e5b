import Foundation
import Outbound
import Synchronization

/// Dropbox's HTTP API with short-lived access tokens taken from a refresh token (the app's key, and its secret
/// for apps that have one). The token is kept in memory only and taken anew shortly before the lifetime Dropbox
/// gave it (`expires_in`, four hours) runs out, or when Dropbox says it expired or does not know it.
final class DropboxClient: Sendable {
    let apiURL: String
    let contentURL: String
    let tokenURL: String
    let appKey: String
    private let appSecret: String?
    private let refreshToken: DropboxRefreshToken
    /// The access token and when to take a new one (seconds since 1970; nil when Dropbox named no lifetime).
    private let accessToken = Mutex<(token: String, refreshAt: Double?)?>(nil)

    init(apiURL: String, contentURL: String, tokenURL: String, appKey: String, appSecret: String?,
         refreshToken: DropboxRefreshToken) {
        self.apiURL = apiURL
        self.contentURL = contentURL
        self.tokenURL = tokenURL
        self.appKey = appKey
        self.appSecret = appSecret
        self.refreshToken = refreshToken
    }

    struct Response {
        var status: Int
        var json: [String: Any]?
        var retryAfter: Double?
        /// `error_summary`, e.g. `lookup_failed/incorrect_offset/..`.
        var summary: String { json?["error_summary"] as? String ?? "" }
    }

    /// An RPC call (JSON in, JSON out) on the API host.
    func rpc(_ route: String, _ arguments: [String: Any]) throws(SinkError) -> Response {
        try authorised { token throws(SinkError) in
            try HTTPRequest(method: "POST", url: apiURL + route,
                            headers: ["Authorization: Bearer \(token)", "Content-Type: application/json", "Expect:"],
                            body: Array(DropboxJSON.encode(arguments).utf8), timeout: 60).send()
        }
    }

    /// A content call (arguments in Dropbox-API-Arg, bytes as the body, paced) on the content host.
    func content(_ route: String, _ arguments: [String: Any], body: HTTPRequest.Upload?) throws(SinkError) -> Response {
        try authorised { token throws(SinkError) in
            var request = HTTPRequest(method: "POST", url: contentURL + route, headers: [
                "Authorization: Bearer \(token)", "Content-Type: application/octet-stream",
                "Dropbox-API-Arg: \(DropboxJSON.encode(arguments))", "Expect:",
            ], timeout: 0)
            body?.restart()
            request.upload = body
            return try request.send()
        }
    }

    /// Runs a request with the current access token; on a 401 for an expired or unknown token, takes a new one
    /// and tries once more.
    private func authorised(_ send: (String) throws(SinkError) -> HTTPRequest.Response) throws(SinkError) -> Response {
        var fresh = false
        var token: String
        let now = Date().timeIntervalSince1970
        if let held = accessToken.withLock({ $0 }), held.refreshAt.map({ now < $0 }) ?? true {
            token = held.token
        } else {
            token = try refresh()
            fresh = true
        }
        while true {
            let raw = try send(token)
            let response = Response(status: raw.status, json: DropboxJSON.decode(raw.body), retryAfter: raw.retryAfter)
            if raw.status == 401, !fresh {
                token = try refresh()
                fresh = true
                continue
            }
            if raw.status == 401 {
                throw .permanent("Dropbox refused a fresh access token (\(response.summary)): authorise the app "
                                 + "again and put the new refresh token in refreshTokenFile, or check appKey")
            }
            return response
        }
    }

    private func refresh() throws(SinkError) -> String {
        let refreshToken = try self.refreshToken.current()
        var form = "grant_type=refresh_token&refresh_token=\(Self.formEncode(refreshToken))&client_id=\(Self.formEncode(appKey))"
        if let appSecret { form += "&client_secret=\(Self.formEncode(appSecret))" }
        let raw = try HTTPRequest(method: "POST", url: tokenURL, headers: ["Content-Type: application/x-www-form-urlencoded"],
                                  body: Array(form.utf8), timeout: 30).send()
        let json = DropboxJSON.decode(raw.body)
        switch raw.status {
        case 200:
            guard let token = json?["access_token"] as? String, !token.isEmpty else {
                throw .transient("Dropbox's token endpoint answered without an access token")
            }
            let lifetime = DropboxAuthorization.number(json?["expires_in"])
            accessToken.withLock { $0 = (token, lifetime.map { Self.refreshTime(lifetime: $0, now: Date().timeIntervalSince1970) }) }
            return token
        case 400, 401:
            let reason = (json?["error_description"] as? String) ?? (json?["error"] as? String) ?? "refused"
            throw .permanent("Dropbox refused the refresh token (\(reason)): authorise the app again and put the "
                             + "new refresh token in refreshTokenFile, or check appKey")
        case 429, 500..<600:
            throw .transient("Dropbox's token endpoint answered \(raw.status)", retryAfter: raw.retryAfter)
        default:
            throw .permanent("Dropbox's token endpoint answered \(raw.status)")
        }
    }

    /// Refreshed a little before the end of its life (a tenth of it, at most five minutes), so a chunk under way
    /// does not meet an expired token half-way.
    static func refreshTime(lifetime: Double, now: Double) -> Double { now + lifetime - min(300, lifetime / 10) }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
