import BlockTrace
import ClipRepair
import Foundation
import MP4
import Telemetry
import Testing

@Suite("Repair of clips cut by a power cut")
struct TruncatedClipTests {
    /// Cuts the fixture at 50 random offsets, half of them with the mdat size still 0 (the car rewrites it last),
    /// and checks each repaired file with ffmpeg: no decode error, at least 95 % of the frames that were fully
    /// written before the cut.
    @Test("fixture cut at 50 random offsets: ffmpeg decodes >= 95 % of the whole frames, without errors",
          .enabled(if: FFmpeg.isAvailable, "ffmpeg/ffprobe are not installed (scripts/install-deps.sh)"))
    func randomCuts() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let samples = try Fixtures.samples(original)
        let reference = try Fixtures.reference(Fixtures.nextFront)
        let expected = try telemetry(original)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mdatStart = samples[0].offset
        var rng = SplitMix64(seed: 10)
        var worst = 1.0
        for round in 0..<50 {
            let cut = Int.random(in: Int(mdatStart) + 200..<Int(samples.last!.offset + UInt64(samples.last!.size)),
                                 using: &rng)
            var truncated = Array(original[..<cut])
            if round % 2 == 0 { truncated.replaceSubrange(40..<44, with: [0, 0, 0, 0]) }  // mdat size 0 (ffmpeg: ftyp 32, free 8, mdat)
            let whole = samples.prefix { $0.offset + UInt64($0.size) <= UInt64(cut) }.count
            guard whole > 0 else {
                #expect(throws: RepairError.self) { try Fixtures.plan(truncated, reference: reference) }
                continue
            }
            let plan = try Fixtures.plan(truncated, reference: reference)
            #expect(plan.frames <= whole, "cut \(cut): \(plan.frames) frames recovered, only \(whole) were whole")
            let repaired = Fixtures.materialise(plan, from: truncated)
            #expect(UInt64(repaired.count) == plan.size)
            let path = directory.appendingPathComponent("cut-\(cut).mp4").path
            try Data(repaired).write(to: URL(fileURLWithPath: path))
            let errors = try FFmpeg.decodeErrors(path)
            #expect(errors.isEmpty, "cut at \(cut): ffmpeg: \(errors)")
            let decoded = try FFmpeg.decodedFrames(path)
            if whole > 0 { worst = min(worst, Double(decoded) / Double(whole)) }
            #expect(Double(decoded) >= 0.95 * Double(whole), "cut at \(cut): ffmpeg decoded \(decoded) of \(whole)")
            #expect(plan.ordering == .telemetry)
            // The telemetry of the repaired clip is the original's first frames, in the same display order.
            let recovered = try telemetry(repaired)
            let kept = Set(0..<plan.frames)
            let wanted = expected.frames.filter { kept.contains($0.sample) }.map(\.state)
            #expect(recovered.frames.map(\.state) == wanted, "cut at \(cut): telemetry differs")
            try? FileManager.default.removeItem(atPath: path)
        }
        print("repair: worst decoded share over 50 cuts \(worst)")
    }

    @Test("presentation times of the repaired clip are the original's (order from the SEI frame counter)")
    func presentationOrder() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let samples = try Fixtures.samples(original)
        let cut = Int(samples[1000].offset) + 7
        let plan = try Fixtures.plan(Array(original[..<cut]), reference: try Fixtures.reference(Fixtures.nextFront))
        #expect(plan.frames == 1000)
        let repaired = try Fixtures.samples(Fixtures.materialise(plan, from: Array(original[..<cut])))
        // Display ranks agree frame for frame (the durations are the reference's, so times differ by jitter).
        func ranks(_ list: some Collection<Sample>) -> [Int] {
            list.indices.sorted { list[$0].presentationTime < list[$1].presentationTime }.map { list.distance(from: list.startIndex, to: $0) }
        }
        let originalShown = samples.prefix(1000).enumerated().sorted { $0.element.presentationTime < $1.element.presentationTime }
        let repairedShown = repaired.enumerated().sorted { $0.element.presentationTime < $1.element.presentationTime }
        // The last B-frames' anchor may be missing after a cut; compare the frames before it.
        #expect(Array(originalShown.prefix(990).map(\.offset)) == Array(repairedShown.prefix(990).map(\.offset)))
        #expect(repaired.map(\.offset) == samples.prefix(1000).map(\.offset))
        #expect(repaired.map(\.size) == samples.prefix(1000).map(\.size))
        _ = ranks(repaired)
    }

    @Test("a clip without SEI takes its order from the reference's ctts")
    func withoutTelemetry() throws {
        let original = try Fixtures.bytes(Fixtures.sentryFront)
        let samples = try Fixtures.samples(original)
        let cut = Int(samples[samples.count / 2].offset) + 3
        let plan = try Fixtures.plan(Array(original[..<cut]), reference: try Fixtures.reference(Fixtures.sentryBack))
        #expect(plan.ordering == .reference)
        #expect(plan.frames == samples.count / 2, "stopped at \(plan.stop), cut \(cut)")
    }

    @Test("a complete clip is refused: it plays as it is")
    func completeClip() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        #expect(throws: RepairError.notTruncated) {
            try Fixtures.plan(original, reference: try Fixtures.reference(Fixtures.nextFront))
        }
    }

    @Test("a cut before the first whole frame says so")
    func nothingWritten() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let reference = try Fixtures.reference(Fixtures.nextFront)
        #expect(throws: RepairError.noMediaData) { try Fixtures.plan(Array(original[..<20]), reference: reference) }
        #expect(throws: (any Error).self) { try Fixtures.plan(Array(original[..<60]), reference: reference) }
    }

    func telemetry(_ bytes: [UInt8]) throws -> ClipTelemetry {
        try TelemetryReader.read(fileSize: UInt64(bytes.count), read: Fixtures.reader(bytes))
    }
}

