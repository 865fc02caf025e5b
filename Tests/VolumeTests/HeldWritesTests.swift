import BlockTrace
import Foundation
import Logging
import Synchronization
import Testing
@testable import Volume

/// A backing file that holds what the board's disk refuses: /dev/full refuses every write (ENOSPC) and reads as
/// zeros, a disk that never gets room back. No root needed.
struct HeldWritesTests {
    /// Collects log lines so a test can tell that something was said, and how loudly.
    final class LogLines: @unchecked Sendable {
        private let lines = Mutex<[(Logger.Level, String)]>([])
        func append(_ level: Logger.Level, _ message: String) { lines.withLock { $0.append((level, message)) } }
        func messages(_ level: Logger.Level) -> [String] { lines.withLock { $0.filter { $0.0 == level }.map(\.1) } }

        var logger: Logger {
            Logger(label: "held-writes") { _ in Handler(lines: self) }
        }

        struct Handler: LogHandler {
            let lines: LogLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                     file: String, function: String, line: UInt) {
                lines.append(level, message.description)
            }
        }
    }

    static func fullDisk(limit: Int?, logger: Logger = quietLogger) throws -> BackingFile {
        let file = try BackingFile(path: "/dev/full")
        file.holdRefusedWrites(limit: limit, logger: logger)
        return file
    }

    @Test func aFileThatDoesNotHoldStillFails() throws {
        let file = try BackingFile(path: "/dev/full")
        #expect(throws: BackingStoreError.self) { try file.write([1, 2, 3], at: 0) }
    }

    @Test func refusedWritesReadBackExactlyAndAreCounted() throws {
        let log = LogLines()
        let file = try Self.fullDisk(limit: 1 << 20, logger: log.logger)
        var rng = SplitMix64(seed: 3)
        let first = randomBytes(10_000, using: &rng), second = randomBytes(3_000, using: &rng)
        try file.write(first, at: 1_000)
        // Overlapping the held pages and past them: the newer bytes win, in memory.
        try file.write(second, at: 9_500)
        var back = [UInt8](repeating: 0xAA, count: 14_000)
        try back.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        var expected = [UInt8](repeating: 0, count: 14_000)
        expected.replaceSubrange(1_000..<11_000, with: first)
        expected.replaceSubrange(9_500..<12_500, with: second)
        #expect(firstDifference(back, expected) == nil)
        let stats = file.holdStatistics
        #expect(stats.heldBytes == 4 * 4096)  // pages 0...3
        #expect(stats.peakBytes == 4 * 4096)
        #expect(stats.droppedBytes == 0)
        #expect(stats.refusals >= 2)
        #expect(stats.lastError?.contains("No space left") == true)
        #expect(log.messages(.error).contains { $0.contains("held in memory") })
        #expect(log.messages(.critical).isEmpty)
        // A disk that stays full keeps everything held; trying again does not lose it.
        file.retryHeld(throttled: false)
        #expect(file.holdStatistics.heldBytes == 4 * 4096)
    }

    @Test func pastTheBoundNewPagesAreLostLoudlyAndHeldOnesStayExact() throws {
        let log = LogLines()
        let file = try Self.fullDisk(limit: 2 * 4096, logger: log.logger)
        let a = [UInt8](repeating: 1, count: 4096), b = [UInt8](repeating: 2, count: 4096)
        let c = [UInt8](repeating: 3, count: 4096), a2 = [UInt8](repeating: 4, count: 4096)
        try file.write(a, at: 0)
        try file.write(b, at: 4096)
        // No room in memory: never an error to the caller, but lost and said so.
        try file.write(c, at: 8192)
        // A held page still takes the car's later writes.
        try file.write(a2, at: 0)
        var back = [UInt8](repeating: 0xAA, count: 3 * 4096)
        try back.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        #expect(firstDifference(back, a2 + b + [UInt8](repeating: 0, count: 4096)) == nil)
        let stats = file.holdStatistics
        #expect(stats.heldBytes == 2 * 4096)
        #expect(stats.droppedBytes == 4096)
        #expect(log.messages(.critical).contains { $0.contains("LOST") })
    }

    @Test func aPunchedRangeReadsAsZerosInMemoryToo() {
        var pages = HeldPages(limit: nil)
        let ones = [UInt8](repeating: 1, count: 4096)
        for page: UInt64 in 0..<3 {
            ones.withUnsafeBytes { _ = pages.store($0, page: page, offsetInPage: 0) { [UInt8](repeating: 0, count: 4096) } }
        }
        pages.zero(2048..<8192)  // half of page 0, all of page 1
        #expect(pages.byteCount == 2 * 4096)
        var buffer = [UInt8](repeating: 9, count: 3 * 4096)
        buffer.withUnsafeMutableBytes { pages.overlay(onto: $0, at: 0) }
        #expect(buffer[0..<2048].allSatisfy { $0 == 1 })
        #expect(buffer[2048..<4096].allSatisfy { $0 == 0 })
        #expect(buffer[4096..<8192].allSatisfy { $0 == 9 })  // no longer held: the disk's bytes
        #expect(buffer[8192...].allSatisfy { $0 == 1 })
    }
}
