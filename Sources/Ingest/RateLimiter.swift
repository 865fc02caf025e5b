import Outbound

/// Per-device limits, Fleet Telemetry's: requests per minute and bytes per second. Pure: the time is passed in on
/// every call (Fleet Telemetry's limiter never limits because its interval never reaches it).
public struct RateLimiter: Sendable {
    public let requestsPerMinute: Int64?
    public let bytesPerSecond: Int64?
    private var requests: [String: RequestBucket] = [:]
    private var bytes: [String: TokenBucket] = [:]

    public init(requestsPerMinute: Int64?, bytesPerSecond: Int64?) {
        self.requestsPerMinute = requestsPerMinute
        self.bytesPerSecond = bytesPerSecond
    }

    /// Admits one request, or says in whole seconds when to come back (the Retry-After).
    public mutating func admit(device: String, now: Double) -> Int? {
        guard let requestsPerMinute else { return nil }
        var bucket = requests[device] ?? RequestBucket(perMinute: Double(requestsPerMinute), now: now)
        let wait = bucket.take(now: now)
        requests[device] = bucket
        return wait.map { max(1, Int(($0).rounded(.up))) }
    }

    /// Whether a device's byte allowance is so overdrawn that a new PATCH should come back later (seconds).
    public mutating func byteDebt(device: String, now: Double) -> Int? {
        guard bytesPerSecond != nil else { return nil }
        let wait = take(device: device, bytes: 0, now: now)
        return wait > 1 ? Int(wait.rounded(.up)) : nil
    }

    /// Takes `count` bytes of a device's allowance; returns how long to pause before reading more (seconds), which
    /// slows the sender through TCP without losing anything.
    public mutating func take(device: String, bytes count: Int, now: Double) -> Double {
        guard let bytesPerSecond else { return 0 }
        var bucket = bytes[device] ?? TokenBucket(bytesPerSecond: Double(bytesPerSecond), burst: Double(bytesPerSecond))
        let wait = bucket.take(count, now: now)
        bytes[device] = bucket
        return wait
    }
}

/// Requests per minute as a bucket of a minute's requests refilled continuously: bursts up to the minute's
/// allowance, then one per 60/N seconds. A refused request takes nothing.
struct RequestBucket: Sendable {
    let perMinute: Double
    var tokens: Double
    var last: Double

    init(perMinute: Double, now: Double) {
        self.perMinute = perMinute
        tokens = perMinute
        last = now
    }

    /// nil if admitted, else the seconds until one request's worth has refilled.
    mutating func take(now: Double) -> Double? {
        if now > last { tokens = min(perMinute, tokens + (now - last) * perMinute / 60); last = now }
        guard tokens >= 1 else { return (1 - tokens) * 60 / perMinute }
        tokens -= 1
        return nil
    }
}
