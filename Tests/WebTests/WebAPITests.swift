import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import Web

@Suite("Web API") struct WebAPITests {
    @Test func unauthenticatedRequestsAreRefused() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let clip = try fixture.id("08-02-00-front.mp4")
        try await fixture.server().application().test(.router) { client in
            for uri in ["/api/events", "/api/events/\(clip)", "/api/events/\(clip)/zip", "/api/clips/\(clip)",
                        "/api/clips/\(clip)/telemetry", "/api/clips/\(clip)/info", "/api/recent", "/api/now",
                        "/api/now/stream", "/api/sinks"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            }
            // A cookie the server never issued is no session.
            let forged = try await client.execute(uri: "/api/events", method: .get,
                                                  headers: [.cookie: "teslacam_session=" + String(repeating: "a", count: 64)])
            #expect(forged.status == .unauthorized)
            // The page itself loads (it shows the login form).
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test func loginSetsAStrictHttpOnlyCookieAndIsRateLimited() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        // A stopped clock: the throttle refills one attempt every 12 s, and six PBKDF2 logins of a debug build on a
        // loaded machine can take longer than that.
        try await fixture.server(clock: { 1_000 }).application().test(.router) { client in
            let wrong = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"password":"nope"}"#))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            // A form post (what a cross-site page could send) is not a login.
            let form = try await client.execute(uri: "/api/login", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "password=x"))
            #expect(form.status == .unsupportedMediaType)
            let ok = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                              body: ByteBuffer(string: #"{"password":"\#(WebFixture.password)"}"#))
            #expect(ok.status == .ok)
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.hasPrefix("teslacam_session="))
            // Five attempts a minute per address (the form post was refused before it counted): two so far, three
            // more, then even the right password is refused for a while.
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(string: #"{"password":"nope"}"#))
            }
            let limited = try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"password":"\#(WebFixture.password)"}"#))
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    @Test func stateChangesNeedTheCSRFToken() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let without = try await client.execute(uri: "/api/logout", method: .post, headers: browser.headers)
            #expect(without.status == .forbidden)
            var wrong = browser.headers
            wrong[HTTPField.Name("X-CSRF-Token")!] = String(repeating: "0", count: 64)
            #expect(try await client.execute(uri: "/api/logout", method: .post, headers: wrong).status == .forbidden)
            let sinks = try await client.execute(uri: "/api/sinks/nas/disable", method: .post, headers: browser.headers)
            #expect(sinks.status == .forbidden)
            // Still logged in after the refusals; the token ends the session.
            #expect(try await client.execute(uri: "/api/events", method: .get, headers: browser.headers).status == .ok)
            let with = try await client.execute(uri: "/api/logout", method: .post, headers: browser.changing)
            #expect(with.status == .ok)
            #expect(try await client.execute(uri: "/api/events", method: .get, headers: browser.headers).status == .unauthorized)
        }
    }

    @Test func malformedAndTraversalIDsAreRefused() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            for id in ["abc", "-1", "0", "1.0", "1e3", "0x10", "99999999999999999999", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                       "..%2F..%2Fetc%2Fpasswd", "1%00", "%20"] {
                let response = try await client.execute(uri: "/api/clips/\(id)", method: .get, headers: browser.headers)
                #expect(response.status == .badRequest, "\(id)")
            }
            for uri in ["/api/clips/../../etc/passwd", "/api/clips/1/../../../etc/passwd", "/../etc/passwd",
                        "/api/clips//etc/passwd"] {
                let response = try await client.execute(uri: uri, method: .get, headers: browser.headers)
                #expect(response.status != .ok, "\(uri)")
                #expect(!String(buffer: response.body).contains("root:"), "\(uri)")
            }
            let wrongMethod = try await client.execute(uri: "/api/events", method: .delete, headers: browser.changing)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")
            let missing = try await client.execute(uri: "/api/clips/999999", method: .get, headers: browser.headers)
            #expect(missing.status == .notFound)
            #expect(try await client.execute(uri: "/api/events?limit=0", method: .get, headers: browser.headers).status == .badRequest)
            #expect(try await client.execute(uri: "/api/events?kind=x", method: .get, headers: browser.headers).status == .badRequest)
            #expect(try await client.execute(uri: "/api/recent?before=x", method: .get, headers: browser.headers).status == .badRequest)
        }
    }

    @Test func rangeRequestsReturnExactlyTheBytesAsked() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let path = "TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4"
        let file = try fixture.bytes(path)
        let id = try fixture.id("08-00-00-front.mp4")
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            func get(_ range: String?) async throws -> TestResponse {
                var headers = browser.headers
                if let range { headers[.range] = range }
                return try await client.execute(uri: "/api/clips/\(id)", method: .get, headers: headers)
            }
            let whole = try await get(nil)
            #expect(whole.status == .ok)
            #expect(Array(Data(buffer: whole.body)) == file)
            #expect(whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.contentType] == "video/mp4")
            let n = file.count
            let cases: [(String, Range<Int>)] = [("bytes=0-99", 0..<100), ("bytes=100-", 100..<n), ("bytes=-10", (n - 10)..<n),
                                                  ("bytes=1000-1000", 1000..<1001), ("bytes=\(n - 5)-\(n + 100)", (n - 5)..<n),
                                                  ("bytes=0-", 0..<n), ("bytes=-\(n + 10)", 0..<n)]
            for (header, expected) in cases {
                let response = try await get(header)
                #expect(response.status == .partialContent, "\(header)")
                #expect(Array(Data(buffer: response.body)) == Array(file[expected]), "\(header)")
                #expect(response.headers[.contentRange] == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/\(n)", "\(header)")
                #expect(response.headers[.contentLength] == "\(expected.count)", "\(header)")
            }
            let beyond = try await get("bytes=\(n)-")
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(n)")
            // Not one well-formed byte range: ignored, the whole clip.
            for ignored in ["bytes=0-1,5-9", "items=0-9", "bytes=9-1", "bytes=a-b", "bytes=--1"] {
                let response = try await get(ignored)
                #expect(response.status == .ok, "\(ignored)")
                #expect(Data(buffer: response.body).count == n, "\(ignored)")
            }
            let head = try await client.execute(uri: "/api/clips/\(id)", method: .head, headers: browser.headers)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "\(n)")
        }
    }

    @Test func eventsNewestFirstWithReasonPlaceAndThumb() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let list = try json(try await client.execute(uri: "/api/events", method: .get, headers: browser.headers)) as! [String: Any]
            let items = list["items"] as! [[String: Any]]
            #expect(items.map { $0["name"] as! String } == ["2026-11-20_20-15-33", "2026-11-20_08-02-08"])
            #expect(items[0]["kind"] as? String == "sentry")
            #expect(items[0]["reasonText"] as? String == "Sentry: someone or something came close")
            #expect(items[1]["reasonText"] as? String == "Saved with the dashcam icon")
            #expect(items[1]["city"] as? String == "Palo Alto")
            let thumb = try #require(items[1]["thumb"] as? Int)
            let png = try await client.execute(uri: "/api/clips/\(thumb)", method: .get, headers: browser.headers)
            #expect(png.headers[.contentType] == "image/png")
            #expect(Array(Data(buffer: png.body)) == (try fixture.bytes("TeslaCam/SavedClips/2026-11-20_08-02-08/thumb.png")))
            let sentry = try json(try await client.execute(uri: "/api/events?kind=sentry", method: .get, headers: browser.headers)) as! [String: Any]
            #expect((sentry["items"] as! [[String: Any]]).count == 1)
            // One event: one minute, four cameras in the grid's order, the trigger time from event.json.
            let id = items[1]["id"] as! Int
            let detail = try json(try await client.execute(uri: "/api/events/\(id)", method: .get, headers: browser.headers)) as! [String: Any]
            let segments = detail["segments"] as! [[String: Any]]
            #expect(segments.count == 1)
            #expect((segments[0]["cameras"] as! [[String: Any]]).map { $0["camera"] as! String }
                    == ["front", "back", "left_repeater", "right_repeater"])
            #expect(detail["trigger"] as? Int == 1_795_161_728)  // 2026-11-20T08:02:08
            // The front clip's telemetry: the 1 Hz track the catalog stored.
            let front = try #require(segments[0]["telemetry"] as? Int)
            let telemetry = try json(try await client.execute(uri: "/api/clips/\(front)/telemetry", method: .get,
                                                              headers: browser.headers)) as! [String: Any]
            #expect((telemetry["track"] as! [[Any]]).count > 5)
            #expect((telemetry["frames"] as! Int) > 0)
        }
    }

    @Test func recentClipsByMinuteAndTheirRun() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let page = try json(try await client.execute(uri: "/api/recent", method: .get, headers: browser.headers)) as! [String: Any]
            let minutes = page["items"] as! [[String: Any]]
            #expect(minutes.map { $0["start"] as! Int } == [1_795_161_660, 1_795_161_600])
            let first = try fixture.id("08-00-00-front.mp4")
            let run = try json(try await client.execute(uri: "/api/recent/\(first)", method: .get, headers: browser.headers)) as! [String: Any]
            #expect((run["segments"] as! [[String: Any]]).count == 2)
        }
    }

    @Test func zipDownloadHoldsTheEventsExactBytes() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let id = try fixture.id("SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-back.mp4")
        let zipPath = fixture.directory + "/event.zip"
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let response = try await client.execute(uri: "/api/events/\(id)/zip", method: .get, headers: browser.headers)
            #expect(response.status == .ok)
            let body = Data(buffer: response.body)
            #expect(response.headers[.contentLength] == "\(body.count)")
            try body.write(to: URL(fileURLWithPath: zipPath))
        }
        // Python's zipfile, an independent reader, checks every CRC and gives back each file.
        let expected = fixture.files.filter { $0.hasPrefix("TeslaCam/SavedClips/2026-11-20_08-02-08/") }
        let listing = try run("/usr/bin/env", ["python3", "-c", """
            import sys, zipfile, hashlib
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            for i in z.infolist():
                assert i.compress_type == zipfile.ZIP_STORED
                print(i.filename, hashlib.sha256(z.read(i)).hexdigest())
            """, zipPath])
        var got: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ")
            got[String(parts[0])] = String(parts[1])
        }
        #expect(got.count == expected.count)
        for path in expected {
            let name = "2026-11-20_08-02-08/" + path.split(separator: "/").last!
            let digest = try run("/usr/bin/env", ["sha256sum", fixture.archive + "/" + path]).split(separator: " ")[0]
            #expect(got[name] == String(digest), "\(name)")
        }
    }

    @Test func metricsAreServedFromTheClosure() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: fixture.state, catalog: fixture.catalog,
                               clips: ArchiveClipStore(root: fixture.archive), metrics: { "teslacam_test_metric 42\n" },
                               logger: logger)
        try await server.application().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "teslacam_test_metric 42\n")
        }
        // Without one: the catalog's figures at least.
        try await fixture.server().application().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: response.body).contains("teslacam_catalog_rows \(fixture.files.count)"))
        }
    }

    @Test func theOpenAPISpecNamesEveryRouteAndNoOther() throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: WebFixture.repository
            .appendingPathComponent("docs/openapi.json"))) as! [String: Any]
        var documented: Set<String> = []
        for (path, operations) in spec["paths"] as! [String: [String: Any]] {
            for method in operations.keys where ["get", "post", "put", "delete", "patch", "head"].contains(method) {
                documented.insert(method.uppercased() + " " + path)
            }
        }
        let routes = Set(fixture.server().router().routes)
        #expect(documented == routes, "undocumented: \(routes.subtracting(documented).sorted()); not served: \(documented.subtracting(routes).sorted())")
    }
}

@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ProcessFailed(status: process.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
}

struct ProcessFailed: Error { let status: Int32 }
