import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Volume
@testable import Web

/// A catalog made from `fixtures/clips` (two RecentClips minutes, a Saved event with four cameras and telemetry,
/// a six-camera Sentry event), harvested the way the daemon's events describe them, and a password.
struct WebFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let password = "correct horse battery"

    let directory: String
    let state: String
    let archive: String
    let catalog: ClipCatalog
    let files: [String]

    init() throws {
        directory = NSTemporaryDirectory() + "teslacam-web-\(UUID().uuidString)"
        state = directory + "/state"
        archive = directory + "/archive"
        let fm = FileManager.default
        try fm.createDirectory(atPath: state, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: archive, withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.repository.path + "/fixtures/clips/TeslaCam", toPath: archive + "/TeslaCam")
        var files: [String] = []
        let enumerator = fm.enumerator(atPath: archive)!
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: archive + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        self.files = files.sorted()
        var logger = Logger(label: "web-test")
        logger.logLevel = .warning
        catalog = try ClipCatalog(path: state + "/catalog.sqlite", archiveRoot: archive, logger: logger)
        var events: [HarvestEvent] = []
        for path in self.files {
            let size = try (fm.attributesOfItem(atPath: archive + "/" + path)[.size] as! NSNumber).uint64Value
            events.append(HarvestEvent(kind: .created, archivePath: path, carPath: path, size: size))
            events.append(HarvestEvent(kind: .complete, archivePath: path, carPath: path, size: size))
        }
        catalog.apply(events)
        // Few rounds: the tests check the format and the comparison, not the cost.
        try PasswordHash(password: Self.password, rounds: 1000).save(state: state)
    }

    func server(clock: @escaping @Sendable () -> Double = WebServer.monotonicSeconds, tls: WebTLS? = nil) -> WebServer {
        var logger = Logger(label: "web-test")
        logger.logLevel = .critical
        return WebServer(settings: WebSettings(host: "127.0.0.1", port: 0, tls: tls), state: state, catalog: catalog,
                         clips: ArchiveClipStore(root: archive), logger: logger, clock: clock)
    }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: archive + "/" + path))) }

    func id(_ suffix: String) throws -> Int64 {
        try catalog.clips().first { $0.path.hasSuffix(suffix) }!.id!
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A logged-in browser: its cookie and CSRF token.
struct Browser {
    var cookie: String
    var csrf: String

    var headers: HTTPFields { [.cookie: cookie] }
    var changing: HTTPFields { [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf] }

    static func login(_ client: some TestClientProtocol, password: String = WebFixture.password) async throws -> Browser {
        let response = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"password":"\#(password)"}"#))
        guard response.status == .ok, let setCookie = response.headers[.setCookie],
              let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any],
              let csrf = json["csrf"] as? String else { throw LoginFailed(status: response.status.code) }
        return Browser(cookie: String(setCookie.split(separator: ";")[0]), csrf: csrf)
    }

    struct LoginFailed: Error { let status: Int }
}

extension Data {
    init(buffer: ByteBuffer?) {
        guard var buffer else { self.init(); return }
        self.init(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }
}

func json(_ response: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: response.body)) }
