import FUSEMount
import Foundation
import Synchronization
import Logging
import SystemdNotify
import Volume

/// `teslacam run` under systemd (`Type=notify`): READY once volume.img is served, a watchdog heartbeat through the
/// engine's lock, STATUS with a one-line summary, STOPPING when shutdown begins; the FUSE connection in the fd
/// store (FDSTORE=1) and back from it (LISTEN_FDS), RELOADING around a reload. Without `$NOTIFY_SOCKET` every
/// call does nothing.
final class SystemdService: Sendable {
    private let notifier: ServiceNotifier?
    private let watchdog: WatchdogSettings?
    private let logger: Logger
    private let heartbeat = HeartbeatSlot()
    /// What this process took out of its environment, for the program a reload execs (same process, same unit).
    let inheritedEnvironment: [String: String]
    /// The FUSE connection systemd's fd store handed this start, if any.
    let storedConnection: Int32?

    init(logger: Logger) {
        self.logger = logger
        let environment = ProcessInfo.processInfo.environment
        inheritedEnvironment = environment.filter { ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].contains($0.key) }
        watchdog = WatchdogSettings(environment: environment, processID: getpid())
        unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID")  // not for the tools the daemon runs
        let listened = ListenedDescriptors(environment: environment, processID: getpid())
        ListenedDescriptors.variables.forEach { unsetenv($0) }
        storedConnection = listened?.named[FUSEHandover.storeName]
        for (name, fd) in listened?.named ?? [:] {
            // Not ours to keep (an older unit's store): closed, so no tool inherits it.
            if name != FUSEHandover.storeName { close(fd) } else { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        do throws(NotifyError) {
            notifier = try ServiceNotifier.fromEnvironment()
        } catch {
            logger.warning("systemd notifications are off: \(error)")
            notifier = nil
        }
    }

    /// The volume is served: tell systemd (which then starts the gadget unit), and start the heartbeat.
    func ready(engine: VolumeEngine, image: String) {
        guard let notifier else { return }
        send(.ready + .status(Self.summary(engine.statistics, image: image)))
        guard let watchdog else { return }
        logger.info("systemd watchdog", metadata: ["timeout": "\(watchdog.timeout)", "ping": "\(watchdog.pingInterval)"])
        let logger = self.logger
        heartbeat.start(Heartbeat(notifier: notifier, interval: watchdog.pingInterval, probe: {
            // `statistics` takes the lock every car write takes: a wedged write path stops the pings.
            Self.summary(engine.statistics, image: image)
        }, onError: { error in logger.warning("systemd watchdog ping failed: \(error)") }))
    }

    /// The /dev/fuse connection goes into the unit's fd store (FileDescriptorStoreMax=1): if this process dies,
    /// the next start gets it back and the mount, and the gadget's open volume.img, never go away.
    func storeConnection(_ descriptor: Int32) {
        guard let notifier else { return }
        do throws(NotifyError) {
            try notifier.send(.fileDescriptorStore(name: FUSEHandover.storeName), descriptors: [descriptor])
        } catch {
            logger.warning("systemd did not take the FUSE connection into its fd store: \(error)")
        }
    }

    /// A reload: no more pings from this image; the one exec'd in its place says READY=1 when it serves.
    func reloading() {
        heartbeat.stop()
        guard notifier != nil else { return }
        send(.reloading + .status("reloading: handing the car's drive to a new process"))
    }

    /// Shutdown has begun: no more pings, and systemd shows the unit as deactivating.
    func stopping() {
        heartbeat.stop()
        guard notifier != nil else { return }
        send(.stopping + .status("stopping: closing the volume and the archive"))
    }

    private func send(_ message: NotifyMessage) {
        do throws(NotifyError) { try notifier?.send(message) } catch {
            logger.warning("systemd notification failed: \(error)")
        }
    }

    /// One line for `systemctl status`.
    static func summary(_ s: VolumeStatistics, image: String) -> String {
        var parts = ["serving \(image)", "car wrote \(Wording.bytes(s.carBytesWritten))",
                     "\(s.harvest.filesCompleted) clips harvested"]
        if s.backingStoreErrors > 0 { parts.append("\(s.backingStoreErrors) disk errors absorbed") }
        if s.heldLostBytes > 0 { parts.append("\(Wording.bytes(s.heldLostBytes)) of car data lost (disk full)") }
        return parts.joined(separator: "; ")
    }
}

/// The heartbeat, set once the volume is ready.
private final class HeartbeatSlot: Sendable {
    private let slot = Mutex<Heartbeat?>(nil)
    func start(_ heartbeat: Heartbeat) { slot.withLock { $0 = heartbeat } }
    func stop() { slot.withLock { current in defer { current = nil }; return current }?.stop() }
}
