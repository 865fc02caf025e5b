#if canImport(Glibc)
import Glibc
#endif
import Volume

/// What the FUSE mount shows: `/volume.img`, the car's disk, backed by the engine.
///
/// Path-level logic only; the C callback table lives in `LowLevelOperations.swift`.
public final class VolumeFilesystem: Sendable {
    public static let imageName = "volume.img"
    public let engine: VolumeEngine
    let live: LiveView
    let owner: (uid: uid_t, gid: gid_t)
    let mountedAt: timespec

    public init(engine: VolumeEngine) {
        self.engine = engine
        live = LiveView(engine: engine)
        self.owner = (getuid(), getgid())
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.mountedAt = now
    }

    enum Node { case root, image, live(LiveView.Node) }

    func node(at path: String) -> Node? {
        switch path {
        case "/": return .root
        case "/" + Self.imageName: return .image
        default:
            guard path == "/" + LiveView.name || path.hasPrefix("/" + LiveView.name + "/") else { return nil }
            return live.node(at: path).map { .live($0) }
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
        case let .live(.directory(_, modified)):
            st.st_mode = S_IFDIR | 0o555
            st.st_nlink = 2
            if let seconds = modified?.secondsSince1970 { st.st_mtim = timespec(tv_sec: Int(seconds), tv_nsec: 0) }
        case let .live(.file(file)):
            st.st_mode = S_IFREG | 0o444
            st.st_nlink = 1
            st.st_size = off_t(file.size)
            st.st_blocks = blkcnt_t((file.size + 511) / 512)
            if let seconds = file.modified.secondsSince1970 { st.st_mtim = timespec(tv_sec: Int(seconds), tv_nsec: 0) }
        }
        return 0
    }

    func entries(of path: String) -> [String]? {
        switch node(at: path) {
        case .root: return [Self.imageName, LiveView.name]
        case let .live(.directory(children, _)): return children
        default: return nil
        }
    }

    func open(_ path: String) -> Int32 {
        switch node(at: path) {
        case .image, .live(.file): return 0
        case .root, .live(.directory): return -EISDIR
        case nil: return -ENOENT
        }
    }

    func read(_ path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: off_t) -> Int32 {
        guard offset >= 0 else { return -EINVAL }
        switch node(at: path) {
        case .image: return Int32(engine.read(into: buffer, at: UInt64(offset)))
        case let .live(.file(file)):
            // The size may have grown since the listing: read with the latest entry when there is one.
            let latest = live.node(at: path).flatMap { if case let .file(f) = $0 { f } else { nil } } ?? file
            return Int32(engine.read(file: latest, into: buffer, at: UInt64(offset)))
        case .live(.directory), .root: return -EISDIR
        case nil: return -ENOENT
        }
    }

    func write(_ path: String, from buffer: UnsafeRawBufferPointer, at offset: off_t) -> Int32 {
        guard case .image = node(at: path) else { return -EROFS }
        guard offset >= 0 else { return -EINVAL }
        if buffer.isEmpty { return 0 }
        let written = engine.write(buffer, at: UInt64(offset))
        // Past the end of the disk, like a real block device.
        return written == 0 ? -ENOSPC : Int32(written)
    }

    func synchronize(_ path: String) -> Int32 {
        guard case .image = node(at: path) else { return node(at: path) == nil ? -ENOENT : 0 }
        engine.flush()
        return 0
    }

    /// The disk's size never changes; truncating to it is a no-op that some tools issue.
    func truncate(_ path: String, to size: off_t) -> Int32 {
        guard case .image = node(at: path) else { return -EROFS }
        return UInt64(size) == engine.size ? 0 : -EPERM
    }
}
