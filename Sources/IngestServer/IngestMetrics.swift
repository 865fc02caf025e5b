import Foundation
import NIOCore
import Synchronization

/// Counters in Prometheus's text format, after Fleet Telemetry's names where they fit (connections, records and
/// bytes by kind, reliable acks, rate-limit hits, errors). Hand-written: a handful of counters do not need the
/// swift-metrics stack in this binary.
final class IngestMetrics: Sendable {
    private struct Key: Hashable { var name: String; var labels: String }
    private let counters = Mutex<[Key: Double]>([:])
    /// Connections open now (by channel), so each is counted once however many requests it carries.
    private let open = Mutex<Set<ObjectIdentifier>>([])

    static let help: [String: String] = [
        "teslacam_ingest_requests_total": "tus requests answered, by method and status",
        "teslacam_ingest_connections_total": "TLS connections that presented a device certificate",
        "teslacam_ingest_records_total": "files acknowledged (stored and catalogued), by kind",
        "teslacam_ingest_bytes_total": "bytes received in PATCH bodies, by kind",
        "teslacam_ingest_reliable_acks_total": "final 204s sent after the object was stored and catalogued, by kind",
        "teslacam_ingest_already_stored_total": "uploads acknowledged at once: same device, path and sha256 stored before",
        "teslacam_ingest_rate_limit_hits_total": "requests answered 429, by limit",
        "teslacam_ingest_errors_total": "requests refused or failed, by reason",
        "teslacam_ingest_dispatch_errors_total": "records a dispatcher could not deliver, by dispatcher",
        "teslacam_ingest_verified_total": "acknowledged files checked against their sha256, by how: as received (stream) or read back",
        "teslacam_ingest_step_seconds_total": "seconds spent in each step of handling uploads (where an upload's time goes), by step",
    ]

    func add(_ name: String, _ labels: [(String, String)] = [], _ amount: Double = 1) {
        let text = labels.map { "\($0.0)=\"\($0.1.replacingOccurrences(of: "\"", with: "'"))\"" }.joined(separator: ",")
        counters.withLock { $0[Key(name: name, labels: text), default: 0] += amount }
    }

    /// A device's connection, seen at its first request.
    func saw(connection channel: any Channel) {
        let id = ObjectIdentifier(channel)
        guard open.withLock({ $0.insert(id).inserted }) else { return }
        add("teslacam_ingest_connections_total")
        channel.closeFuture.whenComplete { _ in _ = self.open.withLock { $0.remove(id) } }
    }

    /// Adds the seconds since `start` to the step's total.
    func time(_ step: String, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        add("teslacam_ingest_step_seconds_total", [("step", step)], Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func value(_ name: String) -> Double { counters.withLock { $0.filter { $0.key.name == name }.values.reduce(0, +) } }

    func exposition() -> String {
        let snapshot = counters.withLock { $0 }
        var out = ""
        for name in Self.help.keys.sorted() {
            out += "# HELP \(name) \(Self.help[name]!)\n# TYPE \(name) counter\n"
            let series = snapshot.filter { $0.key.name == name }.sorted { $0.key.labels < $1.key.labels }
            if series.isEmpty { out += "\(name) 0\n" }
            for (key, value) in series {
                let shown = value == value.rounded() ? "\(Int(value))" : String(format: "%.3f", value)
                out += key.labels.isEmpty ? "\(name) \(shown)\n" : "\(name){\(key.labels)} \(shown)\n"
            }
        }
        return out
    }
}
