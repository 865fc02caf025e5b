import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// The local stand-in for Dropbox's HTTP API (scripts/peers/dropbox-standin.py): Dropbox itself cannot be reached.
final class DropboxPeer {
    let scratch = Scratch("dropbox")
    let server: PeerProcess
    static let appKey = "teslacam-app"
    var appKey: String { Self.appKey }
    let refreshToken: String
    var root: String { scratch.path + "/root" }
    var url: String { "http://127.0.0.1:\(server.port)" }

    /// `options`: the stand-in's environment (PORT, faults); `refreshToken`: the one it accepts (random by default).
    init(_ options: [String: String] = [:], refreshToken: String = "refresh-\(UInt32.random(in: 0...UInt32.max))") throws {
        self.refreshToken = refreshToken
        try FileManager.default.createDirectory(atPath: scratch.path + "/root", withIntermediateDirectories: true)
        server = try PeerProcess("/usr/bin/env", options.map { "\($0.key)=\($0.value)" }
                                 + ["python3", peersDirectory + "/dropbox-standin.py", scratch.path + "/root", Self.appKey, refreshToken])
    }
}

extension DropboxPeer {
    /// What arrived under model3/, its paths lower-cased (the stand-in keeps them so, as Dropbox compares them).
    var delivered: [String: Data] { filesUnder(root + "/model3") }

    /// The tests' dropbox sink "box": 4 MiB chunks, remote names under model3/; `contentURL` defaults to `url`.
    static func sink(url: String, contentURL: String? = nil, refreshToken: String, resume: String) -> DropboxSink {
        DropboxSink(name: "box", appKey: appKey, refreshToken: refreshToken, prefix: "model3", apiURL: url,
                    contentURL: contentURL ?? url, chunkSize: 4 << 20, resumeDirectory: resume)
    }
}

@Suite(.serialized) struct DropboxSinkTests {
    let state = Scratch("dropbox-state")

    func sink(_ peer: DropboxPeer, contentURL: String? = nil, refreshToken: String? = nil) -> DropboxSink {
        DropboxPeer.sink(url: peer.url, contentURL: contentURL, refreshToken: refreshToken ?? peer.refreshToken,
                         resume: state.path + "/sinks/box")
    }

    /// Every routed file at `/model3/<archive path>` in the stand-in (which keeps paths lower-cased, as Dropbox compares them).
    func expectDelivered(_ rig: CarRig, _ peer: DropboxPeer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let remote = filesUnder(peer.root)
        let expected = try rig.routedArchiveFiles()
        #expect(remote.count == expected.count, "\(remote.keys.sorted())", sourceLocation: sourceLocation)
        for (path, bytes) in expected {
            #expect(remote[("model3/" + path).lowercased()] == bytes, "\(path)", sourceLocation: sourceLocation)
        }
    }

