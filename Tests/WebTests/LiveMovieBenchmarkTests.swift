import ClipRepair
import Foundation
import MP4
import Testing
@testable import Web

/// What a growing clip's live view costs to derive: a minute of 1280x960 H.264 at 8 Mbit/s (ffmpeg, 36 fps, like a
/// Tesla camera's size), re-planned every 6 s of recording with the walk resumed, against a fresh walk at each step.
/// Prints the figures for docs/BENCHMARKS.md; asserts only that both give the same view.
/// `TESLACAM_WEB_BENCH=1 swift test --skip-build --filter LiveMovieBenchmarkTests`.
@Suite("Live movie benchmark", .enabled(if: ProcessInfo.processInfo.environment["TESLACAM_WEB_BENCH"] != nil
                                        && FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"),
                                        "set TESLACAM_WEB_BENCH=1 (needs /usr/bin/ffmpeg)"))
struct LiveMovieBenchmarkTests {
    @Test func replanningAGrowingMinute() throws {
        let directory = NSTemporaryDirectory() + "teslacam-live-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func encode(_ name: String, seconds: Int) throws -> [UInt8] {
            let path = directory + "/" + name
            try run("/usr/bin/ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x960:rate=36", "-t", "\(seconds)",
                                        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate", "8M",
                                        "-bufsize", "16M", "-g", "36", "-pix_fmt", "yuv420p", path])
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let referenceBytes = try encode("reference.mp4", seconds: 2)
        let reference = try RepairReference.read(fileSize: UInt64(referenceBytes.count), read: LiveMovieTests.reader(referenceBytes))
        let clip = try encode("clip.mp4", seconds: 60)
        let mdat = try #require(MP4.scanBoxes(fileSize: UInt64(clip.count), read: LiveMovieTests.reader(clip)).first("mdat"))
        var resumed = FrameScanner()
        var resumedTimes: [Double] = [], freshTimes: [Double] = []
        for step in 1...10 {
            var cut = Array(clip.prefix(Int(mdat.offset) + Int(mdat.size) * step / 10))
            cut.replaceSubrange(Int(mdat.offset)..<Int(mdat.offset) + 4, with: [0, 0, 0, 0])
            let read = LiveMovieTests.reader(cut)
            let clock = ContinuousClock()
            var a: LiveMovie?, b: LiveMovie?
            resumedTimes.append(try seconds(clock.measure { a = try LiveMovie.build(upto: UInt64(cut.count), read: read, reference: reference, scanner: &resumed) }))
            var fresh = FrameScanner()
            freshTimes.append(try seconds(clock.measure { b = try LiveMovie.build(upto: UInt64(cut.count), read: read, reference: reference, scanner: &fresh) }))
            #expect(a?.pieces == b?.pieces)
        }
        func ms(_ values: [Double]) -> String { values.map { String(format: "%.0f", $0 * 1000) }.joined(separator: " ") }
        print("live movie benchmark: \(clip.count) bytes, 60 s; re-plan at each tenth, resumed (ms): \(ms(resumedTimes)); fresh walk (ms): \(ms(freshTimes))")
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
