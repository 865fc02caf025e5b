import ArgumentParser
import Foundation
import Telemetry

/// `teslacam telemetry CLIP`: one clip's SEI telemetry, frame by frame.
struct TelemetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "Print the driving telemetry (speed, gear, Autopilot, GPS...) a clip carries in its video's SEI.")

    @Argument(help: "A clip (.mp4), e.g. an archive file.") var clip: String
    @Option(help: "csv, json, gpx or geojson.") var format: String = "csv"

    func run() throws {
        guard let format = TelemetryFormat(rawValue: format) else {
            throw ValidationError("--format takes \(TelemetryFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let file = try ClipFile(path: clip)
        defer { file.close() }
        let telemetry: ClipTelemetry
        do {
            telemetry = try TelemetryReader.read(fileSize: file.size, read: file.read)
        } catch {
            throw TelemetryCommandError("\(clip): \(error)")
        }
        if let absence = telemetry.absence { throw TelemetryCommandError("\(clip) has \(absence).") }
        if let note = telemetry.limitNote { FileHandle.standardError.write(Data("\(clip): \(note)\n".utf8)) }
        FileHandle.standardOutput.write(Data(TelemetryExport(name: (clip as NSString).lastPathComponent, telemetry: telemetry)
            .render(format).utf8))
    }
}

/// A message for the owner, exit status 1.
struct TelemetryCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A clip opened for positional reads.
struct ClipFile {
    let fd: Int32
    let size: UInt64

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TelemetryCommandError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Foundation.close(fd)
            throw TelemetryCommandError("\(path) is not a regular file")
        }
        size = UInt64(info.st_size)
    }

    func close() { Foundation.close(fd) }

    /// Up to `count` bytes at `offset`; fewer only at the end of the file (or on a read error).
    func read(_ offset: UInt64, _ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done == count ? bytes : Array(bytes.prefix(done))
    }
}
