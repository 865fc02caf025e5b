import Outbound
import Synchronization
import Volume

/// Whether the car is writing, from the engine's count of the car's written bytes: writing while the count
/// moved within the last `quietSeconds` (the car writes in bursts of 6–9 s each minute).
final class RecordingMonitor: Sendable {
    private let engine: VolumeEngine
    private let activity: Mutex<CarActivity>

    init(engine: VolumeEngine, quietSeconds: Double = 10) {
        self.engine = engine
        activity = Mutex(CarActivity(quietSeconds: quietSeconds))
    }

    var isWriting: Bool {
        let written = engine.statistics.carBytesWritten
        return activity.withLock { $0.observe(carBytesWritten: written, now: Self.monotonicSeconds()) }
    }

    private static let origin = ContinuousClock.now

    static func monotonicSeconds() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
