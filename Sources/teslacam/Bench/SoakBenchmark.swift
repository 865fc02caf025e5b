import BlockTrace
import CLinux
import CarSimulator
import Catalog
import FAT32
import Foundation
import Logging
import Retention
import Volume

/// `teslacam bench soak`: a simulated day (or several) of driving and parking replayed through the harvesting
/// engine, its catalog and retention, in this process and without FUSE, on a simulated clock. What must stay level
/// over a board's months (memory, the harvest's records, the archive under its quota) is sampled every simulated
/// hour.
///
/// Retention runs as the daemon runs it: a pass every simulated minute, the standard policy (reserve auto: the
/// volume's free clusters + minFree), evicting through `VolumeEngine.evict`. The archive's disk is simulated
/// as `volume + minFree + room` bytes, of which archive and state use what `du` says, so once the footage the car
/// deleted outgrows `room`, retention evicts the oldest.
struct SoakBenchmark {
    let directory: String
    var size = "30G"
    var hours = 24
    var room: UInt64 = 64 << 20
    var cacheBytes = VolumeEngine.defaultCacheLimit
    var car: (inout CarDay) -> Void = { _ in }
    var policy = RetentionPolicy.standard
    var seed: UInt64 = 7

    /// 2026-11-25 07:00:00 UTC: the soak starts with the morning's drive, so hour 1 is a busy hour.
    static let epoch: Int64 = 1_795_564_800 + 7 * 3600

    struct Outcome {
        var hours: [SoakHour]
        var peakRSSKiB: Int
        var geometry: VolumeGeometry
        var diskBytes: UInt64
        /// The harvest's figures and files on the car's volume at the end.
        var statistics: HarvestStatistics
        var carFiles: Int
        var evictions: Int
        var failedEvictions: Int
    }

    func run(report: (SoakHour) -> Void = { _ in }) throws -> Outcome {
        // As `teslacam run` does: with one malloc arena per thread, what a thread freed stays in its arena, and the
        // RSS measured depended on which threads happened to allocate (62 or 78 MiB at 128 GiB, run to run).
        _ = clinux_limit_malloc_arenas(2)
        guard let volumeBytes = ByteSize(parsing: size)?.bytes else { throw BenchError("bad size \(size)") }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let geometry = try VolumeGeometry(diskBytes: volumeBytes, layout: .mbr)
        var logger = Logger(label: "soak")
        logger.logLevel = .error

        let clock = SimulatedClock(epoch: Self.epoch)
        let statePath = directory + "/state", archivePath = directory + "/archive"
        let state = StateDirectory(path: statePath)
        let engine = try state.format(geometry: geometry, volumeID: 7, formattedAt: Self.epoch - 3600, logger: logger,
                                      archive: try ArchiveStore(root: archivePath), cacheLimit: cacheBytes,
                                      now: { clock.instant })
        let catalog = try ClipCatalog(path: state.catalogPath, archiveRoot: archivePath, logger: logger)
        // In the engine's order and on the simulated clock (the daemon hands them to a queue of their own).
        engine.subscribe { events in catalog.apply(events, now: clock.seconds) }
        let pass = RetentionPass(catalog: catalog, policy: policy, state: statePath, archive: archivePath)
        let diskBytes = UInt64(geometry.clusterCount) * UInt64(geometry.clusterSize) + policy.minFreeBytes + room

        var day = CarDay(geometry: geometry, volumeID: 7, formattedAt: Self.epoch - 3600, start: Self.epoch, seed: seed)
        car(&day)
        var rows: [SoakHour] = []
        var totalEvictions = 0, failedEvictions = 0
        var hour = SoakHour(hour: 1, drivingMinutes: 0, sentryEvents: 0, carFiles: 0, rssKiB: 0, recordsHeld: 0,
                            recordsRetired: 0, catalogRows: 0, catalogBytes: 0, archiveBytes: 0, evictions: 0,
                            evictedBytes: 0)
        for minute in 0..<hours * 60 {
            let start = Int64(minute) * 60_000
            if day.activity == .driving { hour.drivingMinutes += 1 }
            let sentryBefore = day.sentryEvents
            day.advance()
            hour.sentryEvents += day.sentryEvents - sentryBefore
            // The car's writes spread over the first 40 s of the minute; then the daemon's settle and retention.
            let records = day.drainRecords()
            for (i, record) in records.enumerated() {
                clock.set(millisecondsSinceEpoch: start + Int64(i) * 40_000 / Int64(max(1, records.count)))
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
            clock.set(millisecondsSinceEpoch: start + 50_000)
            engine.settle()
            let used = DiskUsage.allocatedBytes(under: archivePath) + DiskUsage.allocatedBytes(under: statePath)
            let space = VolumeSpace(volumeFreeBytes: engine.space().volumeFreeBytes,
                                    archiveFreeBytes: diskBytes > used ? diskBytes - used : 0, archiveTotalBytes: diskBytes)
            let plan = try pass.plan(referenced: engine.referencedArchivePaths(), space: space, now: clock.seconds)
            let result = pass.carryOut(plan, engine: engine, logger: logger, now: { clock.seconds })
            hour.evictions += result.evicted.count
            hour.evictedBytes += result.evictedBytes
            totalEvictions += result.evicted.count
            failedEvictions += result.skipped.filter { if case .failed = $0.1 { true } else { false } }.count

            guard (minute + 1) % 60 == 0 else { continue }
            let h = engine.statistics.harvest
            hour.carFiles = day.liveFiles
            hour.rssKiB = DiskUsage.residentKiB().now
            hour.recordsHeld = h.recordsHeld
            hour.recordsRetired = h.recordsRetired
            hour.catalogRows = try catalog.clipCount()
            hour.catalogBytes = ["", "-wal", "-shm"].reduce(0) { $0 + DiskUsage.allocatedBytes(under: state.catalogPath + $1) }
            hour.archiveBytes = DiskUsage.allocatedBytes(under: archivePath)
            report(hour)
            rows.append(hour)
            hour = SoakHour(hour: hour.hour + 1, drivingMinutes: 0, sentryEvents: 0, carFiles: 0, rssKiB: 0,
                            recordsHeld: 0, recordsRetired: 0, catalogRows: 0, catalogBytes: 0, archiveBytes: 0,
                            evictions: 0, evictedBytes: 0)
        }
        let statistics = engine.statistics.harvest
        engine.close()
        return Outcome(hours: rows, peakRSSKiB: DiskUsage.residentKiB().peak, geometry: geometry, diskBytes: diskBytes,
                       statistics: statistics, carFiles: day.liveFiles, evictions: totalEvictions,
                       failedEvictions: failedEvictions)
    }
}
