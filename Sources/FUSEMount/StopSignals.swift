#if canImport(Glibc)
import Glibc
#endif

/// The signals of a serving daemon's lifecycle. SIGINT, SIGTERM and SIGHUP are read by the service group
/// (swift-service-lifecycle's UnixSignals, a signalfd on Linux): they stay blocked in every thread, so none is ever
/// delivered to a worker that happens to be running. SIGUSR2 is the poke that interrupts a worker's read of
/// /dev/fuse when serving ends; it must stay deliverable in the workers.
public enum StopSignals {
    public static let lifecycle: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let poke = SIGUSR2

    /// Blocks the lifecycle signals in the calling thread, and so in every thread it creates from then on. Called
    /// first thing by `run`, before any thread exists: a signalfd only sees a signal no thread takes.
    public static func blockLifecycleSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in lifecycle { sigaddset(&set, sig) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The calling thread's mask set to exactly the lifecycle signals: for threads started from a pool thread
    /// (libdispatch blocks nearly every signal in its workers, and a thread inherits its creator's mask).
    public static func maskLikeTheDaemon() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in lifecycle { sigaddset(&set, sig) }
        pthread_sigmask(SIG_SETMASK, &set, nil)
    }

    /// Before a reload's exec (which keeps the mask, and with it any signal pending): default dispositions and the
    /// lifecycle signals still blocked, so a SIGTERM or SIGHUP arriving meanwhile waits for the new image's service
    /// group instead of killing the process.
    public static func prepareForExec() {
        for sig in lifecycle { signal(sig, SIG_DFL) }
        maskLikeTheDaemon()
    }

    /// The poke's handler (it does nothing: its point is the EINTR), once per process.
    static func installPoke() {
        // No SA_RESTART: the worker's read(2) of /dev/fuse must return EINTR.
        var pokeAction = sigaction()
        pokeAction.sa_flags = 0
        pokeAction.__sigaction_handler.sa_handler = { _ in }
        sigaction(poke, &pokeAction, nil)
    }

    /// In a worker thread: the poke deliverable, the lifecycle signals not.
    static func maskForWorker() {
        maskLikeTheDaemon()
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, poke)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
