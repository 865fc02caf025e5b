import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The car's I/O path runs at the daemon's own priority (the unit's `Nice=-5`), whatever thread started it.
///
/// On Linux nice is per thread and a new thread inherits its creator's. The FUSE workers are started from a
/// Swift concurrency task, whose thread libdispatch has re-niced from its QoS class (-4 under Nice=-5), so without
/// this they answer the car at that task's nice instead of the main thread's. Going back below that nice needs
/// `RLIMIT_NICE` (the unit's `LimitNICE=-5`) or `CAP_SYS_NICE`.
enum CarPathPriority {
    /// Names the calling thread and gives it the main thread's nice. Returns nil, or why it could not.
    static func adopt(threadName: String) -> String? {
        _ = clinux_name_thread(threadName)
        errno = 0
        let target = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
        guard errno == 0 else { return "could not read the daemon's nice value: \(String(cString: strerror(errno)))" }
        let tid = id_t(clinux_thread_id())
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid)
        guard errno == 0, current != target else { return nil }
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, target) == 0 else {
            let reason = String(cString: strerror(errno))
            return "the FUSE workers answer the car at nice \(current), not the daemon's \(target) (\(reason)): "
                + "give the service LimitNICE=\(target) (systemd) or run it as root"
        }
        return nil
    }
}
