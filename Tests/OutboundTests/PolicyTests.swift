import Outbound
import Testing

@Suite struct PolicyTests {
    @Test func backoffDoublesWithJitterUpToItsMaximum() {
        let backoff = Backoff(initial: 2, maximum: 60)
        // Equal jitter: between half the ceiling and the ceiling.
        #expect(backoff.delay(afterAttempt: 1, random: 0) == 1)
        #expect(backoff.delay(afterAttempt: 1, random: 0.999_999) < 2.000_001)
        #expect(backoff.delay(afterAttempt: 2, random: 0) == 2)
        #expect(backoff.delay(afterAttempt: 4, random: 1) == 16)
        #expect(backoff.delay(afterAttempt: 10, random: 1) == 60)
        #expect(backoff.delay(afterAttempt: 10_000, random: 0) == 30)
        for attempt in 1...40 {
            for random in [0.0, 0.3, 0.9] {
                let delay = backoff.delay(afterAttempt: attempt, random: random)
                #expect(delay > 0 && delay <= 60)
            }
        }
    }

    @Test func retryAfterWinsOverTheComputedDelay() {
        let backoff = Backoff(initial: 2, maximum: 60)
        #expect(backoff.retryTime(after: .transient("busy", retryAfter: 120), attempt: 1, now: 1000, random: 0) == 1120)
        #expect(backoff.retryTime(after: .transient("busy", retryAfter: 0), attempt: 5, now: 1000, random: 0) == 1000)
        #expect(backoff.retryTime(after: .transient("down"), attempt: 1, now: 1000, random: 0) == 1001)
        // An absurd Retry-After is bounded by a day.
        #expect(backoff.retryTime(after: .transient("x", retryAfter: 1e12), attempt: 1, now: 0, random: 0) == 86_400)
    }

    @Test func theBreakerOpensAfterFailuresInARowAndLetsOneTrialThrough() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 10, maximumCooldown: 35)
        let r1 = breaker.allows(now: 0)
        #expect(r1)
        breaker.recordFailure(now: 0)
        breaker.recordFailure(now: 1)
        #expect(!breaker.isOpen)
        breaker.recordSuccess()
        breaker.recordFailure(now: 2)
        breaker.recordFailure(now: 3)
        #expect(!breaker.isOpen, "a success resets the count")
        breaker.recordFailure(now: 4)
        #expect(breaker.isOpen)
        #expect(breaker.reopensAt == 14)
        let r2 = breaker.allows(now: 13.9)
        #expect(!r2)
        let r3 = breaker.allows(now: 14)
        #expect(r3, "one trial after the rest")
        let r4 = breaker.allows(now: 14.1)
        #expect(!r4, "only one")
        breaker.recordFailure(now: 15)
        #expect(breaker.reopensAt == 35, "a failed trial doubles the rest")
        let r5 = breaker.allows(now: 35)
        #expect(r5)
        breaker.recordFailure(now: 35)
        #expect(breaker.reopensAt == 70, "up to the maximum")
        let r6 = breaker.allows(now: 70)
        #expect(r6)
        breaker.recordSuccess()
        let last = breaker.allows(now: 70)
        #expect(!breaker.isOpen && last)
    }

    @Test func theTokenBucketHoldsTheRateOverTime() {
        var bucket = TokenBucket(bytesPerSecond: 1000, burst: 250)
        // The burst goes at once; the rest waits for the rate.
        let r7 = bucket.take(250, now: 0)
        #expect(r7 == 0)
        let r8 = bucket.take(500, now: 0)
        #expect(r8 == 0.5)
        // Sending 10 000 bytes in 100-byte pieces, sleeping as told, takes 10 s less the burst.
        var bucket2 = TokenBucket(bytesPerSecond: 1000, burst: 250)
        var now = 0.0
        for _ in 0..<100 { now += bucket2.take(100, now: now) }
        #expect(abs(now - 9.75) < 1e-9)
        // Idle time refills only up to the burst.
        var bucket3 = TokenBucket(bytesPerSecond: 1000, burst: 250)
        let r9 = bucket3.take(250, now: 0)
        #expect(r9 == 0)
        let r10 = bucket3.take(1250, now: 100)
        #expect(r10 == 1.0)
    }

    @Test func recordingThrottlesPausesOrChangesNothing() {
        #expect(WhileRecording.throttle.rate(configured: 4_000_000, carIsWriting: true) == 1_000_000)
        #expect(WhileRecording.throttle.rate(configured: nil, carIsWriting: true) == WhileRecording.defaultThrottledRate)
        #expect(WhileRecording.throttle.rate(configured: nil, carIsWriting: false) == nil)
        #expect(WhileRecording.pause.rate(configured: 4_000_000, carIsWriting: true) == 0)
        #expect(WhileRecording.pause.rate(configured: 4_000_000, carIsWriting: false) == 4_000_000)
        #expect(WhileRecording.full.rate(configured: nil, carIsWriting: true) == nil)
    }

    @Test func theCarCountsAsWritingWhileItsCounterMoves() {
        var activity = CarActivity(quietSeconds: 10)
        let r11 = activity.observe(carBytesWritten: 0, now: 0)
        #expect(!r11, "nothing seen yet")
        let r12 = activity.observe(carBytesWritten: 0, now: 5)
        #expect(!r12)
        let r13 = activity.observe(carBytesWritten: 4096, now: 6)
        #expect(r13)
        let r14 = activity.observe(carBytesWritten: 4096, now: 15.9)
        #expect(r14)
        let r15 = activity.observe(carBytesWritten: 4096, now: 16)
        #expect(!r15)
        let r16 = activity.observe(carBytesWritten: 8192, now: 70)
        #expect(r16)
    }

    @Test func errorsSayWhetherRetryingHelps() {
        #expect(SinkError.permanent("bad key").isPermanent)
        #expect(!SinkError.transient("down").isPermanent)
        #expect(SinkError.transient("busy", retryAfter: 1.5).description == "busy (the peer asks to retry after 2 s)")
    }
}
