import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import Web

/// Now's "next to go": what retention would take next, asked through the daemon's closure, at most every 30 s.
@Suite("Eviction queue on Now") struct EvictionQueueTests {
    @Test func nowCarriesRetentionsQueueAskedAtMostEveryThirtySeconds() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let asked = Mutex(0)
        let time = Mutex(1_000.0)
        let queue = [
            NowFigures.NextEviction(path: "TeslaCam/RecentClips/2026-11-30_08-00-00-front.mp4", kind: "recent", size: 31_000_000,
                                    recordedAt: 1_764_489_600, reason: "due at the next pass: older than 2 days", notUploaded: false),
            NowFigures.NextEviction(path: "TeslaCam/SentryClips/e/2026-11-30_09-00-00-back.mp4", kind: "sentry", size: 29_000_000,
                                    recordedAt: 1_764_493_200, reason: "only when nothing else is left: NOT uploaded to nas", notUploaded: true),
        ]
        var logger = Logger(label: "web-test")
        logger.logLevel = .critical
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: fixture.state, catalog: fixture.catalog,
                               clips: ArchiveClipStore(root: fixture.archive),
                               evictionQueue: { asked.withLock { $0 += 1 }; return queue }, logger: logger,
                               clock: { time.withLock { $0 } })
        try await server.application().test(.router) { client in
            let browser = try await Browser.login(client)
            func now() async throws -> [String: Any] {
                let response = try await client.execute(uri: "/api/now", method: .get, headers: browser.headers)
                return try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            }
            let first = try await now()
            let next = first["nextEvictions"] as? [[String: Any]] ?? []
            #expect(next.map { $0["path"] as? String } == queue.map(\.path))
            #expect(next.map { $0["notUploaded"] as? Bool } == [false, true])
            #expect(next.first?["size"] as? Int == 31_000_000 && next.first?["reason"] as? String == queue[0].reason)
            _ = try await now()
            time.withLock { $0 += 29 }
            _ = try await now()
            #expect(asked.withLock { $0 } == 1, "cached within 30 s")
            time.withLock { $0 += 2 }
            _ = try await now()
            #expect(asked.withLock { $0 } == 2, "asked again after 30 s")
        }
        // Without retention (a server over a catalog alone) the key is absent, not an empty list.
        try await fixture.server().application().test(.router) { client in
            let browser = try await Browser.login(client)
            let response = try await client.execute(uri: "/api/now", method: .get, headers: browser.headers)
            let figures = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(figures["nextEvictions"] == nil)
        }
    }
}
