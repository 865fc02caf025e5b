import Catalog
import Foundation
import Outbound
import Sinks
import Testing
import Volume

/// The durable queue as the catalog keeps it: jobs from transitions, their order, rewrites, moves, evictions.
@Suite struct QueueTests {
    static let routes = Routes([.sentry: ["nas", "cloud"], .saved: ["nas"], .recent: ["nas"], .alerts: ["phone"]])

    @Test func completeFilesBecomeOneJobPerRoutedSink() throws {
        let rig = try CarRig(routes: Self.routes)
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let nas = try rig.catalog.openJobs("nas")
        let cloud = try rig.catalog.openJobs("cloud")
        #expect(nas.count == 5, "four sentry files and one recent clip")
        #expect(cloud.count == 4, "cloud takes sentry only")
        #expect(Set(cloud.map(\.kind)) == [.sentry])
        for job in nas {
            let row = try #require(try rig.catalog.clip(path: job.path!))
            #expect(job.sha256 == row.sha256 && job.size == row.size)
        }
        // Playing again changes nothing: a job per (file, sink), not per event seen.
        rig.play()
        #expect(try rig.catalog.openJobs("nas").count == 5)
    }

    @Test func sentryGoesFirstAndWithinAnEventTheDescriptionAndThumbnail() throws {
        let rig = try CarRig(routes: Self.routes)
        // The recent clip is older: still, the event goes first.
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 1)
        rig.play()
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        var order: [String] = []
        while let job = try rig.catalog.nextJob(sink: "nas") {
            order.append((job.path! as NSString).lastPathComponent)
            #expect(try rig.catalog.markDelivered(job, sentBytes: job.size))
        }
        #expect(order.count == 5)
        #expect(Array(order.prefix(2)) == ["event.json", "thumb.png"])
        #expect(Set(order.dropFirst(2).prefix(2)) == ["2026-11-25_10-00-00-front.mp4", "2026-11-25_10-00-00-back.mp4"])
        #expect(order.last == "2026-11-25_09-00-00-front.mp4")
        let status = try rig.catalog.sinkStatus("nas")
        #expect(status.delivered == 5 && status.lastSuccessAt != nil)
        #expect(status.sentBytes == (try rig.catalog.jobs(sink: "nas").reduce(0) { $0 + $1.size }))
    }

    @Test func aRewriteRequeuesTheFinalBytesAndAStaleDeliveryIsNotAcknowledged() throws {
        let rig = try CarRig(routes: Self.routes)
        let id = rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 1)
        rig.play()
        let before = try #require(try rig.catalog.nextJob(sink: "nas"))
        // The muxer seeks back and rewrites the mdat size: new bytes, same size.
        rig.car.overwrite(id, at: 0, with: [0, 0, 0x30, 0x00])
        rig.play()
        let after = try #require(try rig.catalog.nextJob(sink: "nas"))
        #expect(after.id == before.id)
        #expect(after.sha256 != before.sha256)
        let row = try #require(try rig.catalog.clip(path: after.path!))
        #expect(after.sha256 == row.sha256)
        // A delivery of the old bytes finishing now is not what is wanted.
        #expect(try !rig.catalog.markDelivered(before, sentBytes: 100))
        #expect(try rig.catalog.openJobs("nas").count == 1)
        #expect(try rig.catalog.markDelivered(after, sentBytes: 100))
        #expect(try rig.catalog.openJobs("nas").isEmpty)
    }

    @Test func aSavedRecentClipBecomesASavedRecordAndItsRecentJobIsCancelled() throws {
        let routes = Routes([.saved: ["cloud"], .recent: ["nas"]])
        let rig = try CarRig(routes: routes)
        let id = rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 1)
        rig.play()
        #expect(try rig.catalog.openJobs("nas").count == 1)
        let event = rig.car.makeDirectory("2026-11-25_09-05-00", in: rig.saved)
        rig.car.move(id, to: event, name: "2026-11-25_09-00-00-front.mp4")
        rig.play()
        #expect(try rig.catalog.openJobs("nas").isEmpty)
        #expect(try rig.catalog.jobs(sink: "nas").first?.state == .cancelled)
        let saved = try rig.catalog.openJobs("cloud")
        #expect(saved.map(\.path) == ["TeslaCam/SavedClips/2026-11-25_09-05-00/2026-11-25_09-00-00-front.mp4"])
        #expect(saved.first?.kind == .saved)
    }

    @Test func retentionSeesWhatIsPendingAndEvictionCancelsIt() throws {
        let rig = try CarRig(routes: Self.routes)
        rig.sentryEvent("2026-11-25_10-00-00", cameras: ["front"])
        rig.play()
        let clip = "TeslaCam/SentryClips/2026-11-25_10-00-00/2026-11-25_10-00-00-front.mp4"
        #expect(try rig.catalog.pendingSinksByPath()[clip] == ["cloud", "nas"])
        let job = try #require(try rig.catalog.openJobs("nas").first { $0.path == clip })
        try rig.catalog.markDelivered(job, sentBytes: job.size)
        #expect(try rig.catalog.pendingSinksByPath()[clip] == ["cloud"])
        try rig.catalog.recordEviction(path: clip, reason: "test")
        #expect(try rig.catalog.pendingSinksByPath()[clip] == nil)
        #expect(try rig.catalog.jobs(sink: "cloud").first { $0.path == clip }?.state == .cancelled)
    }

    @Test func jobsSurviveAReopenedCatalogAndMissingOnesAreQueued() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.play()
        let reopened = try ClipCatalog(path: rig.catalogPath, archiveRoot: rig.archive, logger: quietLogger,
                                       routes: Routes([.recent: ["nas", "usb"]]))
        #expect(try reopened.openJobs("nas").count == 1)
        // A sink added later gets what the archive already holds; one already queued is not queued twice.
        #expect(try reopened.queueMissingJobs() == 1)
        #expect(try reopened.queueMissingJobs() == 0)
        #expect(try reopened.openJobs("usb").count == 1)
    }

    @Test func alertsGoToTheAlertsRoute() throws {
        let rig = try CarRig(routes: Self.routes)
        try rig.catalog.queueAlert(["alert": "sink stopped", "sink": "nas"])
        let job = try #require(try rig.catalog.nextJob(sink: "phone"))
        #expect(job.kind == .alerts && job.path == nil)
        #expect(job.payload?.contains("sink stopped") == true)
    }

    @Test func switchesAndRetryAreKept() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.play()
        let job = try #require(try rig.catalog.nextJob(sink: "nas"))
        try rig.catalog.markFailed(job, error: "down", retryAt: Date().timeIntervalSince1970 + 3600, sentBytes: 10)
        #expect(try rig.catalog.nextJob(sink: "nas") == nil, "backing off")
        try rig.catalog.stopSink("nas", reason: "bad key")
        try rig.catalog.setSink("nas", enabled: false)
        let control = SinkControl(catalog: rig.catalog, sinks: [FolderSink(name: "nas", root: rig.root)])
        var status = try #require(try control.status().first)
        #expect(status.status.stopped == "bad key" && !status.status.enabled)
        #expect(status.depth == [.recent: 1])
        #expect(try control.retry("nas") == 1)
        try control.setEnabled("nas", true)
        status = try #require(try control.status().first)
        #expect(status.status.stopped == nil && status.status.enabled)
        #expect(try rig.catalog.nextJob(sink: "nas")?.attempts == 0)
        #expect(throws: SinkControl.Failure.self) { try control.retry("nope") }
    }
}
