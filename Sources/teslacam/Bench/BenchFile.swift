import Foundation

/// A file opened for benchmark I/O, timing each pass end to end (fsync included where a pass asks for it).
struct BenchFile {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("open \(path): \(String(cString: strerror(errno)))") }
    }

    func close() { Foundation.close(fd) }

    func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws {
        let n = pwrite(fd, buffer.baseAddress, buffer.count, off_t(offset))
        guard n == buffer.count else { throw BenchError("write \(path) @\(offset): \(String(cString: strerror(errno)))") }
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        guard n == buffer.count else { throw BenchError("read \(path) @\(offset): \(String(cString: strerror(errno)))") }
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw BenchError("fsync \(path): \(String(cString: strerror(errno)))") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Wall time of `body` in seconds.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
