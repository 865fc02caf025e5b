import Synchronization

/// The time of a soak: the engine's clock (quiet periods), the catalog's and retention's seconds since 1970, all
/// moved by hand so a simulated day takes minutes, never a wall-clock sleep.
final class SimulatedClock: Sendable {
    private let base = ContinuousClock.now
    private let epoch: Int64
    private let elapsedMilliseconds = Atomic<Int64>(0)

    init(epoch: Int64) { self.epoch = epoch }

    /// Seconds since 1970, as the board's clock would say.
    var seconds: Int64 { epoch + elapsedMilliseconds.load(ordering: .relaxed) / 1000 }

    /// The engine's clock.
    var instant: ContinuousClock.Instant { base + .milliseconds(elapsedMilliseconds.load(ordering: .relaxed)) }

    /// Sets the time to `milliseconds` after the epoch (never backwards).
    func set(millisecondsSinceEpoch milliseconds: Int64) {
        _ = elapsedMilliseconds.max(milliseconds, ordering: .relaxed)
    }
}
