/// Whether the car is writing, judged from a counter of the bytes it wrote: writing while the counter moved
/// within the last `quietSeconds`. Pure: the count and the time are passed in.
public struct CarActivity: Sendable, Equatable {
    public var quietSeconds: Double
    private var lastCount: UInt64?
    private var lastChange: Double?

    public init(quietSeconds: Double = 10) { self.quietSeconds = quietSeconds }

    /// Takes a new reading; returns whether the car counts as writing now.
    public mutating func observe(carBytesWritten count: UInt64, now: Double) -> Bool {
        if let lastCount, count != lastCount { lastChange = now }
        lastCount = count
        guard let lastChange else { return false }
        return now - lastChange < quietSeconds
    }
}
