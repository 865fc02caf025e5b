import Foundation
import Testing

/// The ingest server end to end on loopback: tuspy (an independent tus client) through mutual TLS, moto's S3,
/// a throwaway PostgreSQL, and `teslacam-ingest` instances started by the tests.
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct IngestEndToEndTests {
    static func metadata(_ pairs: [(String, String)]) -> String {
        "Upload-Metadata: " + pairs.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
    }
    static let tus = "Tus-Resumable: 1.0.0"

    @Test func tuspyUploadsThroughMutualTLSAndTheObjectIsStoredAndCatalogued() throws {
        let fleet = try FleetRig(webhook: true)
        let port = try fleet.startInstance()
        let clip = try fleet.file("front.mp4", size: 12 << 20 + 12345)  // three parts: 5M, 5M and a short last
        let path = "TeslaCam/SentryClips/2026-11-30_10-00-00/2026-11-30_09-59-00-front.mp4"
        let result = try fleet.upload(port: port, file: clip.path, path: path,
                                      extra: ["--field", "event.reason=sentry_aware_object_detection", "--field", "event.city=Oslo", "--checksum"])
        #expect(result["offset"] as? Int == 12 << 20 + 12345, "\(result) \(fleet.log(port).suffix(2000))")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT device, size, kind, object_key FROM clips WHERE sha256 = '\(clip.sha256)'")
            == ["\(fleet.device)|\(12 << 20 + 12345)|sentry|fleet/\(fleet.device)/\(path)"])
        #expect(try fleet.postgres.query("SELECT fields->>'event.city' FROM events WHERE folder = 'TeslaCam/SentryClips/2026-11-30_10-00-00'") == ["Oslo"])
        #expect(try fleet.postgres.query("SELECT id, uploads FROM devices") == ["\(fleet.device)|1"])
        #expect(fleet.log(port).contains("stored fleet/\(fleet.device)/\(path)"))
        // The sentry record went to the webhook dispatcher (after the ack, so it may take a moment).
        try waitFor("the webhook record", attempts: 100) { !fleet.webhookPosts.isEmpty }
        let post = fleet.webhookPosts.first ?? [:]
        #expect(post["device"] as? String == fleet.device && post["path"] as? String == path && post["sha256"] as? String == clip.sha256)
        #expect((post["fields"] as? [String: String])?["event.city"] == "Oslo")

        // The same device, path and content again: acknowledged as already stored, nothing sent.
        let again = try fleet.upload(port: port, file: clip.path, path: path)
        #expect(again["offset"] as? Int == 12 << 20 + 12345, "\(again)")
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips") == ["1"])

        // A small file (one short part) and an empty one.
        let thumb = try fleet.file("thumb.png", size: 3000)
        _ = try fleet.upload(port: port, file: thumb.path, path: "TeslaCam/SentryClips/2026-11-30_10-00-00/thumb.png")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/TeslaCam/SentryClips/2026-11-30_10-00-00/thumb.png") == thumb.sha256)

        let status = try fleet.request(port: port, "GET", "/status")
        #expect(status.status == 200 && status.body.contains("\"devicesSeen\" : 1"), "\(status.body)")
        let metrics = try fleet.request(port: port, "GET", "/metrics")
        #expect(metrics.body.contains("teslacam_ingest_reliable_acks_total{kind=\"sentry\"} 2"), "\(metrics.body)")
        #expect(metrics.body.contains("teslacam_ingest_already_stored_total 1"))
        // Every byte came through this instance: the sha256 it computed as they arrived stood in for a read-back.
        #expect(metrics.body.contains("teslacam_ingest_verified_total{by=\"stream\"} 2") && !metrics.body.contains("read_back\"}"), "\(metrics.body)")
        // One connection per tuspy request session and per raw request; at least one of each was counted.
        #expect(metrics.body.range(of: #"teslacam_ingest_connections_total [1-9][0-9]*"#, options: .regularExpression) != nil)
    }

    @Test func certificatesOutsideTheFleetAreRefused() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let options = ["Tus-Resumable: 1.0.0"]
        #expect(try fleet.request(port: port, "OPTIONS", "/files/", headers: options).status == 204)
        // No client certificate, or one from another CA: no handshake at all.
        let bare = try fleet.request(port: port, "OPTIONS", "/files/", headers: options, noCertificate: true)
        #expect(bare.status == 0, "\(bare)")
        let foreign = try fleet.request(port: port, "OPTIONS", "/files/", headers: options, identity: fleet.foreign)
        #expect(foreign.status == 0, "\(foreign)")
        // Signed by the operator's CA but not on devices.allow: a 403 that says why.
        let unlisted = try fleet.request(port: port, "OPTIONS", "/files/", headers: options, identity: fleet.unlisted)
        #expect(unlisted.status == 403)
        #expect(unlisted.body.contains("modely-bergen") && unlisted.body.contains("is not on this server's devices.allow"), "\(unlisted.body)")
        // Expired (issued for 0 days by the operator's own CA): no handshake, and `check` says why.
        _ = try run(ingestBinary, ["ca", "issue", "--dir", fleet.ca, "old-board", "--days", "0"])
        sleep(1)
        let old = FleetRig.Identity(cert: fleet.ca + "/devices/old-board.pem", key: fleet.ca + "/devices/old-board.key")
        #expect(try fleet.request(port: port, "OPTIONS", "/files/", headers: options, identity: old).status == 0)
        let expired = try run(ingestBinary, ["check", "--cert", old.cert, "--ca", fleet.caFile])
        #expect(expired.status != 0 && expired.output.contains("expired"), "\(expired.output)")
        // `check` explains the foreign certificate in words.
        let check = try run(ingestBinary, ["check", "--cert", fleet.foreign.cert, "--key", fleet.foreign.key, "--ca", fleet.caFile])
        #expect(check.status != 0 && check.output.contains("wrong CA"), "\(check.output)")
        let good = try run(ingestBinary, ["check", "--cert", fleet.listed.cert, "--key", fleet.listed.key, "--ca", fleet.caFile])
        #expect(good.status == 0, "\(good.output)")
        let mismatched = try run(ingestBinary, ["check", "--cert", fleet.listed.cert, "--key", fleet.unlisted.key, "--ca", fleet.caFile])
        #expect(mismatched.output.contains("is not the key of"), "\(mismatched.output)")

        // The server's certificate (issued for localhost and 127.0.0.1) checked for the names boards use.
        let server = ["check", "--cert", fleet.ca + "/server.pem", "--key", fleet.ca + "/server.key", "--ca", fleet.caFile]
        #expect(try run(ingestBinary, server + ["--host", "127.0.0.1"]).status == 0)
        #expect(try run(ingestBinary, server + ["--host", "localhost"]).status == 0)
        for host in ["127.0.0.2", "ingest.example.com", "::1"] {
            let wrong = try run(ingestBinary, server + ["--host", host])
            #expect(wrong.status != 0 && wrong.output.contains("hostname: \(host) is not among its names (localhost, 127.0.0.1)"), "\(wrong.output)")
        }
        // A device certificate is not a server's.
        let asServer = try run(ingestBinary, ["check", "--cert", fleet.listed.cert, "--ca", fleet.caFile, "--host", "localhost"])
        #expect(asServer.status != 0 && asServer.output.contains("not for servers"), "\(asServer.output)")

        // A real handshake with the running server, as the board makes it: each refusal in words.
        let url = fleet.url(port)
        let live = try run(ingestBinary, ["check", "--url", url, "--cert", fleet.listed.cert, "--key", fleet.listed.key, "--ca", fleet.caFile])
        #expect(live.status == 0 && live.output.contains("passed"), "\(live.output)")
        let noCertificate = try run(ingestBinary, ["check", "--url", url, "--ca", fleet.caFile])
        #expect(noCertificate.status != 0 && noCertificate.output.contains("missing client certificate"), "\(noCertificate.output)")
        let foreignLive = try run(ingestBinary, ["check", "--url", url, "--cert", fleet.foreign.cert, "--key", fleet.foreign.key, "--ca", fleet.caFile])
        #expect(foreignLive.status != 0 && foreignLive.output.contains("not issued by the CA the server trusts"), "\(foreignLive.output)")
        let unlistedLive = try run(ingestBinary, ["check", "--url", url, "--cert", fleet.unlisted.cert, "--ca", fleet.caFile])
        #expect(unlistedLive.status != 0 && unlistedLive.output.contains("refuses this device (403)")
                && unlistedLive.output.contains("devices.allow"), "key found beside the certificate: \(unlistedLive.output)")
        let expiredLive = try run(ingestBinary, ["check", "--url", url, "--cert", old.cert, "--key", old.key, "--ca", fleet.caFile])
        #expect(expiredLive.status != 0 && expiredLive.output.contains("expired"), "\(expiredLive.output)")
        // The board given the wrong CA: the server's certificate does not chain to it.
        let wrongCA = try run(ingestBinary, ["check", "--url", url, "--cert", fleet.listed.cert, "--key", fleet.listed.key,
                                             "--ca", fleet.scratch.path + "/foreign/ca.pem"])
        #expect(wrongCA.status != 0 && wrongCA.output.contains("does not chain to"), "\(wrongCA.output)")
        let nobody = try run(ingestBinary, ["check", "--url", "https://127.0.0.1:1/files/", "--ca", fleet.caFile])
        #expect(nobody.status != 0 && nobody.output.contains("nothing answers"), "\(nobody.output)")
    }

    @Test func malformedTusRequestsAreRefusedWithTheRightStatus() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let sha = String(repeating: "0", count: 64)
        func create(_ path: String, length: Int = 10, extra: [String] = []) throws -> (status: Int, headers: [String: String], body: String) {
            try fleet.request(port: port, "POST", "/files/", headers: [Self.tus, "Upload-Length: \(length)",
                              Self.metadata([("path", path), ("kind", "saved"), ("sha256", sha)])] + extra)
        }
        #expect(try fleet.request(port: port, "POST", "/files/", headers: ["Upload-Length: 10"]).status == 412)
        let traversal = try create("TeslaCam/../../other-device/x.mp4")
        #expect(traversal.status == 400 && traversal.body.contains("must not have empty, . or .. parts"), "\(traversal.body)")
        #expect(try create("/etc/passwd").status == 400)
        let oversized = try fleet.request(port: port, "POST", "/files/", headers: [Self.tus, "Upload-Length: 10",
                                          Self.metadata([("path", "x"), ("kind", "saved"), ("sha256", sha), ("pad", String(repeating: "p", count: 5000))])])
        #expect(oversized.status == 400 && oversized.body.contains("more than the 4096 allowed"), "\(oversized)")
        #expect(try create("TeslaCam/x", length: 1 << 40).status == 413)

        let made = try create("TeslaCam/SavedClips/2026-11-30_11-00-00/back.mp4")
        #expect(made.status == 201, "\(made)")
        let location = made.headers["location"] ?? ""
        let patch = [Self.tus, "Content-Type: application/offset+octet-stream"]
        let wrongOffset = try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 5"], bodySize: 5)
        #expect(wrongOffset.status == 409 && wrongOffset.body.contains("HEAD"), "\(wrongOffset)")
        #expect(try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: -1"], bodySize: 5).status == 400)
        #expect(try fleet.request(port: port, "PATCH", location, headers: [Self.tus, "Upload-Offset: 0", "Content-Type: text/plain"], bodySize: 5).status == 415)
        // 5 bytes of "A" whose sha1 is not this: refused with tus's 460, and nothing kept.
        let badSum = try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 0",
                                       "Upload-Checksum: sha1 " + Data(repeating: 1, count: 20).base64EncodedString()], bodySize: 5)
        #expect(badSum.status == 460, "\(badSum)")
        #expect(try fleet.request(port: port, "HEAD", location, headers: [Self.tus]).headers["upload-offset"] == "0")
        #expect(try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 0", "Upload-Checksum: md5 AAAA"], bodySize: 5).status == 400)
        #expect(try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 0"], bodySize: 11).status == 413)
        // The right checksum is kept: "AAAAA" (sha1 from coreutils).
        let sum = Data(hex: "c1fe3a7b487f66a6ac8c7e4794bc55c31b0ef403")
        let good = try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 0", "Upload-Checksum: sha1 \(sum.base64EncodedString())"], bodySize: 5)
        #expect(good.status == 204 && good.headers["upload-offset"] == "5", "\(good)")
        // The whole file's sha256 is not the metadata's (zeros): no ack, 460, the upload is gone.
        let last = try fleet.request(port: port, "PATCH", location, headers: patch + ["Upload-Offset: 5"], bodySize: 5)
        #expect(last.status == 460 && last.body.contains("sha256"), "\(last)")
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips") == ["0"])
        #expect(try fleet.request(port: port, "HEAD", "/files/../../etc", headers: [Self.tus]).status == 404)
        #expect(try fleet.request(port: port, "HEAD", "/files/0123456789abcdef0123456789abcdef", headers: [Self.tus]).status == 404)

        // Termination: the upload is gone afterwards.
        let doomed = try create("TeslaCam/SavedClips/2026-11-30_11-00-00/left.mp4")
        let doomedLocation = doomed.headers["location"] ?? ""
        #expect(try fleet.request(port: port, "DELETE", doomedLocation, headers: [Self.tus]).status == 204)
        #expect(try fleet.request(port: port, "HEAD", doomedLocation, headers: [Self.tus]).status == 404)
    }

    @Test func anInstanceKilledMidUploadIsContinuedByAnother() throws {
        let fleet = try FleetRig()
        let first = try fleet.startInstance()
        let second = try fleet.startInstance()
        let clip = try fleet.file("long.mp4", size: 14 << 20)
        let path = "TeslaCam/SentryClips/2026-11-30_12-00-00/2026-11-30_11-59-00-left_repeater.mp4"
        // tuspy sends the first 6 MiB to the first instance: one part and a tail are stored.
        let begun = try fleet.upload(port: first, file: clip.path, path: path, extra: ["--stop-at", "\(6 << 20)", "--chunk", "\(6 << 20)"])
        let uploadURL = begun["url"] as? String ?? ""
        #expect(begun["offset"] as? Int == 6 << 20, "\(begun)")
        let location = String(uploadURL[uploadURL.range(of: "/files/")!.lowerBound...])
        // A PATCH cut in the middle: 6 of 8 MiB sent, then the instance is killed under it.
        let stdin = Pipe()
        let cut = Process()
        cut.executableURL = URL(fileURLWithPath: pythonExecutable)
        cut.arguments = [ingestClient, "cut-patch", "--ca", fleet.caFile, "--cert", fleet.listed.cert, "--key", fleet.listed.key,
                         "--port", "\(first)", "--path", location, "--file", clip.path, "--offset", "\(6 << 20)", "--length", "\(8 << 20)",
                         "--send", "\(6 << 20)"]
        let out = Pipe()
        cut.standardOutput = out
        cut.standardInput = stdin
        try cut.run()
        let line = out.fileHandleForReading.readLine()
        #expect(line.contains("\"sent\""), "\(line)")
        fleet.kill(first)
        try stdin.fileHandleForWriting.close()
        cut.waitUntilExit()
        // The second instance knows where the upload is (from the store) and tuspy continues there.
        let head = try fleet.request(port: second, "HEAD", location, headers: [Self.tus])
        let kept = Int(head.headers["upload-offset"] ?? "") ?? -1
        #expect(head.status == 200 && kept >= 6 << 20 && kept < 14 << 20, "\(head)")
        // The killed PATCH's hold on the upload expires (uploads.leaseSeconds); until then tuspy is told 409 and retries.
        let resumed = try fleet.upload(port: second, file: clip.path, path: path,
                                       extra: ["--resume", "https://localhost:\(second)\(location)", "--retries", "20"])
        #expect(resumed["startedAt"] as? Int == kept && resumed["offset"] as? Int == 14 << 20, "\(resumed) \(fleet.log(second).suffix(2000))")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips WHERE sha256 = '\(clip.sha256)'") == ["1"])
    }

    @Test func anUploadUntouchedPastItsExpiryIsGoneWith410() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let clip = try fleet.file("right.mp4", size: 6 << 20)
        let begun = try fleet.upload(port: port, file: clip.path, path: "TeslaCam/SavedClips/2026-11-30_15-00-00/right.mp4",
                                     extra: ["--kind", "saved", "--stop-at", "\(5 << 20 + 1)", "--chunk", "\(5 << 20 + 1)"])
        let uploadURL = begun["url"] as? String ?? ""
        let id = String(uploadURL.split(separator: "/").last ?? "")
        // The store is the only memory of an upload: age its state past the default 24 h without a byte.
        let aged = try python(["s3-age", "--endpoint", fleet.moto.endpoint, "--bucket", fleet.moto.bucket,
                               "--key", "fleet/.tus/\(id).json", "--seconds", "\(25 * 3600)"])
        #expect(aged["multipartUploads"] as? Int == 1, "\(aged)")
        let head = try fleet.request(port: port, "HEAD", "/files/\(id)", headers: [Self.tus])
        #expect(head.status == 410, "\(head)")  // a HEAD answer has no body; a PATCH's would say "expired"
        // Its parts, tail and state are removed from the bucket.
        let left = try python(["s3-list", "--endpoint", fleet.moto.endpoint, "--bucket", fleet.moto.bucket])
        #expect((left["keys"] as? [String])?.filter { $0.contains(id) } == [] && left["multipartUploads"] as? Int == 0, "\(left)")
        #expect(try fleet.request(port: port, "HEAD", "/files/\(id)", headers: [Self.tus]).status == 404)
    }

    @Test func theSweepRemovesAnExpiredUploadNobodyAsksForAndLeavesALiveOneAlone() throws {
        let fleet = try FleetRig(uploads: ["sweepSeconds": 1])
        let first = try fleet.startInstance()
        _ = try fleet.startInstance()  // two instances sweep the same catalog
        let clip = try fleet.file("left.mp4", size: 6 << 20)
        func begin(_ name: String) throws -> String {
            let begun = try fleet.upload(port: first, file: clip.path, path: "TeslaCam/SavedClips/2026-11-30_16-00-00/\(name).mp4",
                                         extra: ["--kind", "saved", "--stop-at", "\(5 << 20 + 1)", "--chunk", "\(5 << 20 + 1)"])
            return String((begun["url"] as? String ?? "").split(separator: "/").last ?? "")
        }
        let expired = try begin("left")
        let live = try begin("right")
        _ = try python(["s3-age", "--endpoint", fleet.moto.endpoint, "--bucket", fleet.moto.bucket,
                        "--key", "fleet/.tus/\(expired).json", "--seconds", "\(25 * 3600)"])
        func keys() -> [String] {
            ((try? python(["s3-list", "--endpoint", fleet.moto.endpoint, "--bucket", fleet.moto.bucket]))?["keys"] as? [String]) ?? []
        }
        // Nobody asks for it: the instances' sweep removes its parts, tail and state, and closes its row.
        try waitFor("the expired upload swept", attempts: 600) { !keys().contains { $0.contains(expired) } }
        let left = try python(["s3-list", "--endpoint", fleet.moto.endpoint, "--bucket", fleet.moto.bucket])
        #expect(left["multipartUploads"] as? Int == 1, "\(left)")  // the live one's
        #expect(try fleet.postgres.query("SELECT id FROM uploads WHERE terminated IS NOT NULL") == [expired])
        // The live one is untouched and still resumes where it stopped.
        #expect(keys().contains("fleet/.tus/\(live).json"))
        let head = try fleet.request(port: first, "HEAD", "/files/\(live)", headers: [Self.tus])
        #expect(head.status == 200 && head.headers["upload-offset"] == "\(5 << 20 + 1)", "\(head)")
    }

    @Test func aDeviceOverItsRequestLimitGets429WithRetryAfter() throws {
        let fleet = try FleetRig(rateLimit: ["requestsPerMinute": 3, "bytesPerSecond": "50M"])
        let port = try fleet.startInstance()
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<5 {
            let reply = try fleet.request(port: port, "OPTIONS", "/files/", headers: [Self.tus])
            statuses.append(reply.status)
            if reply.status == 429 { retryAfter = reply.headers["retry-after"] }
        }
        #expect(statuses.prefix(3) == [204, 204, 204] && statuses.suffix(2) == [429, 429], "\(statuses)")
        #expect(Int(retryAfter ?? "") ?? 0 >= 1)
    }
}

