import Synchronization

/// A few recently used values by key, the least recently used dropped past `capacity`: what the clip routes keep
/// between the range requests of one video element (a moov's patches, a live clip's index).
final class RecentCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let capacity: Int
    private let state = Mutex<(values: [Key: Value], order: [Key])>(([:], []))

    init(capacity: Int) { self.capacity = max(1, capacity) }

    subscript(key: Key) -> Value? {
        get {
            state.withLock { state in
                guard let value = state.values[key] else { return nil }
                state.order.removeAll { $0 == key }
                state.order.append(key)
                return value
            }
        }
        set {
            state.withLock { state in
                state.order.removeAll { $0 == key }
                guard let newValue else { state.values[key] = nil; return }
                state.values[key] = newValue
                state.order.append(key)
                while state.order.count > capacity { state.values[state.order.removeFirst()] = nil }
            }
        }
    }
}
