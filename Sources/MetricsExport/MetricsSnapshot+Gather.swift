import Catalog
import Foundation
import Sinks
import Volume

extension HarvestFigures {
    public init(_ statistics: VolumeStatistics) {
        self.init()
        carBytesWritten = statistics.carBytesWritten
        carBytesRead = statistics.carBytesRead
        flushRequests = statistics.flushRequests
        synchronizations = statistics.synchronizations
        writebacks = statistics.writebacks
        let harvest = statistics.harvest
        carDataBytesWritten = harvest.carDataBytesWritten
        archiveBytesWritten = harvest.archiveBytesWritten
        stagingBytesWritten = harvest.stagingBytesWritten
        promotedBytes = harvest.promotedBytes
        cachedBytes = harvest.cachedBytes
        filesCompleted = harvest.filesCompleted
        completionLatencyMedianSeconds = harvest.completionLatencyMedian
        completionLatencyMaxSeconds = harvest.completionLatencyMax
        longestPassSeconds = harvest.longestPassSeconds
        heldBytes = statistics.unflushedBytes
        heldLimitBytes = statistics.heldLimitBytes
        heldLostBytes = statistics.heldLostBytes
        backingStoreErrors = statistics.backingStoreErrors
    }
}

extension MetricsSnapshot {
    /// Reads what the daemon has: the engine's counters, each sink's queue from the catalog and its counters and
    /// breaker from the uploader, retention's figures as the caller keeps them. Any part may be absent.
    public static func gather(engine: VolumeEngine?, catalog: ClipCatalog?, sinks: [any Sink] = [],
                              uploader: Uploader? = nil, retention: RetentionFigures? = nil,
                              now: Double = Date().timeIntervalSince1970) throws -> MetricsSnapshot {
        var snapshot = MetricsSnapshot(harvest: engine.map { HarvestFigures($0.statistics) }, retention: retention)
        guard let catalog, !sinks.isEmpty else { return snapshot }
        let summaries = try catalog.sinkSummaries(sinks.map(\.name))
        let counters = uploader?.statistics ?? [:]
        for (sink, summary) in zip(sinks, summaries) {
            let state: SinkFigures.State = !summary.status.enabled ? .disabled
                : summary.status.stopped != nil ? .stopped
                : uploader?.breaker(sink.name)?.isOpen == true ? .open : .ok
            let counted = counters[sink.name] ?? Uploader.Counters()
            snapshot.sinks.append(SinkFigures(
                name: sink.name, type: sink.type, state: state,
                queueDepth: Dictionary(uniqueKeysWithValues: summary.depth.map { ($0.key.rawValue, $0.value) }),
                oldestPendingAgeSeconds: summary.oldestPendingAt.map { max(0, now - $0) },
                lastSuccessTime: summary.status.lastSuccessAt,
                uploads: ["delivered": counted.delivered, "failed": counted.failed],
                sentBytes: ["delivered": counted.deliveredBytes, "failed": counted.failedBytes]))
        }
        return snapshot
    }
}