extension FileHandle {
    /// One line (without its newline), read byte by byte.
    func readLine() -> String {
        var line = [UInt8]()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0a { break }
            line.append(byte.first!)
        }
        return String(decoding: line, as: UTF8.self)
    }
}

/// The reliable ack under faults, and the board's `fleet` sink as the client.
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct IngestDeliveryTests {
    @Test func withPostgreSQLDownNothingIsAcknowledgedThenTuspyFinishesIt() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let clip = try fleet.file("rear.mp4", size: 6 << 20 + 77)
        let path = "TeslaCam/SavedClips/2026-11-30_13-00-00/2026-11-30_12-59-00-back.mp4"
        // All but the last 77 bytes while the catalog is up; then PostgreSQL goes down.
        let begun = try fleet.upload(port: port, file: clip.path, path: path, extra: ["--kind", "saved", "--stop-at", "\(6 << 20)", "--chunk", "\(6 << 20)"])
        let uploadURL = begun["url"] as? String ?? ""
        let location = String(uploadURL[(uploadURL.range(of: "/files/")?.lowerBound ?? uploadURL.startIndex)...])
        fleet.postgres.stop()
        let last = try fleet.request(port: port, "PATCH", location, headers: [IngestEndToEndTests.tus,
                                     "Content-Type: application/offset+octet-stream", "Upload-Offset: \(6 << 20)"],
                                     body: (clip.path, 6 << 20, 77))
        #expect(last.status == 503 && last.headers["retry-after"] != nil && last.body.contains("PostgreSQL"), "\(last)")
        let status = try fleet.request(port: port, "GET", "/status")
        #expect(status.status == 503 && status.body.contains("cannot query PostgreSQL"), "\(status)")
        // Without the catalog a PATCH cannot be kept apart from others of the same upload: nothing of it was kept,
        // and no client takes the upload as done.
        let held = try fleet.request(port: port, "HEAD", location, headers: [IngestEndToEndTests.tus])
        #expect(held.headers["upload-offset"] == "\(6 << 20)", "\(held)")
        try fleet.postgres.start()
        // tuspy resumes; the file is stored, catalogued and acknowledged.
        let resumed = try fleet.upload(port: port, file: clip.path, path: path,
                                       extra: ["--kind", "saved", "--resume", "https://localhost:\(port)\(location)"])
        #expect(resumed["offset"] as? Int == 6 << 20 + 77, "\(resumed) \(fleet.log(port).suffix(1500))")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT size FROM clips WHERE path = '\(path)'") == ["\(6 << 20 + 77)"])
    }
}

