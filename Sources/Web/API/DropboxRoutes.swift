import Foundation
import Hummingbird

/// Linking a dropbox sink from the phone: Dropbox's PKCE authorisation as `teslacam sinks login` runs it. The page
/// asks for the address, the owner allows the app on Dropbox's own page and pastes the code it shows; the board
/// trades the code for a refresh token and saves it where the sink reads it. No redirect to the board is needed
/// (Dropbox could not reach a board at home anyway).
public protocol DropboxLinking: Sendable {
    func accounts() -> [DropboxAccount]
    /// The address of Dropbox's page that allows the app, for the sink `name`; its verifier is kept for `finish`.
    func begin(_ name: String) throws(WebError) -> String
    /// Trades the pasted code for a refresh token and saves it; a sentence for the owner.
    func finish(_ name: String, code: String) throws(WebError) -> String
}

/// A dropbox sink as the Settings page shows it.
public struct DropboxAccount: Codable, Sendable, Equatable {
    public var name: String
    /// A refresh token is there.
    public var linked: Bool
    /// Nil when the page can link it; else why not (a token from an environment variable, a bad config).
    public var problem: String?

    public init(name: String, linked: Bool, problem: String?) {
        self.name = name
        self.linked = linked
        self.problem = problem
    }
}

extension WebServer {
    struct DropboxCode: Decodable { var code: String }
    struct DropboxBegin: Encodable { var url: String }
    struct DropboxLinked: Encodable { var message: String; var accounts: [DropboxAccount] }

    func registerDropbox(_ add: Add) {
        add(.get, "/api/dropbox", .owner) { [self] _, _ in try Reply.json(dropboxLinking?.accounts() ?? []) }
        add(.post, "/api/dropbox/:name/authorize", .owner) { [self] _, context in
            let (linking, name) = try dropbox(context)
            return try Reply.json(DropboxBegin(url: try linking.begin(name)))
        }
        add(.post, "/api/dropbox/:name/code", .owner) { [self] request, context in
            let (linking, name) = try dropbox(context)
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw WebError(.unsupportedMediaType, "send {\"code\": \"...\"} as JSON")
            }
            let body = try await Self.body(request, limit: 4096)
            guard let pasted = try? JSONDecoder().decode(DropboxCode.self, from: body) else {
                throw WebError(.badRequest, "send {\"code\": \"...\"} as JSON: the code Dropbox shows after you allow the app")
            }
            // Dropbox is asked over the network (libcurl, blocking): off the event loop's threads.
            let result = await Task.detached { () -> Result<String, WebError> in
                do throws(WebError) { return .success(try linking.finish(name, code: pasted.code)) } catch { return .failure(error) }
            }.value
            let message = try result.get()
            // A sink that stopped for want of a token goes on at once.
            if let sinks, (try? sinks.status())?.first(where: { $0.status.name == name })?.status.stopped != nil {
                _ = try? sinks.retry(name)
            }
            logger.notice("dropbox sink linked from the web UI", metadata: ["sink": "\(name)", "client": "\(context.client)"])
            return try Reply.json(DropboxLinked(message: message, accounts: linking.accounts()))
        }
    }

    /// The linker and the sink named in the path, which must be one of its accounts (the name reaches nothing else).
    private func dropbox(_ context: WebContext) throws(WebError) -> (any DropboxLinking, String) {
        guard let dropboxLinking else { throw WebError(.notFound, "no dropbox sink is configured") }
        let name = context.parameters.get("name") ?? ""
        guard dropboxLinking.accounts().contains(where: { $0.name == name }) else {
            throw WebError(.notFound, "no dropbox sink is named '\(name.prefix(40))'")
        }
        return (dropboxLinking, name)
    }
}
