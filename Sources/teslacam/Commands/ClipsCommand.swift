import ArgumentParser
import Catalog
import Foundation
import Volume

/// `teslacam clips`: what the catalog knows, for an operator's shell.
struct ClipsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clips", abstract: "List harvested files from the catalog: state, size, camera, event, sha256.")

    @Option(help: "State directory.") var state: String
    @Option(help: "Only files in this state: growing, complete, deleted or evicted.") var only: String?
    @Flag(help: "Print whole sha256s (to compare with sha256sum), not their first 16 digits.") var fullSha256 = false
    @OptionGroup var common: CommonOptions

    func run() throws {
        let directory = StateDirectory(path: state)
        try directory.check()
        guard FileManager.default.fileExists(atPath: directory.catalogPath) else {
            throw ValidationError("\(state) has no catalog yet: run `teslacam run` first")
        }
        let filter = try only.map { text in
            guard let value = ClipState(rawValue: text) else { throw ValidationError("--only takes growing, complete, deleted or evicted") }
            return value
        }
        let catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: "", logger: common.makeLogger())
        for clip in try catalog.clips(state: filter) {
            let fields = [clip.state.rawValue, clip.kind.rawValue, "\(clip.size)", clip.camera ?? "-",
                          clip.duration.map { String(format: "%.1fs", $0) } ?? "-", clip.codec ?? "-",
                          clip.sha256.map { fullSha256 ? $0 : String($0.prefix(16)) } ?? "-", clip.path]
            print(fields.joined(separator: "\t"))
        }
    }
}
