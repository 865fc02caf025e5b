import Foundation
import Synchronization

/// Pings systemd's watchdog from its own thread, but only after `probe` returns: the probe takes the locks the
/// car's I/O takes, so a wedged I/O path stops the pings and systemd restarts the daemon. Each ping also carries
/// the probe's one-line status.
public final class Heartbeat: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = Mutex<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// `send` failures are passed to `onError` once each time they start (a stale socket must not flood the log).
    public init(notifier: ServiceNotifier, interval: Duration, probe: @escaping @Sendable () -> String,
                onError: @escaping @Sendable (NotifyError) -> Void = { _ in }) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            var failing = false
            while running.load(ordering: .relaxed) {
                let status = probe()
                guard running.load(ordering: .relaxed) else { break }
                do throws(NotifyError) {
                    try notifier.send(.watchdog + .status(status))
                    failing = false
                } catch {
                    if !failing { onError(error) }
                    failing = true
                }
                _ = wake.wait(timeout: .now() + seconds)
            }
            done.signal()
        }
        thread.name = "teslacam-watchdog"
        thread.start()
    }

    /// Returns once the thread has stopped; later calls return at once. A probe that hangs keeps this waiting,
    /// which is right: systemd's watchdog then ends the process.
    public func stop() {
        let first = finished.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        running.store(false, ordering: .relaxed)
        wake.signal()
        done.wait()
    }
}
