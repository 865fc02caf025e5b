#if canImport(Glibc)
import Glibc
#endif
import Volume

/// What the FUSE mount shows: `/volume.img`, the car's disk, backed by the engine.
///
/// Path-level logic only; the C callback table lives in `FUSEOperations.swift`.
public final class VolumeFilesystem: Sendable {
    public static let imageName = "volume.img"
    public let engine: VolumeEngine
    let owner: (uid: uid_t, gid: gid_t)
    let mountedAt: timespec

    public init(engine: VolumeEngine) {
        self.engine = engine
        self.owner = (getuid(), getgid())
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.mountedAt = now
    }

    enum Node { case root, image }

    /// The hot path: every car I/O names the image; compare the C string without building a String.
    func node(at path: UnsafePointer<CChar>) -> Node? {
        if strcmp(path, "/" + Self.imageName) == 0 { return .image }
        return node(at: String(cString: path))
    }

    func node(at path: String) -> Node? {
        switch path {
        case "/": return .root
        case "/" + Self.imageName: return .image
        default: return nil
        }
    }

    /// Fills `st` for `path`; returns 0 or a negative errno.
    func attributes(of path: String, into st: inout stat) -> Int32 {
        guard let node = node(at: path) else { return -ENOENT }
        st = stat()
        st.st_uid = owner.uid
        st.st_gid = owner.gid
        st.st_mtim = mountedAt
        st.st_ctim = mountedAt
        st.st_atim = mountedAt
        switch node {
        case .root:
            st.st_mode = S_IFDIR | 0o755
            st.st_nlink = 2
        case .image:
            st.st_mode = S_IFREG | 0o600
            st.st_nlink = 1
            st.st_size = off_t(engine.size)
            st.st_blocks = blkcnt_t((engine.size + 511) / 512)
            st.st_blksize = 4096
        }
        return 0
    }

    func entries(of path: String) -> [String]? {
        node(at: path) == .root ? [Self.imageName] : nil
    }

    func open(_ path: String) -> Int32 {
        switch node(at: path) {
        case .image: return 0
        case .root: return -EISDIR
        case nil: return -ENOENT
        }
    }

    func read(_ path: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer, at offset: off_t) -> Int32 {
        guard node(at: path) == .image else { return -ENOENT }
        guard offset >= 0 else { return -EINVAL }
        return Int32(engine.read(into: buffer, at: UInt64(offset)))
    }

    func write(_ path: UnsafePointer<CChar>, from buffer: UnsafeRawBufferPointer, at offset: off_t) -> Int32 {
        guard node(at: path) == .image else { return -ENOENT }
        guard offset >= 0 else { return -EINVAL }
        if buffer.isEmpty { return 0 }
        let written = engine.write(buffer, at: UInt64(offset))
        // Past the end of the disk, like a real block device.
        return written == 0 ? -ENOSPC : Int32(written)
    }

    func synchronize(_ path: String) -> Int32 {
        guard node(at: path) == .image else { return node(at: path) == nil ? -ENOENT : 0 }
        engine.flush()
        return 0
    }

    /// The disk's size never changes; truncating to it is a no-op that some tools issue.
    func truncate(_ path: String, to size: off_t) -> Int32 {
        guard node(at: path) == .image else { return -ENOENT }
        return UInt64(size) == engine.size ? 0 : -EPERM
    }
}
