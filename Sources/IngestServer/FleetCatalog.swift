import Foundation
import Ingest
import Logging
import PostgresNIO

/// The fleet's catalog in PostgreSQL: devices, uploads, clips (what is stored, by device + path + sha256, the
/// idempotency key) and events (the event.json fields a board sent with an event folder's files).
struct FleetCatalog: Sendable {
    let client: PostgresClient
    let logger: Logger

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS devices (id text PRIMARY KEY, first_seen timestamptz NOT NULL DEFAULT now(),
            last_seen timestamptz NOT NULL DEFAULT now(), uploads bigint NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE IF NOT EXISTS uploads (id text PRIMARY KEY, device text NOT NULL REFERENCES devices(id),
            path text NOT NULL, kind text NOT NULL, sha256 text NOT NULL, length bigint NOT NULL,
            created timestamptz NOT NULL DEFAULT now(), completed timestamptz, terminated timestamptz)
        """,
        """
        CREATE TABLE IF NOT EXISTS clips (device text NOT NULL REFERENCES devices(id), path text NOT NULL,
            sha256 text NOT NULL, size bigint NOT NULL, kind text NOT NULL, object_key text NOT NULL,
            upload_id text, stored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (device, path, sha256))
        """,
        """
        CREATE TABLE IF NOT EXISTS events (device text NOT NULL REFERENCES devices(id), folder text NOT NULL,
            kind text NOT NULL, fields jsonb NOT NULL DEFAULT '{}', first_seen timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (device, folder))
        """,
        // Which PATCH holds an upload, across instances (UploadLease), and the per-device rate buckets that every
        // instance charges (SharedRateLimits): the only state instances share besides the bucket.
        // When the sweep (UploadSweep) last looked at an open upload: it takes the least recently checked first.
        "ALTER TABLE uploads ADD COLUMN IF NOT EXISTS checked timestamptz",
        "CREATE TABLE IF NOT EXISTS upload_leases (id text PRIMARY KEY, holder text NOT NULL, until timestamptz NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS rate_buckets (device text NOT NULL, resource text NOT NULL, tokens float8 NOT NULL,
            updated timestamptz NOT NULL, refused boolean NOT NULL DEFAULT false, PRIMARY KEY (device, resource))
        """,
    ]

    /// Creates the tables once; an advisory lock keeps two instances starting together from racing.
    func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(7013)", logger: logger)
            do {
                for statement in Self.schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7013)", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(7013)", logger: logger)
        }
    }

    func seen(device: String) async throws {
        try await bounded { try await client.query("""
            INSERT INTO devices (id) VALUES (\(device))
            ON CONFLICT (id) DO UPDATE SET last_seen = now()
            """, logger: logger) }
    }

    /// Whether this device already stored this path with this content: the upload is then acknowledged at once.
    func isStored(device: String, path: String, sha256: String) async throws -> Bool {
        try await bounded { try await lookUp(device: device, path: path, sha256: sha256) }
    }

    private func lookUp(device: String, path: String, sha256: String) async throws -> Bool {
        let rows = try await client.query("""
            SELECT 1 FROM clips WHERE device = \(device) AND path = \(path) AND sha256 = \(sha256)
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    func created(_ state: UploadState) async throws {
        try await bounded { try await client.query("""
            INSERT INTO uploads (id, device, path, kind, sha256, length) VALUES
            (\(state.id), \(state.device), \(state.path), \(state.kind.rawValue), \(state.sha256), \(state.length))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger) }
    }

    /// The upload's file is stored: catalogue it (idempotent: the same key twice is one clip).
    func stored(_ state: UploadState) async throws {
        try await bounded { try await record(state) }
    }

    private func record(_ state: UploadState) async throws {
        let folder = state.path.split(separator: "/").dropLast().joined(separator: "/")
        let fields = state.metadata.filter { !["path", "kind", "sha256", "filename", "filetype"].contains($0.key) }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("""
                    INSERT INTO clips (device, path, sha256, size, kind, object_key, upload_id) VALUES
                    (\(state.device), \(state.path), \(state.sha256), \(state.length), \(state.kind.rawValue), \(state.objectKey), \(state.id))
                    ON CONFLICT (device, path, sha256) DO NOTHING
                    """, logger: logger)
                try await connection.query("UPDATE uploads SET completed = now() WHERE id = \(state.id)", logger: logger)
                try await connection.query("UPDATE devices SET uploads = uploads + 1, last_seen = now() WHERE id = \(state.device)", logger: logger)
                if !fields.isEmpty || state.kind != .recent {
                    try await connection.query("""
                        INSERT INTO events (device, folder, kind, fields) VALUES (\(state.device), \(folder), \(state.kind.rawValue), \(json)::jsonb)
                        ON CONFLICT (device, folder) DO UPDATE SET fields = events.fields || EXCLUDED.fields
                        """, logger: logger)
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    func terminated(_ id: String) async throws {
        try await bounded { try await client.query("UPDATE uploads SET terminated = now() WHERE id = \(id)", logger: logger) }
    }

    /// Up to `limit` open uploads (neither completed nor terminated), least recently checked first, marked checked
    /// now: instances sweeping at the same moment take different ones (SKIP LOCKED).
    func claimForSweep(limit: Int) async throws -> [String] {
        try await bounded { try await claim(limit: limit) }
    }

    private func claim(limit: Int) async throws -> [String] {
        let rows = try await client.query("""
            UPDATE uploads SET checked = now() WHERE id IN (
                SELECT id FROM uploads WHERE completed IS NULL AND terminated IS NULL
                ORDER BY checked NULLS FIRST, created LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING id
            """, logger: logger)
        var ids: [String] = []
        for try await id in rows.decode(String.self) { ids.append(id) }
        return ids
    }

    /// An upload acknowledged at its creation (already stored) is no longer open.
    func closed(_ id: String) async throws {
        try await bounded { try await client.query("UPDATE uploads SET completed = coalesce(completed, now()) WHERE id = \(id)", logger: logger) }
    }

    func devicesSeen() async throws -> Int {
        try await bounded { try await countDevices() }
    }

    private func countDevices() async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM devices", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    struct Unavailable: Error, CustomStringConvertible {
        var seconds: Int
        var description: String { "PostgreSQL did not answer within \(seconds) s" }
    }

    /// A catalog call that gives up: the pool waits for a connection without end while PostgreSQL is down, and a
    /// request must get its 503 instead.
    func bounded<T: Sendable>(seconds: Int = 10, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw Unavailable(seconds: seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
