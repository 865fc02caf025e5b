/// systemd's watchdog for this process, from `$WATCHDOG_USEC` and `$WATCHDOG_PID` (sd_watchdog_enabled(3)).
public struct WatchdogSettings: Equatable, Sendable {
    /// The time systemd allows between two `WATCHDOG=1`.
    public let timeout: Duration

    /// Ping at half the timeout, as sd_watchdog_enabled(3) recommends: one late ping still arrives in time.
    public var pingInterval: Duration { timeout / 2 }

    public init(timeout: Duration) { self.timeout = timeout }

    /// nil when no watchdog is set, the value is not a positive number, or it is meant for another process (a
    /// child that inherited the environment must not ping for its parent).
    public init?(environment: [String: String], processID: Int32) {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], !pid.isEmpty {
            guard Int32(pid) == processID else { return nil }
        }
        timeout = .microseconds(Int64(clamping: usec))
    }
}
