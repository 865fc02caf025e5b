/// A bandwidth limit: `rate` bytes per second, bursts up to `capacity`. A transfer takes what it sends and waits
/// as long as the bucket says; taking more than is there leaves a debt that later takers wait out too, so a big
/// chunk cannot exceed the rate. Pure: the time is passed in.
public struct TokenBucket: Sendable, Equatable {
    public var rate: Double
    public var capacity: Double
    private var tokens: Double
    private var last: Double?

    public init(bytesPerSecond rate: Double, burst capacity: Double? = nil) {
        self.rate = max(1, rate)
        // A quarter of a second of traffic: smooth enough that a limit holds over a few seconds.
        self.capacity = max(1, capacity ?? rate / 4)
        tokens = self.capacity
    }

    /// Takes `bytes`; returns how long to wait (seconds) before sending them.
    public mutating func take(_ bytes: Int, now: Double) -> Double {
        refill(now: now)
        tokens -= Double(bytes)
        return tokens >= 0 ? 0 : -tokens / rate
    }

    private mutating func refill(now: Double) {
        if let last, now > last { tokens = min(capacity, tokens + (now - last) * rate) }
        last = max(last ?? now, now)
    }
}
