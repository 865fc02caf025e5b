import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// Clips the car writes through the engine arrive in a folder byte for byte, once, whatever happens on the way.
@Suite struct FolderSinkTests {
    @Test func clipsArriveByteIdenticalUnderThePrefix() throws {
        let rig = try CarRig(routes: Routes([.sentry: ["nas"], .recent: ["nas"]]))
        let nas = Scratch("nas")
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 1_000_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: nas.path, prefix: "model3/"),
                                               prefix: "model3/")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        let expected = try rig.routedArchiveFiles()
        #expect(expected.count == 5)
        let remote = filesUnder(nas.path)
        #expect(remote.count == expected.count, "no temporary names left: \(remote.keys.sorted())")
        for (path, bytes) in expected {
            #expect(remote["model3/" + path] == bytes, "\(path)")
        }
        #expect(uploader.statistics["nas"]?.delivered == 5)
        #expect(try rig.catalog.sinkStatus("nas").sentBytes == expected.values.reduce(0) { $0 + Int64($1.count) })
    }

    @Test func aFolderThatAppearsLaterStillGetsEverything() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        let scratch = Scratch("nas-later")
        let mount = scratch.path + "/mnt"
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 300_000, seed: 1)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: mount))])
        uploader.start()
        // The NAS is not mounted: the job fails, transiently, and waits.
        #expect(try eventually { try rig.catalog.openJobs("nas").first?.attempts ?? 0 >= 2 })
        let status = try rig.catalog.sinkStatus("nas")
        #expect(status.stopped == nil)
        #expect(status.lastError?.contains("is the NAS mounted?") == true)
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        #expect(filesUnder(mount) == (try rig.routedArchiveFiles()))
    }

    /// A delivery cut short by a stop leaves its job pending and no file under the final name; the next uploader
    /// (the daemon restarted) delivers it, and a file delivered but not acknowledged is verified, not copied again.
    @Test func aStopMidCopyResumesOnRestartAndEachFileArrivesOnce() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        let nas = Scratch("nas-restart")
        // One after the other, so the big clip's job comes first.
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 2_000_000, seed: 1)
        rig.play()
        rig.clip("2026-11-25_09-01-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 2)
        rig.play()
        // 1 MB/s: the first clip takes two seconds, so the stop lands in the middle of it.
        let slow = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: nas.path), bytesPerSecond: 1_000_000)])
        slow.start()
        #expect(eventually { filesUnder(nas.path).keys.contains { $0.hasSuffix(".teslacam-partial") } })
        slow.stop()
        #expect(try rig.catalog.openJobs("nas").count == 2, "nothing acknowledged that was not verified")
        #expect(!filesUnder(nas.path).keys.contains { $0.hasSuffix(".teslacam-partial") }, "the partial copy is removed")

        // One file reached its final name before the daemon died, unacknowledged.
        let expected = try rig.routedArchiveFiles()
        let second = "TeslaCam/RecentClips/2026-11-25_09-01-00-front.mp4"
        try FileManager.default.createDirectory(atPath: nas.path + "/TeslaCam/RecentClips", withIntermediateDirectories: true)
        try expected[second]!.write(to: URL(fileURLWithPath: nas.path + "/" + second))
        let restarted = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: nas.path))])
        restarted.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        restarted.stop()
        #expect(filesUnder(nas.path) == expected)
        let done = try rig.catalog.jobs(sink: "nas").filter { $0.state == .done }
        #expect(done.count == 2, "each file acknowledged once")
        // The verified-in-place file cost no bytes on the second run.
        #expect(done.first { $0.path == second }?.sentBytes == 0)
    }

    @Test func theBandwidthLimitHolds() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        let nas = Scratch("nas-bw")
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 3_000_000, seed: 1)
        rig.play()
        // The overall limit (2 MB/s) is tighter than the sink's (4 MB/s).
        let throttle = Throttle(bytesPerSecond: 2_000_000, whileRecording: .full, carIsWriting: { false })
        let uploader = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: nas.path), bytesPerSecond: 4_000_000)],
                                    throttle: throttle)
        let started = Date()
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        let seconds = Date().timeIntervalSince(started)
        uploader.stop()
        // 3 MB at 2 MB/s less the quarter-second burst: at least 1.25 s. (Only a lower bound: a slow machine
        // is never faster than the limit.)
        #expect(seconds >= 1.2, "took \(seconds) s")
    }

    @Test func pauseWhileRecordingHoldsTheTransferUntilTheCarStops() throws {
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        let nas = Scratch("nas-pause")
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.play()
        let recording = Recording()
        recording.set(true)
        let throttle = Throttle(bytesPerSecond: nil, whileRecording: .pause, carIsWriting: { recording.value })
        let uploader = rig.uploader([SinkSetup(sink: FolderSink(name: "nas", root: nas.path))], throttle: throttle)
        uploader.start()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(filesUnder(nas.path).values.allSatisfy { $0.isEmpty }, "nothing moves while the car records")
        #expect(try rig.catalog.openJobs("nas").count == 1)
        recording.set(false)
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        #expect(filesUnder(nas.path) == (try rig.routedArchiveFiles()))
    }

    @Test func theTestWritesAndRemovesATinyFileAndSaysWhatIsWrong() throws {
        let nas = Scratch("nas-test")
        try FolderSink(name: "nas", root: nas.path, prefix: "m3").check()
        #expect(filesUnder(nas.path).isEmpty)
        #expect(throws: SinkError.transient("the folder \(nas.path)/absent is not there (No such file or directory): is the NAS mounted?")) {
            try FolderSink(name: "nas", root: nas.path + "/absent").check()
        }
        FileManager.default.createFile(atPath: nas.path + "/file", contents: Data())
        #expect(throws: SinkError.permanent("\(nas.path)/file is not a folder")) {
            try FolderSink(name: "nas", root: nas.path + "/file").check()
        }
    }
}

final class Recording: @unchecked Sendable {
    private let lock = NSLock()
    private var writing = false
    func set(_ value: Bool) { lock.withLock { writing = value } }
    var value: Bool { lock.withLock { writing } }
}
