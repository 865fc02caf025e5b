import ArgumentParser
import Catalog
import ClipRepair
import Foundation
import Volume

/// `teslacam repair CLIP`: a playable copy of a clip a power cut left without its index.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Write a playable copy of a clip cut by a power cut (no moov), from a complete clip of the same camera.",
        discussion: """
            The clip is only read. The copy goes to --output, else to STATE/derived/repaired/<folder>/NAME.repaired.mp4 \
            with --state (never into the archive), else to ./NAME.repaired.mp4. With --state and --archive, the \
            catalog marks the clip repaired with its frame counts.
            """)

    @Argument(help: "The truncated clip (.mp4).") var clip: String
    @Option(help: "A complete clip of the same camera (default: the nearest one beside the clip).") var reference: String?
    @Option(help: "Where to write the repaired copy.") var output: String?
    @Option(help: "State directory: the copy goes under its derived/ tree, and the catalog records it.") var state: String?
    @Option(help: "The archive directory (to find the clip in the catalog).") var archive: String?

    func run() throws {
        let name = ((clip as NSString).lastPathComponent as NSString).deletingPathExtension
        let destination = output ?? state.map { state in
            let folder = ((clip as NSString).deletingLastPathComponent as NSString).lastPathComponent
            return "\(state)/derived/repaired/\(folder)/\(name).repaired.mp4"
        } ?? "\(name).repaired.mp4"
        let outcome: ClipRepairer.Outcome
        do {
            outcome = try ClipRepairer.repair(clip: clip, reference: reference, output: destination)
        } catch let error as TelemetryCommandError {
            try? record(status: .truncated, plan: nil, output: nil, reference: reference, problem: error.description)
            throw error
        }
        let plan = outcome.plan
        print("\(outcome.output): \(plan.frames) frames (\(plan.keyframes) key frames), "
            + String(format: "%.2f s", plan.duration) + ", order from \(plan.ordering.rawValue), "
            + "\(plan.discardedBytes) bytes after the last whole frame left out; reference \(outcome.reference)")
        try record(status: .repaired, plan: plan, output: outcome.output, reference: outcome.reference, problem: nil)
    }

    /// Marks the clip in the catalog, when the command was told where it is.
    func record(status: RepairRecord.Status, plan: RepairPlan?, output: String?, reference: String?, problem: String?) throws {
        guard let state, let archive else { return }
        let directory = StateDirectory(path: state)
        guard FileManager.default.fileExists(atPath: directory.catalogPath) else { return }
        let root = URL(fileURLWithPath: archive).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: clip).standardizedFileURL.path
        guard full.hasPrefix(root) else { return }
        let catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: archive, logger: CommonOptions().makeLogger())
        guard let row = try catalog.clip(path: String(full.dropFirst(root.count))), let id = row.id else { return }
        try catalog.recordRepair(RepairRecord(
            clipID: id, status: status, frames: plan?.frames ?? 0, keyframes: plan?.keyframes ?? 0,
            seconds: plan?.duration ?? 0, discardedBytes: Int64(plan?.discardedBytes ?? 0),
            ordering: plan?.ordering.rawValue, repairedPath: output.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            referencePath: reference, problem: problem, at: Int64(Date().timeIntervalSince1970)))
    }
}
