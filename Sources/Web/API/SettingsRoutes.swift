import Foundation
import Hummingbird

/// The Settings page's values: read, saved into the config file, and the daemon's reload.
extension WebServer {
    struct SettingsUpdate: Decodable { var values: [String: String?] }
    struct ReloadReply: Encodable { var reloading: Bool; var message: String }

    func registerSettings(_ add: Add) {
        add(.get, "/api/settings", .owner) { [self] _, _ in
            try Reply.json(try editor().document())
        }
        add(.put, "/api/settings", .owner) { [self] request, _ in
            let editor = try editor()
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw WebError(.unsupportedMediaType, "send {\"values\": {\"retention.recentDays\": \"3\", ...}} as JSON")
            }
            let body = try await Self.body(request, limit: 16 << 10)
            guard let update = try? JSONDecoder().decode(SettingsUpdate.self, from: body) else {
                throw WebError(.badRequest, "send {\"values\": {\"retention.recentDays\": \"3\", ...}} as JSON: each value a string, or null for the default")
            }
            // The file is read, checked and replaced off the event loop's threads (an fsync on an SD card is slow).
            let result: Result<SettingsChange, WebError> = await Task.detached { () -> Result<SettingsChange, WebError> in
                do throws(WebError) { return .success(try editor.change(update.values)) } catch { return .failure(error) }
            }.value
            let change = try result.get()
            // The Now page's "next to go" follows a new retention policy at once.
            if !change.appliedNow.isEmpty { queueCache.withLock { $0 = nil } }
            if !change.changed.isEmpty {
                logger.notice("settings changed from the web UI", metadata: [
                    "applied": "\(change.appliedNow.joined(separator: ", "))", "atReload": "\(change.atReload.joined(separator: ", "))"])
            }
            return try Reply.json(change)
        }
        add(.post, "/api/reload", .owner) { [self] _, context in
            try editor().reload()
            logger.notice("reload asked from the web UI", metadata: ["client": "\(context.client)"])
            return try Reply.json(ReloadReply(reloading: true, message: "The daemon reloads its config in a few seconds; the car keeps its drive. Log in again afterwards."),
                                  status: .accepted)
        }
    }

    private func editor() throws(WebError) -> any SettingsEditor {
        guard let settingsEditor else { throw WebError(.notFound, "this server has no config file to edit") }
        return settingsEditor
    }
}
