import Foundation

/// `/status`: whether the object store and the catalog answer now, and how many devices the catalog has seen.
struct IngestStatus {
    var storage: String
    var catalog: String
    var devicesSeen: Int?
    var acks: Double

    var healthy: Bool { storage == "ok" && catalog == "ok" }

    static func check(store: ObjectStore, catalog: FleetCatalog, metrics: IngestMetrics) async -> IngestStatus {
        var status = IngestStatus(storage: "ok", catalog: "ok", devicesSeen: nil, acks: metrics.value("teslacam_ingest_reliable_acks_total"))
        do { try await store.checkBucket() } catch { status.storage = "\(error)" }
        do { status.devicesSeen = try await catalog.devicesSeen() } catch { status.catalog = "cannot query PostgreSQL: \(error)" }
        return status
    }

    var json: String {
        var object: [String: Any] = ["healthy": healthy, "storage": storage, "catalog": catalog, "acknowledgedSinceStart": Int(acks)]
        if let devicesSeen { object["devicesSeen"] = devicesSeen }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data(), as: UTF8.self)
    }
}
