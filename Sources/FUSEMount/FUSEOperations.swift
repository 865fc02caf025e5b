import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// The libfuse high-level callback table. Each callback finds the filesystem through the FUSE context's private
/// data, because C function pointers cannot capture Swift state.
enum FUSEOperations {
    static func filesystem() -> VolumeFilesystem {
        Unmanaged<VolumeFilesystem>.fromOpaque(cfuse_private_data()!).takeUnretainedValue()
    }

    static func table() -> fuse_operations {
        var ops = fuse_operations()
        ops.`init` = { conn, cfg in
            if let conn {
                // Large writes: the kernel clamps to its own limit (1 MiB with max_pages).
                conn.pointee.max_write = 1 << 20
                conn.pointee.max_readahead = 0
            }
            if let cfg {
                // No page cache for volume.img: the gadget, loop and QEMU must see every write at once, and the
                // engine must see every write to classify it.
                cfg.pointee.direct_io = 1
                cfg.pointee.kernel_cache = 0
                cfg.pointee.attr_timeout = 1
                cfg.pointee.entry_timeout = 1
                cfg.pointee.nullpath_ok = 0
            }
            return cfuse_private_data()
        }
        ops.getattr = { path, st, _ in
            guard let path, let st else { return -EINVAL }
            return FUSEOperations.filesystem().attributes(of: String(cString: path), into: &st.pointee)
        }
        ops.readdir = { path, buffer, filler, _, _, _ in
            guard let path, let filler else { return -EINVAL }
            guard let names = FUSEOperations.filesystem().entries(of: String(cString: path)) else { return -ENOTDIR }
            for name in [".", ".."] + names {
                _ = name.withCString { filler(buffer, $0, nil, 0, fuse_fill_dir_flags(rawValue: 0)) }
            }
            return 0
        }
        ops.open = { path, fi in
            guard let path else { return -EINVAL }
            let rc = FUSEOperations.filesystem().open(String(cString: path))
            if rc == 0, let fi { cfuse_set_direct_io(fi) }
            return rc
        }
        ops.read = { path, buffer, size, offset, _ in
            guard let path, let buffer else { return -EINVAL }
            return FUSEOperations.filesystem().read(path,
                                     into: UnsafeMutableRawBufferPointer(start: buffer, count: size), at: offset)
        }
        ops.write = { path, buffer, size, offset, _ in
            guard let path, let buffer else { return -EINVAL }
            return FUSEOperations.filesystem().write(path,
                                      from: UnsafeRawBufferPointer(start: buffer, count: size), at: offset)
        }
        ops.fsync = { path, _, _ in
            guard let path else { return -EINVAL }
            return FUSEOperations.filesystem().synchronize(String(cString: path))
        }
        ops.flush = { path, _ in
            // close(2): cheap when nothing is new (group commit), and tools like mtools never fsync.
            guard let path else { return 0 }
            return FUSEOperations.filesystem().synchronize(String(cString: path))
        }
        ops.release = { _, _ in 0 }
        ops.truncate = { path, size, _ in
            guard let path else { return -EINVAL }
            return FUSEOperations.filesystem().truncate(String(cString: path), to: size)
        }
        ops.statfs = { _, st in
            guard let st else { return -EINVAL }
            st.pointee = statvfs()
            st.pointee.f_bsize = 4096
            st.pointee.f_namemax = 255
            return 0
        }
        return ops
    }
}
