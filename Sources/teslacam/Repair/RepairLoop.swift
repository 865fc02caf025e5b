import Catalog
import Dispatch
import Foundation
import Logging
import Synchronization

/// Repairs clips a power cut left without `moov`, inside the daemon: the catalog marks such a clip truncated once
/// the harvest gave up waiting for the rest (90 s without change), and this loop writes its playable copy under
/// `STATE/derived/repaired` on a thread of its own, at low priority (the car's writes come first).
final class RepairLoop: Sendable {
    private let running = Atomic<Bool>(true)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(catalog: ClipCatalog, state: String, archive: String, logger: Logger, interval: Duration = .seconds(60)) {
        let thread = Thread { [self] in
            // Clips that failed for a reason other than the clip itself (a full disk, an unreadable file) are tried
            // again after a restart, not every minute.
            var failed = Set<Int64>()
            while running.load(ordering: .relaxed) {
                do {
                    let before = try catalog.pendingRepairs().compactMap { $0.clip.id }
                    let outcome = try PendingRepairs.run(catalog: catalog, state: state, archive: archive, skip: failed) {
                        logger.notice("clip repaired", metadata: ["copy": "\($0)"])
                    }
                    for failure in outcome.failed {
                        logger.warning("a truncated clip could not be repaired",
                                       metadata: ["clip": "\(failure.path)", "reason": "\(failure.reason)"])
                    }
                    let still = Set(try catalog.pendingRepairs().compactMap { $0.clip.id })
                    failed.formUnion(before.filter { still.contains($0) })
                } catch {
                    logger.warning("the repair of truncated clips could not read the catalog", metadata: ["error": "\(error)"])
                }
                _ = wake.wait(timeout: .now() + .seconds(Int(interval.components.seconds)))
            }
            done.signal()
        }
        thread.qualityOfService = .background
        thread.name = "repair"
        thread.start()
    }

    /// Ends the loop (a repair under way finishes first).
    func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        wake.signal()
        done.wait()
    }
}
