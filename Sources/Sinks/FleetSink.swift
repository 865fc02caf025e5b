import Crypto
import Foundation
import Outbound

/// Uploads archive files to a fleet ingest server (`teslacam-ingest`) with tus 1.0 over mutual TLS: the board's
/// certificate names it, each chunk carries a sha1 `Upload-Checksum`, and after any cut the upload continues
/// from the offset the server reports. A file counts as delivered only on the server's ack: the final `204` whose
/// `Upload-Offset` is the file's size, sent once the server has stored and catalogued it.
public struct FleetSink: Sink {
    public let name: String
    public var type: String { "fleet" }
    public var peer: PeerAddress? { PeerAddress(url: url) }
    /// The server's upload endpoint, `https://ingest.example.com:8443/files/`.
    public let url: String
    let certFile: String
    let keyFile: String
    let caFile: String
    /// Bytes per PATCH: at least the server's part size, so every chunk becomes one stored part.
    let chunkSize: Int
    /// Cuts in a row without progress before the delivery is handed back to the queue's backoff.
    let attempts: Int
    /// Where uploads under way are remembered (`STATE/sinks/<name>`), so a later delivery of the same file goes on
    /// from the server's offset; nil keeps them for one delivery only.
    let resumeDirectory: String?

    public init(name: String, url: String, certFile: String, keyFile: String, caFile: String,
                chunkSize: Int = 8 << 20, attempts: Int = 5, resumeDirectory: String? = nil) {
        self.name = name
        self.url = url.hasSuffix("/") ? url : url + "/"
        self.certFile = certFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.chunkSize = chunkSize
        self.attempts = attempts
        self.resumeDirectory = resumeDirectory
    }

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        guard case let .file(archivePath, source, _, sha256, size) = record.content else {
            throw .permanent("the fleet sink \(name) carries files, not alerts: route alerts to a webhook or logger sink")
        }
        let stateFile = resumeDirectory.map { FleetResumeState.file(in: $0, archivePath: archivePath, sha256: sha256) }
        let location = try resumeOrCreate(stateFile, archivePath: archivePath, source: source, kind: record.kind,
                                          sha256: sha256, size: size, transfer: transfer)
        var offset = location.offset
        guard offset < size else {
            if let stateFile { FleetResumeState.remove(stateFile) }
            return
        }
        let fd = open(source, O_RDONLY)
        guard fd >= 0 else { throw .transient("cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var failures = 0
        while offset < size {
            let count = Int(min(Int64(chunkSize), size - offset))
            var chunk = [UInt8](repeating: 0, count: count)
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            guard read == count else { throw .transient("cannot read \(source) at \(offset): the file is shorter than catalogued") }
            try transfer.pace(count)
            let checksum = Data(Insecure.SHA1.hash(data: chunk)).base64EncodedString()
            do {
                let response = try request("PATCH", location.url, headers: [
                    "Content-Type: application/offset+octet-stream", "Upload-Offset: \(offset)", "Upload-Checksum: sha1 \(checksum)",
                ], body: chunk, timeout: 300, waitingOut: transfer)
                switch response.status {
                case 204:
                    guard let next = response.headers["upload-offset"].flatMap({ Int64($0) }), next > offset || next == size else {
                        throw SinkError.transient("the fleet server answered a PATCH without moving the offset")
                    }
                    offset = next
                    failures = 0
                case 409, 460:
                    offset = try head(location.url, transfer: transfer)  // where the server really is (a resent or corrupted chunk)
                default:
                    throw Self.failure(response, url: url)
                }
            } catch let error as SinkError {
                if error.isPermanent { throw error }
                failures += 1
                guard failures < attempts else { throw error }
                // A cut: ask the server (any instance) where the upload is and go on from there.
                offset = (try? head(location.url, transfer: transfer)) ?? offset
            } catch {
                throw .transient("\(error)")
            }
        }
        if let stateFile { FleetResumeState.remove(stateFile) }
    }

    /// The upload a previous delivery of the same file left on the server, where the server says it stands; else
    /// a new one, remembered before any byte is sent.
    private func resumeOrCreate(_ stateFile: String?, archivePath: String, source: String, kind: RecordKind,
                                sha256: String, size: Int64, transfer: Transfer) throws(SinkError) -> (url: String, offset: Int64) {
        if let stateFile, let state = FleetResumeState.load(stateFile), state.size == size,
           state.archivePath == archivePath, state.sha256 == sha256 {
            let response = try request("HEAD", state.url, headers: [], waitingOut: transfer)
            if response.status == 200, let offset = response.headers["upload-offset"].flatMap({ Int64($0) }) {
                return (state.url, offset)
            }
            // Expired, removed or refused: the server's other answers say nothing about this file; start afresh.
            guard [404, 410, 403].contains(response.status) else { throw Self.failure(response, url: url) }
            FleetResumeState.remove(stateFile)
        }
        let location = try create(archivePath: archivePath, source: source, kind: kind, sha256: sha256, size: size, transfer: transfer)
        if let stateFile, location.offset < size {
            try FleetResumeState(archivePath: archivePath, sha256: sha256, size: size, url: location.url).save(stateFile)
        }
        return location
    }

    /// `teslacam sinks test`: the handshake with this board's certificate and the server's tus answer.
    public func check() throws(SinkError) {
        let response = try request("OPTIONS", url, headers: [])
        guard response.status == 204 || response.status == 200 else { throw Self.failure(response, url: url) }
    }

    private func create(archivePath: String, source: String, kind: RecordKind, sha256: String, size: Int64,
                        transfer: Transfer) throws(SinkError) -> (url: String, offset: Int64) {
        var metadata = [("path", archivePath), ("kind", kind.rawValue), ("sha256", sha256)]
        if let file = FileRecord(archivePath: archivePath), let event = file.event {
            metadata.append(("event", event))
            if file.role == .eventDescription { metadata += Self.eventFields(source) }
        }
        let header = metadata.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
        let response = try request("POST", url, headers: ["Upload-Length: \(size)", "Upload-Metadata: \(header)"], body: [],
                                   waitingOut: transfer)
        guard response.status == 201, let location = response.headers["location"] else { throw Self.failure(response, url: url) }
        let absolute = location.hasPrefix("http") ? location : Self.origin(of: url) + location
        // An already-stored file comes back with its whole length as the offset: acknowledged, nothing to send.
        return (absolute, response.headers["upload-offset"].flatMap { Int64($0) } ?? 0)
    }

    /// event.json's fields (reason, city, timestamp, coordinates) as `event.<key>` metadata, which the server
    /// catalogues with the event; bounded so the header stays far under the server's 4 KiB.
    static func eventFields(_ source: String) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: source), data.count < 16 << 10,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        var fields: [(String, String)] = []
        for key in object.keys.sorted() where key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            let value = object[key].map { "\($0)" } ?? ""
            guard value.utf8.count <= 200, fields.count < 16 else { continue }
            fields.append(("event.\(key)", value))
        }
        return fields
    }

    private func head(_ uploadURL: String, transfer: Transfer) throws(SinkError) -> Int64 {
        let response = try request("HEAD", uploadURL, headers: [], waitingOut: transfer)
        guard response.status == 200, let offset = response.headers["upload-offset"].flatMap({ Int64($0) }) else {
            throw Self.failure(response, url: url)
        }
        return offset
    }

    private func request(_ method: String, _ target: String, headers: [String], body: [UInt8] = [],
                         timeout: Double = 60, waitingOut transfer: Transfer? = nil) throws(SinkError) -> HTTPRequest.Response {
        var request = HTTPRequest(method: method, url: target, headers: ["Tus-Resumable: 1.0.0", "Expect:"] + headers,
                                  body: body, timeout: timeout)
        request.tls = (certFile, keyFile, caFile)
        var waited = 0.0
        while true {
            let response = try request.send()
            // Over the device's rate limit: wait as told and send the same request again. Handing a 429 back to
            // the queue lost the upload's place: the next attempt spent the one request the limit allowed on a
            // HEAD, and its PATCH was refused again, for ever. (A 503, the server's stores away, does go back to
            // the queue: it may last, and the sink's status should say so.)
            guard let transfer, response.status == 429,
                  let wait = response.retryAfter, wait >= 0, waited + wait <= Self.longestWait else { return response }
            let until = Date().timeIntervalSince1970 + wait
            while Date().timeIntervalSince1970 < until {
                if transfer.isStopping { throw .transient("the daemon is stopping") }
                Thread.sleep(forTimeInterval: min(0.2, max(0, until - Date().timeIntervalSince1970)))
            }
            waited += wait
        }
    }

    /// How long one request waits out Retry-After answers in place before the queue's backoff takes over.
    static let longestWait: Double = 300

    static func origin(of url: String) -> String {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else { return url }
        return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")
    }

    /// The server's words (its JSON `error`) with what they mean for the queue.
    static func failure(_ response: HTTPRequest.Response, url: String) -> SinkError {
        let words = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"] as? String
            ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        let shown = HTTPRequest.redacted(url)
        switch response.status {
        case 403: return .permanent("the fleet server \(shown) refused this board (403): \(words)")
        // The upload expired or was removed: the next delivery creates a new one.
        case 404, 410: return .transient("the fleet server \(shown) no longer has the upload (\(response.status)): \(words)")
        case 400, 412, 413, 415: return .permanent("the fleet server \(shown) refused the upload (\(response.status)): \(words)")
        case 429, 503: return .transient("the fleet server \(shown) asks to wait (\(response.status)): \(words)", retryAfter: response.retryAfter)
        default: return .transient("the fleet server \(shown) answered \(response.status): \(words)", retryAfter: response.retryAfter)
        }
    }
}
