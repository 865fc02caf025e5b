import Foundation
import Ingest
import Logging
import Outbound

/// Fleet Telemetry's `records` map: each acknowledged file, as a JSON record, goes to the dispatchers its kind
/// names. A dispatcher's failure is logged and counted; it never takes back an ack (the file is stored).
struct RecordDispatch: Sendable {
    let dispatchers: [String: IngestConfig.Dispatcher]
    let records: [RecordKind: [String]]
    let logger: Logger
    let metrics: IngestMetrics

    func dispatch(_ state: UploadState) {
        let names = records[state.kind] ?? []
        guard !names.isEmpty else { return }
        var record: [String: Any] = ["device": state.device, "path": state.path, "kind": state.kind.rawValue,
                                     "sha256": state.sha256, "size": state.length, "objectKey": state.objectKey]
        record["fields"] = state.metadata.filter { !["path", "kind", "sha256"].contains($0.key) }
        guard let body = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        for name in names {
            switch name == "logger" ? .logger : dispatchers[name] {
            case .logger, nil:
                logger.info("record", metadata: ["record": .string(String(decoding: body, as: UTF8.self))])
            case let .webhook(url):
                let bytes = Array(body)
                Task {
                    do {
                        let response = try await CurlHTTP.send(method: "POST", url: url, headers: ["Content-Type: application/json"],
                                                               body: bytes, timeout: 30)
                        guard (200..<300).contains(response.status) else {
                            throw CurlHTTP.Failure(description: "HTTP \(response.status)")
                        }
                    } catch {
                        metrics.add("teslacam_ingest_dispatch_errors_total", [("dispatcher", name)])
                        logger.warning("dispatcher \(name) could not deliver \(state.device)/\(state.path): \(error)")
                    }
                }
            }
        }
    }
}