    func rig(bytes: Int, event: Bool = false) throws -> CarRig {
        let rig = try CarRig(routes: Routes([.sentry: ["box"], .recent: ["box"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: bytes, seed: 7)
        if event { rig.sentryEvent("2026-11-25_10-00-00") }
        rig.play()
        return rig
    }

    func deliverAll(_ rig: CarRig, _ sink: DropboxSink) -> Bool {
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        defer { uploader.stop() }
        return (try? eventually { try rig.catalog.openJobs("box").isEmpty }) ?? false
    }

    @Test func smallFilesAndSessionsArriveByteIdenticalWithTokensRefreshed() throws {
        // Each access token lasts two calls: the sink takes new ones from the refresh token as it goes.
        let peer = try DropboxPeer(["TOKEN_USES": "2"])
        let rig = try rig(bytes: 10_000_000, event: true)
        #expect(deliverAll(rig, sink(peer)))
        try expectDelivered(rig, peer)
        #expect(filesUnder(state.path).isEmpty, "no session state is left once the file is committed")
        // Delivered again (a crash before the acknowledgement): recognised by content_hash, nothing sent.
        let job = try #require(try rig.catalog.jobs(sink: "box").first { $0.kind == .recent })
        let again = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink(peer).deliver(OutgoingRecord(kind: .recent, content: .file(
            archivePath: job.path!, source: rig.archive + "/" + job.path!,
            remoteName: RemoteName.of(archivePath: job.path!, prefix: "model3"), sha256: job.sha256!, size: job.size)),
            transfer: again)
        #expect(again.sent == 0)
        try sink(peer).check()
    }

    @Test func aCutConnectionResumesFromTheSavedOffset() throws {
        let peer = try DropboxPeer()
        let proxy = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/cut-proxy.py", "\(peer.server.port)",
                                                     "7000000", "1", "total"])
        let size = 12_000_000
        let rig = try rig(bytes: size)
        #expect(deliverAll(rig, sink(peer, contentURL: "http://127.0.0.1:\(proxy.port)")))
        try expectDelivered(rig, peer)
        let job = try #require(try rig.catalog.jobs(sink: "box").first)
        #expect(job.sentBytes > Int64(size), "the cut chunk went twice")
        #expect(job.sentBytes <= Int64(size + (4 << 20)), "sent \(job.sentBytes) for \(size): it started over")
    }

    /// The stand-in applies an append but its answer is lost: the retry at the saved offset hears incorrect_offset
    /// and goes on from Dropbox's correct_offset instead of sending that chunk again.
    @Test func aLostAnswerIsSettledByCorrectOffset() throws {
        let peer = try DropboxPeer(["LOSE_APPEND_REPLY": "1"])
        let size = 13_000_000
        let rig = try rig(bytes: size)
        #expect(deliverAll(rig, sink(peer)))
        try expectDelivered(rig, peer)
        let job = try #require(try rig.catalog.jobs(sink: "box").first)
        #expect(job.sentBytes == Int64(size), "nothing sent twice: correct_offset said the chunk had arrived")
    }

    @Test func tooManyRequestsWaitsForRetryAfter() throws {
        let peer = try DropboxPeer(["RATE_LIMIT_FIRST": "2"])
        let rig = try rig(bytes: 300_000)
        let started = Date()
        #expect(deliverAll(rig, sink(peer)))
        #expect(Date().timeIntervalSince(started) >= 1.9, "two 429s with Retry-After: 1 each were waited out")
        #expect(try rig.catalog.sinkStatus("box").lastError?.contains("429") == true)
        try expectDelivered(rig, peer)
    }

    @Test func aRefusedRefreshTokenStopsTheSinkWithAClearStatus() throws {
        let peer = try DropboxPeer()
        let rig = try rig(bytes: 100_000)
        let uploader = rig.uploader([SinkSetup(sink: sink(peer, refreshToken: "revoked"), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.sinkStatus("box").stopped != nil })
        uploader.stop()
        let stopped = try rig.catalog.sinkStatus("box").stopped ?? ""
        #expect(stopped.contains("refresh token") && stopped.contains("refreshTokenFile"), "\(stopped)")
        #expect(try rig.catalog.openJobs("box").first?.attempts == 1, "no retry storm")
    }

    @Test func aFolderWhereTheFileGoesIsAPathConflict() throws {
        let peer = try DropboxPeer()
        let rig = try rig(bytes: 100_000)
        let job = try #require(try rig.catalog.openJobs("box").first)
        try FileManager.default.createDirectory(atPath: peer.root + "/" + ("model3/" + job.path!).lowercased(),
                                                withIntermediateDirectories: true)
        let uploader = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.sinkStatus("box").stopped != nil })
        uploader.stop()
        let stopped = try rig.catalog.sinkStatus("box").stopped ?? ""
        #expect(stopped.contains("path/conflict/folder") && stopped.contains("a folder is where the file goes"), "\(stopped)")
    }
}
