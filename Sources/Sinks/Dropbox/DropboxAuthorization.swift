import Crypto
import FileIO
import Foundation
import Glibc
import Outbound

/// Dropbox's OAuth 2 code flow with PKCE, as `teslacam sinks login` runs it on a board without a browser
/// (https://developers.dropbox.com/oauth-guide): the owner opens `authorizeURL` anywhere, allows the app, and pastes
/// the code Dropbox shows (no redirect URI); `exchange` trades it with the verifier for a refresh token
/// (`token_access_type=offline`), which is all the sink keeps. No app secret is needed; one is sent when configured.
public struct DropboxAuthorization: Sendable {
    public let appKey: String
    /// The PKCE code verifier: 64 characters of the unreserved set (RFC 7636 §4.1 allows 43–128).
    public let verifier: String

    public static let authorizeEndpoint = "https://www.dropbox.com/oauth2/authorize"

    public init(appKey: String, verifier: String? = nil) {
        self.appKey = appKey
        self.verifier = verifier ?? Self.randomVerifier()
    }

    /// S256: base64url of the verifier's sha256, without padding.
    public var challenge: String { Self.base64URL(Array(SHA256.hash(data: Array(verifier.utf8)))) }

    /// Where the owner allows the app.
    public func authorizeURL(endpoint: String = DropboxAuthorization.authorizeEndpoint) -> String {
        let query = [("client_id", appKey), ("response_type", "code"), ("code_challenge", challenge),
                     ("code_challenge_method", "S256"), ("token_access_type", "offline")]
        return endpoint + (endpoint.contains("?") ? "&" : "?")
            + query.map { "\($0.0)=\(DropboxClient.formEncode($0.1))" }.joined(separator: "&")
    }

    /// What the token endpoint grants for a code.
    public struct Grant: Sendable, Equatable {
        public var refreshToken: String
        public var accessToken: String
        public var expiresIn: Double?
        public var accountID: String?
        public var scope: String?
    }

    /// Trades the pasted code (and the verifier) for tokens at `tokenURL` (`https://api.dropboxapi.com/oauth2/token`).
    public func exchange(code: String, tokenURL: String, appSecret: String? = nil) throws(SinkError) -> Grant {
        let pasted = code.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pasted.isEmpty else { throw .permanent("no code was pasted: copy the code Dropbox shows after you allow the app") }
        var form = [("code", pasted), ("grant_type", "authorization_code"), ("code_verifier", verifier), ("client_id", appKey)]
        if let appSecret { form.append(("client_secret", appSecret)) }
        let body = form.map { "\($0.0)=\(DropboxClient.formEncode($0.1))" }.joined(separator: "&")
        let raw = try HTTPRequest(method: "POST", url: tokenURL, headers: ["Content-Type: application/x-www-form-urlencoded"],
                                  body: Array(body.utf8), timeout: 30).send()
        let json = DropboxJSON.decode(raw.body)
        switch raw.status {
        case 200:
            guard let refresh = json?["refresh_token"] as? String, !refresh.isEmpty,
                  let access = json?["access_token"] as? String else {
                throw .permanent("Dropbox granted no refresh token: the authorize URL must ask for token_access_type=offline")
            }
            return Grant(refreshToken: refresh, accessToken: access, expiresIn: Self.number(json?["expires_in"]),
                         accountID: json?["account_id"] as? String, scope: json?["scope"] as? String)
        case 400, 401:
            let reason = (json?["error_description"] as? String) ?? (json?["error"] as? String) ?? "refused"
            throw .permanent("Dropbox refused the code (\(reason)): a code works once and for a few minutes; "
                             + "run the login again and paste the new code, and check appKey")
        case 429, 500..<600:
            throw .transient("Dropbox's token endpoint answered \(raw.status): try again shortly", retryAfter: raw.retryAfter)
        default:
            throw .permanent("Dropbox's token endpoint answered \(raw.status)")
        }
    }

    /// Writes the refresh token to `path` readable by its owner only (0600), replacing any old one atomically.
    public static func saveRefreshToken(_ token: String, to path: String) throws(SinkError) {
        let files = SystemFileSystem()
        // A stale temporary file would keep its own mode: start from none.
        unlink(path + ".tmp")
        do {
            try files.makeDirectories(parentDirectory(of: path))
            try files.writeAtomically(Array((token + "\n").utf8), to: path)
        } catch {
            throw .permanent("cannot write the refresh token to \(path): \(error)")
        }
        guard chmod(path, 0o600) == 0 else {
            throw .permanent("cannot make \(path) private (chmod 600): \(String(cString: strerror(errno)))")
        }
    }

    static func randomVerifier() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        var generator = SystemRandomNumberGenerator()
        return String((0..<64).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func number(_ value: Any?) -> Double? {
        if let value = value as? Double { return value }
        if let value = value as? Int { return Double(value) }
        return nil
    }
}
