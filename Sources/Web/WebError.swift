import HTTPTypes

/// A refusal in words: the status and a sentence the page shows as it is. Never a stack trace, never a path.
public struct WebError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    /// Extra headers (Retry-After, WWW-Authenticate, Content-Range).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    static let loginRequired = WebError(.unauthorized, "log in first")
    static let csrf = WebError(.forbidden, "this change needs the page's CSRF token (reload the page and try again)")
    static func badID(_ text: String) -> WebError {
        WebError(.badRequest, "'\(text.prefix(40))' is not a catalog id (a whole number from 1)")
    }
    static func noClip(_ id: Int64) -> WebError { WebError(.notFound, "no clip \(id) in the catalog") }
}
