import Synchronization

/// The inode numbers the kernel knows the mount's files by. They are the daemon's own and the same in every process
/// (the image is always 2), because after a restart the new process answers requests for inodes the kernel learned
/// from the old one (FUSEHandover). libfuse's high-level API numbered nodes per process, so it could not.
final class NodeTable: Sendable {
    static let root: UInt64 = 1
    static let image: UInt64 = 2
    static let live: UInt64 = 3

    /// `/live/...` paths: a 64-bit hash of the path with the top bit set, so it never meets the fixed ids.
    private let known = Mutex<[UInt64: String]>([:])
    /// Every path the live view shows now, for an id this process has not handed out (the previous one did).
    private let listing: @Sendable () -> [String]

    init(listing: @escaping @Sendable () -> [String]) { self.listing = listing }

    static func id(of path: String) -> UInt64 {
        switch path {
        case "/": return root
        case "/" + VolumeFilesystem.imageName: return image
        case "/" + LiveView.name: return live
        default:
            // FNV-1a: stable across processes and builds, unlike Swift's seeded Hasher.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return hash | (1 << 63)
        }
    }

    /// The id for `path`, remembered so later requests for it find the path again.
    func register(_ path: String) -> UInt64 {
        let id = Self.id(of: path)
        if id >= 1 << 63 { known.withLock { $0[id] = path } }
        return id
    }

    /// The path of `id`, or nil for an id no current file has (a live file that is gone: the kernel gets ESTALE).
    func path(of id: UInt64) -> String? {
        switch id {
        case Self.root: return "/"
        case Self.image: return "/" + VolumeFilesystem.imageName
        case Self.live: return "/" + LiveView.name
        default:
            if let path = known.withLock({ $0[id] }) { return path }
            let found = listing().first { Self.id(of: $0) == id }
            if let found { known.withLock { $0[id] = found } }
            return found
        }
    }

    static func child(_ name: String, of parent: String) -> String { parent == "/" ? "/" + name : parent + "/" + name }
}
