import Foundation
import Testing

@testable import teslacam

/// `teslacam repair`: the I/O around ClipRepair, on a fixture clip cut in a copy of its folder.
@Suite struct RepairCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/clips/TeslaCam/RecentClips").path

    @Test func repairsIntoTheStateDerivedTreeWithTheNearestReferenceAndLeavesTheClipAlone() throws {
        let root = NSTemporaryDirectory() + "repair-command-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/archive/TeslaCam/RecentClips"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/2026-11-20_08-00-00-front.mp4"))
        let clip = folder + "/2026-11-20_08-00-00-front.mp4"
        try whole.prefix(150_000).write(to: URL(fileURLWithPath: clip))
        try FileManager.default.copyItem(atPath: Self.fixtures + "/2026-11-20_08-01-00-front.mp4",
                                         toPath: folder + "/2026-11-20_08-01-00-front.mp4")
        var command = try RepairCommand.parse([clip, "--state", root + "/state"])
        try command.run()
        let output = root + "/state/derived/repaired/RecentClips/2026-11-20_08-00-00-front.repaired.mp4"
        let repaired = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(repaired.count > 100_000 && repaired.prefix(140_000) != whole.prefix(140_000))  // the mdat size changed
        #expect(try Data(contentsOf: URL(fileURLWithPath: clip)) == whole.prefix(150_000), "the clip is only read")
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))

        // A complete clip is refused in words; so is one without a reference.
        command = try RepairCommand.parse([folder + "/2026-11-20_08-01-00-front.mp4", "--output", root + "/x.mp4"])
        #expect(throws: TelemetryCommandError.self) { try command.run() }
        try FileManager.default.removeItem(atPath: folder + "/2026-11-20_08-01-00-front.mp4")
        command = try RepairCommand.parse([clip, "--output", root + "/y.mp4"])
        let error = #expect(throws: TelemetryCommandError.self) { try command.run() }
        #expect(error?.description.contains("--reference") == true)
    }
}
