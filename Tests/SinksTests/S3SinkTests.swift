import Catalog
import Foundation
import Outbound
import SigV4
import Sinks
import Testing

/// The s3 sink against moto's S3 with SigV4 authentication on; what arrived is downloaded and hashed by boto3.
@Suite(.serialized, .enabled(if: S3Peer.available, "needs python3 with moto[server] and boto3 (scripts/install-deps.sh)"))
struct S3SinkTests {
    let state = Scratch("s3-state")

    func sink(_ peer: S3Peer, endpoint: String? = nil, credentials: SigV4Credentials? = nil) -> S3Sink {
        S3Sink(name: "cloud", endpoint: endpoint ?? peer.endpoint, bucket: peer.bucket, region: "eu-west-1",
               credentials: credentials ?? peer.credentials, prefix: "model3", pathStyle: true,
               partSize: S3Sink.minimumPartSize, resumeDirectory: state.path + "/s3/cloud")
    }

    /// Every routed archive file under the prefix, as boto3 downloaded it: same size and sha256.
    func expectDelivered(_ rig: CarRig, to peer: S3Peer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let listing = try peer.listing()
        let expected = try rig.routedArchiveFiles()
        #expect(listing.objects.count == expected.count, "\(listing.objects.keys.sorted())", sourceLocation: sourceLocation)
        for (path, bytes) in expected {
            let remote = listing.objects["model3/" + path]
            #expect(remote?.size == bytes.count, "\(path)", sourceLocation: sourceLocation)
            #expect(remote?.sha256 == SigV4Request.payloadHash(of: [UInt8](bytes)), "\(path)", sourceLocation: sourceLocation)
        }
        #expect(listing.openUploads.isEmpty, "no multipart upload left open", sourceLocation: sourceLocation)
    }

