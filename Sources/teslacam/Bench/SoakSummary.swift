import Foundation

/// The closing lines of `bench soak`: what stayed level and what did not, against the issue's aims.
struct SoakSummary {
    let outcome: SoakBenchmark.Outcome

    /// RSS of the last hour against the first, in percent (positive: grew).
    var rssGrowthPercent: Double? {
        guard let first = outcome.hours.first, let last = outcome.hours.last, first.rssKiB > 0 else { return nil }
        return (Double(last.rssKiB) - Double(first.rssKiB)) * 100 / Double(first.rssKiB)
    }

    var text: String {
        let hours = outcome.hours
        let s = outcome.statistics
        var lines: [String] = []
        if let first = hours.first, let last = hours.last, let growth = rssGrowthPercent {
            lines.append(String(format: "RSS: hour 1 %.1f MiB, hour %d %.1f MiB (%+.1f %%, aim within 5 %%); peak %.1f MiB",
                                Double(first.rssKiB) / 1024, last.hour, Double(last.rssKiB) / 1024, growth,
                                Double(outcome.peakRSSKiB) / 1024))
        }
        let held = hours.map(\.recordsHeld)
        lines.append("records held: \(held.min() ?? 0)–\(held.max() ?? 0) (car's files \(hours.map(\.carFiles).min() ?? 0)–"
            + "\(hours.map(\.carFiles).max() ?? 0)); retired \(s.recordsRetired)")
        lines.append("evictions: \(outcome.evictions) (failed \(outcome.failedEvictions)); files complete \(s.filesCompleted); "
            + "write cache peak \(Wording.bytes(s.cachePeakBytes)); longest pass \(String(format: "%.1f", s.longestPassSeconds * 1000)) ms")
        lines.append("write amplification: archive \(Wording.bytes(s.archiveBytesWritten)) + staging "
            + "\(Wording.bytes(s.stagingBytesWritten)) for \(Wording.bytes(s.carDataBytesWritten)) of clusters the car wrote; "
            + "promoted out of staging \(Wording.bytes(s.promotedBytes))")
        lines.append("simulated archive disk \(Wording.bytes(outcome.diskBytes)) (\(outcome.geometry.clusterCount) clusters of "
            + "\(Wording.bytes(UInt64(outcome.geometry.clusterSize))))")
        return lines.joined(separator: "\n")
    }
}
