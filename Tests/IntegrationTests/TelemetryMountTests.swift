import Foundation
import Testing

/// Clips with SEI telemetry written through a real FUSE mount: when each completes, the catalog has its telemetry,
/// and `teslacam drives` finds the drive they make.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct TelemetryMountTests {
    static let clips = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/clips/TeslaCam").path

    @Test func harvestedClipsGetTheirTelemetryAndMakeADrive() throws {
        let daemon = Daemon("telemetry")
        #expect(daemon.format(size: "2G", layout: "mbr").status == 0)
        try daemon.start()
        let drive = "\(daemon.image)@@1M"
        let recent = "\(Self.clips)/RecentClips"
        let saved = "\(Self.clips)/SavedClips/2026-11-20_08-02-08"
        #expect(sh("mmd -i \(drive) ::TeslaCam/RecentClips ::TeslaCam/SavedClips ::TeslaCam/SavedClips/2026-11-20_08-02-08").status == 0)
        #expect(sh("mcopy -i \(drive) '\(recent)'/*.mp4 ::TeslaCam/RecentClips/ && mcopy -i \(drive) '\(saved)'/* ::TeslaCam/SavedClips/2026-11-20_08-02-08/").status == 0)
        // Completion comes from the daemon once sizes hold still (a liveness bound, not a performance assertion).
        let names = ["2026-11-20_08-00-00-front.mp4", "2026-11-20_08-01-00-front.mp4", "2026-11-20_08-02-00-front.mp4"]
        let deadline = Date().addingTimeInterval(60)
        while !names.allSatisfy({ name in daemon.log.contains("\(name) size=") && daemon.log.components(separatedBy: "\n")
                .contains { $0.contains(name) && $0.contains("clip complete") } }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(daemon.stop() == 0)
        let drives = sh("\(teslacamBinary) drives --state \(daemon.state) --log-level error")
        #expect(drives.status == 0, "\(drives.output)")
        let lines = drives.output.split(separator: "\n")
        #expect(lines.count == 1, "one drive: \(drives.output)")
        #expect(drives.output.contains("2026-11-20T08:00:03") && drives.output.contains("1.70 km")
            && drives.output.contains("3 clips"), "\(drives.output)")
        let geojson = sh("\(teslacamBinary) drives --state \(daemon.state) --format geojson --drive 1 --log-level error")
        #expect(geojson.status == 0 && geojson.output.contains("\"LineString\""))
        let clip = "\(daemon.archive)/TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4"
        let csv = sh("\(teslacamBinary) telemetry '\(clip)' | wc -l")
        #expect(csv.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2161")
        let none = sh("\(teslacamBinary) telemetry '\(daemon.archive)/TeslaCam/SavedClips/2026-11-20_08-02-08/event.json' 2>&1")
        #expect(none.status != 0 && none.output.contains("not an MP4"))
    }
}
