import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// What every callback needs, reached through the session's user data (C function pointers capture nothing).
final class SessionContext: @unchecked Sendable {
    let filesystem: VolumeFilesystem
    let nodes: NodeTable
    let journal: RequestJournal

    init(filesystem: VolumeFilesystem, journal: RequestJournal) {
        self.filesystem = filesystem
        self.journal = journal
        let live = filesystem.live
        nodes = NodeTable(listing: { live.paths })
    }

    static func of(_ req: fuse_req_t?) -> SessionContext {
        Unmanaged<SessionContext>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
    }
}

/// libfuse's low-level callback table over `VolumeFilesystem`: inode numbers from `NodeTable`, no file handles
/// (every handle is 0), so nothing a request names is private to the process that answered the open.
enum LowLevelOperations {
    /// Attributes and names are cached for a second, as with the high-level API before.
    static let timeout = 1.0

    /// An experiment, off unless `TESLACAM_FUSE_WRITEBACK_CACHE=1`: the kernel's page cache in front of volume.img,
    /// so the gadget's 16 KiB writes reach the daemon gathered into up to 1 MiB requests at writeback or fsync
    /// instead of one request each (docs/BENCHMARKS.md, `bench cpu`). The engine then sees a write only when the
    /// kernel writes it back, not as the car makes it.
    static let writebackCache = getenv("TESLACAM_FUSE_WRITEBACK_CACHE").map { String(cString: $0) == "1" } ?? false

    static func table() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { _, conn in
            guard let conn else { return }
            // Large writes: the kernel clamps to its own limit (1 MiB with max_pages). No readahead: no page cache.
            conn.pointee.max_write = 1 << 20
            conn.pointee.max_readahead = 0
            let writeback = UInt32(FUSE_CAP_WRITEBACK_CACHE)
            if LowLevelOperations.writebackCache && conn.pointee.capable & writeback != 0 { conn.pointee.want |= writeback }
        }
        ops.lookup = { req, parent, name in
            let context = SessionContext.of(req)
            guard let name, let parentPath = context.nodes.path(of: parent) else { fuse_reply_err(req, ESTALE); return }
            let path = NodeTable.child(String(cString: name), of: parentPath)
            var entry = fuse_entry_param()
            let rc = context.filesystem.attributes(of: path, into: &entry.attr)
            guard rc == 0 else { fuse_reply_err(req, -rc); return }
            entry.ino = context.nodes.register(path)
            entry.attr.st_ino = ino_t(entry.ino)
            entry.attr_timeout = LowLevelOperations.timeout
            entry.entry_timeout = LowLevelOperations.timeout
            fuse_reply_entry(req, &entry)
        }
        ops.forget = { req, _, _ in fuse_reply_none(req) }
        ops.forget_multi = { req, _, _ in fuse_reply_none(req) }
        ops.getattr = { req, ino, _ in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, ESTALE); return }
            var st = stat()
            let rc = context.filesystem.attributes(of: path, into: &st)
            guard rc == 0 else { fuse_reply_err(req, -rc); return }
            st.st_ino = ino_t(ino)
            fuse_reply_attr(req, &st, LowLevelOperations.timeout)
        }
        ops.setattr = { req, ino, attr, toSet, _ in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, ESTALE); return }
            if toSet & FUSE_SET_ATTR_SIZE != 0, let attr {
                let rc = context.filesystem.truncate(path, to: attr.pointee.st_size)
                guard rc == 0 else { fuse_reply_err(req, -rc); return }
            }
            // Times and modes are not kept: the answer is what the file is.
            var st = stat()
            let rc = context.filesystem.attributes(of: path, into: &st)
            guard rc == 0 else { fuse_reply_err(req, -rc); return }
            st.st_ino = ino_t(ino)
            fuse_reply_attr(req, &st, LowLevelOperations.timeout)
        }
        ops.readdir = { req, ino, size, offset, _ in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, ESTALE); return }
            guard let names = context.filesystem.entries(of: path) else { fuse_reply_err(req, ENOTDIR); return }
            let all = [".", ".."] + names
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(size, 1))
            defer { buffer.deallocate() }
            var used = 0
            var index = Int(offset)
            while index < all.count {
                var st = stat()
                let name = all[index]
                let child = name == "." ? path : name == ".." ? "/" : NodeTable.child(name, of: path)
                st.st_ino = ino_t(NodeTable.id(of: child))
                st.st_mode = context.filesystem.entries(of: child) == nil && name != "." && name != ".." ? S_IFREG : S_IFDIR
                let needed = name.withCString { fuse_add_direntry(req, buffer + used, size - used, $0, &st, off_t(index + 1)) }
                guard needed <= size - used else { break }
                used += needed
                index += 1
            }
            fuse_reply_buf(req, buffer, used)
        }
        ops.open = { req, ino, fi in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, ESTALE); return }
            let rc = context.filesystem.open(path)
            guard rc == 0, let fi else { fuse_reply_err(req, -rc); return }
            // No page cache for volume.img: the gadget, loop and QEMU must see every write at once, and the
            // engine must see every write to classify it.
            if !LowLevelOperations.writebackCache { cfuse_set_direct_io(fi) }
            fi.pointee.fh = 0
            fuse_reply_open(req, fi)
        }
        ops.read = { req, ino, size, offset, _ in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, ESTALE); return }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 4096)
            defer { buffer.deallocate() }
            let n = context.filesystem.read(path, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<size]), at: offset)
            if n < 0 { fuse_reply_err(req, -n) } else { fuse_reply_buf(req, buffer.baseAddress, Int(n)) }
        }
        ops.write = { req, ino, data, size, offset, _ in
            let context = SessionContext.of(req)
            guard let path = context.nodes.path(of: ino), let data else { fuse_reply_err(req, ESTALE); return }
            let n = context.filesystem.write(path, from: UnsafeRawBufferPointer(start: data, count: size), at: offset)
            guard n >= 0 else { fuse_reply_err(req, -n); return }
            // Done: from here a replay must only answer this write, never run it again (RequestJournal).
            if let slot = context.journal.slot(containing: data) { context.journal.replying(slot, count: UInt32(n)) }
            fuse_reply_write(req, Int(n))
        }
        ops.fsync = { req, ino, _, _ in LowLevelOperations.synchronize(req, ino) }
        // close(2): cheap when nothing is new (group commit), and tools like mtools never fsync.
        ops.flush = { req, ino, _ in LowLevelOperations.synchronize(req, ino) }
        ops.release = { req, _, _ in fuse_reply_err(req, 0) }
        ops.statfs = { req, _ in
            var st = statvfs()
            st.f_bsize = 4096
            st.f_namemax = 255
            fuse_reply_statfs(req, &st)
        }
        return ops
    }

    static func synchronize(_ req: fuse_req_t?, _ ino: fuse_ino_t) {
        let context = SessionContext.of(req)
        guard let path = context.nodes.path(of: ino) else { fuse_reply_err(req, 0); return }
        fuse_reply_err(req, -context.filesystem.synchronize(path))
    }
}
