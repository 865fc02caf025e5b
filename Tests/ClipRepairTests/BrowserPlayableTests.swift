import BlockTrace
import ClipRepair
import Foundation
import MP4
import Testing

@Suite("Browser-playable clips")
struct BrowserPlayableTests {
    static func presentation(_ bytes: [UInt8]) throws -> [Int64] {
        try Fixtures.samples(bytes).map(\.presentationTime)
    }

    static func patched(_ bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        BrowserPlayable.apply(BrowserPlayable.patches(fileSize: UInt64(bytes.count), read: Fixtures.reader(bytes)),
                              to: &copy, at: 0)
        return copy
    }

    @Test("ffmpeg's layout (non-negative ctts, edit list) needs no patch")
    func ffmpegLayoutUntouched() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        #expect(BrowserPlayable.patches(fileSize: UInt64(original.count), read: Fixtures.reader(original)).isEmpty)
    }

    @Test("Tesla's negative offsets become non-negative, and the edit list keeps the same first frame")
    func negativeOffsetsWithEditList() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let tesla = try TeslaStyle.clip(from: original, keepEditList: true)
        let before = try Self.presentation(tesla)
        let teslaSamples = try Fixtures.samples(tesla)
        #expect(teslaSamples.contains { $0.compositionOffset < 0 })
        let fixed = Self.patched(tesla)
        #expect(fixed.count == tesla.count)
        let after = try Self.presentation(fixed)
        let shift = after[0] - before[0]
        let fixedSamples = try Fixtures.samples(fixed)
        #expect(shift > 0 && fixedSamples.allSatisfy { $0.compositionOffset >= 0 })
        #expect(zip(before, after).allSatisfy { $1 - $0 == shift }, "every frame moves by the same amount")
        // The edit list moved by the same shift: ffprobe shows the clip starting at 0, as the original does.
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        if FFmpeg.isAvailable {
            for (name, bytes) in [("tesla", tesla), ("fixed", fixed)] {
                let path = directory.appendingPathComponent("\(name).mp4").path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                #expect(try FFmpeg.decodeErrors(path).isEmpty)
            }
            let start = try FFmpeg.run("ffprobe", ["-v", "error", "-show_entries", "stream=start_time", "-of", "csv=p=0",
                                                   directory.appendingPathComponent("fixed.mp4").path])
            #expect(start.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.000000")
        }
    }

    @Test("patches applied to any byte range equal the patched file's bytes there")
    func ranges() throws {
        let tesla = try TeslaStyle.clip(from: try Fixtures.bytes(Fixtures.front))
        let patches = BrowserPlayable.patches(fileSize: UInt64(tesla.count), read: Fixtures.reader(tesla))
        #expect(!patches.isEmpty)
        let whole = Self.patched(tesla)
        var rng = SplitMix64(seed: 5)
        let moovStart = Int(patches.map(\.offset).min()!) - 20_000
        for _ in 0..<500 {
            let lower = Int.random(in: max(0, moovStart)..<tesla.count, using: &rng)
            let upper = Int.random(in: lower...min(tesla.count, lower + 40_000), using: &rng)
            var slice = Array(tesla[lower..<upper])
            BrowserPlayable.apply(patches, to: &slice, at: UInt64(lower))
            #expect(slice == Array(whole[lower..<upper]))
        }
    }

    @Test("hostile moovs give no patches or harmless ones, never a crash")
    func hostile() throws {
        let tesla = try TeslaStyle.clip(from: try Fixtures.bytes(Fixtures.front))
        let moovAt = MP4.analyse(fileSize: UInt64(tesla.count), read: Fixtures.reader(tesla)).scan.first("moov")!
        let moov = Array(tesla[Int(moovAt.offset)..<Int(moovAt.end)])
        var rng = SplitMix64(seed: 6)
        for _ in 0..<600 {
            var bytes = moov
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<(bytes.count - 4), using: &rng)
                if Bool.random(using: &rng) {
                    bytes[at] = UInt8.random(in: 0...255, using: &rng)
                } else {
                    let value = [0, 1, 8, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000].randomElement(using: &rng)!
                    for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            for patch in BrowserPlayable.patches(forMoov: bytes, at: 1000) {
                #expect(patch.offset >= 1000 && patch.offset + UInt64(patch.bytes.count) <= 1000 + UInt64(bytes.count))
            }
        }
    }
}
