import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
@testable import Web

/// The password change (CSRF, the current password, other sessions ended) and the events' day filter.
@Suite("Settings and filters") struct SettingsAPITests {
    @Test func thePasswordChangesWithTheCurrentOneAndCSRFAndLogsOthersOut() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        // A clock 13 s further at each look: the login throttle (5 at once, one more each 12 s) never bites here.
        let ticks = Mutex(0.0)
        let clock: @Sendable () -> Double = { ticks.withLock { $0 += 13; return $0 } }
        try await fixture.server(clock: clock).application().test(.router) { client in
            let browser = try await Browser.login(client)
            let other = try await Browser.login(client)
            func change(_ current: String, _ new: String, headers: HTTPFields) async throws -> TestResponse {
                var headers = headers
                headers[.contentType] = "application/json"
                let body = try JSONSerialization.data(withJSONObject: ["current": current, "new": new])
                return try await client.execute(uri: "/api/password", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            #expect(try await change(WebFixture.password, "a new long password", headers: browser.headers).status == .forbidden, "no CSRF token")
            #expect(try await change("not the password", "a new long password", headers: browser.changing).status == .forbidden)
            #expect(try await change(WebFixture.password, "short", headers: browser.changing).status == .badRequest)
            let done = try await change(WebFixture.password, "a new long password", headers: browser.changing)
            #expect(done.status == .ok)
            // This browser stays in; the other is logged out; the old password no longer works, the new one does.
            #expect(try await client.execute(uri: "/api/now", method: .get, headers: browser.headers).status == .ok)
            #expect(try await client.execute(uri: "/api/now", method: .get, headers: other.headers).status == .unauthorized)
            await #expect(throws: Browser.LoginFailed.self) { _ = try await Browser.login(client) }
            _ = try await Browser.login(client, password: "a new long password")
        }
    }

    @Test func eventsOfOneDay() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            func names(_ query: String) async throws -> [String] {
                let page = try json(try await client.execute(uri: "/api/events?" + query, method: .get, headers: browser.headers)) as! [String: Any]
                return (page["items"] as! [[String: Any]]).map { $0["name"] as! String }
            }
            #expect(try await names("date=2026-11-20").count == 2)
            #expect(try await names("date=2026-11-20&kind=sentry").count == 1)
            #expect(try await names("date=2026-11-21").isEmpty)
            #expect(try await names("date=2026-11-19").isEmpty)
            // One a page: the day's second event comes on the next page, then nothing of another day.
            let first = try json(try await client.execute(uri: "/api/events?date=2026-11-20&limit=1", method: .get, headers: browser.headers)) as! [String: Any]
            let next = try #require(first["next"] as? String)
            #expect(try await names("date=2026-11-20&limit=1&before=" + next).count == 1)
            for bad in ["date=2026-1-20", "date=yesterday", "date=2026-11-20x"] {
                #expect(try await client.execute(uri: "/api/events?" + bad, method: .get, headers: browser.headers).status == .badRequest)
            }
        }
    }
}
