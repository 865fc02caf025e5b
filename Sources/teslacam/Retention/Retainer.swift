import Catalog
import Foundation
import Logging
import Retention
import Synchronization
import Volume

/// Runs retention inside the daemon on a thread of its own, when `RetentionTrigger` says a pass is due (checked
/// every `checkInterval` with one statvfs: cheap, and no engine lock). Half a second: the car writes up to ~40 MiB/s
/// through the gadget, and a 2 s interval let free space dip under the reserve on a loaded machine (DiskFullCarTests).
final class Retainer: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = Mutex<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let totals = Mutex(Totals())

    /// Counters over the daemon's life, logged when it stops.
    struct Totals {
        var passes = 0
        var evictions = 0
        var evictedBytes: UInt64 = 0
        /// Evictions of footage not uploaded everywhere it is routed.
        var notUploadedEvictions = 0
        /// Evictions by `EvictionReason.label`, and the space the last pass left and kept (for the metrics).
        var evictionsByReason: [String: Int] = [:]
        var lastFree: UInt64?
        var lastReserve: UInt64?
    }

    /// What the loop remembers between passes.
    private struct Memory {
        var lastPass: ContinuousClock.Instant?
        var reserve: UInt64 = 0
        var freeAfter: UInt64 = .max
        /// Since when the reserve could not be kept, and when that was last logged.
        var shortSince: ContinuousClock.Instant?
        var shortLogged: ContinuousClock.Instant?
    }

    /// Retention evicts this far above the reserve, and starts once free space comes this close to it: the car
    /// keeps writing (up to 4 MB/s) between checks and during a pass, and evicting only down to the reserve let
    /// free space sit tens of MiB under it (found by DiskFullCarTests on a 256 MiB disk).
    static let headroom: UInt64 = 32 << 20

    /// A lasting shortfall is repeated in the log this often.
    static let shortfallLogInterval: Duration = .seconds(600)

    init(engine: VolumeEngine, pass: RetentionPass, archive: ArchiveStore, logger: Logger,
         beforePass: @escaping @Sendable () -> Void, trigger: RetentionTrigger = RetentionTrigger(),
         checkInterval: Duration = .milliseconds(500)) {
        let thread = Thread { [self] in
            var memory = Memory()
            _ = pass.removeOrphanedDerivedFiles(logger: logger)
            while running.load(ordering: .relaxed) {
                let since = memory.lastPass.map { ContinuousClock.now - $0 }
                if trigger.isDue(sinceLastPass: since, free: archive.fileSystemSpace()?.free, reserve: memory.reserve,
                                 freeAfterLastPass: memory.freeAfter) {
                    beforePass()
                    runPass(engine: engine, pass: pass, logger: logger, memory: &memory)
                }
                let (seconds, attoseconds) = checkInterval.components
                _ = wake.wait(timeout: .now() + .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)))
            }
            done.signal()
        }
        thread.name = "teslacam-retention"
        thread.start()
    }

    private func runPass(engine: VolumeEngine, pass: RetentionPass, logger: Logger, memory: inout Memory) {
        let now = { Int64(Date().timeIntervalSince1970) }
        memory.lastPass = ContinuousClock.now
        var space = engine.space()
        // Planned as if `headroom` less were free: the pass leaves room for what the car writes until the next.
        space.archiveFreeBytes = space.archiveFreeBytes.map { $0 > Self.headroom ? $0 - Self.headroom : 0 }
        let plan: RetentionPlan
        do {
            plan = try pass.plan(referenced: engine.referencedArchivePaths(), space: space, now: now())
        } catch {
            logger.error("retention cannot read the catalog", metadata: ["error": "\(error)"])
            return
        }
        let result = pass.carryOut(plan, engine: engine, logger: logger, now: now,
                                   proceed: { running.load(ordering: .relaxed) })
        totals.withLock { totals in
            totals.passes += 1
            totals.evictions += result.evicted.count
            totals.evictedBytes += result.evictedBytes
            totals.notUploadedEvictions += result.notUploaded
            for eviction in result.evicted { totals.evictionsByReason[eviction.reason.label, default: 0] += 1 }
        }
        let free = engine.space().archiveFreeBytes ?? 0
        totals.withLock { totals in
            totals.lastFree = free
            totals.lastReserve = plan.reserveBytes
        }
        memory.reserve = plan.reserveBytes + Self.headroom
        memory.freeAfter = free
        if !result.evicted.isEmpty {
            logger.notice("retention pass", metadata: [
                "evicted": "\(result.evicted.count)", "bytes": "\(Wording.bytes(result.evictedBytes))",
                "derived": "\(result.derivedFiles) files, \(Wording.bytes(result.derivedBytes))",
                "free": "\(Wording.bytes(free))", "reserve": "\(Wording.bytes(plan.reserveBytes))",
            ])
        }
        // Short only when nothing else may go and the reserve itself (not the headroom) is not kept.
        let short = plan.shortfallBytes > 0 && free < plan.reserveBytes ? plan.reserveBytes - free : 0
        reportShortfall(short, free: free, reserve: plan.reserveBytes, logger: logger, memory: &memory)
    }

    /// Once when the reserve cannot be kept, again every ten minutes while it lasts, and once when it is kept again.
    private func reportShortfall(_ short: UInt64, free: UInt64, reserve: UInt64, logger: Logger, memory: inout Memory) {
        let now = ContinuousClock.now
        guard short > 0 else {
            if memory.shortSince != nil {
                logger.notice("the archive's free space is back above the reserve", metadata: [
                    "free": "\(Wording.bytes(free))", "reserve": "\(Wording.bytes(reserve))",
                ])
            }
            memory.shortSince = nil
            memory.shortLogged = nil
            return
        }
        if memory.shortSince == nil { memory.shortSince = now }
        if let logged = memory.shortLogged, now - logged < Self.shortfallLogInterval { return }
        memory.shortLogged = now
        let message = "the archive's free space is below the reserve and nothing else may be evicted: the car's "
            + "own clips and what the sinks have not acknowledged fill the disk"
        logger.warning("\(message)", metadata: [
                "free": "\(Wording.bytes(free))", "reserve": "\(Wording.bytes(reserve))", "short": "\(Wording.bytes(short))",
            ])
    }

    var statistics: Totals { totals.withLock { $0 } }

    /// Returns once the thread has finished its pass in progress; later calls return at once.
    func stop() {
        let first = finished.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        running.store(false, ordering: .relaxed)
        wake.signal()
        done.wait()
    }
}
