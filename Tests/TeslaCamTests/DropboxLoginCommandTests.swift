import Foundation
import Outbound
import Sinks
import Testing
@testable import teslacam

/// `teslacam sinks login NAME`'s logic against the Dropbox stand-in (scripts/peers/dropbox-standin.py): the URL it
/// prints is opened as a browser would, the code on the page is pasted, and the refresh token lands in the sink's
/// refreshTokenFile (0600), where the configured sink then finds it.
@Suite(.serialized) struct DropboxLoginCommandTests {
    let scratch = NSTemporaryDirectory() + "teslacam-login-\(UUID().uuidString)"
    /// Runs a command to completion; its status and standard output.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theCodeFromThePrintedAddressBecomesTheSinksRefreshToken() throws {
        try FileManager.default.createDirectory(atPath: scratch + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let standin = try DropboxStandin(root: scratch + "/root", refreshToken: "unused-refresh")
        defer { standin.stop() }
        let url = standin.url
        let tokenFile = scratch + "/etc/dropbox.token"
        let config = try Configuration.parse(Data("""
            { "sinks": {
                "box": { "type": "dropbox", "appKey": "app-key", "refreshTokenFile": "\(tokenFile)", "apiURL": "\(url)",
                         "contentURL": "\(url)", "prefix": "model3" },
                "nas": { "type": "folder", "path": "\(scratch)/nas" } },
              "routes": { "sentry": ["box"] } }
            """.utf8))

        var said: [String] = []
        let grant = try DropboxLogin.run(config, name: "box", authorizeEndpoint: url + "/oauth2/authorize", readCode: {
            // The owner's browser: open the printed address, copy the code off the page.
            guard let address = said.first(where: { $0.hasPrefix("   http") })?.trimmingCharacters(in: .whitespaces),
                  let page = try? run(["curl", "-sf", address]).output,
                  let start = page.range(of: "value=\""), let end = page[start.upperBound...].firstIndex(of: "\"") else { return nil }
            return String(page[start.upperBound..<end])
        }, say: { said.append($0) })
        #expect(said.last?.contains(tokenFile) == true && said.last?.contains("0600") == true, "\(said)")
        #expect(said.joined().contains(grant.refreshToken) == false, "the token itself is never printed")
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The configured sink now runs on it: the online check writes and removes a probe.
        let box = try #require(try SinkFactory.setups(config, state: scratch + "/state").first { $0.sink.name == "box" })
        try box.sink.check()

        #expect(throws: CommandFailure.self) {
            try DropboxLogin.run(config, name: "nas", readCode: { "x" }, say: { _ in })
        }
        #expect(throws: CommandFailure.self) {
            try DropboxLogin.run(config, name: "nope", readCode: { "x" }, say: { _ in })
        }
        // An empty paste is a sentence, not a request.
        #expect(throws: CommandFailure.self) {
            try DropboxLogin.run(config, name: "box", authorizeEndpoint: url + "/oauth2/authorize", readCode: { "" }, say: { _ in })
        }
    }
}
