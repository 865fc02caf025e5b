import Retention
import Synchronization

/// The retention policy in force, shared by the daemon's retention passes and the web UI: the Settings page
/// changes it without a restart, and the next pass (and the Now page's "next to go") follows.
final class LivePolicy: Sendable {
    private let policy: Mutex<RetentionPolicy>

    init(_ policy: RetentionPolicy) { self.policy = Mutex(policy) }

    var current: RetentionPolicy { policy.withLock { $0 } }

    func replace(with policy: RetentionPolicy) { self.policy.withLock { $0 = policy } }
}
