import ServiceLifecycle
import Synchronization

/// Why the daemon shuts down, known to every step: SIGTERM/SIGINT stop it (the group's own signals), SIGHUP
/// reloads it (the mount is kept for the program exec'd in its place), and a connection ended from outside stops it.
final class ShutdownIntent: Sendable {
    enum Reason: Sendable, Equatable { case stop, reload, connectionEnded }

    private let requested = Mutex<Reason?>(nil)
    private let group = Mutex<ServiceGroup?>(nil)

    /// The first reason asked for wins; a signal's stop is the default.
    var reason: Reason { requested.withLock { $0 } ?? .stop }

    func attach(_ group: ServiceGroup) { self.group.withLock { $0 = group } }

    /// Asks for a shutdown (the group then tells each step in turn, the last one first).
    func request(_ reason: Reason) async {
        requested.withLock { if $0 == nil { $0 = reason } }
        await group.withLock { $0 }?.triggerGracefulShutdown()
    }
}
