import ArgumentParser
import Catalog
import ClipRepair
import Foundation
import Volume

/// `teslacam repair CLIP` / `teslacam repair --pending`: playable copies of clips a power cut left without their
/// index.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Write a playable copy of a clip cut by a power cut (no moov), from a complete clip of the same camera.",
        discussion: """
            The clip is only read. The copy goes to --output, else to STATE/derived/repaired/<path in the archive \
            or folder>/NAME.repaired.mp4 with --state (never into the archive), else to ./NAME.repaired.mp4. With \
            --state and --archive the catalog marks the clip repaired with its frame counts; --pending repairs \
            every clip the catalog marked truncated (an MP4 the car left without moov).
            """)

    @Argument(help: "The truncated clip (.mp4).") var clip: String?
    @Option(help: "A complete clip of the same camera (default: the nearest one beside the clip).") var reference: String?
    @Option(help: "Where to write the repaired copy.") var output: String?
    @Option(help: "State directory: the copy goes under its derived/ tree, and the catalog records it.") var state: String?
    @Option(help: "The archive directory (to find the clip in the catalog).") var archive: String?
    @Flag(help: "Repair every clip the catalog marked truncated (needs --state and --archive).") var pending = false

    func validate() throws {
        if pending {
            guard clip == nil, output == nil, reference == nil else {
                throw ValidationError("--pending repairs what the catalog lists: give no CLIP, --output or --reference")
            }
            guard state != nil, archive != nil else { throw ValidationError("--pending needs --state and --archive") }
        } else if clip == nil {
            throw ValidationError("give the clip to repair, or --pending with --state and --archive")
        }
    }

    func run() throws {
        if pending {
            try repairPending()
            return
        }
        guard let clip else { return }
        let catalog = try openCatalog()
        let row = try catalog.flatMap { try $0.catalog.clip(path: $0.relative(clip) ?? "") }
        let name = ((clip as NSString).lastPathComponent as NSString).deletingPathExtension
        let destination = output ?? state.map { state in
            let folder = row.map { ($0.path as NSString).deletingLastPathComponent }
                ?? ((clip as NSString).deletingLastPathComponent as NSString).lastPathComponent
            return "\(state)/derived/repaired/\(folder)/\(name).repaired.mp4"
        } ?? "\(name).repaired.mp4"
        try repair(clip, into: destination, reference: reference, row: row, catalog: catalog?.catalog)
    }

    func repairPending() throws {
        guard let state, let archive, let (catalog, _) = try openCatalog() else {
            throw TelemetryCommandError("\(state ?? "") has no catalog yet: run `teslacam run` first")
        }
        let pending = try catalog.pendingRepairs()
        if pending.isEmpty { print("no clip waits for a repair") }
        var failures = 0
        for (row, _) in pending {
            let stem = ((row.path as NSString).deletingPathExtension)
            do {
                try repair("\(archive)/\(row.path)", into: "\(state)/derived/repaired/\(stem).repaired.mp4",
                           reference: nil, row: row, catalog: catalog)
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    func repair(_ clip: String, into destination: String, reference: String?, row: ClipRecord?, catalog: ClipCatalog?) throws {
        do {
            let outcome = try ClipRepairer.repair(clip: clip, reference: reference, output: destination)
            let plan = outcome.plan
            print("\(outcome.output): \(plan.frames) frames (\(plan.keyframes) key frames), "
                + String(format: "%.2f s", plan.duration) + ", order from \(plan.ordering.rawValue), "
                + "\(plan.discardedBytes) bytes after the last whole frame left out; reference \(outcome.reference)")
            try record(row, in: catalog, status: .repaired, plan: plan, output: outcome.output,
                       reference: outcome.reference, problem: nil)
        } catch let error as TelemetryCommandError {
            try? record(row, in: catalog, status: .truncated, plan: nil, output: nil, reference: reference,
                        problem: error.description)
            throw error
        }
    }

    /// The catalog and a function from a clip's path to its path in the archive, when told where both are.
    func openCatalog() throws -> (catalog: ClipCatalog, relative: (String) -> String?)? {
        guard let state, let archive else { return nil }
        let directory = StateDirectory(path: state)
        guard FileManager.default.fileExists(atPath: directory.catalogPath) else { return nil }
        let catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: archive, logger: CommonOptions().makeLogger())
        let root = URL(fileURLWithPath: archive).standardizedFileURL.path + "/"
        return (catalog, { path in
            let full = URL(fileURLWithPath: path).standardizedFileURL.path
            return full.hasPrefix(root) ? String(full.dropFirst(root.count)) : nil
        })
    }

    func record(_ row: ClipRecord?, in catalog: ClipCatalog?, status: RepairRecord.Status, plan: RepairPlan?,
                output: String?, reference: String?, problem: String?) throws {
        guard let catalog, let id = row?.id else { return }
        try catalog.recordRepair(RepairRecord(
            clipID: id, status: status, frames: plan?.frames ?? 0, keyframes: plan?.keyframes ?? 0,
            seconds: plan?.duration ?? 0, discardedBytes: Int64(plan?.discardedBytes ?? 0),
            ordering: plan?.ordering.rawValue, repairedPath: output.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            referencePath: reference, problem: problem, at: Int64(Date().timeIntervalSince1970)))
    }
}
