import Catalog
import Outbound

/// What an owner can do with sinks, for `teslacam sinks` and the web UI: see them, switch them, retry a stopped
/// one, test one. Switches are written to the catalog, so a running daemon sees them at its next look.
public struct SinkControl: Sendable {
    public let catalog: ClipCatalog
    /// The config's sinks, in its order.
    public let sinks: [any Sink]
    /// The running uploader's online check (nil outside the daemon).
    public let reachability: SinkReachability?

    public init(catalog: ClipCatalog, sinks: [any Sink], reachability: SinkReachability? = nil) {
        self.catalog = catalog
        self.sinks = sinks
        self.reachability = reachability
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownSink(String, known: [String])

        public var description: String {
            switch self {
            case let .unknownSink(name, known):
                "no sink is named \(name)" + (known.isEmpty ? " (the config defines none)"
                    : " (the config defines \(known.joined(separator: ", ")))")
            }
        }
    }

    public func status() throws -> [SinkSummary] { try catalog.sinkSummaries(sinks.map(\.name)) }

    public func setEnabled(_ name: String, _ enabled: Bool) throws {
        _ = try sink(name)
        try catalog.setSink(name, enabled: enabled)
    }

    /// Clears a stop and makes every pending job of the sink due now; returns how many.
    public func retry(_ name: String) throws -> Int {
        _ = try sink(name)
        return try catalog.retrySink(name)
    }

    /// Reaches the sink with a tiny object of its own; nil when it works, else what is wrong.
    public func test(_ name: String) throws -> SinkError? {
        do { try sink(name).check() } catch let error as SinkError { return error }
        return nil
    }

    /// `teslacam sinks check`: every sink (or the one named) reached with a probe of its own, one after another.
    public func check(_ name: String? = nil) throws -> [SinkCheck] { try SinkCheck.all(sinks, only: name) }

    func sink(_ name: String) throws(Failure) -> any Sink {
        guard let sink = sinks.first(where: { $0.name == name }) else {
            throw .unknownSink(name, known: sinks.map(\.name))
        }
        return sink
    }
}

