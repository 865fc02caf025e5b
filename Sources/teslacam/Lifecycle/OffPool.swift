import FUSEMount
import Foundation
import Synchronization

/// Blocking work (joining threads, closing the engine, mounting) on a thread of its own: Swift's cooperative pool
/// has one thread per core, two on a small board, and a service blocking one would stall the service group.
enum OffPool {
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                // Created from a pool thread, which blocks nearly every signal: the daemon's own mask instead.
                StopSignals.maskLikeTheDaemon()
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.name = name
            thread.start()
        }
    }

    static func value<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                StopSignals.maskLikeTheDaemon()
                continuation.resume(returning: body())
            }
            thread.name = name
            thread.start()
        }
    }

    static func perform(_ name: String, _ body: @escaping @Sendable () -> Void) async {
        await value(name, body)
    }
}

/// A value set once (the first `fire` wins) that tasks can wait for.
final class Latch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = Mutex(State())

    init() {}

    var value: Value? { state.withLock { $0.value } }

    func fire(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    func wait() async -> Value {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
