import Catalog
import Foundation
import Outbound
import SigV4
import Sinks
import Testing

/// scripts/peers/status-proxy.py in front of a real server: the first requests of a method are answered 429, 503
/// or 507 with Retry-After, as a busy or full service answers; everything else reaches the server.
final class StatusProxy {
    let scratch = Scratch("status-proxy")
    let process: PeerProcess
    var log: String { scratch.path + "/requests.jsonl" }
    var port: Int { process.port }

    init(target: Int, rules: [String]) throws {
        process = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/status-proxy.py", "\(target)",
                                                   scratch.path + "/requests.jsonl"] + rules)
    }

    struct Request {
        var time: Double
        var method: String
        var path: String
        var injected: Int?
    }

    var requests: [Request] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let time = entry["time"] as? Double, let method = entry["method"] as? String else { return nil }
            return Request(time: time, method: method, path: entry["path"] as? String ?? "", injected: entry["injected"] as? Int)
        }
    }

    /// For each injected answer, the seconds until the same method came again (the client's wait).
    func waitsAfterInjected(_ method: String) -> [Double] {
        let same = requests.filter { $0.method == method }
        return zip(same, same.dropFirst()).compactMap { first, next in first.injected != nil ? next.time - first.time : nil }
    }
}

@Suite(.serialized) struct ServerThrottlingTests {
    let state = Scratch("throttle-state")

    @Test(.enabled(if: S3Peer.available, "needs python3 with moto[server] and boto3 (scripts/install-deps.sh)"),
          arguments: [503, 429])
    func s3SlowDownIsWaitedOutForRetryAfterThenDelivered(status: Int) throws {
        let peer = try S3Peer()
        let proxy = try StatusProxy(target: peer.port, rules: ["PUT:\(status):2:2"])
        let rig = try CarRig(routes: Routes([.recent: ["cloud"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 300_000, seed: 4)
        rig.play()
        let sink = S3Sink(name: "cloud", endpoint: "http://127.0.0.1:\(proxy.port)", bucket: peer.bucket, region: "eu-west-1",
                          credentials: peer.credentials, prefix: "model3", resumeDirectory: state.path + "/s3")
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("cloud").isEmpty })
        uploader.stop()
        let sinkStatus = try rig.catalog.sinkStatus("cloud")
        #expect(sinkStatus.stopped == nil, "a busy server is not a reason to stop")
        #expect(sinkStatus.lastError?.contains("\(status)") == true && sinkStatus.lastError?.contains("SlowDown") == true,
                "\(sinkStatus.lastError ?? "")")
        let waits = proxy.waitsAfterInjected("PUT")
        #expect(waits.count == 2, "\(proxy.requests.map { "\($0.method) \($0.injected ?? 200)" })")
        // The queue's own backoff here is 0.05–0.5 s: only Retry-After makes it wait 2.
        #expect(waits.allSatisfy { $0 >= 1.95 }, "waited \(waits) s, Retry-After said 2")
        let job = try #require(try rig.catalog.jobs(sink: "cloud").first)
        #expect(job.state == .done)
        #expect(job.attempts == 2, "two busy answers, two failed attempts")
        let listing = try peer.listing()
        let expected = try rig.routedArchiveFiles()
        for (path, bytes) in expected {
            #expect(listing.objects["model3/" + path]?.sha256 == SigV4Request.payloadHash(of: [UInt8](bytes)), "\(path)")
        }
    }

    /// 503 on the PUT (Retry-After in seconds), then 429 on the MOVE (Retry-After as an HTTP-date): both waited out.
    @Test(arguments: WebDAVSinkTests.servers) func webdavBusyAnswersAreWaitedOutForRetryAfter(server: WebDAVPeer.Server) throws {
        let peer = try WebDAVPeer(server)
        let proxy = try StatusProxy(target: peer.port, rules: ["PUT:503:1:2", "MOVE:429:1:date:3"])
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 500_000, seed: 6)
        rig.play()
        let sink = WebDAVSink(name: "nas", url: "http://127.0.0.1:\(proxy.port)/share", user: peer.user,
                              password: peer.password, prefix: "model3")
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        #expect(try rig.catalog.sinkStatus("nas").stopped == nil)
        let putWaits = proxy.waitsAfterInjected("PUT"), moveWaits = proxy.waitsAfterInjected("MOVE")
        #expect(putWaits.count == 1 && putWaits.allSatisfy { $0 >= 1.95 }, "PUT waited \(putWaits) s, Retry-After said 2")
        // An HTTP-date has whole seconds: 3 s ahead is at least 2 s once read.
        #expect(moveWaits.count == 1 && moveWaits.allSatisfy { $0 >= 1.9 }, "MOVE waited \(moveWaits) s")
        #expect(filesUnder(peer.root + "/share/model3") == (try rig.routedArchiveFiles()), "byte-identical, no temporary name left")
    }

    /// A full share behind a proxy (nginx has no quota): 507 is "remote full", never a stop, and goes on afterwards.
    @Test(arguments: WebDAVSinkTests.servers) func webdavInsufficientStorageWaitsThenGoesOn(server: WebDAVPeer.Server) throws {
        let peer = try WebDAVPeer(server)
        let proxy = try StatusProxy(target: peer.port, rules: ["PUT:507:3:1"])
        let rig = try CarRig(routes: Routes([.recent: ["nas"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 8)
        rig.play()
        let sink = WebDAVSink(name: "nas", url: "http://127.0.0.1:\(proxy.port)/share", user: peer.user,
                              password: peer.password, prefix: "model3")
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        uploader.stop()
        let status = try rig.catalog.sinkStatus("nas")
        #expect(status.stopped == nil)
        #expect(status.lastError?.contains("remote is full") == true, "\(status.lastError ?? "")")
        #expect(proxy.requests.filter { $0.injected == 507 }.count == 3)
        #expect(filesUnder(peer.root + "/share/model3") == (try rig.routedArchiveFiles()))
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds(" 3 ", now: now) == 3)
        let date = "Wed, 02 Dec 2026 01:00:00 GMT"
        let target = Date(timeIntervalSince1970: 1_796_173_200)
        #expect(RetryAfter.seconds(date, now: target.addingTimeInterval(-90)) == 90)
        #expect(RetryAfter.seconds(date, now: target.addingTimeInterval(60)) == 0, "a date past is now")
        #expect(RetryAfter.seconds("Wednesday, 02-Dec-26 01:00:00 GMT", now: target.addingTimeInterval(-5)) == 5)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
        #expect(RetryAfter.seconds("-4", now: now) == nil)
        #expect(RetryAfter.seconds(nil, now: now) == nil)
    }
}