import Outbound
import Sinks

extension IngestDeliveryTests {
    /// The board's side: `FleetSink` (tus over libcurl with the board's certificate) delivering archive files.
    @Test func theBoardsFleetSinkDeliversAndIsAcknowledgedOnlyByTheServer() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let clip = try fleet.file("front.mp4", size: 9 << 20 + 5)
        let path = "TeslaCam/SentryClips/2026-11-30_14-00-00/2026-11-30_13-59-00-front.mp4"
        let sink = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.listed.cert, keyFile: fleet.listed.key,
                             caFile: fleet.caFile, chunkSize: 5 << 20)
        try sink.check()
        let record = OutgoingRecord(kind: .sentry, content: .file(archivePath: path, source: clip.path, remoteName: path,
                                                                  sha256: clip.sha256, size: 9 << 20 + 5))
        let transfer = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink.deliver(record, transfer: transfer)
        #expect(transfer.sent == 9 << 20 + 5)
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        // The event folder's event.json: its fields go with it and are catalogued as the event's.
        let eventJSON = fleet.scratch.path + "/event.json"
        try #"{"timestamp":"2026-11-30T13:59:30","city":"Bergen","reason":"sentry_aware_object_detection","camera":"0"}"#
            .write(toFile: eventJSON, atomically: true, encoding: .utf8)
        let eventPath = "TeslaCam/SentryClips/2026-11-30_14-00-00/event.json"
        let size = Int64((try FileManager.default.attributesOfItem(atPath: eventJSON)[.size] as? Int) ?? 0)
        let digest = String(try run("/usr/bin/sha256sum", [eventJSON]).output.prefix(64))
        try sink.deliver(OutgoingRecord(kind: .sentry, content: .file(archivePath: eventPath, source: eventJSON, remoteName: eventPath,
                                                                      sha256: digest, size: size)),
                         transfer: Transfer(sinkBytesPerSecond: nil, throttle: .unlimited))
        #expect(try fleet.postgres.query("SELECT fields->>'event', fields->>'event.city', fields->>'event.reason' FROM events")
            == ["SentryClips/2026-11-30_14-00-00|Bergen|sentry_aware_object_detection"])
        // Delivered again (a board that lost its own record of it): acknowledged at once, nothing sent.
        let again = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink.deliver(record, transfer: again)
        #expect(again.sent == 0)
        // A board whose certificate is not on devices.allow is stopped with the server's words.
        let unlisted = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.unlisted.cert, keyFile: fleet.unlisted.key,
                                 caFile: fleet.caFile)
        #expect(throws: SinkError.self) { try unlisted.check() }
        do { try unlisted.deliver(record, transfer: Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)) } catch {
            #expect(error.isPermanent && error.description.contains("devices.allow"), "\(error)")
        }
    }
}
