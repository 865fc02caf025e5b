#if canImport(Glibc)
import Glibc
#endif

/// A restart the car does not notice: the /dev/fuse connection (and with it the mount and the gadget's open
/// volume.img) passes from one process to the next.
///
/// - Reload (SIGHUP, `systemctl reload teslacam`, an upgrade): the daemon stops reading requests, finishes the ones
///   it holds, closes the engine, and `exec`s the program again (the binary now at its path) in the same process,
///   the descriptor kept open and named in `$TESLACAM_FUSE_FD`.
/// - Crash or watchdog kill: the descriptor is in systemd's fd store (`FDSTORE=1`, `FDNAME=fuse`); the next start
///   gets it as `$LISTEN_FDS`, and replays what the dead process had read but not answered (RequestJournal).
public enum FUSEHandover {
    public static let descriptorVariable = "TESLACAM_FUSE_FD"
    /// The fd store's name for the connection.
    public static let storeName = "fuse"

    /// The descriptor a reload passed this process, the variable removed; nil when there is none.
    public static func takeReloadDescriptor() -> Int32? {
        guard let raw = getenv(descriptorVariable) else { return nil }
        let value = Int32(String(cString: raw))
        unsetenv(descriptorVariable)
        guard let fd = value, fd >= 0, fcntl(fd, F_GETFD) >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // not for the tools the daemon runs
        return fd
    }

    /// What this process was started as, read at startup: after an upgrade replaced the binary, /proc/self/exe
    /// names the old (deleted) file, but the path and the arguments still name the new one. Under a dynamic loader
    /// run by hand (the board in a box: ld.so --library-path ... teslacam run), exe is the loader and the arguments
    /// start with its own, so exec'ing both again starts the same way.
    public struct Program: Sendable {
        public let executable: String
        public let arguments: [String]

        public static func current() -> Program? {
            var link = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &link, link.count - 1)
            guard n > 0 else { return nil }
            var executable = String(decoding: link[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if executable.hasSuffix(" (deleted)") { executable.removeLast(" (deleted)".count) }
            let fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let r = read(fd, &chunk, chunk.count)
                if r <= 0 { break }
                bytes += chunk[..<r]
            }
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
                String(decoding: $0, as: UTF8.self)
            }
            guard !arguments.isEmpty else { return nil }
            return Program(executable: executable, arguments: Array(arguments))
        }
    }

    /// Replaces this process with `program`, `descriptor` kept open (CLOEXEC cleared) and named in the
    /// environment, `restore` set again (what the daemon took out of its environment at startup, NOTIFY_SOCKET).
    /// Returns only if exec failed, with errno.
    public static func reexec(_ program: Program, descriptor: Int32, restore: [String: String]) -> Int32 {
        for (key, value) in restore { setenv(key, value, 1) }
        setenv(descriptorVariable, "\(descriptor)", 1)
        let flags = fcntl(descriptor, F_GETFD)
        _ = fcntl(descriptor, F_SETFD, flags & ~FD_CLOEXEC)
        let argv: [UnsafeMutablePointer<CChar>?] = program.arguments.map { strdup($0) } + [nil]
        StopSignals.prepareForExec()
        execv(program.executable, argv)
        let failure = errno
        argv.forEach { free($0) }
        _ = fcntl(descriptor, F_SETFD, flags)
        unsetenv(descriptorVariable)
        return failure
    }
}
