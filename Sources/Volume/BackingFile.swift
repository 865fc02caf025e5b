import CLinux
import Glibc
import Synchronization

/// An I/O failure of a file on the board's own disk, with the path and the errno so a user can act on it.
public struct BackingStoreError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String
    public let code: Int32

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}

/// A file on the board's disk addressed by byte offset: positional I/O that retries short transfers and EINTR.
/// Thread-safe: `pread`/`pwrite` carry their own offsets.
///
/// Once told to (`holdRefusedWrites`, the engine's stores), a write the disk refuses does not fail: its pages are
/// held in memory below every caller, served to reads and written back by `retryHeld` or `synchronize`
/// (BackingFile+Hold.swift).
public final class BackingFile: Sendable {
    public let path: String
    let fd: Int32
    /// Lock order: taken under the engine's state lock, never the other way round.
    let hold = Mutex(RefusedWrites())

    /// Opens (and with `create`, creates) `path` read-write.
    public init(path: String, create: Bool = false) throws(BackingStoreError) {
        self.path = path
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw BackingStoreError(operation: "open", path: path, code: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads exactly `buffer.count` bytes at `offset`; bytes past the end of the file read as zero (a sparse hole).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            try Self.read(fd, path: path, into: buffer, at: offset)
            h.pages.overlay(onto: buffer, at: offset)
        }
    }

    /// Writes all of `buffer` at `offset`; while holding refused writes, never fails.
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            guard h.isHolding else { return try Self.write(fd, path: path, buffer, at: offset) }
            writeHolding(buffer, at: offset, &h)
        }
    }

    /// `pread` until `buffer` is full, retrying short reads and EINTR; zeros past the end of the file. Shared with
    /// the archive store, which keeps its own descriptors.
    static func read(_ fd: Int32, path: @autoclosure () -> String, into buffer: UnsafeMutableRawBufferPointer,
                     at offset: UInt64) throws(BackingStoreError) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BackingStoreError(operation: "read", path: path(), code: errno)
            }
            if n == 0 {
                (buffer.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
                return
            }
            done += n
        }
    }

    /// `pwrite` all of `buffer`, retrying short writes and EINTR.
    static func write(_ fd: Int32, path: @autoclosure () -> String, _ buffer: UnsafeRawBufferPointer,
                      at offset: UInt64) throws(BackingStoreError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BackingStoreError(operation: "write", path: path(), code: errno)
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(BackingStoreError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(BackingStoreError) in try write(raw, at: offset) } }
        try result.get()
    }

    /// Makes every completed write durable (data and the size/allocation metadata needed to read it back).
    /// Held pages are tried first: each flush of the car tries to get them onto the disk.
    public func synchronize() throws(BackingStoreError) {
        retryHeld(throttled: false)
        if fdatasync(fd) != 0 { throw BackingStoreError(operation: "fdatasync", path: path, code: errno) }
    }

    /// Starts writeback of dirty pages without waiting, so that a later `synchronize()` has little left to do.
    public func startWriteback() {
        _ = clinux_start_writeback(fd)
    }

    /// Frees the disk blocks under `[offset, offset+length)`; they read back as zero. The size stays.
    public func punchHole(at offset: UInt64, length: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            if clinux_punch_hole(fd, off_t(offset), off_t(length)) != 0 {
                throw BackingStoreError(operation: "punch hole in", path: path, code: errno)
            }
            h.pages.zero(offset..<offset + length)
        }
    }

    /// Sets the logical size (a sparse extension: no blocks are allocated).
    public func setSize(_ size: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            if ftruncate(fd, off_t(size)) != 0 { throw BackingStoreError(operation: "resize", path: path, code: errno) }
            h.pages.zero(size..<UInt64.max / 2)
        }
    }

    /// Logical size in bytes.
    public func size() throws(BackingStoreError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BackingStoreError(operation: "stat", path: path, code: errno) }
        return UInt64(st.st_size)
    }

    /// Bytes of disk actually allocated (sparse files allocate only what was written).
    public func allocatedBytes() throws(BackingStoreError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BackingStoreError(operation: "stat", path: path, code: errno) }
        return UInt64(st.st_blocks) * 512
    }

    /// The byte ranges that hold data (SEEK_DATA/SEEK_HOLE): what a sparse store has been written with.
    public func dataRanges() -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        var offset: off_t = 0
        while true {
            let start = lseek(fd, offset, 3 /* SEEK_DATA */)
            if start < 0 { break }
            let end = lseek(fd, start, 4 /* SEEK_HOLE */)
            if end <= start { break }
            ranges.append(UInt64(start)..<UInt64(end))
            offset = end
        }
        return ranges
    }
}
