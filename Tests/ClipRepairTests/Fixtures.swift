import ClipRepair
import Foundation
import MP4

/// The fixture clips (fixtures/clips, made by scripts/fixtures/make-clips.py) and ffmpeg as the judge.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let clips = repository.appendingPathComponent("fixtures/clips/TeslaCam").path
    static let front = "\(clips)/RecentClips/2026-11-20_08-00-00-front.mp4"
    static let nextFront = "\(clips)/RecentClips/2026-11-20_08-01-00-front.mp4"
    static let savedBack = "\(clips)/SavedClips/2026-11-20_08-02-08/2026-11-20_08-02-00-back.mp4"
    static let sentryFront = "\(clips)/SentryClips/2026-11-20_20-15-33/2026-11-20_20-14-50-front.mp4"
    static let sentryBack = "\(clips)/SentryClips/2026-11-20_20-15-33/2026-11-20_20-14-50-back.mp4"

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func reader(_ bytes: [UInt8]) -> (UInt64, Int) -> [UInt8] {
        { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + max(0, count), bytes.count)])
        }
    }

    static func reference(_ path: String) throws -> RepairReference {
        let bytes = try bytes(path)
        return try RepairReference.read(fileSize: UInt64(bytes.count), read: reader(bytes))
    }

    static func plan(_ bytes: [UInt8], reference: RepairReference) throws -> RepairPlan {
        try ClipRepair.plan(fileSize: UInt64(bytes.count), read: reader(bytes), reference: reference)
    }

    static func materialise(_ plan: RepairPlan, from source: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for piece in plan.pieces {
            switch piece {
            case let .bytes(bytes): out += bytes
            case let .copy(offset, count): out += source[Int(offset)..<Int(offset + count)]
            }
        }
        return out
    }

    /// The samples of a complete clip, in decode order.
    static func samples(_ bytes: [UInt8]) throws -> [Sample] {
        let analysis = MP4.analyse(fileSize: UInt64(bytes.count), read: reader(bytes))
        guard let moov = analysis.scan.first("moov") else { throw FixtureError("no moov") }
        return Array(try SampleTable(moov: Array(bytes[Int(moov.offset)..<Int(moov.end)])))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cliprepair-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// ffmpeg and ffprobe from Debian (scripts/install-deps.sh installs them).
enum FFmpeg {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                      errors: String(decoding: errors, as: UTF8.self))
    }

    /// What ffmpeg says decoding every frame (empty when the file is clean).
    static func decodeErrors(_ path: String) throws -> String {
        let result = try run("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"])
        return result.status == 0 ? result.errors : "exit \(result.status): \(result.errors)"
    }

    /// Frames ffprobe decodes.
    static func decodedFrames(_ path: String) throws -> Int {
        let result = try run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                         "stream=nb_read_frames", "-of", "csv=p=0", path])
        return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static let isAvailable: Bool = (try? run("ffprobe", ["-version"]).status) == 0
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
