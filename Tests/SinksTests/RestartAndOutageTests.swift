import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// The faults for the sink types whose own suites leave them out: a peer down when the daemon starts and
/// up later (webdav, dropbox), and the daemon stopped in the middle of an upload and started again (webdav, dropbox,
/// rsync; the folder and s3 suites have theirs). A stop leaves what a SIGKILL leaves: the catalog's jobs and the
/// sink's saved state are all the next uploader gets. Each ends with every file delivered once, byte-identical.
@Suite(.serialized) struct RestartAndOutageTests {
    let state = Scratch("restart-state")

    // MARK: A peer down at start

    @Test(arguments: WebDAVSinkTests.servers) func aWebDAVServerDownAtStartIsWaitedFor(server: WebDAVPeer.Server) throws {
        let port = freePort()
        let sink = WebDAVSink(name: "nas", url: "http://127.0.0.1:\(port)/share", user: "tesla", password: "down-at-start",
                              prefix: "model3")
        try expectWaitedFor(sink) {
            let peer = try WebDAVPeer(server, port: port, password: "down-at-start")
            return (peer, { filesUnder(peer.root + "/share/model3") })
        }
    }

    @Test func aDropboxDownAtStartIsWaitedFor() throws {
        let port = freePort()
        let sink = DropboxPeer.sink(url: "http://127.0.0.1:\(port)", refreshToken: "refresh-later", resume: state.path + "/box")
        try expectWaitedFor(sink, lowercased: true) {
            let peer = try DropboxPeer(["PORT": "\(port)"], refreshToken: "refresh-later")
            return (peer, { peer.delivered })
        }
    }

    /// Delivers a clip through `sink` while its peer is down, then starts the peer: the sink keeps trying (not
    /// stopped, the error says why) and delivers once the peer is up.
    private func expectWaitedFor(_ sink: any Sink, lowercased: Bool = false, start: () throws -> (AnyObject, () -> [String: Data]),
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rig = try CarRig(routes: Routes([.recent: [sink.name]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 400_000, seed: 1)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs(sink.name).first?.attempts ?? 0 >= 2 }, sourceLocation: sourceLocation)
        let status = try rig.catalog.sinkStatus(sink.name)
        #expect(status.stopped == nil, "a server that is down is not a reason to stop", sourceLocation: sourceLocation)
        #expect(status.lastError?.isEmpty == false, "the owner is told why", sourceLocation: sourceLocation)
        let (peer, remote) = try start()
        #expect(try eventually { try rig.catalog.openJobs(sink.name).isEmpty }, sourceLocation: sourceLocation)
        uploader.stop()
        let expected = try rig.routedArchiveFiles()
        #expect(remote() == (lowercased ? expected.lowercasedKeys : expected), sourceLocation: sourceLocation)
        withExtendedLifetime(peer) {}
    }

    // MARK: A restart in the middle of an upload

    /// WsgiDAV only: it writes a PUT's body into place as it arrives, so the test sees the upload under way
    /// (nginx buffers the whole body in its own temporary folder first).
    @Test(.enabled(if: WebDAVPeer.Server.wsgidav.available, "needs python3 with wsgidav (scripts/install-deps.sh)"))
    func aWebDAVUploadStoppedMidwayIsDeliveredOnceAfterTheRestart() throws {
        let peer = try WebDAVPeer(.wsgidav)
        let share = peer.root + "/share"
        let sink = WebDAVSink(name: "nas", url: peer.url, user: peer.user, password: peer.password, prefix: "model3")
        // A PUT cannot be resumed: the file goes whole again under its temporary name, then MOVE.
        _ = try expectDeliveredOnceAcrossARestart(sink, bytes: 3_000_000, rate: 1_000_000,
                                                  midway: { filesUnder(share).keys.contains { $0.hasSuffix(".teslacam-partial") } },
                                                  remote: { filesUnder(share + "/model3") })
        #expect(!filesUnder(share).keys.contains { $0.hasSuffix(".teslacam-partial") }, "no temporary name left")
    }

