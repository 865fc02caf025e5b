/// Rate limit on login attempts, per client address and overall: a token bucket each. Pure: time is passed in.
///
/// Per address 5 attempts, one more every 12 s (5 a minute); overall 20, one more every 3 s, so a guesser rotating
/// addresses is slowed too. A successful login does not refill: it only stops spending.
public struct LoginThrottle: Sendable {
    struct Bucket: Sendable { var tokens: Double; var at: Double }
    let burst: Double, refillSeconds: Double
    let globalBurst: Double, globalRefillSeconds: Double
    private var buckets: [String: Bucket] = [:]
    private var global: Bucket

    public init(burst: Double = 5, refillSeconds: Double = 12, globalBurst: Double = 20, globalRefillSeconds: Double = 3) {
        self.burst = burst
        self.refillSeconds = refillSeconds
        self.globalBurst = globalBurst
        self.globalRefillSeconds = globalRefillSeconds
        global = Bucket(tokens: globalBurst, at: 0)
    }

    /// Spends one attempt for `client` at `now` (seconds, any monotonic origin): nil when allowed, else the seconds
    /// to wait before the next attempt can succeed.
    public mutating func attempt(client: String, now: Double) -> Double? {
        var mine = refill(buckets[client] ?? Bucket(tokens: burst, at: now), burst: burst, every: refillSeconds, now: now)
        var all = refill(global, burst: globalBurst, every: globalRefillSeconds, now: now)
        defer {
            buckets[client] = mine
            global = all
            // Forget full buckets so a scan of many addresses does not grow memory without bound.
            if buckets.count > 1024 { buckets = buckets.filter { $0.value.tokens < burst } }
        }
        if mine.tokens < 1 { return (1 - mine.tokens) * refillSeconds }
        if all.tokens < 1 { return (1 - all.tokens) * globalRefillSeconds }
        mine.tokens -= 1
        all.tokens -= 1
        return nil
    }

    private func refill(_ bucket: Bucket, burst: Double, every seconds: Double, now: Double) -> Bucket {
        let elapsed = max(0, now - bucket.at)
        return Bucket(tokens: min(burst, bucket.tokens + elapsed / seconds), at: max(now, bucket.at))
    }
}
