/// Per-sample values of a reference clip kept as runs of equal values, as `stts` and `ctts` store them: the memory
/// grows with the runs the moov really holds (each one costs the moov 8 bytes), never with the samples a table
/// claims (a 100-byte `stts` can claim four billion).
struct SampleRuns<Value: Equatable & Sendable>: Sendable {
    /// Where each run ends (exclusive sample index).
    private var ends: [Int32] = []
    private var values: [Value] = []

    /// Samples held.
    var count: Int { Int(ends.last ?? 0) }
    var isEmpty: Bool { ends.isEmpty }

    /// Appends one sample's value; nothing past `Int32.max` samples.
    mutating func append(_ value: Value) {
        guard count < Int(Int32.max) else { return }
        if let last = values.last, last == value {
            ends[ends.count - 1] += 1
        } else {
            ends.append(Int32(count + 1))
            values.append(value)
        }
    }

    /// The value of sample `index` (0..<count; past the end, the last one's). Never asked of an empty list: a
    /// reference without timed samples is refused first.
    subscript(index: Int) -> Value {
        var low = 0, high = ends.count - 1
        while low < high {
            let middle = (low + high) / 2
            if Int(ends[middle]) > index { high = middle } else { low = middle + 1 }
        }
        return values[low]
    }

    /// Each run's value and length.
    var runs: [(value: Value, count: Int)] {
        ends.indices.map { (values[$0], Int(ends[$0]) - ($0 == 0 ? 0 : Int(ends[$0 - 1]))) }
    }

    func contains(where predicate: (Value) -> Bool) -> Bool { values.contains(where: predicate) }
}
