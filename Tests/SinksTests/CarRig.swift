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

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A clock the test moves by hand: the harvest's quiet period passes only when the test says so.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { self.instant.withLock { $0 } } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

/// A simulated car writing through a real engine into an archive, the catalog following with `routes`: the
/// files it writes become upload jobs as they complete.
final class CarRig {
    let root = NSTemporaryDirectory() + "teslacam-sinks-\(UUID().uuidString)"
    let clock = ManualClock()
    let engine: VolumeEngine
    let catalog: ClipCatalog
    let ingest: CatalogIngest
    var car: SimulatedFileSystem
    let recent: UInt32
    let saved: UInt32
    let sentry: UInt32
    let routes: Routes

    var archive: String { root + "/archive" }
    var catalogPath: String { root + "/state/catalog.sqlite" }

    init(routes: Routes) throws {
        self.routes = routes
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        let geometry = try VolumeGeometry(diskBytes: 512 << 20, layout: .mbr)
        let regions = RegionMap(geometry: geometry)
        let metadata = try BackingFile(path: root + "/state/metadata.img", create: true)
        try metadata.setSize(regions.metadataBytes)
        let staging = try BackingFile(path: root + "/state/staging.img", create: true)
        try staging.setSize(regions.stagingBytes)
        engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 7, formattedAt: 0),
                              metadata: metadata, staging: staging, logger: quietLogger,
                              archive: try ArchiveStore(root: root + "/archive"), now: clock.now)
        catalog = try ClipCatalog(path: root + "/state/catalog.sqlite", archiveRoot: root + "/archive",
                                  logger: quietLogger, routes: routes)
        ingest = CatalogIngest(catalog: catalog, engine: engine)
        car = SimulatedFileSystem(geometry: geometry, volumeID: 7, formattedAt: 0, seed: 11)
        recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        saved = car.makeDirectory("SavedClips", in: SimulatedFileSystem.teslaCamCluster)
        sentry = car.makeDirectory("SentryClips", in: SimulatedFileSystem.teslaCamCluster)
        play()
    }

    deinit {
        engine.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Hands what the car wrote to the engine, flushes, lets the quiet period pass, and waits for the catalog.
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

    /// A clip of `bytes` pattern bytes, complete once played.
    @discardableResult
    func clip(_ name: String, in directory: UInt32, bytes: Int, seed: UInt64) -> SimulatedFileSystem.FileID {
        let id = car.createFile(name, in: directory, seed: seed)
        car.append(id, count: bytes)
        return id
    }

    /// A Sentry event folder as the car writes it: event.json, thumb.png, and a clip per camera.
    func sentryEvent(_ name: String, cameras: [String] = ["front", "back"], clipBytes: Int = 300_000) {
        let folder = car.makeDirectory(name, in: sentry)
        _ = car.createFile("event.json", in: folder, bytes: Array(Self.eventJSON(name).utf8))
        _ = car.createFile("thumb.png", in: folder, bytes: [0x89, 0x50, 0x4e, 0x47] + [UInt8](repeating: 7, count: 2000))
        for (i, camera) in cameras.enumerated() {
            clip("\(name)-\(camera).mp4", in: folder, bytes: clipBytes, seed: UInt64(100 + i))
        }
    }

    static func eventJSON(_ timestamp: String) -> String {
        #"{"timestamp":"2026-11-25T10:00:00","city":"Berlin","street":"Unter den Linden","est_lat":"52.5170","est_lon":"13.3889","reason":"sentry_aware_object_detection","camera":"0"}"#
    }

    /// Every complete file of the archive that `routes` sends somewhere, archive path → bytes.
    func routedArchiveFiles() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for clip in try catalog.clips() where clip.state == .complete || clip.state == .deleted {
            guard FileRecord(archivePath: clip.path) != nil else { continue }
            files[clip.path] = FileManager.default.contents(atPath: archive + "/" + clip.path)
        }
        return files
    }

    func uploader(_ setups: [SinkSetup], throttle: Throttle = .unlimited,
                  policy: Uploader.Policy = CarRig.fastPolicy) -> Uploader {
        Uploader(catalog: catalog, sinks: setups, archiveRoot: archive, throttle: throttle, policy: policy,
                 logger: quietLogger)
    }

    /// Retries in a fraction of a second, so the faults tests finish quickly; the breaker rests briefly.
    static let fastPolicy = Uploader.Policy(backoff: Backoff(initial: 0.05, maximum: 0.5),
                                            breaker: CircuitBreaker(threshold: 5, cooldown: 0.2, maximumCooldown: 1),
                                            pollInterval: 0.05)
}

/// Waits for `condition`, checking every 50 ms. The limit only stops a test that hangs; a slow machine
/// merely takes longer.
func eventually(limit: Double = 300, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(limit)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

extension ClipCatalog {
    /// Jobs of `sink` that are not delivered yet.
    func openJobs(_ sink: String) throws -> [UploadJob] {
        try jobs(sink: sink).filter { $0.state == .pending || $0.state == .waiting }
    }
}

/// A directory under /tmp, removed when the value goes away.
final class Scratch {
    let path: String
    init(_ name: String) {
        path = NSTemporaryDirectory() + "teslacam-\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Every regular file under `root`, relative path → bytes (temporary names included: a test wants to see them).
func filesUnder(_ root: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
    while let relative = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[relative] = FileManager.default.contents(atPath: root + "/" + relative)
        }
    }
    return result
}
