/// One datagram of the sd_notify protocol: newline-separated `KEY=value` assignments (sd_notify(3)).
///
/// Pure: building and parsing the text, no socket.
public struct NotifyMessage: Equatable, Sendable, CustomStringConvertible {
    public var assignments: [(key: String, value: String)]

    public init(_ assignments: [(key: String, value: String)]) { self.assignments = assignments }

    public static func == (a: NotifyMessage, b: NotifyMessage) -> Bool {
        a.assignments.elementsEqual(b.assignments) { $0.key == $1.key && $0.value == $1.value }
    }

    /// The service finished starting up (for `Type=notify`: what `systemctl start` waits for).
    public static let ready = NotifyMessage([("READY", "1")])
    /// The service is shutting down; systemd then no longer expects watchdog pings.
    public static let stopping = NotifyMessage([("STOPPING", "1")])
    /// A reload has begun; systemd shows the unit as reloading until the next `READY=1`.
    public static let reloading = NotifyMessage([("RELOADING", "1")])
    /// The descriptors sent with this message go into the unit's fd store under `name` (FileDescriptorStoreMax=),
    /// and come back as `$LISTEN_FDS` when the service restarts.
    public static func fileDescriptorStore(name: String) -> NotifyMessage {
        NotifyMessage([("FDSTORE", "1"), ("FDNAME", name)])
    }
    /// Keep-alive for `WatchdogSec=`.
    public static let watchdog = NotifyMessage([("WATCHDOG", "1")])

    /// `STATUS=` is one line in `systemctl status`: newlines would start new assignments, so they become spaces.
    public static func status(_ text: String) -> NotifyMessage {
        NotifyMessage([("STATUS", Self.oneLine(text))])
    }

    /// Several messages in one datagram, so systemd sees them at once (READY with its first STATUS).
    public static func + (a: NotifyMessage, b: NotifyMessage) -> NotifyMessage {
        NotifyMessage(a.assignments + b.assignments)
    }

    public var description: String {
        assignments.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }

    /// Parses a datagram as systemd does: one assignment per line, lines without `=` ignored.
    public init(parsing text: String) {
        assignments = text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }
    }

    public func value(of key: String) -> String? { assignments.last { $0.key == key }?.value }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