    @Test func smallAndMultipartFilesArriveByteIdentical() throws {
        let peer = try S3Peer()
        let rig = try CarRig(routes: Routes([.sentry: ["cloud"], .recent: ["cloud"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 12_000_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").isEmpty })
        uploader.stop()
        try expectDelivered(rig, to: peer)
        let big = try peer.listing().objects["model3/TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4"]
        #expect(big?.etag.hasSuffix("-3") == true, "12 MB in 5 MiB parts is a three-part upload: \(big?.etag ?? "")")
        #expect(filesUnder(state.path).isEmpty, "no multipart state is left once the object is complete")
    }

    @Test func anObjectAlreadyThereIsVerifiedNotSentAgain() throws {
        let peer = try S3Peer()
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 6_000_000, seed: 3)
        rig.clip("2026-11-25_09-01-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 4)
        rig.play()
        let s3 = sink(peer)
        for job in try rig.catalog.openJobs("cloud") {
            let record = OutgoingRecord(kind: job.kind, content: .file(
                archivePath: job.path!, source: rig.archive + "/" + job.path!,
                remoteName: RemoteName.of(archivePath: job.path!, prefix: "model3"), sha256: job.sha256!, size: job.size))
            let first = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
            try s3.deliver(record, transfer: first)
            #expect(first.sent == job.size)
            let again = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
            try s3.deliver(record, transfer: again)
            #expect(again.sent == 0, "a delivered object is recognised by its size and sha256")
        }
    }

    @Test func aServerDownAtStartIsWaitedFor() throws {
        let port = freePort()
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 400_000, seed: 1)
        rig.play()
        let placeholder = S3Sink(name: "cloud", endpoint: "http://127.0.0.1:\(port)", bucket: "teslacam-test",
                                 region: "eu-west-1", credentials: SigV4Credentials(accessKeyId: "AKIAX", secretAccessKey: "x"),
                                 prefix: "model3", resumeDirectory: state.path)
        // moto makes its key when it starts: the daemon is restarted with it once the server is up.
        let uploader = rig.uploader([SinkSetup(sink: placeholder, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").first?.attempts ?? 0 >= 2 })
        uploader.stop()
        let status = try rig.catalog.sinkStatus("cloud")
        #expect(status.stopped == nil, "a server that is down is not a reason to stop")
        #expect(status.lastError?.contains("cannot reach") == true, "\(status.lastError ?? "")")
        let peer = try S3Peer(port: port)
        let second = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        second.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").isEmpty })
        second.stop()
        try expectDelivered(rig, to: peer)
    }

    @Test func aWrongSecretStopsTheSinkWithAClearStatus() throws {
        let peer = try S3Peer()
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 100_000, seed: 1)
        rig.play()
        let wrong = SigV4Credentials(accessKeyId: peer.accessKeyId, secretAccessKey: "not-the-secret")
        let uploader = rig.uploader([SinkSetup(sink: sink(peer, credentials: wrong), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.sinkStatus("cloud").stopped != nil })
        uploader.stop()
        let status = try rig.catalog.sinkStatus("cloud")
        #expect(status.stopped?.contains("403") == true, "\(status.stopped ?? "")")
        #expect(status.stopped?.contains("secret") == true, "\(status.stopped ?? "")")
        #expect(status.stopped?.contains("not-the-secret") == false, "the secret is never shown")
        #expect(try rig.catalog.openJobs("cloud").first?.attempts == 1, "no retry storm")

        let unknown = SigV4Credentials(accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: peer.secretAccessKey)
        #expect { try sink(peer, credentials: unknown).check() } throws: { error in
            guard let error = error as? SinkError, error.isPermanent else { return false }
            return error.description.contains("access key id is not known")
        }
        try sink(peer).check()
        #expect(try peer.listing().objects.isEmpty, "the test object is removed")
    }

    /// A proxy cuts the connection 8 MB into the upload, part 2 of a 12 MB file in 5 MiB parts: the retry keeps
    /// part 1 (its upload id and ETag were saved) and sends parts 2 and 3 only.
    @Test func aCutConnectionResumesFromTheNextPart() throws {
        let peer = try S3Peer()
        let proxy = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/cut-proxy.py", "\(peer.port)",
                                                     "8000000", "1", "total"])
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        let size = 12_000_000
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: size, seed: 9)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink(peer, endpoint: "http://127.0.0.1:\(proxy.port)"), prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").isEmpty })
        uploader.stop()
        let job = try #require(try rig.catalog.jobs(sink: "cloud").first)
        // Counted as libcurl takes them: the cut part counts whole. Resuming sends size + one part; starting over
        // would send part 1 and the cut part 2 on top of the whole file (size + two parts).
        #expect(job.sentBytes <= Int64(size + S3Sink.minimumPartSize),
                "sent \(job.sentBytes) bytes for \(size): part 1 went again")
        #expect(job.sentBytes > Int64(size), "the cut part went twice")
        try expectDelivered(rig, to: peer)
    }
}

extension S3SinkTests {
    /// The daemon stops in the middle of a multipart upload (part 2 of 3, under a bandwidth limit) and a new one
    /// starts: the saved upload id and part ETags carry over, part 1 is not sent again.
    @Test func aRestartMidUploadResumesFromTheNextPart() throws {
        let peer = try S3Peer()
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        let size = 12_000_000
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: size, seed: 5)
        rig.play()
        let slow = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3", bytesPerSecond: 3_000_000)])
        slow.start()
        // One part acknowledged and saved: stop, as a SIGKILL would leave it (the saved state is all that counts).
        #expect(eventually {
            filesUnder(state.path).values.contains { String(decoding: $0, as: UTF8.self).contains("\"1\"") }
        })
        slow.stop()
        #expect(try rig.catalog.openJobs("cloud").count == 1, "not delivered yet")
        let restarted = rig.uploader([SinkSetup(sink: sink(peer), prefix: "model3")])
        restarted.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").isEmpty })
        restarted.stop()
        let job = try #require(try rig.catalog.jobs(sink: "cloud").first)
        #expect(job.sentBytes <= Int64(size + S3Sink.minimumPartSize), "sent \(job.sentBytes) for \(size): part 1 went again")
        try expectDelivered(rig, to: peer)
    }
}
