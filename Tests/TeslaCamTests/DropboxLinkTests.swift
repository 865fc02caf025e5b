import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Sinks
import Testing
import Web
@testable import teslacam

/// "Link Dropbox" on the Settings page against the Dropbox stand-in (scripts/peers/dropbox-standin.py): a sink
/// configured before it was linked starts (stopped for want of a token, in words), the page's address is opened as
/// the owner's browser would, the code pasted back, and the sink then uploads on the saved token, no restart.
@Suite(.serialized) struct DropboxLinkTests {
    @Test func aSinkNotLinkedYetStartsAndIsLinkedFromThePage() async throws {
        let scratch = NSTemporaryDirectory() + "teslacam-link-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let standin = try DropboxStandin(root: scratch + "/root")
        defer { standin.stop() }
        let url = standin.url
        let tokenFile = scratch + "/etc/dropbox.token"
        let config = try Configuration.parse(Data("""
            { "sinks": {
                "box": { "type": "dropbox", "appKey": "app-key", "refreshTokenFile": "\(tokenFile)", "apiURL": "\(url)",
                         "contentURL": "\(url)", "authorizeURL": "\(url)/oauth2/authorize" },
                "nas": { "type": "folder", "path": "\(scratch)/nas" } },
              "routes": { "sentry": ["box"] } }
            """.utf8))
        // Not linked yet: the daemon's sinks are built all the same, and the Dropbox one says what to do.
        let box = try #require(try SinkFactory.setups(config, state: scratch + "/state").first { $0.sink.name == "box" }?.sink)
        do { try box.check(); Issue.record("an unlinked sink worked") } catch {
            #expect("\(error)".contains("not linked to Dropbox yet") && "\(error)".contains("Link Dropbox"), "\(error)")
        }

        var logger = Logger(label: "link-test")
        logger.logLevel = .critical
        let catalog = try ClipCatalog(path: scratch + "/catalog.sqlite", archiveRoot: scratch, logger: logger)
        try WebOwner.setPassword(state: scratch)
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: scratch, catalog: catalog,
                               clips: ArchiveClipStore(root: scratch), dropboxLinking: DropboxLinker.make(config), logger: logger)
        try await server.application().test(.router) { client in
            #expect(try await client.execute(uri: "/api/dropbox", method: .get).status == .unauthorized)
            let owner = try await WebOwner.login(client)
            let (reading, changing) = (owner.reading, owner.changing)
            func accounts() async throws -> [DropboxAccount] {
                let response = try await client.execute(uri: "/api/dropbox", method: .get, headers: reading)
                return try JSONDecoder().decode([DropboxAccount].self, from: Data(buffer: response.body))
            }
            #expect(try await accounts() == [DropboxAccount(name: "box", linked: false, problem: nil)])
            func paste(_ code: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/dropbox/box/code", method: .post, headers: changing,
                                         body: ByteBuffer(string: #"{"code": "\#(code)"}"#))
            }
            // A code before any address was handed out has no verifier to go with.
            #expect(try await paste("anything").status == .conflict)
            #expect(try await client.execute(uri: "/api/dropbox/box/authorize", method: .post, headers: reading).status == .forbidden,
                    "no CSRF token")
            #expect(try await client.execute(uri: "/api/dropbox/nas/authorize", method: .post, headers: changing).status == .notFound)
            let begun = try await client.execute(uri: "/api/dropbox/box/authorize", method: .post, headers: changing)
            #expect(begun.status == .ok)
            let address = try #require((try JSONSerialization.jsonObject(with: Data(buffer: begun.body)) as? [String: Any])?["url"] as? String)
            #expect(address.hasPrefix(url + "/oauth2/authorize?") && address.contains("code_challenge="))
            // The owner's browser: Dropbox's page shows the code.
            let page = try DropboxLoginCommandTests().run(["curl", "-sf", address]).output
            let start = try #require(page.range(of: "value=\""))
            let code = String(page[start.upperBound..<page[start.upperBound...].firstIndex(of: "\"")!])
            let wrong = try await paste("not-the-code")
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("Dropbox refused the code"), "\(String(buffer: wrong.body))")
            let linked = try await paste(code)
            #expect(linked.status == .ok, "\(String(buffer: linked.body))")
            #expect(String(buffer: linked.body).contains("uploads to box start now"))
            #expect(try await accounts() == [DropboxAccount(name: "box", linked: true, problem: nil)])
        }
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The same sink object, built before the link, now works: the token is read when needed.
        try box.check()
    }
}
