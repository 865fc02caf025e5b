#if canImport(Glibc)
import Glibc
#endif
import Catalog

/// Clips read from the archive directory, at the path the catalog recorded (the harvest's own, already safe:
/// `ArchivePath` keeps every name the car writes inside the archive).
public struct ArchiveClipStore: ClipStore {
    public let root: String

    public init(root: String) { self.root = root }

    public func open(_ clip: ClipRecord) throws(ClipStoreError) -> any ClipReader {
        let id = clip.id ?? 0
        // Defence in depth: a catalog path is relative and never climbs, whatever wrote the row.
        guard !clip.path.hasPrefix("/"), !clip.path.split(separator: "/").contains("..") else {
            throw .unreadable(id: id, reason: "its catalog path is not inside the archive")
        }
        let fd = Glibc.open(root + "/" + clip.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .gone(id: id) }
            throw .unreadable(id: id, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); throw .unreadable(id: id, reason: String(cString: strerror(errno))) }
        return FileClipReader(fd: fd, length: UInt64(st.st_size), id: id)
    }
}

/// A file descriptor read with pread; closed when the reader goes.
final class FileClipReader: ClipReader {
    let fd: Int32
    let length: UInt64
    let id: Int64

    init(fd: Int32, length: UInt64, id: Int64) {
        self.fd = fd
        self.length = length
        self.id = id
    }

    deinit { close(fd) }

    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
        guard offset < length, count > 0 else { return [] }
        let n = Int(min(UInt64(count), length - offset))
        var bytes = [UInt8](repeating: 0, count: n)
        var done = 0
        while done < n {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, n - done, off_t(offset) + off_t(done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(id: id, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            done += got
        }
        return done == n ? bytes : Array(bytes.prefix(done))
    }
}
