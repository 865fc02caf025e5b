import BlockTrace
import ClipRepair
import Foundation
import Testing

@Suite("Repair of a stream with several slices per picture")
struct MultiSliceTests {
    /// x264 with four slices per picture and B-frames, no SEI: frames are found by first_mb_in_slice, the order
    /// comes from the reference's ctts (the clip itself, complete, as the car's previous minute would be).
    @Test("an ffmpeg clip with 4 slices per picture, cut at 20 offsets, decodes cleanly",
          .enabled(if: FFmpeg.isAvailable, "ffmpeg/ffprobe are not installed (scripts/install-deps.sh)"))
    func fourSlices() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("slices.mp4").path
        let encode = try FFmpeg.run("ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x128:rate=30:duration=4",
            "-c:v", "libx264", "-threads", "1", "-preset", "veryfast", "-crf", "30",
            "-x264-params", "slices=4:bframes=2:b-adapt=0:keyint=30", "-pix_fmt", "yuv420p", source])
        #expect(encode.status == 0, "\(encode.errors)")
        let original = try Fixtures.bytes(source)
        let samples = try Fixtures.samples(original)
        let reference = try Fixtures.reference(source)
        var rng = SplitMix64(seed: 13)
        for _ in 0..<20 {
            let cut = Int.random(in: Int(samples[2].offset)..<Int(samples.last!.offset), using: &rng)
            let truncated = Array(original[..<cut])
            let whole = samples.prefix { $0.offset + UInt64($0.size) <= UInt64(cut) }.count
            let plan = try Fixtures.plan(truncated, reference: reference)
            #expect(plan.ordering == .reference && plan.frames <= whole && plan.frames >= whole - 1)
            let path = directory.appendingPathComponent("cut.mp4").path
            try Data(Fixtures.materialise(plan, from: truncated)).write(to: URL(fileURLWithPath: path))
            #expect(try FFmpeg.decodeErrors(path).isEmpty, "cut at \(cut)")
            let decoded = try FFmpeg.decodedFrames(path)
            #expect(Double(decoded) >= 0.95 * Double(whole), "cut at \(cut): \(decoded) of \(whole)")
        }
    }
}
