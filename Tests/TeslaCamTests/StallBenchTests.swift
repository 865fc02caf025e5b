import Foundation
import Testing
@testable import teslacam

/// `teslacam bench stall` end to end, briefly: real daemons with FUSE mounted, a folder sink and web viewers.
/// Every round runs and reports what it moved; the stall itself is printed, never asserted (wall-clock time).
/// The `teslacam` built beside this test bundle.
let stallBenchBinary: String? = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return [bundle, bundle.deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/.build/debug")]
        .map { $0.appendingPathComponent("teslacam").path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/fuse") && stallBenchBinary != nil,
                             "needs root, /dev/fuse and the built teslacam (swift build --product teslacam)"))
struct StallBenchTests {

    @Test func everyRoundRunsAndReportsWhatItMoved() throws {
        var bench = StallBenchmark(directory: NSTemporaryDirectory() + "teslacam-stall-\(UUID().uuidString.prefix(8))")
        bench.binary = stallBenchBinary!
        bench.size = "2G"
        bench.minutes = 3
        bench.cameras = ["front", "back", "left_repeater", "right_repeater"]
        bench.clip = "512K-1M"
        bench.chunk = "64K-256K"
        bench.carRate = Double(2 << 20)
        var printed: [String] = []
        bench.output = { printed.append($0) }
        let outcome = try bench.run()
        let text = printed.joined(separator: "\n")
        print(text)

        #expect(outcome.rounds.map(\.kind) == StallBenchmark.RoundKind.allCases)
        // The same session in every round: the same timed bytes, writes and flushes.
        #expect(Set(outcome.rounds.map(\.car.bytes)).count == 1)
        #expect(Set(outcome.rounds.map(\.car.writes.count)).count == 1)
        #expect(Set(outcome.rounds.map(\.car.fsyncs.count)).count == 1)
        for round in outcome.rounds {
            let car = round.car
            #expect(car.bytes > 1 << 20, "\(round.kind)")
            // At most 16 KiB a pwrite, as the gadget writes.
            #expect(car.writes.count >= Int(car.bytes / UInt64(bench.piece)), "\(round.kind)")
            #expect(!car.fsyncs.isEmpty, "\(round.kind)")
            #expect((car.writes + car.fsyncs).allSatisfy { $0.isFinite && $0 >= 0 }, "\(round.kind)")
            #expect(RecordingUploadBenchmark.percentile(car.writes, 0.5) <= RecordingUploadBenchmark.percentile(car.writes, 1))
            #expect(car.seconds > 0)
            #expect(text.contains(round.kind.title))
        }
        for round in outcome.rounds where round.kind.uploads {
            // Every event's clips, event.json and thumb.png reached the sink's folder, and nothing is left queued.
            #expect(round.delivered >= bench.minutes * (bench.cameras.count + 2), "\(round.kind): \(round.delivered) delivered")
            #expect(round.queuedAtEnd == 0, "\(round.kind)")
        }
        for round in outcome.rounds where round.kind.viewers {
            #expect(round.viewers.streamedBytes > 0 && round.viewers.rangeRequests > 0, "\(round.kind)")
            #expect(round.viewers.zipBytes > 0, "\(round.kind)")
            #expect(round.viewersReady, "\(round.kind): every viewer was receiving before the timed writes")
        }
        for round in outcome.rounds where !round.kind.viewers { #expect(round.viewers.streamedBytes == 0) }
        #expect(text.contains("longest stall of the car through FUSE"))
    }
}
