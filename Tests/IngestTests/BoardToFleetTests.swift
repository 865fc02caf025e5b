import CarSimulator
import Catalog
import FAT32
import Foundation
import Logging
import Outbound
import Sinks
import Synchronization
import Testing
import Volume

/// The whole path: a simulated car writes a Sentry event through the real engine, the board's catalog queues it,
/// the uploader's `fleet` sink sends it over tus + mutual TLS, and the ingest server stores it in S3 and catalogues
/// it in PostgreSQL. (The engine without FUSE, as the sink tests drive it; FUSE is the integration tests' part.)
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct BoardToFleetTests {
    @Test func aSentryEventTheCarWritesReachesS3ByteIdenticalAndCatalogued() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let board = try BoardRig(routes: Routes([.sentry: ["fleet"]]))
        board.sentryEvent("2026-11-30_16-00-00", clipBytes: 6_000_000)
        board.play()
        let sink = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.listed.cert, keyFile: fleet.listed.key,
                             caFile: fleet.caFile, chunkSize: 5 << 20)
        let uploader = Uploader(catalog: board.catalog, sinks: [SinkSetup(sink: sink)], archiveRoot: board.archive,
                                throttle: .unlimited, policy: BoardRig.fastPolicy, logger: boardLogger)
        uploader.start()
        var delivered = false
        for _ in 0..<1200 where !delivered {
            delivered = try board.catalog.jobs(sink: "fleet").allSatisfy { $0.state != .pending && $0.state != .waiting }
                && !(try board.catalog.jobs(sink: "fleet")).isEmpty
            if !delivered { usleep(100_000) }
        }
        uploader.stop()
        let status = try board.catalog.sinkStatus("fleet")
        #expect(delivered, "\(status)")
        var files = 0
        for clip in try board.catalog.clips() where clip.path.hasPrefix("TeslaCam/SentryClips/") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: board.archive + "/" + clip.path))
            let digest = String(try run("/usr/bin/sha256sum", [board.archive + "/" + clip.path]).output.prefix(64))
            #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(clip.path)") == digest, "\(clip.path)")
            #expect(try fleet.postgres.query("SELECT size FROM clips WHERE path = '\(clip.path)'") == ["\(bytes.count)"])
            files += 1
        }
        #expect(files == 4)  // event.json, thumb.png, two cameras
        #expect(try fleet.postgres.query("SELECT fields->>'event.city' FROM events") == ["Berlin"])
    }

    /// A board over its rate limit (6 requests a minute: one event needs about ten) is answered 429 with
    /// Retry-After; its fleet sink waits as told and sends the same request again, so every request the limit
    /// allows moves the upload on, and every file arrives whole without a failed delivery.
    @Test func aBoardOverItsRateLimitIsSlowedWith429AndLosesNothing() throws {
        let fleet = try FleetRig(rateLimit: ["requestsPerMinute": 6, "bytesPerSecond": "4M"])
        let port = try fleet.startInstance()
        let board = try BoardRig(routes: Routes([.sentry: ["fleet"]]))
        board.sentryEvent("2026-12-02_09-00-00", clipBytes: 6_000_000)
        board.play()
        // As the daemon makes it (SinkFactory): uploads under way remembered between deliveries.
        let sink = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.listed.cert, keyFile: fleet.listed.key,
                             caFile: fleet.caFile, chunkSize: 5 << 20, resumeDirectory: fleet.scratch.path + "/resume")
        let uploader = Uploader(catalog: board.catalog, sinks: [SinkSetup(sink: sink)], archiveRoot: board.archive,
                                throttle: .unlimited, policy: BoardRig.fastPolicy, logger: boardLogger)
        // Every error the sink reported on the way, as the catalog kept them (the last one is overwritten).
        var errors = Set<String>()
        func delivered() throws -> Bool {
            let jobs = try board.catalog.jobs(sink: "fleet")
            for job in jobs { if let error = job.lastError { errors.insert(error) } }
            if let error = try board.catalog.sinkStatus("fleet").lastError { errors.insert(error) }
            return jobs.count == 4 && jobs.allSatisfy { $0.state != .pending && $0.state != .waiting }
        }
        uploader.start()
        defer { uploader.stop() }
        do { try waitFor("the event delivered under the rate limit", attempts: 3000) { (try? delivered()) == true } } catch {
            let jobs = (try? board.catalog.jobs(sink: "fleet"))?.map { "\($0.path ?? "-") \($0.state) attempts=\($0.attempts)" } ?? []
            Issue.record("not delivered: \(jobs) errors: \(errors) server: \(fleet.log(port).suffix(3000))")
            return
        }

        // /metrics counts against the same device's limit: asked until the limit lets it through.
        var metrics = ""
        try waitFor("/metrics past the rate limit", attempts: 60) {
            guard let reply = try? fleet.request(port: port, "GET", "/metrics"), reply.status == 200 else { sleep(1); return false }
            metrics = reply.body
            return true
        }
        let hits = metrics.split(separator: "\n").filter { $0.hasPrefix("teslacam_ingest_rate_limit_hits_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(hits > 0, "the limit was reached: \(metrics)")
        // Slowed, not failed: no delivery came back to the queue as an error.
        let attempts = try board.catalog.jobs(sink: "fleet").map(\.attempts)
        #expect(errors.isEmpty && attempts == [0, 0, 0, 0], "\(errors) \(attempts)")
        var files = 0
        for clip in try board.catalog.clips() where clip.path.hasPrefix("TeslaCam/SentryClips/") {
            let digest = String(try run("/usr/bin/sha256sum", [board.archive + "/" + clip.path]).output.prefix(64))
            #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(clip.path)") == digest, "\(clip.path)")
            #expect(try fleet.postgres.query("SELECT sha256 FROM clips WHERE path = '\(clip.path)'") == [digest])
            files += 1
        }
        #expect(files == 4)
        #expect(try board.catalog.jobs(sink: "fleet").allSatisfy { $0.state == .done })
    }
}

let boardLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A clock the test moves by hand: the harvest's quiet period passes only when the test says so.
final class BoardClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { self.instant.withLock { $0 } } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

/// The board's side in one process: the engine harvesting a simulated car's writes into an archive, the catalog
/// following with `routes` (after the sink tests' CarRig).
final class BoardRig {
    let root = NSTemporaryDirectory() + "teslacam-board-\(UUID().uuidString.prefix(8))"
    let clock = BoardClock()
    let engine: VolumeEngine
    let catalog: ClipCatalog
    let ingest: CatalogIngest
    var car: SimulatedFileSystem
    let sentry: UInt32
    var archive: String { root + "/archive" }

    init(routes: Routes) throws {
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        let geometry = try VolumeGeometry(diskBytes: 512 << 20, layout: .mbr)
        let regions = RegionMap(geometry: geometry)
        let metadata = try BackingFile(path: root + "/state/metadata.img", create: true)
        try metadata.setSize(regions.metadataBytes)
        let staging = try BackingFile(path: root + "/state/staging.img", create: true)
        try staging.setSize(regions.stagingBytes)
        engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 7, formattedAt: 0),
                              metadata: metadata, staging: staging, logger: boardLogger,
                              archive: try ArchiveStore(root: root + "/archive"), now: clock.now)
        catalog = try ClipCatalog(path: root + "/state/catalog.sqlite", archiveRoot: root + "/archive", logger: boardLogger, routes: routes)
        ingest = CatalogIngest(catalog: catalog, engine: engine)
        car = SimulatedFileSystem(geometry: geometry, volumeID: 7, formattedAt: 0, seed: 11)
        sentry = car.makeDirectory("SentryClips", in: SimulatedFileSystem.teslaCamCluster)
        play()
    }

    deinit {
        engine.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    func play() {
        car.flush()
        for record in car.drainRecords() {
            switch record {
            case let .write(offset, data): engine.write(data, at: offset)
            case .flush: engine.flush()
            case .read: break
            }
        }
        clock.advance(by: .seconds(5))
        engine.settle()
        ingest.drain()
    }

    func sentryEvent(_ name: String, clipBytes: Int) {
        let folder = car.makeDirectory(name, in: sentry)
        let event = #"{"timestamp":"2026-11-30T16:00:00","city":"Berlin","reason":"sentry_aware_object_detection","camera":"0"}"#
        _ = car.createFile("event.json", in: folder, bytes: Array(event.utf8))
        _ = car.createFile("thumb.png", in: folder, bytes: [0x89, 0x50, 0x4e, 0x47] + [UInt8](repeating: 7, count: 2000))
        for (i, camera) in ["front", "back"].enumerated() {
            let id = car.createFile("\(name)-\(camera).mp4", in: folder, seed: UInt64(100 + i))
            car.append(id, count: clipBytes)
        }
    }

    static let fastPolicy = Uploader.Policy(backoff: Backoff(initial: 0.05, maximum: 0.5),
                                            breaker: CircuitBreaker(threshold: 5, cooldown: 0.2, maximumCooldown: 1),
                                            pollInterval: 0.05)
}
