import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// Object storage or the catalog down in the middle of uploads: every answer is a 503 with Retry-After and words,
/// nothing is acknowledged that is not stored and catalogued, and clients finish once the stores are back.
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct StoreOutageTests {
    static let tus = IngestEndToEndTests.tus

    @Test func withObjectStorageDownMidPATCHNothingIsKeptAndTuspyFinishesOnceItIsBack() throws {
        let fleet = try FleetRig(relayedStorage: true)
        let port = try fleet.startInstance()
        let clip = try fleet.file("outage.mp4", size: 11 << 20 + 99)
        let path = "TeslaCam/SentryClips/2026-12-01_10-00-00/2026-12-01_09-59-00-right_repeater.mp4"
        let begun = try fleet.upload(port: port, file: clip.path, path: path, extra: ["--stop-at", "\(5 << 20)", "--chunk", "\(5 << 20)"])
        let uploadURL = begun["url"] as? String ?? ""
        let location = String(uploadURL[(uploadURL.range(of: "/files/")?.lowerBound ?? uploadURL.startIndex)...])
        // A PATCH of 4 MiB (less than a part: it would be kept as the upload's tail) is half sent when S3 goes away.
        let stdin = Pipe()
        let out = Pipe()
        let patch = Process()
        patch.executableURL = URL(fileURLWithPath: pythonExecutable)
        patch.arguments = [ingestClient, "cut-patch", "--ca", fleet.caFile, "--cert", fleet.listed.cert, "--key", fleet.listed.key,
                           "--port", "\(port)", "--path", location, "--file", clip.path, "--offset", "\(5 << 20)",
                           "--length", "\(4 << 20)", "--send", "\(2 << 20)", "--rest"]
        patch.standardOutput = out
        patch.standardInput = stdin
        try patch.run()
        _ = out.fileHandleForReading.readLine()
        fleet.relay?.stop()
        try stdin.fileHandleForWriting.close()
        let answer = out.fileHandleForReading.readLine()
        patch.waitUntilExit()
        #expect(answer.contains("\"status\": 503"), "\(answer)")
        // Every request that needs the store says so in words, with when to come back.
        let head = try fleet.request(port: port, "HEAD", location, headers: [Self.tus])
        #expect(head.status == 503 && head.headers["retry-after"] != nil, "\(head)")
        let next = try fleet.request(port: port, "PATCH", location, headers: [Self.tus, "Content-Type: application/offset+octet-stream",
                                     "Upload-Offset: \(5 << 20)"], body: (clip.path, 5 << 20, 1 << 20))
        #expect(next.status == 503 && next.headers["retry-after"] != nil, "\(next)")
        #expect(next.body.contains("object storage") && next.body.contains("nothing is acknowledged"), "\(next.body)")
        let status = try fleet.request(port: port, "GET", "/status")
        #expect(status.status == 503, "\(status)")
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips") == ["0"])

        try fleet.relay?.start()
        // Nothing of the cut PATCH was kept; tuspy continues from the last stored part.
        let held = try fleet.request(port: port, "HEAD", location, headers: [Self.tus])
        #expect(held.status == 200 && held.headers["upload-offset"] == "\(5 << 20)", "\(held)")
        let resumed = try fleet.upload(port: port, file: clip.path, path: path, extra: ["--resume", "https://localhost:\(port)\(location)"])
        #expect(resumed["offset"] as? Int == 11 << 20 + 99, "\(resumed) \(fleet.log(port).suffix(1500))")
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(try fleet.postgres.query("SELECT size FROM clips WHERE path = '\(path)'") == ["\(11 << 20 + 99)"])
    }

    /// The board's uploader with a `fleet` sink keeps retrying through an S3 outage, then a PostgreSQL one, and
    /// delivers every file of both events once each store is back; nothing was acknowledged meanwhile.
    @Test func theBoardsFleetSinkWaitsOutObjectStorageAndCatalogOutages() throws {
        let fleet = try FleetRig(relayedStorage: true)
        let port = try fleet.startInstance()
        let board = try BoardRig(routes: Routes([.sentry: ["fleet"]]))
        let sink = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.listed.cert, keyFile: fleet.listed.key,
                             caFile: fleet.caFile, chunkSize: 5 << 20)
        let uploader = Uploader(catalog: board.catalog, sinks: [SinkSetup(sink: sink)], archiveRoot: board.archive,
                                throttle: .unlimited, policy: BoardRig.fastPolicy, logger: boardLogger)
        func failedOnce() throws -> Bool { try board.catalog.sinkStatus("fleet").lastErrorAt != nil }
        func delivered(_ count: Int) throws -> Bool {
            let jobs = try board.catalog.jobs(sink: "fleet")
            return jobs.count == count && jobs.allSatisfy { $0.state != .pending && $0.state != .waiting }
        }

        fleet.relay?.stop()
        board.sentryEvent("2026-12-01_11-00-00", clipBytes: 6_000_000)
        board.play()
        uploader.start()
        defer { uploader.stop() }
        try waitFor("a failed delivery while S3 is down") { (try? failedOnce()) == true }
        #expect(try fleet.postgres.query("SELECT count(*) FROM clips") == ["0"])
        #expect(try !delivered(4))
        try fleet.relay?.start()
        try waitFor("the first event delivered") { (try? delivered(4)) == true }

        let before = try board.catalog.sinkStatus("fleet").lastErrorAt
        fleet.postgres.stop()
        board.sentryEvent("2026-12-01_11-10-00", clipBytes: 5_500_000)
        board.play()
        try waitFor("a failed delivery while PostgreSQL is down") { (try? board.catalog.sinkStatus("fleet").lastErrorAt) != before }
        #expect(try !delivered(8))
        try fleet.postgres.start()
        try waitFor("the second event delivered", attempts: 1200) { (try? delivered(8)) == true }

        var files = 0
        for clip in try board.catalog.clips() where clip.path.hasPrefix("TeslaCam/SentryClips/") {
            let digest = String(try run("/usr/bin/sha256sum", [board.archive + "/" + clip.path]).output.prefix(64))
            #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(clip.path)") == digest, "\(clip.path)")
            #expect(try fleet.postgres.query("SELECT sha256 FROM clips WHERE path = '\(clip.path)'") == [digest])
            files += 1
        }
        #expect(files == 8)
        let states = try board.catalog.jobs(sink: "fleet").map(\.state)
        #expect(states.allSatisfy { $0 == .done }, "\(states)")
    }
}
