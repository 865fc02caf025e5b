import HTTPTypes
import Hummingbird

/// Who may call a route. Checked before the handler runs, so a handler never sees an anonymous request.
public enum Access: Sendable {
    /// Pages, their assets, login, the session probe.
    case anyone
    /// The owner, logged in; a state change (anything but GET/HEAD) also needs the session's CSRF token.
    case owner
}

extension WebServer {
    static let cookieName = "teslacam_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// The session a request's cookie names, if it is live.
    func session(of request: Request) -> SessionStore.Session? {
        guard let token = request.cookies[Self.cookieName]?.value else { return nil }
        return sessions.session(token: token)
    }

    func authorize(_ request: Request, _ context: inout WebContext, _ access: Access) throws(WebError) {
        guard access == .owner else { return }
        guard let session = session(of: request) else { throw .loginRequired }
        if request.method != .get && request.method != .head {
            // Same-origin pages send it from JS; a cross-site form cannot read or set it.
            guard let sent = request.headers[Self.csrfHeader], ConstantTime.equal(sent, session.csrf) else { throw .csrf }
        }
        context.session = session
    }

    func sessionCookie(_ session: SessionStore.Session) -> String {
        "\(Self.cookieName)=\(session.token); Path=/; Max-Age=\(Int(SessionStore.lifetime)); HttpOnly; SameSite=Strict"
            + (settings.secureCookies ? "; Secure" : "")
    }

    static let clearedCookie = "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
}
