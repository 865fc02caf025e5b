import CLinux
import Glibc

/// A file of the real file system: pread/pwrite loops that retry short transfers and EINTR, and one syscall per
/// other operation.
public final class SystemFile: PositionalFile {
    public let path: String
    /// The descriptor, for the few callers that need one (syncfs of the file system holding it).
    public let descriptor: Int32

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    private func failure(_ operation: String) -> FileIOError {
        FileIOError(operation: operation, path: path, code: errno)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileIOError) {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if n == 0 {
                (buffer.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
                return
            }
            done += n
        }
    }

    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(FileIOError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            done += n
        }
    }

    public func setSize(_ size: UInt64) throws(FileIOError) {
        if ftruncate(descriptor, off_t(size)) != 0 { throw failure("resize") }
    }

    public func size() throws(FileIOError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat") }
        return UInt64(info.st_size)
    }

    public func allocatedBytes() throws(FileIOError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat") }
        return UInt64(info.st_blocks) * 512
    }

    public func punchHole(at offset: UInt64, length: UInt64) throws(FileIOError) {
        if clinux_punch_hole(descriptor, off_t(offset), off_t(length)) != 0 { throw failure("punch hole in") }
    }

    public func dataRanges() -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        var offset: off_t = 0
        while true {
            let start = lseek(descriptor, offset, 3 /* SEEK_DATA */)
            if start < 0 { break }
            let end = lseek(descriptor, start, 4 /* SEEK_HOLE */)
            if end <= start { break }
            ranges.append(UInt64(start)..<UInt64(end))
            offset = end
        }
        return ranges
    }

    public func synchronize() throws(FileIOError) {
        if fsync(descriptor) != 0 { throw failure("fsync") }
    }

    public func synchronizeData() throws(FileIOError) {
        if fdatasync(descriptor) != 0 { throw failure("fdatasync") }
    }

    public func startWriteback() {
        _ = clinux_start_writeback(descriptor)
    }
}
