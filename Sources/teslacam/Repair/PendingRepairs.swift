import Catalog
import ClipRepair
import Foundation

/// Repairs of the clips the catalog marked truncated (an MP4 the car left without `moov`), each written to
/// `STATE/derived/repaired/<path in the archive>.repaired.mp4` and recorded in the catalog: shared by
/// `teslacam repair --pending` and the daemon's `RepairLoop`. The archive is only read (the engine is its writer).
enum PendingRepairs {
    struct Outcome {
        var repaired: [String] = []
        var failed: [(path: String, reason: String)] = []
    }

    /// Repairs every pending clip whose id `skip` does not hold; `report` gets one line per repaired clip.
    static func run(catalog: ClipCatalog, state: String, archive: String, skip: Set<Int64> = [],
                    report: (String) -> Void) throws -> Outcome {
        var outcome = Outcome()
        for (row, _) in try catalog.pendingRepairs() where !skip.contains(row.id ?? -1) {
            let derived = DerivedFiles(state: state)
            let copy = derived.repairedCopy(archivePath: row.path)
            do {
                let line = try repair("\(archive)/\(row.path)", into: copy, reference: nil, row: row, catalog: catalog)
                // Retention may have evicted the clip while it was read: its copy would be no one's.
                if let id = row.id, try catalog.clip(id: id) == nil {
                    _ = derived.remove([copy])
                    continue
                }
                report(line)
                outcome.repaired.append(row.path)
            } catch {
                outcome.failed.append((row.path, "\(error)"))
            }
        }
        return outcome
    }

    /// Repairs one clip; returns the line that says what the copy holds. A clip that cannot be repaired (no
    /// reference, nothing whole) is recorded with its problem, so it is not tried again and again.
    static func repair(_ clip: String, into destination: String, reference: String?, row: ClipRecord?,
                       catalog: ClipCatalog?) throws -> String {
        do {
            let outcome = try ClipRepairer.repair(clip: clip, reference: reference, output: destination)
            let plan = outcome.plan
            try record(row, in: catalog, status: .repaired, plan: plan, output: outcome.output,
                       reference: outcome.reference, problem: nil)
            return "\(outcome.output): \(plan.frames) frames (\(plan.keyframes) key frames), "
                + String(format: "%.2f s", plan.duration) + ", order from \(plan.ordering.rawValue), "
                + "\(plan.discardedBytes) bytes after the last whole frame left out (\(plan.stop)); "
                + "reference \(outcome.reference)"
        } catch let error as TelemetryCommandError {
            try? record(row, in: catalog, status: .truncated, plan: nil, output: nil, reference: reference,
                        problem: error.description)
            throw error
        }
    }

    static func record(_ row: ClipRecord?, in catalog: ClipCatalog?, status: RepairRecord.Status, plan: RepairPlan?,
                       output: String?, reference: String?, problem: String?) throws {
        guard let catalog, let id = row?.id else { return }
        try catalog.recordRepair(RepairRecord(
            clipID: id, status: status, frames: plan?.frames ?? 0, keyframes: plan?.keyframes ?? 0,
            seconds: plan?.duration ?? 0, discardedBytes: Int64(plan?.discardedBytes ?? 0),
            ordering: plan?.ordering.rawValue, repairedPath: output.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            referencePath: reference, problem: problem, at: Int64(Date().timeIntervalSince1970)))
    }
}
