import Foundation
import Testing

/// Two instances on the same bucket and catalog serve one upload as a load balancer would hand it to them:
/// PATCHes in turn, PATCHes racing each other, limits that a device cannot multiply by spreading its requests.
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct StatelessIngestTests {
    static let tus = IngestEndToEndTests.tus

    @Test func tuspyWithItsPATCHesSentToTwoInstancesInTurnStoresTheFileOnce() throws {
        let fleet = try FleetRig()
        let first = try fleet.startInstance()
        let second = try fleet.startInstance()
        let clip = try fleet.file("alternating.mp4", size: 17 << 20 + 4321)  // four PATCHes of 5 MiB and a short one
        let path = "TeslaCam/SentryClips/2026-12-01_08-00-00/2026-12-01_07-59-00-front.mp4"
        let result = try fleet.upload(port: first, file: clip.path, path: path,
                                      extra: ["--alternate", fleet.url(second), "--chunk", "\(5 << 20)", "--checksum"])
        #expect(result["offset"] as? Int == 17 << 20 + 4321, "\(result) \(fleet.log(first).suffix(1500)) \(fleet.log(second).suffix(1500))")
        let patches = result["patches"] as? [String] ?? []
        #expect(patches.count == 4 && Set(patches).count == 2, "\(patches)")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT size, kind FROM clips WHERE path = '\(path)'") == ["\(17 << 20 + 4321)|sentry"])
        // Both served PATCHes; the one that received the last bytes gave the ack, and (having seen only half of
        // the bytes) read the object back to check its sha256.
        for port in [first, second] {
            let metrics = try fleet.request(port: port, "GET", "/metrics").body
            #expect(metrics.contains("teslacam_ingest_requests_total{method=\"PATCH\",status=\"204\"} 2"), "\(port): \(metrics)")
        }
        let acking = try fleet.request(port: second, "GET", "/metrics").body
        #expect(acking.contains("teslacam_ingest_verified_total{by=\"read_back\"} 1") && !acking.contains("by=\"stream\""), "\(acking)")
    }

    @Test func aPATCHRacingAnotherOnAnotherInstanceIsRefusedWith409AndTheOffset() throws {
        let fleet = try FleetRig()
        let first = try fleet.startInstance()
        let second = try fleet.startInstance()
        let clip = try fleet.file("raced.mp4", size: 12 << 20)
        let path = "TeslaCam/SentryClips/2026-12-01_09-00-00/2026-12-01_08-59-00-back.mp4"
        let begun = try fleet.upload(port: first, file: clip.path, path: path, extra: ["--stop-at", "\(5 << 20)", "--chunk", "\(5 << 20)"])
        let uploadURL = begun["url"] as? String ?? ""
        let location = String(uploadURL[(uploadURL.range(of: "/files/")?.lowerBound ?? uploadURL.startIndex)...])
        #expect(begun["offset"] as? Int == 5 << 20, "\(begun)")
        // The first instance is in the middle of a PATCH of the next 7 MiB (3 of them sent)...
        let stdin = Pipe()
        let out = Pipe()
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: pythonExecutable)
        slow.arguments = [ingestClient, "cut-patch", "--ca", fleet.caFile, "--cert", fleet.listed.cert, "--key", fleet.listed.key,
                          "--port", "\(first)", "--path", location, "--file", clip.path, "--offset", "\(5 << 20)",
                          "--length", "\(7 << 20)", "--send", "\(3 << 20)", "--rest"]
        slow.standardOutput = out
        slow.standardInput = stdin
        try slow.run()
        let line = out.fileHandleForReading.readLine()
        #expect(line.contains("\"sent\""), "\(line)")
        // ...when the same bytes arrive at the second instance (a client that gave up on its request too early).
        let raced = try fleet.request(port: second, "PATCH", location, headers: [Self.tus, "Content-Type: application/offset+octet-stream",
                                      "Upload-Offset: \(5 << 20)"], body: (clip.path, 5 << 20, 64 << 10))
        #expect(raced.status == 409 && raced.headers["upload-offset"] == "\(5 << 20)" && raced.headers["retry-after"] != nil, "\(raced)")
        #expect(raced.body.contains("another PATCH of this upload is in progress"), "\(raced.body)")
        // Nor may it be terminated under the PATCH (whose state would come back after the removal).
        let removed = try fleet.request(port: second, "DELETE", location, headers: [Self.tus])
        #expect(removed.status == 409, "\(removed)")
        // The first PATCH is unharmed: it finishes and the file completes on either instance.
        try stdin.fileHandleForWriting.close()
        let answer = out.fileHandleForReading.readLine()
        slow.waitUntilExit()
        #expect(answer.contains("\"status\": 204") && answer.contains("\"offset\": \"\(12 << 20)\""), "\(answer) \(fleet.log(first).suffix(1500))")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips WHERE sha256 = '\(clip.sha256)'") == ["1"])
        // The loser, retried after the ack, is told the upload is done.
        let late = try fleet.request(port: second, "HEAD", location, headers: [Self.tus])
        #expect(late.headers["upload-offset"] == "\(12 << 20)", "\(late)")
    }

    @Test func aDevicesRequestLimitHoldsAcrossInstances() throws {
        let fleet = try FleetRig(rateLimit: ["requestsPerMinute": 4])
        let ports = [try fleet.startInstance(), try fleet.startInstance()]
        var statuses: [Int] = []
        var retryAfter: String?
        for n in 0..<6 {
            let reply = try fleet.request(port: ports[n % 2], "OPTIONS", "/files/", headers: [Self.tus])
            statuses.append(reply.status)
            if reply.status == 429 { retryAfter = reply.headers["retry-after"] }
        }
        // Four in all, not four per instance.
        #expect(statuses == [204, 204, 204, 204, 429, 429], "\(statuses)")
        #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        #expect(try fleet.postgres.query("SELECT device, resource FROM rate_buckets") == ["\(fleet.device)|requests"])
    }
}
