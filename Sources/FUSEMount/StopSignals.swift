#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP as bytes on a pipe the serving thread waits on (the handler only writes: async-signal
/// safe), and SIGUSR2 as the poke that interrupts a worker's read of /dev/fuse when serving ends.
enum StopSignals {
    enum Reason: Equatable { case stop, reload, connectionEnded }

    nonisolated(unsafe) private static var pipeWrite: Int32 = -1
    nonisolated(unsafe) private static var pipeRead: Int32 = -1
    static let poke = SIGUSR2

    /// Installs the handlers once per process; a second serve (tests) reuses the pipe.
    static func install() {
        if pipeRead < 0 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { return }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipeRead = fds[0]; pipeWrite = fds[1]
        }
        var action = sigaction()
        // SA_RESTART: a signal landing on another thread must not fail its system calls.
        action.sa_flags = SA_RESTART
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(StopSignals.pipeWrite, &byte, 1)
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaction(sig, &action, nil) }
        // No SA_RESTART: the worker's read(2) of /dev/fuse must return EINTR.
        var pokeAction = sigaction()
        pokeAction.sa_flags = 0
        pokeAction.__sigaction_handler.sa_handler = { _ in }
        sigaction(poke, &pokeAction, nil)
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP, poke] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The connection ended under the workers (unmounted from outside): wake the serving thread.
    static func connectionEnded() {
        var byte: UInt8 = 0
        _ = write(pipeWrite, &byte, 1)
    }

    /// Blocks until a signal or the end of the connection.
    static func wait(reloadOnHangup: Bool) -> Reason {
        while true {
            var byte: UInt8 = 0
            let n = read(pipeRead, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .stop }
            switch Int32(byte) {
            case 0: return .connectionEnded
            case SIGHUP where reloadOnHangup: return .reload
            default: return .stop
            }
        }
    }

    /// Back to the default dispositions (before exec, and after a serve in a process that goes on).
    static func uninstall() {
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }
}
