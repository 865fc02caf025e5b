import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// The webhook against Python's http.server on loopback; the logger through its line writer.
@Suite struct WebhookAndLoggerTests {
    @Test func anEventIsOnePostWithWhatTheCarSaidAndRetriesHonourRetryAfter() throws {
        // First a 503 asking for a 1 s pause, then success.
        let peer = try WebhookPeer(statuses: ["503:1", "200"])
        let rig = try CarRig(routes: Routes([.sentry: ["phone"]]))
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: WebhookSink(name: "phone", url: peer.url, token: "s3cret"))])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("phone").isEmpty })
        uploader.stop()
        let posts = peer.posts
        #expect(posts.map(\.status) == [503, 200], "only event.json is posted, once more after the 503")
        let body = try #require(posts.last?.body)
        #expect(body["kind"] as? String == "sentry")
        #expect(body["event"] as? String == "SentryClips/2026-11-25_10-00-00")
        #expect(body["title"] as? String == "Sentry event in Berlin, Unter den Linden: sentry_aware_object_detection")
        let event = try #require(body["eventJSON"] as? [String: Any])
        #expect(event["city"] as? String == "Berlin")
        #expect(event["latitude"] as? Double == 52.517)
        #expect(posts.last?.authorization == "Bearer s3cret")
        // The retry waited for the Retry-After: the job's failure was scheduled a second out.
        let job = try #require(try rig.catalog.jobs(sink: "phone").first { $0.path?.hasSuffix("event.json") == true })
        #expect(job.attempts == 1 && job.state == .done)
        #expect(job.lastError == nil)
    }

    @Test func aRefusedTokenStopsTheSinkInsteadOfRetrying() throws {
        let peer = try WebhookPeer(statuses: ["401"])
        let rig = try CarRig(routes: Routes([.sentry: ["phone"]]))
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: WebhookSink(name: "phone", url: peer.url, token: "wrong"))])
        uploader.start()
        #expect(try eventually { try rig.catalog.sinkStatus("phone").stopped != nil })
        Thread.sleep(forTimeInterval: 0.3)
        uploader.stop()
        #expect(peer.posts.count == 1, "no retry storm")
        let status = try rig.catalog.sinkStatus("phone")
        #expect(status.stopped == "the webhook \(peer.url) answered 401 (unauthorized): check its token (tokenFile or tokenEnv)")
        #expect(status.stopped?.contains("wrong") == false, "the token is never shown")
        #expect(try rig.catalog.openJobs("phone").count == 4, "jobs wait for the owner's retry")
    }

    @Test func aServerThatIsDownIsRetriedAndTheTestSaysSo() throws {
        let url = "http://127.0.0.1:\(freePort())/hook"
        let problem = try SinkControl(catalog: try CarRig(routes: Routes()).catalog,
                                  sinks: [WebhookSink(name: "phone", url: url)]).test("phone") as SinkError?
        #expect(problem?.isPermanent == false)
        #expect(problem?.description.contains("cannot reach \(url)") == true, "\(String(describing: problem))")
        let peer = try WebhookPeer()
        try WebhookSink(name: "phone", url: peer.url).check()
        #expect(peer.posts.first?.body["kind"] as? String == "test")
    }

    @Test func statusesMeanWhatTheySay() {
        #expect(WebhookSink.failure(status: 204, retryAfter: nil, url: "http://h/x") == nil)
        #expect(WebhookSink.failure(status: 429, retryAfter: 7, url: "http://h/x") == .transient("the webhook http://h/x answered 429: busy", retryAfter: 7))
        #expect(WebhookSink.failure(status: 502, retryAfter: nil, url: "http://h/x")?.isPermanent == false)
        #expect(WebhookSink.failure(status: 404, retryAfter: nil, url: "http://h/x")?.isPermanent == true)
        #expect(WebhookSink.failure(status: 403, retryAfter: nil, url: "http://u:p@h/x?token=t")?.description.contains("p@") == false)
    }

    @Test func theLoggerWritesOneJSONLinePerRecord() throws {
        let rig = try CarRig(routes: Routes([.recent: ["stdout"], .sentry: ["stdout"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00", cameras: ["front"])
        rig.play()
        let lines = Lines()
        let uploader = rig.uploader([SinkSetup(sink: LoggerSink(name: "stdout", write: { lines.append($0) }))])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("stdout").isEmpty })
        uploader.stop()
        let records = lines.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 4)
        #expect(records.first?["path"] as? String == "TeslaCam/SentryClips/2026-11-25_10-00-00/event.json")
        #expect(records.last?["kind"] as? String == "recent")
        let recent = try #require(try rig.catalog.clip(path: "TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4"))
        #expect(records.last?["sha256"] as? String == recent.sha256)
    }
}