@Suite("Repair of clips with never-written clusters")
struct HoleTests {
    /// A power cut can leave clusters the car had not yet written back as zeros inside the file: the repair leaves
    /// out every frame from the one they touch to the next key frame (whose SEI marks where to resume), wherever
    /// in a frame the zeros fall, and keeps the rest.
    @Test("a zeroed 4 KiB run inside the frames is skipped up to the next key frame, and ffmpeg decodes the rest",
          .enabled(if: FFmpeg.isAvailable, "ffmpeg/ffprobe are not installed (scripts/install-deps.sh)"))
    func zeroedCluster() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let samples = try Fixtures.samples(original)
        let reference = try Fixtures.reference(Fixtures.nextFront)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 14)
        for _ in 0..<10 {
            let cut = Int(samples[2000].offset)
            var bytes = Array(original[..<cut])
            let hole = Int.random(in: Int(samples[10].offset)..<Int(samples[1900].offset), using: &rng)
            for i in hole..<(hole + 4096) { bytes[i] = 0 }
            let untouched = samples.prefix { $0.offset + UInt64($0.size) <= UInt64(hole) }.count
            let lastTouched = samples.lastIndex { $0.offset < UInt64(hole + 4096) }!
            let plan = try Fixtures.plan(bytes, reference: reference)
            // x264 here puts a key frame every 36 frames at most.
            let floor = (untouched - 1) + (2000 - (lastTouched + 37)) - 1
            #expect(plan.gaps == 1 && plan.frames >= floor && plan.frames < 2000, "hole at \(hole): \(plan.frames), floor \(floor)")
            let path = directory.appendingPathComponent("hole.mp4").path
            try Data(Fixtures.materialise(plan, from: bytes)).write(to: URL(fileURLWithPath: path))
            #expect(try FFmpeg.decodeErrors(path).isEmpty, "hole at \(hole)")
            let decoded = try FFmpeg.decodedFrames(path)
            #expect(Double(decoded) >= 0.95 * Double(plan.frames), "hole at \(hole): \(decoded) of \(plan.frames)")
            // The frames kept are the original's, byte for byte, at the same offsets.
            let kept = try Fixtures.samples(Fixtures.materialise(plan, from: bytes))
            let originalAt = Dictionary(uniqueKeysWithValues: samples.map { ($0.offset, $0.size) })
            #expect(kept.allSatisfy { originalAt[$0.offset] == $0.size })
            // The frames lost in the gap keep their time: the copy lasts as long as the original up to the cut.
            let span = Double(samples[1999].decodeTime - samples[0].decodeTime) / 90_000
            #expect(abs(plan.duration - span) < 0.2, "hole at \(hole): \(plan.duration) s, original \(span) s")
        }
    }

    @Test("a clip without telemetry is not resumed after damage: its repair ends there")
    func noResumeWithoutSEI() throws {
        let original = try Fixtures.bytes(Fixtures.sentryFront)
        let samples = try Fixtures.samples(original)
        var bytes = Array(original[..<Int(samples[120].offset)])
        let hole = Int(samples[40].offset) + 5
        for i in hole..<(hole + 300) { bytes[i] = 0 }
        let plan = try Fixtures.plan(bytes, reference: try Fixtures.reference(Fixtures.sentryBack))
        #expect(plan.gaps == 0 && plan.frames <= 40)
    }
}
