import Crypto
import Foundation
import Glibc
import Outbound

/// Reading files for delivery and verification: read-only, no symbolic links followed, sha256 on the way.
enum FileDigest {
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Opens a file read-only (the engine is the archive's only writer).
    static func openForReading(_ path: String) throws(SinkError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            let code = errno
            throw .transient("cannot read \(path): \(String(cString: strerror(code)))")
        }
        return fd
    }

    /// Calls `chunk` with successive pieces of the file; returns its size and sha256.
    static func read(fd: Int32, path: String, chunkSize: Int = 256 << 10,
                     _ chunk: (UnsafeRawBufferPointer) throws(SinkError) -> Void) throws(SinkError) -> (size: Int64, sha256: String) {
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let n = pread(fd, buffer.baseAddress, chunkSize, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw .transient("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(bufferPointer: piece)
            try chunk(piece)
            offset += Int64(n)
        }
        return (offset, hex(hasher.finalize()))
    }

    /// Size and sha256 of a file, or nil when it does not exist.
    static func digest(of path: String) throws(SinkError) -> (size: Int64, sha256: String)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .transient("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try read(fd: fd, path: path) { (_: UnsafeRawBufferPointer) throws(SinkError) in }
    }
}
