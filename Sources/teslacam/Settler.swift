import Foundation
import Synchronization
import Volume

/// The engine's clock-driven work, on its own thread: `VolumeEngine.settle()` twice a second, so clips are judged
/// complete once the car stops writing them even if no further flush comes (the car parked or the recording
/// ended), and `VolumeEngine.writeBackIfDue()` every 50 ms, so the car's unflushed writes (its `sync` sends no
/// SYNCHRONIZE CACHE) reach the board's disk soon after `writebackDelay` rather than at the next settle.
final class Settler: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = Mutex<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(engine: VolumeEngine, interval: TimeInterval = 0.5, writebackCheck: TimeInterval = 0.05) {
        let checksPerSettle = max(1, Int((interval / writebackCheck).rounded()))
        let thread = Thread { [self] in
            var checks = 0
            while running.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: writebackCheck)
                guard running.load(ordering: .relaxed) else { break }
                checks += 1
                if checks >= checksPerSettle {
                    checks = 0
                    engine.settle()  // includes the writeback check
                } else {
                    engine.writeBackIfDue()
                }
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
