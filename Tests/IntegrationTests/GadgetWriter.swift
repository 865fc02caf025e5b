import Foundation
import Glibc
import Synchronization

/// What the USB gadget does to volume.img, from a thread of the test: 16 KiB O_DIRECT writes going round a region,
/// each read back at once, an fsync every few writes (the car's SYNCHRONIZE CACHE). Every block carries its
/// offset and round, so a lost, stale or misplaced write shows when read back.
final class GadgetWriter: @unchecked Sendable {
    static let block = 16 * 1024
    let path: String
    let base: UInt64
    let blocks: Int
    private let stopping = Atomic<Bool>(false)
    private let state = Mutex<(writes: Int, errors: [String], latest: [Int: UInt32])>((0, [], [:]))
    private let finished = DispatchSemaphore(value: 0)

    init(path: String, base: UInt64 = 96 << 20, blocks: Int = 1024) {
        self.path = path; self.base = base; self.blocks = blocks
    }

    var writes: Int { state.withLock { $0.writes } }
    var errors: [String] { state.withLock { $0.errors } }

    static func pattern(block: Int, round: UInt32, into buffer: UnsafeMutableRawBufferPointer) {
        var x = UInt64(block) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(round) &* 0xBF58_476D_1CE4_E5B9
        for i in stride(from: 0, to: buffer.count, by: 8) {
            x ^= x >> 31; x = x &* 0x94D0_49BB_1331_11EB; x ^= x >> 29
            buffer.storeBytes(of: x, toByteOffset: i, as: UInt64.self)
        }
    }

    func start() {
        Thread.detachNewThread { [self] in run(); finished.signal() }
    }

    /// Stops after the write under way and waits for the thread.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func fail(_ text: String) { state.withLock { $0.errors.append(text) } }

    private func run() {
        let fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC)
        guard fd >= 0 else { fail("open: errno \(errno)"); return }
        defer { close(fd) }
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.block, alignment: 4096)
        let back = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.block, alignment: 4096)
        defer { out.deallocate(); back.deallocate() }
        var n = 0
        while !stopping.load(ordering: .relaxed) {
            let index = n % blocks
            let round = UInt32(n / blocks + 1)
            Self.pattern(block: index, round: round, into: out)
            let offset = off_t(base + UInt64(index * Self.block))
            let w = pwrite(fd, out.baseAddress, Self.block, offset)
            if w != Self.block { fail("write \(n) at \(offset): \(w < 0 ? "errno \(errno)" : "\(w) bytes")"); break }
            state.withLock { $0.writes = n + 1; $0.latest[index] = round }
            let r = pread(fd, back.baseAddress, Self.block, offset)
            if r != Self.block || memcmp(out.baseAddress, back.baseAddress, Self.block) != 0 {
                fail("read-back \(n) at \(offset): \(r < 0 ? "errno \(errno)" : "\(r) bytes, other data")"); break
            }
            if n % 8 == 7, fsync(fd) != 0 { fail("fsync after write \(n): errno \(errno)"); break }
            n += 1
        }
    }

    /// Every block written holds the round written last; the mismatches.
    func verify() -> [String] {
        let fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC)
        guard fd >= 0 else { return ["open for verify: errno \(errno)"] }
        defer { close(fd) }
        let expected = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.block, alignment: 4096)
        let back = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.block, alignment: 4096)
        defer { expected.deallocate(); back.deallocate() }
        var problems: [String] = []
        for (index, round) in state.withLock({ $0.latest }).sorted(by: { $0.key < $1.key }) {
            Self.pattern(block: index, round: round, into: expected)
            let r = pread(fd, back.baseAddress, Self.block, off_t(base + UInt64(index * Self.block)))
            if r != Self.block || memcmp(expected.baseAddress, back.baseAddress, Self.block) != 0 {
                problems.append("block \(index) (round \(round)) does not read back")
            }
        }
        return problems
    }
}
