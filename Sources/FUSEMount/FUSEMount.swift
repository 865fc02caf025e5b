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
    case journal(String, Int32)
    case handover(Int32)

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
        case let .journal(path, e):
            return "cannot keep the request journal \(path): \(String(cString: strerror(e))); is its directory writable?"
        case let .handover(fd):
            return "the FUSE connection handed over as descriptor \(fd) is not usable; stop the service fully "
                + "(systemctl stop teslacam) so the next start mounts afresh"
        }
    }
}

/// How serving ended.
public enum ServingEnd: Equatable, Sendable {
    /// Unmounted: a real stop (SIGINT, SIGTERM), or the connection was ended from outside.
    case stopped
    /// A reload (SIGHUP): still mounted, no request half answered; `descriptor` is the live /dev/fuse
    /// connection for the process that replaces this one (FUSEHandover.reexec).
    case reload(descriptor: Int32)
}

/// Mounts a `VolumeFilesystem` (or takes over a mounted connection) and serves it until told to end (the
/// daemon's service group decides when: signals are not this module's business).
///
/// The connection can outlive the process: given the /dev/fuse descriptor of a mount that is still in place (from
/// systemd's fd store after a crash, or from `exec` on a reload), it answers the kernel from where the previous
/// process stopped: the INIT that process negotiated is replayed into this session (InitRecord), then every request
/// it had read and not answered (RequestJournal). The gadget's open volume.img never sees the mount go.
public final class FUSEMount: @unchecked Sendable {  // `workers` is set before `start`, never after
    public let mountpoint: String
    let filesystem: VolumeFilesystem
    let logger: Logger
    /// Worker threads: the gadget uses one, but reads from the live view and tools may come in parallel.
    public var workers = 4

    public init(filesystem: VolumeFilesystem, mountpoint: String, logger: Logger) {
        self.filesystem = filesystem
        self.mountpoint = Self.normalized(mountpoint)
        self.logger = logger
    }

    /// A runtime file beside the mountpoint (under systemd /run/teslacam, a tmpfs), as `/run/teslacam/drive` +
    /// `.fuse-requests`: what must outlive this process but not a reboot. A trailing slash on the mountpoint would
    /// put the file inside the mount, so it is dropped.
    public static func besideMountpoint(_ mountpoint: String, _ suffix: String) -> String {
        normalized(mountpoint) + suffix
    }

