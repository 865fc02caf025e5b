import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// The webdav sink against WsgiDAV and nginx's dav module on loopback; what arrived is cross-checked with
/// `rclone check --download`.
@Suite(.serialized) struct WebDAVSinkTests {
    func sink(_ peer: WebDAVPeer, password: String? = nil) -> WebDAVSink {
        WebDAVSink(name: "nas", url: peer.url, user: peer.user, password: password ?? peer.password, prefix: "model3")
    }

    static let servers = WebDAVPeer.Server.allCases.filter(\.available)

    @Test(arguments: servers) func clipsArriveByteIdenticalThroughATemporaryName(server: WebDAVPeer.Server) throws {
        let peer = try WebDAVPeer(server)
        let rig = try CarRig(routes: Routes([.sentry: ["nas"], .recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 3_000_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        let expected = try rig.routedArchiveFiles()
        #expect(expected.count == 5)
        let remote = filesUnder(peer.root + "/share")
        for (path, bytes) in expected { #expect(remote["model3/" + path] == bytes, "\(path)") }
        #expect(remote.count == expected.count, "no temporary name left: \(remote.keys.sorted())")
        if WebDAVPeer.rcloneAvailable {
            let check = try peer.rcloneCheck(local: rig.archive + "/TeslaCam", remote: "model3/TeslaCam")
            #expect(check.status == 0, "rclone check: \(check.output)")
        }
        // Delivered again (a crash before the acknowledgement): recognised, nothing sent.
        let job = try #require(try rig.catalog.jobs(sink: "nas").first { $0.path?.hasSuffix("front.mp4") == true && $0.kind == .recent })
        let record = OutgoingRecord(kind: .recent, content: .file(
            archivePath: job.path!, source: rig.archive + "/" + job.path!,
            remoteName: RemoteName.of(archivePath: job.path!, prefix: "model3"), sha256: job.sha256!, size: job.size))
        let again = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink(peer).deliver(record, transfer: again)
        #expect(again.sent == 0)
        // A remote copy damaged in place (same size) is noticed by rclone and by the sink, which sends it again.
        let remotePath = peer.root + "/share/model3/" + job.path!
        let handle = try #require(FileHandle(forUpdatingAtPath: remotePath))
        try handle.seek(toOffset: 1000)
        handle.write(Data([0xde, 0xad, 0xbe, 0xef]))
        try handle.close()
        if WebDAVPeer.rcloneAvailable {
            #expect(try peer.rcloneCheck(local: rig.archive + "/TeslaCam", remote: "model3/TeslaCam").status != 0)
        }
        let repair = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink(peer).deliver(record, transfer: repair)
        #expect(repair.sent == job.size)
        #expect(FileManager.default.contents(atPath: remotePath) == expected[job.path!])
        try sink(peer).check()
    }

    @Test(.enabled(if: WebDAVPeer.Server.wsgidav.available, "needs python3 with wsgidav (scripts/install-deps.sh)"))
    func aFullShareWaitsAsRemoteFullThenGoesOn() throws {
        let peer = try WebDAVPeer(.wsgidav, quota: 1_000_000)
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 2_000_000, seed: 2)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").first?.attempts ?? 0 >= 2 })
        let status = try rig.catalog.sinkStatus("nas")
        #expect(status.stopped == nil, "a full share is not a reason to stop")
        #expect(status.lastError?.contains("remote is full") == true, "\(status.lastError ?? "")")
        try peer.setQuota(100_000_000)
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        #expect(filesUnder(peer.root + "/share/model3") == (try rig.routedArchiveFiles()))
    }

    @Test(arguments: servers) func aWrongPasswordStopsTheSinkWithAClearStatus(server: WebDAVPeer.Server) throws {
        let peer = try WebDAVPeer(server)
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink(peer, password: "wrong-password"), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.sinkStatus("nas").stopped != nil })
        uploader.stop()
        let status = try rig.catalog.sinkStatus("nas")
        #expect(status.stopped?.contains("401") == true && status.stopped?.contains("passwordFile") == true,
                "\(status.stopped ?? "")")
        #expect(status.stopped?.contains("wrong-password") == false)
        #expect(try rig.catalog.openJobs("nas").first?.attempts == 1, "no retry storm")
    }

    @Test(.enabled(if: WebDAVPeer.Server.nginx.available, "needs root and nginx with dav-ext (scripts/install-deps.sh)"))
    func aServerDownAtStartIsWaitedFor() throws {
        let port = freePort()
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 400_000, seed: 1)
        rig.play()
        let password = "later"
        let uploader = rig.uploader([SinkSetup(sink: WebDAVSink(name: "nas", url: "http://127.0.0.1:\(port)/share",
                                                                user: "tesla", password: password, prefix: "model3"),
                                               prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").first?.attempts ?? 0 >= 2 })
        #expect(try rig.catalog.sinkStatus("nas").stopped == nil)
        #expect(try rig.catalog.sinkStatus("nas").lastError?.contains("cannot reach") == true)
        let peer = try WebDAVPeer(.nginx, port: port, password: password)
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        #expect(filesUnder(peer.root + "/share/model3") == (try rig.routedArchiveFiles()))
    }
}
