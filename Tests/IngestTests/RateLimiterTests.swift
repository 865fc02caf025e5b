import Ingest
import Testing

@Suite struct RateLimiterTests {
    @Test func requestsPerMinuteAdmitsAMinutesBurstThenSaysWhenToComeBack() {
        var limiter = RateLimiter(requestsPerMinute: 60, bytesPerSecond: nil)
        for _ in 0..<60 { #expect(limiter.admit(device: "a", now: 100) == nil) }
        #expect(limiter.admit(device: "a", now: 100) == 1)
        // Another device has its own allowance.
        #expect(limiter.admit(device: "b", now: 100) == nil)
        // One request's worth refills per second; the time given is what counts (no wall clock).
        #expect(limiter.admit(device: "a", now: 101) == nil)
        #expect(limiter.admit(device: "a", now: 101) != nil)
    }

    @Test func bytesPerSecondSlowsAndRefusesWhenFarOverdrawn() {
        var limiter = RateLimiter(requestsPerMinute: nil, bytesPerSecond: 1000)
        #expect(limiter.take(device: "a", bytes: 1000, now: 0) == 0)
        #expect(limiter.take(device: "a", bytes: 500, now: 0) == 0.5)
        #expect(limiter.byteDebt(device: "a", now: 0) == nil)
        _ = limiter.take(device: "a", bytes: 3000, now: 0)
        #expect(limiter.byteDebt(device: "a", now: 0) == 4)
        #expect(limiter.byteDebt(device: "a", now: 10) == nil)
    }

    @Test func noLimitsConfiguredLimitsNothing() {
        var limiter = RateLimiter(requestsPerMinute: nil, bytesPerSecond: nil)
        for _ in 0..<10_000 { #expect(limiter.admit(device: "a", now: 0) == nil) }
        #expect(limiter.take(device: "a", bytes: 1 << 40, now: 0) == 0)
    }
}
