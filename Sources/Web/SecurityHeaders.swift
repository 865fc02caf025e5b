import HTTPTypes
import Hummingbird
import Logging

/// Every response, errors included: a strict Content-Security-Policy (our own scripts and styles only, no inline
/// code, no framing), no sniffing, no referrer, and errors turned into JSON sentences.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = WebContext
    let logger: Logger
    /// Filled as the routes are registered (before the server starts): a known path asked with another method
    /// is a 405 with `Allow`, not a 404.
    let table: RouteTable

    /// The policy in force: `policy(tiles:)` of the server's settings.
    let policy: String

    init(logger: Logger, table: RouteTable, tiles: MapTiles? = nil) {
        self.logger = logger
        self.table = table
        policy = Self.policy(tiles: tiles)
    }

    /// Images from the map tile server too, when one is configured (its origin only).
    static func policy(tiles: MapTiles?) -> String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:" + (tiles?.origin.map { " " + $0 } ?? "") + "; "
            + "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as WebError {
            response = Reply.error(error)
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = table.methods(for: request.uri.path), !allowed.isEmpty {
                response = Reply.error(WebError(.methodNotAllowed, "\(request.method.rawValue) is not served here",
                                                headers: [.allow: allowed.joined(separator: ", ")]))
            } else {
                response = Reply.error(WebError(error.status, error.status == .notFound ? "no such page or API route"
                                                : (error.body ?? error.status.reasonPhrase)))
            }
        } catch {
            // Never a 500 with internals: the sentence is logged, the client learns that something failed.
            logger.error("web request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Reply.error(WebError(.internalServerError, "the server could not answer: \(type(of: error))"))
        }
        response.headers[.contentSecurityPolicy] = policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=(), payment=()"
        return response
    }
}

/// The registered routes as `METHOD /path/{param}`, for the 405 answer and the OpenAPI test.
final class RouteTable: @unchecked Sendable {
    // Written only while the router is built, before any request; read-only after.
    private(set) var routes: [String] = []

    func add(_ route: String) { routes.append(route) }

    /// The methods served at a concrete path (a `{param}` matches any one segment); nil when none is.
    func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var found: [String] = []
        for route in routes {
            let pieces = route.split(separator: " ", maxSplits: 1)
            let pattern = pieces[1].split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            guard pattern.count == parts.count else { continue }
            if zip(pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { found.append(String(pieces[0])) }
        }
        return found.isEmpty ? nil : found
    }
}