    private static func normalized(_ mountpoint: String) -> String {
        var path = mountpoint
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The journal of requests being answered.
    var journalPath: String { Self.besideMountpoint(mountpoint, ".fuse-requests") }
    var initRecord: InitRecord { InitRecord(path: Self.besideMountpoint(mountpoint, ".fuse-init")) }

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
        // The lifecycle signals are blocked in the daemon's threads; the tool must start with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty); sigemptyset(&defaults)
        for sig in StopSignals.lifecycle { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        guard posix_spawnp(&pid, "fusermount3", nil, &attributes, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0
    }

    /// Mounts (or, with `inherited`, takes over the connection of a mount in place), calls `onConnected` with the
    /// connection's descriptor, and starts the workers: the volume is served when this returns. The session ends
    /// with `ServingSession.end`; `onConnectionEnded` hears of a connection ended from outside (unmounted).
    public func start(inherited: Int32? = nil, onConnected: (Int32) -> Void = { _ in },
                      onConnectionEnded: @escaping @Sendable () -> Void = {}) throws(MountError) -> ServingSession {
        StopSignals.installPoke()
        // allow_other: the USB gadget opens the file as root while the daemon runs as its own user.
        var options = "fsname=teslacam,subtype=teslacam,allow_other"
        if getuid() == 0 { options += ",dev,suid" }
        let argv: [UnsafeMutablePointer<CChar>] = ["teslacam", "-o", options].map { arg in arg.withCString { strdup($0)! } }
        defer { argv.forEach { free($0) } }
        var cArgv = argv.map { Optional($0) }
        let journal = try RequestJournal(path: journalPath, slots: workers)
        let context = Unmanaged.passRetained(SessionContext(filesystem: filesystem, journal: journal))
        var ops = LowLevelOperations.table()
        let created: OpaquePointer? = cArgv.withUnsafeMutableBufferPointer { buffer in
            var args = fuse_args(argc: Int32(buffer.count), argv: buffer.baseAddress, allocated: 0)
            let handle = fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, context.toOpaque())
            fuse_opt_free_args(&args)
            return handle
        }
        guard let session = created else { context.release(); throw .fuseUnavailable("fuse_session_new failed") }
        let descriptor: Int32
        if let inherited {
            // libfuse ≥ 3.3: a mountpoint /dev/fd/N is a /dev/fuse connection already open and mounted.
            guard fcntl(inherited, F_GETFD) >= 0, fuse_session_mount(session, "/dev/fd/\(inherited)") == 0 else {
                fuse_session_destroy(session); context.release()
                throw .handover(inherited)
            }
            descriptor = inherited
            if initRecord.replay(into: session) {
                let outcome = JournalReplay.replay(journal, session: session, descriptor: descriptor)
                logger.notice("took over the FUSE connection", metadata: [
                    "descriptor": "\(descriptor)", "replayed": "\(outcome.rerun)", "answered": "\(outcome.answered)",
                ])
            } else {
                // The first process on a connection someone else mounted: the kernel's INIT is still queued.
                journal.clear()
                logger.notice("serving a FUSE connection mounted by the parent", metadata: ["descriptor": "\(descriptor)"])
            }
        } else {
            do throws(MountError) { try prepareMountpoint() } catch {
                fuse_session_destroy(session); context.release(); throw error
            }
            // A new connection: an earlier one's INIT and requests mean nothing to it.
            initRecord.remove()
            journal.clear()
            guard fuse_session_mount(session, mountpoint) == 0 else {
                fuse_session_destroy(session); context.release()
                throw .mountFailed(mountpoint)
            }
            descriptor = fuse_session_fd(session)
        }
        onConnected(descriptor)
        let pool = SessionWorkers(session: session, journal: journal, initRecord: initRecord, logger: logger,
                                  onConnectionEnded: onConnectionEnded)
        return ServingSession(mount: self, session: session, context: context, pool: pool, descriptor: descriptor,
                              inherited: inherited != nil)
    }
}

/// A served volume: the workers answering the kernel, until `end`.
public final class ServingSession: @unchecked Sendable {
    private let mount: FUSEMount
    private let session: OpaquePointer
    private let context: Unmanaged<SessionContext>
    private let pool: SessionWorkers
    /// The /dev/fuse connection.
    public let descriptor: Int32
    private let inherited: Bool

    init(mount: FUSEMount, session: OpaquePointer, context: Unmanaged<SessionContext>, pool: SessionWorkers,
         descriptor: Int32, inherited: Bool) {
        self.mount = mount
        self.session = session
        self.context = context
        self.pool = pool
        self.descriptor = descriptor
        self.inherited = inherited
    }

    /// Stops reading requests (each worker finishes the one it holds), then unmounts, or with `keepForReload` keeps
    /// the session and its descriptor for the program a reload execs. Call once.
    public func end(keepForReload: Bool) -> ServingEnd {
        pool.stop()
        if keepForReload {
            // The session and its descriptor stay for the exec; nothing of this process serves any more.
            return .reload(descriptor: descriptor)
        }
        if !inherited {
            fuse_session_unmount(session)
        } else if umount2(mount.mountpoint, Int32(MNT_DETACH)) != 0 && !FUSEMount.fusermountDetach(mount.mountpoint) {
            mount.logger.warning("could not unmount \(mount.mountpoint): \(String(cString: strerror(errno)))")
        }
        mount.initRecord.remove()
        fuse_session_destroy(session)
        context.release()
        return .stopped
    }
}
