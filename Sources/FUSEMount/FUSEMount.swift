import CFuse
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Why the volume could not be mounted.
public enum MountError: Error, CustomStringConvertible, Sendable {
    case mountpointMissing(String)
    case mountpointNotADirectory(String)
    case fuseUnavailable(String)
    case mountFailed(String)
    case staleMount(String)

    public var description: String {
        switch self {
        case let .mountpointMissing(path): return "mountpoint \(path) does not exist; create it (mkdir -p \(path))"
        case let .mountpointNotADirectory(path): return "mountpoint \(path) is not a directory"
        case let .fuseUnavailable(reason):
            return "FUSE is not available (\(reason)); install fuse3 and make sure /dev/fuse exists"
        case let .mountFailed(path):
            return "mounting FUSE at \(path) failed (see the libfuse message above); is something already mounted there?"
        case let .staleMount(path):
            return "a dead FUSE mount from a killed daemon is left at \(path) and this user may not remove it; "
                + "run fusermount3 -u -z \(path) (or, as root, umount -l \(path))"
        }
    }
}

/// Mounts a `VolumeFilesystem` and serves it until SIGINT/SIGTERM/SIGHUP, then unmounts cleanly.
public final class FUSEMount {
    public let mountpoint: String
    let filesystem: VolumeFilesystem
    let logger: Logger
    /// Worker threads: the gadget uses one, but reads from the live view and tools may come in parallel.
    public var maxThreads: UInt32 = 8

    public init(filesystem: VolumeFilesystem, mountpoint: String, logger: Logger) {
        self.filesystem = filesystem
        self.mountpoint = mountpoint
        self.logger = logger
    }

    /// Checks the mountpoint and clears a stale FUSE mount left by a daemon that was killed.
    public func prepareMountpoint() throws(MountError) {
        var st = stat()
        if stat(mountpoint, &st) != 0 {
            if errno == ENOTCONN {
                // "Transport endpoint is not connected": our previous instance died; detach its mount.
                logger.warning("clearing a stale FUSE mount left by a previous run", metadata: ["mountpoint": "\(mountpoint)"])
                // Not root (the daemon runs as its own user under systemd): fusermount3 may detach our own mount.
                guard umount2(mountpoint, Int32(MNT_DETACH)) == 0 || Self.fusermountDetach(mountpoint) else {
                    throw .staleMount(mountpoint)
                }
                return try prepareMountpoint()
            }
            throw .mountpointMissing(mountpoint)
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw .mountpointNotADirectory(mountpoint) }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else { throw .fuseUnavailable("/dev/fuse: \(String(cString: strerror(errno)))") }
    }

    /// `fusermount3 -u -z PATH`; true when it succeeded.
    static func fusermountDetach(_ path: String) -> Bool {
        var pid = pid_t()
        let words: [String] = ["fusermount3", "-u", "-z", path]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawnp(&pid, "fusermount3", nil, nil, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0
    }

    /// A parent may have spawned us with signals blocked (test runners do) or ignored (a shell's `&` ignores
    /// SIGINT, and libfuse then leaves it ignored); SIGINT and SIGTERM must still stop the daemon.
    /// Threads created after this (libfuse's workers) inherit the mask.
    static func unblockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            sigaddset(&set, sig)
            signal(sig, SIG_DFL)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Mounts, calls `onReady`, serves requests until a termination signal, unmounts.
    public func run(onReady: () -> Void) throws(MountError) {
        try prepareMountpoint()
        Self.unblockTerminationSignals()
        // allow_other: the USB gadget opens the file as root while the daemon runs as its own user.
        var options = "fsname=teslacam,subtype=teslacam,allow_other"
        if getuid() == 0 { options += ",dev,suid" }
        let argv: [UnsafeMutablePointer<CChar>] = ["teslacam", "-o", options].map { arg in arg.withCString { strdup($0)! } }
        defer { argv.forEach { free($0) } }
        var cArgv = argv.map { Optional($0) }
        var ops = FUSEOperations.table()
        let context = Unmanaged.passRetained(filesystem)
        defer { context.release() }
        let fuse: OpaquePointer? = cArgv.withUnsafeMutableBufferPointer { buffer in
            var args = fuse_args(argc: Int32(buffer.count), argv: buffer.baseAddress, allocated: 0)
            let handle = fuse_new(&args, &ops, MemoryLayout<fuse_operations>.size, context.toOpaque())
            fuse_opt_free_args(&args)
            return handle
        }
        guard let fuse else { throw .fuseUnavailable("fuse_new failed") }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, mountpoint) == 0 else { throw .mountFailed(mountpoint) }
        let session = fuse_get_session(fuse)
        guard fuse_set_signal_handlers(session) == 0 else {
            fuse_unmount(fuse)
            throw .fuseUnavailable("cannot install signal handlers")
        }
        onReady()
        let rc = cfuse_loop_mt(fuse, maxThreads)
        fuse_remove_signal_handlers(session)
        fuse_unmount(fuse)
        if rc != 0 && rc != SIGINT && rc != SIGTERM && rc != SIGHUP {
            logger.warning("FUSE loop ended with status \(rc)")
        }
    }
}
