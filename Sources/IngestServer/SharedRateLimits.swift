import Foundation
import Ingest
import Logging
import PostgresNIO
import Synchronization

/// Per-device rate limits that hold across instances: the token buckets live in PostgreSQL (`rate_buckets`), and
/// every instance charges the same row, so a device whose requests a load balancer spreads over three instances
/// gets its limit once, not three times. Bytes are charged in batches (`batch`) rather than per network read.
///
/// If PostgreSQL does not answer within a second, the instance's own buckets (RateLimiter) decide for it: a
/// catalog outage must not turn into refusing every request, and the upload itself cannot be acknowledged
/// without the catalog anyway.
final class SharedRateLimits: Sendable {
    let requestsPerMinute: Int64?
    let bytesPerSecond: Int64?
    private let catalog: FleetCatalog
    private let local: Mutex<RateLimiter>
    /// Bytes read but not yet charged, by device (this instance's share of the shared bucket's next charge).
    private let pending = Mutex<[String: Int]>([:])
    static let batch = 1 << 20

    init(_ limits: IngestConfig.RateLimit, catalog: FleetCatalog) {
        requestsPerMinute = limits.requestsPerMinute
        bytesPerSecond = limits.bytesPerSecond
        self.catalog = catalog
        local = Mutex(RateLimiter(requestsPerMinute: limits.requestsPerMinute, bytesPerSecond: limits.bytesPerSecond))
    }

    /// nil to admit a request, else the whole seconds until one is allowed (the Retry-After).
    func admit(device: String) async -> Int? {
        guard let requestsPerMinute else { return nil }
        let perMinute = Double(requestsPerMinute)
        do {
            let (refused, tokens) = try await charge(device: device, resource: "requests", capacity: perMinute, perSecond: perMinute / 60,
                                                     amount: 1, refuseBelow: true)
            return refused ? max(1, Int(((1 - tokens) * 60 / perMinute).rounded(.up))) : nil
        } catch {
            catalog.logger.debug("rate limits from this instance alone: \(error)")
            return local.withLock { $0.admit(device: device, now: TusService.now) }
        }
    }

    /// Takes `count` bytes of the device's allowance; how long to pause before reading more (seconds).
    func take(device: String, bytes count: Int) async -> Double {
        guard let bytesPerSecond else { return 0 }
        let due = pending.withLock { pending -> Int in
            pending[device, default: 0] += count
            guard pending[device]! >= Self.batch else { return 0 }
            return pending.removeValue(forKey: device)!
        }
        guard due > 0 else { return 0 }
        return await debt(device: device, bytes: due, rate: Double(bytesPerSecond))
    }

    /// Whether the device's byte allowance is so overdrawn that a new PATCH should come back later (seconds).
    func byteDebt(device: String) async -> Int? {
        guard let bytesPerSecond else { return nil }
        let wait = await debt(device: device, bytes: 0, rate: Double(bytesPerSecond))
        return wait > 1 ? Int(wait.rounded(.up)) : nil
    }

    private func debt(device: String, bytes: Int, rate: Double) async -> Double {
        do {
            let (_, tokens) = try await charge(device: device, resource: "bytes", capacity: rate, perSecond: rate, amount: Double(bytes), refuseBelow: false)
            return tokens < 0 ? -tokens / rate : 0
        } catch {
            catalog.logger.debug("rate limits from this instance alone: \(error)")
            return local.withLock { $0.take(device: device, bytes: bytes, now: TusService.now) }
        }
    }

    /// One atomic refill-and-take on the device's bucket. With `refuseBelow`, a take that would go under 0 takes
    /// nothing and is refused (requests); without, the bucket goes into debt (bytes already read).
    private func charge(device: String, resource: String, capacity: Double, perSecond: Double, amount: Double,
                        refuseBelow: Bool) async throws -> (refused: Bool, tokens: Double) {
        let (client, logger) = (catalog.client, catalog.logger)
        return try await catalog.bounded(seconds: 1) {
            // Every SET expression sees the row as it was: `refilled` is computed from the old tokens and time.
            let rows = try await client.query("""
                INSERT INTO rate_buckets AS b (device, resource, tokens, updated, refused)
                VALUES (\(device), \(resource), \(capacity) - \(amount), now(), false)
                ON CONFLICT (device, resource) DO UPDATE SET
                    tokens = CASE WHEN \(refuseBelow) AND LEAST(\(capacity), b.tokens + EXTRACT(EPOCH FROM now() - b.updated)::float8 * \(perSecond)) < \(amount)
                             THEN LEAST(\(capacity), b.tokens + EXTRACT(EPOCH FROM now() - b.updated)::float8 * \(perSecond))
                             ELSE LEAST(\(capacity), b.tokens + EXTRACT(EPOCH FROM now() - b.updated)::float8 * \(perSecond)) - \(amount) END,
                    refused = \(refuseBelow) AND LEAST(\(capacity), b.tokens + EXTRACT(EPOCH FROM now() - b.updated)::float8 * \(perSecond)) < \(amount),
                    updated = now()
                RETURNING refused, tokens
                """, logger: logger)
            for try await (refused, tokens) in rows.decode((Bool, Double).self) { return (refused, tokens) }
            return (false, capacity)
        }
    }
}
