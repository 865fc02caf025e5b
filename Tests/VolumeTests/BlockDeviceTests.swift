import BlockTrace
import FAT32
import Foundation
import PropertyBased
import Testing
@testable import Volume

/// The engine against the simplest model of a disk: one byte array.
@Suite struct BlockDeviceTests {
    static let diskBytes: UInt64 = 48 << 20

    /// Decodes one random word into a read or write of the disk, biased towards the region boundary, the end of the
    /// disk, and odd lengths, where splitting bugs live.
    struct Operation: CustomStringConvertible {
        var isWrite: Bool
        var offset: UInt64
        var length: Int
        var seed: UInt64

        init(_ word: UInt64, dataOffset: UInt64, diskBytes: UInt64) {
            var rng = SplitMix64(seed: word)
            isWrite = rng.next() % 3 != 0
            let lengths = [1, 511, 512, 513, 4095, 4096, 16 << 10, 65_536 + 3, 1 << 20, Int(rng.next() % 300_000) + 1]
            length = lengths[Int(rng.next() % UInt64(lengths.count))]
            switch rng.next() % 4 {
            case 0: offset = dataOffset - min(dataOffset, rng.next() % 70_000)
            case 1: offset = diskBytes - rng.next() % 70_000 - 1
            default: offset = rng.next() % diskBytes
            }
            seed = rng.next()
        }

        var description: String { "\(isWrite ? "write" : "read") \(length) @ \(offset)" }
    }

    @Test func randomReadsAndWritesMatchAPlainByteArray() async throws {
        await propertyCheck(count: 25, input: Gen.uint64(in: 0 ... .max).array(of: 1...60)) { words in
            let dir = TemporaryDirectory()
            // A plain disk: random bytes in the FAT must not discard anything here (see FreedClusterTests).
            let engine = try! makeBlankEngine(in: dir.path, diskBytes: Self.diskBytes, discardsFreedClusters: false)
            var model = [UInt8](repeating: 0, count: Int(Self.diskBytes))
            for word in words {
                let op = Operation(word, dataOffset: engine.regions.dataOffset, diskBytes: Self.diskBytes)
                let inDisk = Int(min(UInt64(op.length), Self.diskBytes - op.offset))
                if op.isWrite {
                    var rng = SplitMix64(seed: op.seed)
                    let bytes = randomBytes(op.length, using: &rng)
                    #expect(bytes.withUnsafeBytes { engine.write($0, at: op.offset) } == inDisk)
                    model.replaceSubrange(Int(op.offset)..<Int(op.offset) + inDisk, with: bytes[0..<inDisk])
                } else {
                    let got = engine.read(at: op.offset, count: op.length)
                    #expect(got.count == inDisk)
                    #expect(firstDifference(got, Array(model[Int(op.offset)..<Int(op.offset) + inDisk])) == nil, "\(op)")
                }
            }
            engine.flush()
            // Everything, including what was never written (zeros), after reopening the same files.
            let reopened = VolumeEngine(manifest: engine.manifest,
                                        metadata: try! BackingFile(path: dir.path + "/metadata.img"),
                                        staging: try! BackingFile(path: dir.path + "/staging.img"), logger: quietLogger,
                                        discardsFreedClusters: false)
            #expect(firstDifference(reopened.read(at: 0, count: Int(Self.diskBytes)), model) == nil)
        }
    }

    @Test func readsPastTheEndReturnNothing() throws {
        let dir = TemporaryDirectory()
        let engine = try makeBlankEngine(in: dir.path)
        #expect(engine.read(at: engine.size, count: 10).isEmpty)
        #expect([UInt8](repeating: 1, count: 10).withUnsafeBytes { engine.write($0, at: engine.size + 5) } == 0)
    }

    @Test func aFreshVolumeIsThin() throws {
        let dir = TemporaryDirectory()
        let engine = try makeBlankEngine(in: dir.path, diskBytes: 128 << 30)
        #expect(engine.allocatedBytes() < 1 << 20)
        var rng = SplitMix64(seed: 7)
        let chunk = randomBytes(1 << 20, using: &rng)
        let start = engine.manifest.geometry.clusterOffset(1000)
        for i in 0..<32 { _ = chunk.withUnsafeBytes { engine.write($0, at: start + UInt64(i) << 20) } }
        engine.flush()
        let used = engine.allocatedBytes()
        #expect(used >= 32 << 20 && used < 33 << 20, "allocated \(used) bytes for 32 MiB written")
    }

    @Test func flushesAreGroupedAndFreeWhenNothingIsNew() throws {
        let dir = TemporaryDirectory()
        let engine = try makeBlankEngine(in: dir.path)
        engine.write([1, 2, 3], at: 4096)
        engine.flush()
        engine.flush()
        engine.flush()
        let stats = engine.statistics
        #expect(stats.flushRequests == 3)
        #expect(stats.synchronizations == 1)
    }
}
