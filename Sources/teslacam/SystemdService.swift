import Foundation
import Synchronization
import Logging
import SystemdNotify
import Volume

/// `teslacam run` under systemd (`Type=notify`): READY once volume.img is served, a watchdog heartbeat through the
/// engine's lock, STATUS with a one-line summary, STOPPING when shutdown begins. Without `$NOTIFY_SOCKET` every
/// call does nothing.
final class SystemdService: Sendable {
    private let notifier: ServiceNotifier?
    private let watchdog: WatchdogSettings?
    private let logger: Logger
    private let heartbeat = HeartbeatSlot()

    init(logger: Logger) {
        self.logger = logger
        let environment = ProcessInfo.processInfo.environment
        watchdog = WatchdogSettings(environment: environment, processID: getpid())
        unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID")  // not for the tools the daemon runs
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