    @Test func aDropboxSessionStoppedMidwayGoesOnFromItsSavedOffset() throws {
        let peer = try DropboxPeer()
        let resume = state.path + "/box"
        let size = 12_000_000
        let sink = DropboxPeer.sink(url: peer.url, refreshToken: peer.refreshToken, resume: resume)
        let job = try expectDeliveredOnceAcrossARestart(sink, bytes: size, rate: 3_000_000, lowercased: true,
                                                        midway: { Self.savedOffsets(in: resume).contains { $0 > 0 } },
                                                        remote: { peer.delivered })
        // Both attempts together: the stopped one sent the acknowledged first chunk (4 MiB) and part of the next;
        // had the restart started over, the total would reach size + 4 MiB.
        #expect(job.sentBytes < Int64(size + (4 << 20)), "sent \(job.sentBytes) for \(size): the restart started over")
        withExtendedLifetime(peer) {}
    }

    @Test(.enabled(if: SSHPeer.available, "needs root, openssh-server and rsync (scripts/install-deps.sh)"))
    func anRsyncStoppedMidwayIsDeliveredOnceAfterTheRestart() throws {
        let peer = try SSHPeer()
        try peer.start()
        let sink = RsyncSink(name: "backup", host: "127.0.0.1", port: peer.port, user: peer.user, path: peer.remoteRoot,
                             prefix: "model3", identityFile: peer.userKey, knownHostsFile: peer.knownHosts, timeout: 10)
        // rsync writes into a hidden temporary file beside the destination while it receives.
        _ = try expectDeliveredOnceAcrossARestart(sink, bytes: 3_000_000, rate: 1_000_000,
                                                  midway: { filesUnder(peer.remoteRoot).keys.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") } },
                                                  remote: { filesUnder(peer.remoteRoot + "/model3").filter { !$0.key.contains("/.") } })
        let leftovers = filesUnder(peer.remoteRoot).keys.filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary or partial file left: \(leftovers)")
    }

    /// A big clip uploaded under a bandwidth limit is stopped once `midway` sees it under way, then a new
    /// uploader with the same catalog and sink delivers everything. Returns the big clip's job.
    private func expectDeliveredOnceAcrossARestart(_ sink: any Sink, bytes: Int, rate: Double, lowercased: Bool = false,
                                                   midway: () -> Bool,
                                                   remote: () -> [String: Data],
                                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> UploadJob {
        let rig = try CarRig(routes: Routes([.recent: [sink.name]]))
        // One after the other, so the big clip's job comes first.
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: bytes, seed: 11)
        rig.play()
        rig.clip("2026-11-25_09-01-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 12)
        rig.play()
        let slow = rig.uploader([SinkSetup(sink: sink, prefix: "model3", bytesPerSecond: rate)])
        slow.start()
        let underWay = eventually { midway() }
        #expect(underWay, "the upload got under way", sourceLocation: sourceLocation)
        slow.stop()
        #expect(try rig.catalog.openJobs(sink.name).count == 2, "nothing acknowledged that was not verified",
                sourceLocation: sourceLocation)
        let restarted = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        restarted.start()
        #expect(try eventually { try rig.catalog.openJobs(sink.name).isEmpty }, sourceLocation: sourceLocation)
        restarted.stop()
        let expected = try rig.routedArchiveFiles()
        #expect(remote() == (lowercased ? expected.lowercasedKeys : expected), "every file there, byte-identical",
                sourceLocation: sourceLocation)
        let jobs = try rig.catalog.jobs(sink: sink.name)
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .done }, "each file acknowledged once",
                sourceLocation: sourceLocation)
        return try #require(jobs.first { $0.size == Int64(bytes) }, sourceLocation: sourceLocation)
    }

    /// The offsets of the Dropbox upload sessions saved in `directory`.
    static func savedOffsets(in directory: String) -> [Int64] {
        filesUnder(directory).values.compactMap {
            (try? JSONSerialization.jsonObject(with: $0) as? [String: Any])?["offset"] as? Int64
        }
    }
}

extension Dictionary where Key == String {
    /// The same entries with lower-cased keys: a Dropbox path's spelling.
    var lowercasedKeys: [String: Value] { Dictionary(uniqueKeysWithValues: map { ($0.key.lowercased(), $0.value) }) }
}
