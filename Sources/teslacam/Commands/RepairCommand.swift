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
        let outcome = try PendingRepairs.run(catalog: catalog, state: state, archive: archive) { print($0) }
        if outcome.repaired.isEmpty && outcome.failed.isEmpty { print("no clip waits for a repair") }
        for failure in outcome.failed { FileHandle.standardError.write(Data("\(failure.reason)\n".utf8)) }
        if !outcome.failed.isEmpty { throw ExitCode(1) }
    }

    func repair(_ clip: String, into destination: String, reference: String?, row: ClipRecord?, catalog: ClipCatalog?) throws {
        print(try PendingRepairs.repair(clip, into: destination, reference: reference, row: row, catalog: catalog))
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
}
