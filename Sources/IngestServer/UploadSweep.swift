import Foundation
import Ingest
import Logging
import ServiceLifecycle

/// Removes expired uploads that no client asks for again (asked for, one is removed and answered 410): every
/// `interval` seconds, at most `batch` open uploads, the least recently checked first, so the work per round is
/// bounded and every open upload is looked at in turn. Safe with several instances: each round claims its batch in
/// PostgreSQL (instances sweeping at once take different uploads) and takes an expired upload's lease before
/// removing it, so an upload with a PATCH in progress on any instance is left alone.
struct UploadSweep: Service {
    let service: TusService
    let interval: Double
    let batch: Int

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            // Jittered, so instances started together do not sweep together.
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval * Double.random(in: 0.8...1.2))) } } catch { return }
            await service.sweep(batch: batch)
        }
    }
}

extension TusService {
    /// One round of the sweep; how many expired uploads it removed.
    @discardableResult
    func sweep(batch: Int) async -> Int {
        let ids: [String]
        do { ids = try await catalog.claimForSweep(limit: batch) } catch {
            logger.warning("the upload sweep cannot ask the catalog (PostgreSQL) for open uploads; next round: \(String(reflecting: error))")
            return 0
        }
        var removed = 0
        for id in ids {
            do throws(TusError) {
                // Looked at without its lease first: a live upload's PATCHes are never kept waiting by the sweep.
                let seen = try await loadState(id, device: nil, allowExpired: true)
                if seen.completed { try? await catalog.closed(id); continue }
                guard isExpired(seen) else { continue }
                // Held by a PATCH (or another instance's sweep): not ours to remove now.
                guard let lease = try? await UploadLease.acquire(id, catalog: catalog, seconds: config.uploads.leaseSeconds) else { continue }
                // Read again under the lease: a PATCH may have come in between.
                if let state = try? await loadState(id, device: nil, allowExpired: true), isExpired(state) {
                    await remove(state)
                    try? await catalog.terminated(id)
                    metrics.add("teslacam_ingest_expired_uploads_total")
                    logger.info("removed the expired upload \(id) of \(state.device) (\(state.path), \(state.offset) of \(state.length) bytes)")
                    removed += 1
                }
                await lease.release()
            } catch {
                // Gone from the store already (removed when asked for after it expired): its row is closed too.
                if error.status == 404 { try? await catalog.terminated(id) }
            }
        }
        return removed
    }
}
