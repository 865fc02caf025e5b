import Foundation
import Synchronization
import Volume

/// Calls `VolumeEngine.settle()` twice a second on its own thread, so clips are judged complete once the car
/// stops writing them even if no further flush comes (the car parked or the recording ended).
final class Settler: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = Mutex<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(engine: VolumeEngine, interval: TimeInterval = 0.5) {
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: interval)
                if running.load(ordering: .relaxed) { engine.settle() }
            }
            done.signal()
        }
        thread.name = "teslacam-settle"
        thread.start()
    }

    /// Returns once the thread has made its last call; later calls return at once.
    func stop() {
        let first = finished.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        running.store(false, ordering: .relaxed)
        done.wait()
    }
}
