import Foundation
import Hummingbird

/// Logging in and out. The password is read from `STATE/web-password` at each attempt, so `teslacam passwd`
/// takes effect without a restart.
extension WebServer {
    struct SessionReply: Encodable {
        var authenticated: Bool
        var csrf: String?
        var passwordSet: Bool
        /// The map tile server, for the owner's pages (absent when none is configured, or before the login).
        var mapTiles: MapTiles? = nil
    }

    struct LoginRequest: Decodable { var password: String }
    struct PasswordChange: Decodable { var current: String; var new: String }

    func registerSession(_ add: Add) {
        add(.get, "/api/session", .anyone) { [self] request, _ in
            let session = session(of: request)
            let passwordSet = (try? PasswordHash.load(state: state)) != nil
            return try Reply.json(SessionReply(authenticated: session != nil, csrf: session?.csrf, passwordSet: passwordSet,
                                               mapTiles: session == nil ? nil : settings.mapTiles))
        }
        add(.post, "/api/login", .anyone) { [self] request, context in
            // JSON only: a cross-site HTML form cannot send it, so no one can log a victim into their session.
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw WebError(.unsupportedMediaType, "send the password as JSON {\"password\": \"...\"}")
            }
            if let wait = throttle.withLock({ $0.attempt(client: context.client, now: clock()) }) {
                let seconds = Int(wait.rounded(.up))
                throw WebError(.tooManyRequests, "too many login attempts; try again in \(seconds) s",
                               headers: [.retryAfter: "\(seconds)"])
            }
            let body = try await Self.body(request, limit: 4096)
            guard let login = try? JSONDecoder().decode(LoginRequest.self, from: body) else {
                throw WebError(.badRequest, "send the password as JSON {\"password\": \"...\"}")
            }
            let stored: PasswordHash?
            do { stored = try PasswordHash.load(state: state) } catch {
                throw WebError(.serviceUnavailable, "\(error)")
            }
            guard let stored else {
                throw WebError(.serviceUnavailable, "no password is set yet: run `teslacam passwd --state DIR` on the board")
            }
            // The slow hash runs off the event loop's threads.
            let ok = await Task.detached { stored.verifies(login.password) }.value
            guard ok else {
                logger.warning("web login refused", metadata: ["client": "\(context.client)"])
                throw WebError(.unauthorized, "wrong password")
            }
            let session = sessions.create()
            var response = try Reply.json(SessionReply(authenticated: true, csrf: session.csrf, passwordSet: true,
                                                       mapTiles: settings.mapTiles))
            response.headers[.setCookie] = sessionCookie(session)
            return response
        }
        add(.post, "/api/password", .owner) { [self] request, context in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw WebError(.unsupportedMediaType, "send {\"current\": \"...\", \"new\": \"...\"} as JSON")
            }
            let body = try await Self.body(request, limit: 4096)
            guard let change = try? JSONDecoder().decode(PasswordChange.self, from: body) else {
                throw WebError(.badRequest, "send {\"current\": \"...\", \"new\": \"...\"} as JSON")
            }
            guard change.new.count >= 8 else { throw WebError(.badRequest, "the new password needs at least 8 characters") }
            guard change.new.utf8.count <= 1024 else { throw WebError(.badRequest, "the new password is longer than 1024 bytes") }
            // The current password is guessed no faster here than at the login.
            if let wait = throttle.withLock({ $0.attempt(client: context.client, now: clock()) }) {
                let seconds = Int(wait.rounded(.up))
                throw WebError(.tooManyRequests, "too many attempts; try again in \(seconds) s", headers: [.retryAfter: "\(seconds)"])
            }
            let stored: PasswordHash?
            do { stored = try PasswordHash.load(state: state) } catch { throw WebError(.serviceUnavailable, "\(error)") }
            guard let stored else { throw WebError(.serviceUnavailable, "no password is set: run `teslacam passwd --state DIR`") }
            let saved: Result<Bool, any Error> = await Task.detached {
                guard stored.verifies(change.current) else { return .success(false) }
                // As slow as the stored one (`teslacam passwd` chose the rounds).
                return Result { try PasswordHash(password: change.new, rounds: stored.rounds).save(state: self.state); return true }
            }.value
            switch saved {
            case .success(false):
                logger.warning("web password change refused", metadata: ["client": "\(context.client)"])
                throw WebError(.forbidden, "the current password is wrong")
            case .success: break
            case let .failure(error): throw WebError(.internalServerError, "the new password could not be saved: \(error)")
            }
            if let token = context.session?.token { sessions.removeAll(except: token) }
            logger.notice("web password changed", metadata: ["client": "\(context.client)"])
            return try Reply.json(SessionReply(authenticated: true, csrf: context.session?.csrf, passwordSet: true))
        }
        add(.post, "/api/logout", .owner) { [self] _, context in
            if let token = context.session?.token { sessions.remove(token: token) }
            var response = try Reply.json(SessionReply(authenticated: false, csrf: nil, passwordSet: true))
            response.headers[.setCookie] = Self.clearedCookie
            return response
        }
    }

    /// The request body, refused past `limit` bytes.
    static func body(_ request: Request, limit: Int) async throws -> Data {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw WebError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        }
    }
}
