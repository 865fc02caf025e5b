import Foundation
import Logging
import PostgresNIO

/// One PATCH's hold on its upload, shared by every instance through PostgreSQL: two PATCHes of the same upload
/// (a client retrying on another instance while its first request still runs, a load balancer splitting them)
/// would otherwise both append to the same part numbers. The hold is a row with an expiry that the holder renews
/// while bytes arrive and before every write to the store (the fence); an instance killed mid-PATCH frees the
/// upload once its row expires. A holder that finds its row taken stops without writing anything more.
struct UploadLease: Sendable {
    let catalog: FleetCatalog
    let id: String
    let holder: String
    let seconds: Int64

    /// Takes the upload for this PATCH, or nil if another PATCH (on any instance) holds it.
    static func acquire(_ id: String, catalog: FleetCatalog, seconds: Int64) async throws -> UploadLease? {
        let holder = TusService.newID()
        let lease = UploadLease(catalog: catalog, id: id, holder: holder, seconds: seconds)
        let logger = catalog.logger
        let client = catalog.client
        let duration = Double(seconds)
        let taken = try await catalog.bounded(seconds: 5) {
            let rows = try await client.query("""
                INSERT INTO upload_leases (id, holder, until) VALUES (\(id), \(holder), clock_timestamp() + make_interval(secs => \(duration)))
                ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                WHERE upload_leases.until < clock_timestamp()
                RETURNING holder
                """, logger: logger)
            for try await row in rows.decode(String.self) { return row == holder }
            return false
        }
        return taken ? lease : nil
    }

    /// Extends the hold; false if it was lost (it expired and another PATCH took the upload).
    func renew() async throws -> Bool {
        let (client, logger, id, holder, duration) = (catalog.client, catalog.logger, id, holder, Double(seconds))
        return try await catalog.bounded(seconds: 5) {
            let rows = try await client.query("""
                UPDATE upload_leases SET until = clock_timestamp() + make_interval(secs => \(duration))
                WHERE id = \(id) AND holder = \(holder) RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// Frees the upload for the next PATCH (best effort: an unreleased row expires by itself).
    func release() async {
        let (client, logger, id, holder) = (catalog.client, catalog.logger, id, holder)
        _ = try? await catalog.bounded(seconds: 5) {
            try await client.query("DELETE FROM upload_leases WHERE id = \(id) AND holder = \(holder)", logger: logger)
        }
    }
}
