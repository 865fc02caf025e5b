import BlockTrace
import Foundation
import Testing
@testable import Volume

/// The board's disk fills up under the car: every car write still succeeds and reads back, the condition is counted,
/// and the held bytes reach the disk once it has room again.
@Suite(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
struct DiskFullTests {
    @discardableResult
    static func sh(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try! process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func carWritesSurviveAFullDisk() throws {
        let dir = TemporaryDirectory("diskfull")
        #expect(Self.sh("mount -t tmpfs -o size=4m tmpfs \(dir.path)") == 0)
        defer { Self.sh("umount -l \(dir.path)") }

        let engine = try makeBlankEngine(in: dir.path, diskBytes: 64 << 20)
        var rng = SplitMix64(seed: 42)
        let payload = randomBytes(10 << 20, using: &rng)
        let start = engine.manifest.geometry.clusterOffset(2)
        // 16 KiB pieces, like the USB gadget.
        for piece in stride(from: 0, to: payload.count, by: 16 << 10) {
            let written = payload[piece..<piece + (16 << 10)].withUnsafeBytes { engine.write($0, at: start + UInt64(piece)) }
            #expect(written == 16 << 10)
        }
        engine.flush()
        let held = engine.read(at: start, count: payload.count)
        #expect(firstDifference(held, payload) == nil)
        let full = engine.statistics
        #expect(full.backingStoreErrors > 0)
        #expect(full.unflushedBytes > 0)
        #expect(full.lastBackingStoreError?.contains("No space left") == true)

        // Room again: the next flush writes the held pages out.
        #expect(Self.sh("mount -o remount,size=64m \(dir.path)") == 0)
        engine.flush()
        #expect(engine.statistics.unflushedBytes == 0)
        let reopened = VolumeEngine(manifest: engine.manifest,
                                    metadata: try BackingFile(path: dir.path + "/metadata.img"),
                                    staging: try BackingFile(path: dir.path + "/staging.img"), logger: quietLogger)
        #expect(firstDifference(reopened.read(at: start, count: payload.count), payload) == nil)
    }
}
