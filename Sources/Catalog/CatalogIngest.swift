import Dispatch
import Volume

/// Connects the engine's harvest events to the catalog on a serial queue of its own, so hashing a completed clip
/// never delays the car's next write.
public final class CatalogIngest: Sendable {
    public let catalog: ClipCatalog
    private let queue = DispatchQueue(label: "teslacam.catalog")

    public init(catalog: ClipCatalog, engine: VolumeEngine) {
        self.catalog = catalog
        engine.subscribe { [catalog, queue] events in
            queue.async { catalog.apply(events) }
        }
    }

    /// Waits until every event handed over so far is in the catalog.
    public func drain() { queue.sync {} }
}
