import Catalog
import Foundation
import HummingbirdTesting
import Logging
import Testing
import Volume
@testable import Web

/// The event list's server time over a catalog of 10,000 clips (250 events of 36 clips, event.json and thumb.png
/// each, plus RecentClips). Prints the figure for docs/BENCHMARKS.md; asserts only what the list says, never a time.
/// Filling the catalog takes minutes (one transaction per harvest event), so it runs only when asked:
/// `TESLACAM_WEB_BENCH=1 swift test --skip-build --filter WebBenchmarkTests`.
@Suite("Web benchmark", .enabled(if: ProcessInfo.processInfo.environment["TESLACAM_WEB_BENCH"] != nil,
                                 "set TESLACAM_WEB_BENCH=1 to fill a 10,000-clip catalog and time the event list"))
struct WebBenchmarkTests {
    @Test func eventListOverTenThousandClips() async throws {
        let directory = NSTemporaryDirectory() + "teslacam-web-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let archive = directory + "/archive", state = directory + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let catalog = try ClipCatalog(path: state + "/catalog.sqlite", archiveRoot: archive, logger: logger)
        var events: [HarvestEvent] = []
        let cameras = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]
        for e in 0..<250 {
            let kind = e % 2 == 0 ? "SentryClips" : "SavedClips"
            let name = String(format: "2026-%02d-%02d_%02d-%02d-00", 1 + e / 28 % 12, 1 + e % 28, e % 24, e % 60)
            let folder = "TeslaCam/\(kind)/\(name)"
            try FileManager.default.createDirectory(atPath: archive + "/" + folder, withIntermediateDirectories: true)
            let json = #"{"timestamp":"2026-01-01T00:00:00","city":"Oslo","street":"Karl Johans gate","reason":"sentry_aware_object_detection","camera":"0"}"#
            try Data(json.utf8).write(to: URL(fileURLWithPath: archive + "/" + folder + "/event.json"))
            events.append(HarvestEvent(kind: .created, archivePath: folder + "/event.json", carPath: folder + "/event.json", size: UInt64(json.utf8.count)))
            events.append(HarvestEvent(kind: .created, archivePath: folder + "/thumb.png", carPath: folder + "/thumb.png", size: 4454))
            for minute in 0..<6 {
                for camera in cameras {
                    let clip = folder + "/\(name.dropLast(5))\(String(format: "%02d", minute))-00-\(camera).mp4"
                    events.append(HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 30 << 20))
                }
            }
        }
        for i in 0..<(10_000 - events.count) {
            let clip = "TeslaCam/RecentClips/2026-12-01_00-\(String(format: "%05d", i))-front.mp4"
            events.append(HarvestEvent(kind: .created, archivePath: clip, carPath: clip, size: 30 << 20))
        }
        catalog.apply(events)
        #expect(try catalog.clipCount() == 10_000)
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: state, catalog: catalog,
                               clips: ArchiveClipStore(root: archive), logger: logger)
        try PasswordHash(password: "benchmark password", rounds: 1000).save(state: state)
        try await server.application().test(.router) { client in
            let browser = try await Browser.login(client, password: "benchmark password")
            var times: [Double] = []
            for _ in 0..<20 {
                let start = ContinuousClock.now
                let response = try await client.execute(uri: "/api/events", method: .get, headers: browser.headers)
                let elapsed = ContinuousClock.now - start
                times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                let page = try json(response) as! [String: Any]
                #expect((page["items"] as! [Any]).count == 30)
                #expect(page["next"] is String)
            }
            times.sort()
            print("web benchmark: GET /api/events (first page of 30) over 10,000 catalog rows: median \(String(format: "%.1f", times[10])) ms, max \(String(format: "%.1f", times.last!)) ms (20 requests, in process)")
        }
    }
}
