import Foundation
import Outbound

/// POSTs one JSON object per record to a URL (ntfy, Home Assistant, anything that takes JSON). It tells about
/// footage rather than carrying it: of an event folder only its event.json is posted (with the car's reason,
/// city and coordinates); the event's clips and thumbnail are acknowledged without a post.
public struct WebhookSink: Sink {
    public let name: String
    public var type: String { "webhook" }
    public var peer: PeerAddress? { PeerAddress(url: url) }
    public let url: String
    /// Sent as `Authorization: Bearer …`; never logged.
    let token: String?

    public init(name: String, url: String, token: String? = nil) {
        self.name = name
        self.url = url
        self.token = token
    }

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        if case let .file(archivePath, _, _, _, _) = record.content, let file = FileRecord(archivePath: archivePath),
           file.event != nil, file.role != .eventDescription {
            return
        }
        let body = RecordMessage.json(RecordMessage.fields(record, sink: name))
        try transfer.pace(body.count)
        try post(body)
    }

    public func check() throws(SinkError) {
        try post(RecordMessage.json(["kind": "test", "sink": name, "message": "teslacam sinks test"]))
    }

    private func post(_ body: [UInt8]) throws(SinkError) {
        var headers = ["Content-Type: application/json"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        let response = try HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: 30).send()
        if let failure = Self.failure(status: response.status, retryAfter: response.retryAfter, url: url) {
            throw failure
        }
    }

    /// What an HTTP status means: 2xx delivered; 408, 429 and 5xx later (Retry-After wins); other answers need
    /// the owner (a wrong URL or token).
    public static func failure(status: Int, retryAfter: Double?, url: String) -> SinkError? {
        let shown = HTTPRequest.redacted(url)
        switch status {
        case 200..<300: return nil
        case 401, 403:
            return .permanent("the webhook \(shown) answered \(status) (\(status == 401 ? "unauthorized" : "forbidden")): "
                              + "check its token (tokenFile or tokenEnv)")
        case 404, 410: return .permanent("the webhook \(shown) answered \(status): no such endpoint, check the url")
        case 408, 425, 429: return .transient("the webhook \(shown) answered \(status): busy", retryAfter: retryAfter)
        case 500..<600: return .transient("the webhook \(shown) answered \(status)", retryAfter: retryAfter)
        default: return .permanent("the webhook \(shown) refused the record with status \(status)")
        }
    }
}
