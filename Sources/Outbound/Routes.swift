/// The config's `routes`: which named sinks each kind of record goes to (Fleet Telemetry's `records` map).
public struct Routes: Sendable, Equatable {
    public private(set) var sinksByKind: [RecordKind: [String]]

    public init(_ sinksByKind: [RecordKind: [String]] = [:]) {
        // A sink named twice for one kind would get the same file twice.
        var seen: [RecordKind: [String]] = [:]
        for (kind, sinks) in sinksByKind {
            var unique: [String] = []
            for sink in sinks where !unique.contains(sink) { unique.append(sink) }
            seen[kind] = unique
        }
        self.sinksByKind = seen
    }

    public func sinks(for kind: RecordKind) -> [String] { sinksByKind[kind] ?? [] }

    /// Every sink some route names.
    public var routedSinks: Set<String> { Set(sinksByKind.values.joined()) }

    /// Sinks a route names that no sink section defines, with the kind naming them (for the config's error).
    public func undefined(among defined: Set<String>) -> [(kind: RecordKind, sink: String)] {
        RecordKind.allCases.flatMap { kind in sinks(for: kind).filter { !defined.contains($0) }.map { (kind, $0) } }
    }
}
