import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import Web

/// scripts/peers/dropbox-standin.py on a free port until `stop`: Dropbox's authorize page, PKCE token exchange and
/// upload API, as published.
final class DropboxStandin {
    static let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers").path
    private let process = Process()
    /// `http://127.0.0.1:PORT`.
    let url: String

    /// `root`: where uploads land (must exist); the stand-in knows the app by `appKey` and grants `refreshToken`.
    init(root: String, appKey: String = "app-key", refreshToken: String = "unused") throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.peers + "/dropbox-standin.py", root, appKey, refreshToken]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var portLine = [UInt8]()
        while let byte = try pipe.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0a { portLine.append(byte) }
        url = "http://127.0.0.1:" + String(decoding: portLine, as: UTF8.self)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The owner of a web server under test: the password saved in its state directory, a session from `/api/login`.
struct WebOwner {
    static let password = "a long test password"
    var cookie: String
    var csrf: String

    /// For GETs, and for a state change sent without the CSRF token.
    var reading: HTTPFields { [.cookie: cookie] }
    /// For a state change with a JSON body, as the page sends it.
    var changing: HTTPFields { [.cookie: cookie, .contentType: "application/json", HTTPField.Name("X-CSRF-Token")!: csrf] }

    /// Few rounds: the tests check the routes, not the hash's cost.
    static func setPassword(state: String) throws {
        try PasswordHash(password: password, rounds: 1000).save(state: state)
    }

    static func login(_ client: some TestClientProtocol) async throws -> WebOwner {
        let login = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(string: #"{"password":"\#(password)"}"#))
        let cookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        let csrf = try #require((try JSONSerialization.jsonObject(with: Data(buffer: login.body)) as? [String: Any])?["csrf"] as? String)
        return WebOwner(cookie: cookie, csrf: csrf)
    }
}
