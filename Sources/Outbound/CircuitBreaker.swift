/// Per sink: after `threshold` failures in a row the sink rests for `cooldown` (doubling while trial attempts keep
/// failing, up to `maximumCooldown`), so a dead peer costs one attempt per cooldown instead of one per job.
/// Pure: the time is passed in.
public struct CircuitBreaker: Sendable, Equatable {
    public var threshold: Int
    public var cooldown: Double
    public var maximumCooldown: Double
    public private(set) var state: State = .closed(failures: 0)

    public enum State: Sendable, Equatable {
        /// Working; `failures` in a row so far.
        case closed(failures: Int)
        /// Resting until this time; then one trial.
        case open(until: Double, cooldown: Double)
        /// One trial is under way: its success closes the breaker, its failure opens it for longer.
        case halfOpen(cooldown: Double)
    }

    public init(threshold: Int = 5, cooldown: Double = 60, maximumCooldown: Double = 3600) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.maximumCooldown = max(cooldown, maximumCooldown)
    }

    /// Whether a job may be tried now; an open breaker whose rest is over lets one trial through.
    public mutating func allows(now: Double) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case let .open(until, cooldown):
            guard now >= until else { return false }
            state = .halfOpen(cooldown: cooldown)
            return true
        }
    }

    public mutating func recordSuccess() { state = .closed(failures: 0) }

    public mutating func recordFailure(now: Double) {
        switch state {
        case let .closed(failures):
            state = failures + 1 >= threshold ? .open(until: now + cooldown, cooldown: cooldown)
                : .closed(failures: failures + 1)
        case let .halfOpen(last), let .open(_, last):
            let next = min(maximumCooldown, last * 2)
            state = .open(until: now + next, cooldown: next)
        }
    }

    public var isOpen: Bool { if case .closed = state { false } else { true } }

    /// When an open breaker lets the next trial through.
    public var reopensAt: Double? { if case let .open(until, _) = state { until } else { nil } }
}
