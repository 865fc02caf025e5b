import Retention
import Volume

/// What `teslacam retention` prints: each file that goes (path, size, age, why), totals, free space before and after.
struct RetentionReport {
    var plan: RetentionPlan
    var policy: RetentionPolicy
    var space: VolumeSpace
    var now: Int64
    var archive: String
    /// Every car-deleted row, for what stays.
    var keptDeleted: [ArchivedFileRow]
    /// Free space measured once the evictions were done (not a dry run).
    var measuredFreeAfter: UInt64?
    /// Planned evictions the engine did not carry out, with why.
    var skipped: [(Eviction, EvictionOutcome)] = []
    /// Derived files (repaired copies, telemetry sidecars) removed with the evicted clips and of clips evicted before.
    var derivedRemoved: (files: Int, bytes: UInt64)?

    func text(dryRun: Bool) -> String {
        var lines: [String] = []
        lines.append("Retention of \(archive)" + (dryRun ? " (dry run: nothing is changed)" : ""))
        lines.append("Policy: deleted RecentClips stay \(days(policy.recentDays)), deleted event clips "
            + "\(days(policy.eventDays)); " + reserveWords)
        if let free = space.archiveFreeBytes {
            let total = space.archiveTotalBytes.map { " of \(Wording.bytes($0))" } ?? ""
            let below = free < plan.reserveBytes ? " (\(Wording.bytes(plan.reserveBytes - free)) below the reserve)" : ""
            lines.append("Free space: \(Wording.bytes(free))\(total)\(below)")
        } else {
            lines.append("Free space: unknown (statvfs failed): only the age rules apply")
        }
        lines.append("")
        let skippedPaths = Set(skipped.map(\.0.file.path))
        let done = plan.evictions.filter { !skippedPaths.contains($0.file.path) }
        if plan.evictions.isEmpty {
            lines.append("Nothing to evict.")
        } else {
            let bytes = done.reduce(UInt64(0)) { $0 + $1.file.size }
            lines.append("\(dryRun ? "Would evict" : "Evicted") \(count(done.count)) (\(Wording.bytes(bytes))):")
            let width = done.map { Wording.bytes($0.file.size).count }.max() ?? 0
            for eviction in done {
                let file = eviction.file
                let size = Wording.bytes(file.size)
                let pad = String(repeating: " ", count: width - size.count)
                let derived = file.derivedBytes > 0 ? "  (and \(Wording.bytes(file.derivedBytes)) derived from it)" : ""
                lines.append("  \(pad)\(size)  \(Wording.age(seconds: file.age(at: now))) old  \(file.path)\(derived)")
                let deleted = file.deletedByCarAt.map { "; the car deleted it \(Wording.age(seconds: now - $0)) ago" } ?? ""
                let warning = eviction.reason.isWarning ? "WARNING: " : ""
                lines.append("  \(String(repeating: " ", count: width))  \(warning)\(eviction.reason)\(deleted)")
            }
        }
        for (eviction, outcome) in skipped {
            lines.append("  not evicted: \(eviction.file.path): \(outcome)")
        }
        if let derivedRemoved, derivedRemoved.files > 0 {
            lines.append("Removed \(derivedRemoved.files == 1 ? "1 derived file" : "\(derivedRemoved.files) derived files") "
                + "(\(Wording.bytes(derivedRemoved.bytes))): repaired copies and telemetry sidecars of evicted clips")
        } else if dryRun, plan.derivedBytes > 0 {
            lines.append("Their repaired copies and telemetry sidecars (\(Wording.bytes(plan.derivedBytes))) would go with them.")
        }
        lines.append("")
        let after = measuredFreeAfter ?? plan.freeAfterBytes
        if space.archiveFreeBytes != nil {
            let short = plan.reserveBytes > after
                ? ": \(Wording.bytes(plan.reserveBytes - after)) short, and nothing else may go" : ""
            lines.append("Free space after: \(Wording.bytes(after))\(measuredFreeAfter == nil ? " (estimated)" : "") "
                + "(reserve \(Wording.bytes(plan.reserveBytes))\(short))")
        }
        let evicted = Set(done.map(\.file.path))
        let kept = keptDeleted.filter { !evicted.contains($0.path) }
        let referenced = kept.filter(\.referencedByVolume).count
        lines.append("Kept: \(count(kept.count)) the car deleted (\(Wording.bytes(kept.reduce(0) { $0 + $1.size })))"
            + (referenced > 0 ? ", \(referenced) of them still referenced by the volume" : ""))
        if !plan.warnings.isEmpty {
            lines.append("WARNING: \(count(plan.warnings.count)) not uploaded everywhere \(dryRun ? "would be" : "were") evicted for space.")
        }
        return lines.joined(separator: "\n")
    }

    private var reserveWords: String {
        switch policy.reserve {
        case .auto:
            "reserve auto = the volume's free clusters \(Wording.bytes(space.volumeFreeBytes)) + minFree "
                + "\(Wording.bytes(policy.minFreeBytes)) = \(Wording.bytes(plan.reserveBytes))"
        case let .fixed(bytes): "reserve \(Wording.bytes(bytes))"
        }
    }

    private func days(_ value: Double) -> String { EvictionReason.days(value) }
    private func count(_ n: Int) -> String { n == 1 ? "1 file" : "\(n) files" }
}
