import ArgumentParser
import Catalog
import Foundation
import Telemetry
import Volume

/// `teslacam drives`: the catalog's front-camera telemetry grouped into drives.
struct DrivesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drives",
        abstract: "List drives (front-camera clips split on a gap of more than 5 minutes or a stop in Park); export as GPX or GeoJSON.")

    @Option(help: "State directory.") var state: String
    @Option(help: "text, gpx or geojson.") var format: String = "text"
    @Option(help: "Only drive N (as numbered in the text list).") var drive: Int?
    @OptionGroup var common: CommonOptions

    func run() throws {
        guard ["text", "gpx", "geojson"].contains(format) else { throw ValidationError("--format takes text, gpx or geojson") }
        let directory = StateDirectory(path: state)
        try directory.check()
        guard FileManager.default.fileExists(atPath: directory.catalogPath) else {
            throw ValidationError("\(state) has no catalog yet: run `teslacam run` first")
        }
        let catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: "", logger: common.makeLogger())
        var drives = Drive.drives(from: try catalog.driveClips())
        if let drive {
            guard (1...max(1, drives.count)).contains(drive), !drives.isEmpty else {
                throw ValidationError("there are \(drives.count) drives; --drive takes 1...\(drives.count)")
            }
            drives = [drives[drive - 1]]
        }
        if drives.isEmpty {
            print("no drives: no front-camera clip in the catalog carries SEI telemetry yet")
            return
        }
        let text = switch format {
        case "gpx": DriveExport.gpx(drives)
        case "geojson": DriveExport.geojson(drives)
        default: DriveExport.text(drives)
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
