/// When a failed job is tried again: exponential backoff with jitter, the peer's Retry-After first.
public struct Backoff: Sendable, Equatable {
    /// Delay after the first failure (seconds).
    public var initial: Double
    /// No delay grows beyond this.
    public var maximum: Double

    public static let standard = Backoff(initial: 5, maximum: 3600)

    public init(initial: Double, maximum: Double) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// Seconds to wait after the `attempt`-th consecutive failure (1-based). `random` in [0, 1) spreads the
    /// retries of many jobs (equal jitter: between half the delay and the whole, never zero, so a peer that just
    /// came back is not hit by every job at once).
    public func delay(afterAttempt attempt: Int, random: Double) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let ceiling = min(maximum, initial * pow2(exponent))
        return ceiling / 2 + ceiling / 2 * min(max(random, 0), 1)
    }

    /// The next time to try, given what failed.
    public func retryTime(after error: SinkError, attempt: Int, now: Double, random: Double) -> Double {
        if case let .transient(_, retryAfter?) = error, retryAfter >= 0 {
            // The peer knows its own load; a day bounds an absurd value.
            return now + min(retryAfter, 86_400)
        }
        return now + delay(afterAttempt: attempt, random: random)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2; if value * initial > maximum { break } }
        return value
    }
}
