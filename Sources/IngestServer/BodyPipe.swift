import Foundation
import NIOCore

/// Bytes handed from a PATCH (async, on the server's event loops) to libcurl's read callback (a thread of its own
/// that blocks while the pipe is empty), so a part's PUT to the store runs while the part's bytes still arrive.
/// The producer never blocks: a part is at most `partSize`, which bounds what the pipe holds. Every exit of the
/// producer either feeds the part's last byte or aborts the pipe, so the reader never waits for nothing.
final class BodyPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [ByteBuffer] = []  // shares storage with the PATCH's buffers: nothing is copied
    private var aborted = false

    func feed(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        condition.lock()
        chunks.append(buffer)
        condition.signal()
        condition.unlock()
    }

    /// The reader gives up: libcurl aborts the PUT, so the store keeps nothing of it.
    func abort() {
        condition.lock()
        aborted = true
        condition.broadcast()
        condition.unlock()
    }

    /// Copies up to `into.count` bytes once there are some; nil once aborted (or after `idle` seconds of nothing,
    /// a producer that is gone).
    func read(into target: UnsafeMutableRawBufferPointer, idle: Double = 600) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: idle)
        while chunks.isEmpty && !aborted {
            if !condition.wait(until: deadline) { return nil }
        }
        if aborted { return nil }
        var first = chunks[0]
        let n = min(first.readableBytes, target.count)
        first.withUnsafeReadableBytes { source in
            target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: n)
        }
        first.moveReaderIndex(forwardBy: n)
        if first.readableBytes == 0 { chunks.removeFirst() } else { chunks[0] = first }
        return n
    }
}
