import Synchronization
import Volume

/// Samples the engine's counters to tell whether the car is there and writing, its write rate and its last flush.
/// Pure bookkeeping over `observe` calls (the server calls it once a second); time is passed in.
public struct CarActivityWindow: Sendable {
    struct Sample: Sendable { var at: Double; var written: UInt64; var read: UInt64; var flushes: UInt64 }
    private var samples: [Sample] = []
    private(set) var lastWriteAt: Double?
    private(set) var lastIOAt: Double?
    private(set) var lastFlushAt: Double?

    public init() {}

    public mutating func observe(written: UInt64, read: UInt64, flushes: UInt64, at now: Double) {
        if let last = samples.last {
            if written != last.written { lastWriteAt = now }
            if written != last.written || read != last.read { lastIOAt = now }
            if flushes != last.flushes { lastFlushAt = now }
        }
        samples.append(Sample(at: now, written: written, read: read, flushes: flushes))
        samples.removeAll { now - $0.at > 5.5 }
    }

    /// Bytes per second over the window (up to 5 s).
    public var writeRate: Double {
        guard let first = samples.first, let last = samples.last, last.at > first.at else { return 0 }
        return Double(last.written &- first.written) / (last.at - first.at)
    }

    /// The car wrote within the rate's window: "recording" never shows beside a write rate of 0 B/s.
    public func writing(at now: Double) -> Bool { lastWriteAt.map { now - $0 <= 5.5 } ?? false }
    /// Writing with a rate to show: what the pages call recording (a clip left open by an idle car is not live).
    public func recording(at now: Double) -> Bool { writing(at: now) && writeRate > 0 }
    public func secondsSinceWrite(at now: Double) -> Double? { lastWriteAt.map { now - $0 } }
    public func connected(at now: Double) -> Bool { lastIOAt.map { now - $0 <= 30 } ?? false }
    public func secondsSinceFlush(at now: Double) -> Double? { lastFlushAt.map { now - $0 } }
}

/// The engine side of the Now page.
final class CarMonitor: Sendable {
    let engine: VolumeEngine
    private let window = Mutex(CarActivityWindow())

    init(engine: VolumeEngine) { self.engine = engine }

    func sample(at now: Double) {
        let stats = engine.statistics
        window.withLock { $0.observe(written: stats.carBytesWritten, read: stats.carBytesRead, flushes: stats.flushRequests, at: now) }
    }

    var current: CarActivityWindow { window.withLock { $0 } }
}
