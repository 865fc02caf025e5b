import Catalog
import Foundation
import MetricsExport
import Sinks
import Volume

/// What a running daemon shows at `/metrics`: the web listener calls `text()` per scrape.
struct DaemonMetrics: Sendable {
    let engine: VolumeEngine
    let catalog: ClipCatalog
    let sinks: [any Sink]
    let uploader: Uploader?
    let retainer: Retainer?

    /// Prometheus text; a catalog that cannot be read leaves the sink lines out rather than failing the scrape.
    func text(now: Double = Date().timeIntervalSince1970) -> String {
        let retention = retainer.map { retainer in
            let totals = retainer.statistics
            return RetentionFigures(freeBytes: engine.space().archiveFreeBytes ?? totals.lastFree,
                                    reserveBytes: totals.lastReserve, evictions: totals.evictionsByReason,
                                    evictedBytes: totals.evictedBytes, passes: totals.passes)
        }
        let snapshot = (try? MetricsSnapshot.gather(engine: engine, catalog: catalog, sinks: sinks, uploader: uploader,
                                                     retention: retention, now: now))
            ?? MetricsSnapshot(harvest: HarvestFigures(engine.statistics), retention: retention)
        return TeslaCamMetrics.text(snapshot)
    }
}
